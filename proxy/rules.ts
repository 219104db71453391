// The desired iptables state for Services, as one `iptables-restore --noflush` payload. PURE: no I/O,
// no clock; the same input always gives the same text (golden-tested).
//
// Shape (after kube-proxy's iptables mode; names carry our prefix, default K1S):
//
//   filter  OUTPUT, FORWARD  -> K1S-GUARD              REJECT whatever is still addressed to the service
//                                                      CIDR after NAT: a packet to a ClusterIP never
//                                                      leaves through the default route (fail closed).
//           OUTPUT, FORWARD  -> K1S-SERVICES (NEW)     REJECT clusterIP:port of services without endpoints
//           INPUT            -> K1S-NODEPORTS          ACCEPT the health check node ports of Local LoadBalancers
//           INPUT            -> K1S-EXTERNAL-SERVICES  REJECT node ports of services without endpoints
//           INPUT, OUTPUT    -> K1S-FIREWALL           CVE-2020-8558 (route_localnet) DROP
//           FORWARD          -> K1S-FORWARD            ACCEPT service traffic despite Docker's DROP policy
//   nat     PREROUTING, OUTPUT -> K1S-SERVICES -> K1S-SVC-<hash> -> K1S-SEP-<hash> (DNAT)
//                                 K1S-SERVICES (last rule, dst-type LOCAL) -> K1S-NODEPORTS -> K1S-SVC-...
//           POSTROUTING      -> K1S-POSTROUTING        MASQUERADE packets marked by K1S-MARK-MASQ
//
// Only chains with our prefix are ever written or deleted. Jumps from chains that are not ours (the
// built-ins) are inserted at the top with `-I CHAIN 1`, so they run before Docker's, and are only
// touched when they are missing, out of place or stale, so an idle sync does not rewrite them.
//
// Speed (issue 8: 1,000 Services x 5 endpoints, one endpoint moved): a RulePlanner, one per proxy,
// keeps each Service's rules until that Service or its slices change, and the chains of its last
// build; a build over those chains looks at the changed Services and the shared chains only. Its
// results are the same text as a fresh plan's (table-tested: test/unit/proxy/planner.test.ts).
import { createHash } from 'node:crypto';
import { isIPv4 } from '../src/api/names.js';
import type { EndpointSlice, Protocol, Service } from '../src/api/types.js';
import { endpointsByService, portKey, usableEndpoints } from './slices.js';
import { SERVICE_NAME_LABEL } from '../src/api/kinds/endpointslice.js';
import { loadBalancerSourceRanges } from '../src/api/kinds/service-lb.js';
import { parseIptablesSave, parseSave, tokenize, type ParsedSave, type SavedTable } from './iptables-save.js';

export { parseIptablesSave, ruleTarget, tokenize, type ParsedSave, type SavedRule, type SavedTable } from './iptables-save.js';

export interface ProxyConfig {
  /** Service (ClusterIP) range, e.g. 10.96.0.0/16. Everything in it that NAT did not translate is rejected. */
  serviceCIDR: string;
  /** Pod range, e.g. 10.244.0.0/16. ClusterIP traffic from outside it is masqueraded. */
  podCIDR: string;
  /** Chain prefix; default 'K1S'. */
  prefix?: string;
  /** Mark bit for "needs SNAT"; default 0x4000 (the bit kube-proxy uses). */
  masqueradeMark?: string;
}

export interface BuildInput {
  services: Service[];
  /** Every EndpointSlice (discovery.k8s.io/v1); a Service's are found by their service-name label. */
  slices: EndpointSlice[];
  /** Current `iptables-save` text (all tables), or that text already parsed with our rules skipped
   *  (parseIptablesSaveSliced(text, prefix), which the proxier runs without blocking its thread). */
  existing: string | ParsedSave;
  config: ProxyConfig;
  /** What this host's netfilter can do; SCTP ports are skipped (with a reason) without it. */
  host?: { sctp: boolean };
}

export interface BuildResult {
  /** The whole `*filter ... COMMIT\n*nat ... COMMIT\n` text for iptables-restore --noflush. */
  payload: string;
  /** "table/chain" -> number of rules, for each of our chains that has rules (compared with the
   *  kernel's counts, it tells a chain someone flushed or edited). */
  ruleCounts: Map<string, number>;
  /** Why the payload touches state outside our chains' content (jumps re-inserted, stale chains...). Empty when idle. */
  repairs: string[];
  /** Service ports or endpoints left out, and why (bad IP, IPv6, bad port). */
  skipped: string[];
  /** The service ports programmed, with their endpoints (the proxier diffs them to flush UDP conntrack). */
  servicePorts: ServicePortInfo[];
  /** "table/chain" -> that chain of ours as written (one rule spec a line): what a partial sync diffs against. */
  chains: Map<string, string>;
  stats: { servicePorts: number; endpoints: number; withoutEndpoints: number; nodePorts: number };
  /** What the filter table must hold, for the every-second tamper check (filterDrift). */
  filterCheck: FilterCheck;
}

/** Our filter chains' rule counts and the jumps wanted at the top of the built-in chains. */
export interface FilterCheck {
  counts: Map<string, number>;
  jumps: Map<string, Jump[]>;
}

// ---- names ----------------------------------------------------------------------------------

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding), without padding: we only keep a prefix. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

// Chain names are asked for every endpoint at every sync: remember them (bounded, so churn over
// months cannot grow it without end).
const names = new Map<string, string>();

function hash16(text: string): string {
  let h = names.get(text);
  if (h === undefined) {
    if (names.size >= 200_000) names.clear();
    h = base32(createHash('sha256').update(text).digest()).slice(0, 16);
    names.set(text, h);
  }
  return h;
}

/** kube-proxy's ServicePortName.String(): "ns/name:port", or "ns/name" when the port is unnamed. */
export function servicePortName(namespace: string, name: string, port: string | undefined): string {
  return `${namespace}/${name}${port ? `:${port}` : ''}`;
}

/** `<PREFIX>-SVC-` + 16 base32 chars of sha256(servicePortName + protocol): kube-proxy's scheme, 24 chars (max 28). */
export function serviceChainName(prefix: string, spn: string, protocol: string): string {
  return `${prefix}-SVC-${hash16(spn + protocol.toLowerCase())}`;
}

/** `<PREFIX>-EXT-` + the service chain's hash: where a LoadBalancer IP's traffic is masqueraded (or not) before the service chain. */
export function externalChainName(prefix: string, spn: string, protocol: string): string {
  return `${prefix}-EXT-${hash16(spn + protocol.toLowerCase())}`;
}

/** `<PREFIX>-FW-` + the service chain's hash: a LoadBalancer's loadBalancerSourceRanges. */
export function firewallChainName(prefix: string, spn: string, protocol: string): string {
  return `${prefix}-FW-${hash16(spn + protocol.toLowerCase())}`;
}

/** `<PREFIX>-SEP-` + 16 base32 chars of sha256(servicePortName + protocol + "ip:port"). */
export function endpointChainName(prefix: string, spn: string, protocol: string, endpoint: string): string {
  return `${prefix}-SEP-${hash16(spn + protocol.toLowerCase() + endpoint)}`;
}

/**
 * kube-proxy's load balancing: rule i of n (0-based) matches with probability 1/(n-i), so every
 * endpoint gets 1/n overall; the last rule matches unconditionally (no statistic match). Printed
 * with 10 decimals like kube-proxy ("%0.10f").
 */
export function endpointProbabilities(n: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < n; i++) out.push(i < n - 1 ? (1 / (n - i)).toFixed(10) : undefined);
  return out;
}

// ---- what the cluster asks for ----------------------------------------------------------------

export interface ServicePortInfo {
  spn: string; // "ns/name:port"
  clusterIP: string;
  port: number;
  protocol: string; // lower case: tcp, udp, sctp
  nodePort?: number;
  /** spec.externalIPs (IPv4 ones): the port answers on them too, from anywhere. */
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs (IPv4, ipMode VIP or unset) of a LoadBalancer: answered like external IPs. */
  loadBalancerIPs?: string[];
  /** loadBalancerSourceRanges (or the annotation), IPv4, normalized; empty: every source. */
  sourceRanges?: string[];
  /** externalTrafficPolicy Local: keep the client's address for node port and external IP traffic. */
  localOnly: boolean;
  /** sessionAffinity ClientIP: how long a client sticks to its endpoint. */
  affinitySeconds?: number;
  /** A Local LoadBalancer's spec.healthCheckNodePort, where the proxy's health check server answers. */
  healthCheckNodePort?: number;
  svcChain: string;
  endpoints: { addr: string; ip: string; chain: string }[]; // sorted by addr
}

const validPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/**
 * The ports of one Service with their endpoints, from that Service's own EndpointSlices only
 * (what makes a Service's rules depend on nothing but the Service, its slices and the config).
 */
function servicePortsOf(svc: Service, slices: EndpointSlice[], prefix: string, host: { sctp: boolean } | undefined, skipped: string[]): ServicePortInfo[] {
  const byService = endpointsByService(slices, skipped);
  const out: ServicePortInfo[] = [];
  const ns = svc.metadata.namespace ?? 'default';
  const clusterIP = svc.spec.clusterIP;
  // Headless and ExternalName services are DNS-only: no virtual IP to program.
  if (svc.spec.type === 'ExternalName' || !clusterIP || clusterIP === 'None') return out;
  if (!isIPv4(clusterIP)) {
    skipped.push(`${ns}/${svc.metadata.name}: clusterIP ${clusterIP} is not IPv4`);
    return out;
  }
  const withNodePorts = svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
  const externalIPs = [...new Set(svc.spec.externalIPs ?? [])].filter((ip) => {
    if (isIPv4(ip)) return true;
    skipped.push(`${ns}/${svc.metadata.name}: externalIP ${ip} is not IPv4`);
    return false;
  });
  const lb = loadBalancerOf(svc, skipped);
  // as kube-proxy's service info: only a LoadBalancer with externalTrafficPolicy Local has one
  const healthCheckNodePort = svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local' && validPort(svc.spec.healthCheckNodePort) ? svc.spec.healthCheckNodePort : undefined;
  const ports = byService.get(`${ns}/${svc.metadata.name}`);
  for (const sp of svc.spec.ports ?? []) {
    const protocol: Protocol = sp.protocol ?? 'TCP';
    const spn = servicePortName(ns, svc.metadata.name, sp.name);
    if (!validPort(sp.port)) {
      skipped.push(`${spn}: invalid port ${sp.port}`);
      continue;
    }
    if (protocol === 'SCTP' && !host?.sctp) {
      skipped.push(`${spn}: SCTP is not available in this kernel's netfilter (no sctp match)`);
      continue;
    }
    const info: ServicePortInfo = {
      spn,
      clusterIP,
      port: sp.port,
      protocol: protocol.toLowerCase(),
      nodePort: withNodePorts && validPort(sp.nodePort) ? sp.nodePort : undefined,
      externalIPs,
      ...lb,
      // internalTrafficPolicy Local needs no rule of its own: on one node every endpoint is
      // local, so "only local endpoints" is the same set as Cluster's.
      localOnly: svc.spec.externalTrafficPolicy === 'Local',
      affinitySeconds: svc.spec.sessionAffinity === 'ClientIP' ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined,
      healthCheckNodePort,
      svcChain: serviceChainName(prefix, spn, protocol),
      endpoints: [],
    };
    // Slice ports carry the service port's name (unnamed: undefined and '' are the same) and the
    // targetPort already resolved per pod.
    for (const e of usableEndpoints(ports?.get(portKey(sp.name, protocol)) ?? [])) {
      const addr = `${e.ip}:${e.port}`;
      info.endpoints.push({ addr, ip: e.ip, chain: endpointChainName(prefix, spn, protocol, addr) });
    }
    out.push(info);
  }
  return out;
}

/**
 * What the proxy programs for a LoadBalancer: only what its status says (whoever wrote it), as
 * kube-proxy: ingress IPs in ipMode VIP (Proxy mode means the balancer sends traffic to the node
 * itself), and the source ranges of the spec or the annotation, in this proxy's family (IPv4).
 */
function loadBalancerOf(svc: Service, skipped: string[]): { loadBalancerIPs: string[]; sourceRanges: string[] } {
  if (svc.spec.type !== 'LoadBalancer') return { loadBalancerIPs: [], sourceRanges: [] };
  const ips = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (!ing.ip || (ing.ipMode !== undefined && ing.ipMode !== 'VIP')) continue;
    if (isIPv4(ing.ip)) ips.add(ing.ip);
    else skipped.push(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}: load balancer IP ${ing.ip} is not IPv4`);
  }
  const ranges = new Set<string>();
  for (const r of loadBalancerSourceRanges(svc)) {
    const c = ipv4Network(r);
    if (c) ranges.add(c);
  }
  return { loadBalancerIPs: [...ips].sort(), sourceRanges: [...ranges] };
}

/** "10.1.2.3/8" -> "10.0.0.0/8" (as iptables prints it back); undefined for anything but an IPv4 CIDR. */
export function ipv4Network(cidr: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) return undefined;
  const bits = Number(m[2]);
  const n = m[1].split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const size = 2 ** (32 - bits);
  const base = n - (n % size);
  return `${[24, 16, 8, 0].map((sh) => Math.floor(base / 2 ** sh) % 256).join('.')}/${bits}`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const q = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;
const comment = (s: string): string => `-m comment --comment ${q(s)}`;

// ---- the rules --------------------------------------------------------------------------------

/** The one rule of each table's canary chain (as iptables -S prints it back). */
export const CANARY_RULE = '-j RETURN';

export interface Jump {
  target: string;
  /** Full rule spec (without "-A CHAIN"). */
  spec: string;
}

interface TablePlan {
  /** Our chains, with their rules (spec text after "-A CHAIN "), in output order. */
  chains: Map<string, string[]>;
  /** Jumps into our chains wanted at the top of foreign (built-in) chains, in order. */
  jumps: Map<string, Jump[]>;
}

/** The chains every service shares, with the prefix. */
type SharedChains = ReturnType<typeof sharedChains>;

function sharedChains(prefix: string) {
  return {
    guard: `${prefix}-GUARD`,
    services: `${prefix}-SERVICES`,
    external: `${prefix}-EXTERNAL-SERVICES`,
    firewall: `${prefix}-FIREWALL`,
    forward: `${prefix}-FORWARD`,
    nodeports: `${prefix}-NODEPORTS`,
    markMasq: `${prefix}-MARK-MASQ`,
    postrouting: `${prefix}-POSTROUTING`,
    canary: `${prefix}-CANARY`,
  };
}

/** Everything a service's rules depend on besides the Service and its slices. */
interface PlanContext {
  prefix: string;
  mark: string;
  serviceCIDR: string;
  podCIDR: string;
  sctp: boolean;
}

function planContext(input: Pick<BuildInput, 'config' | 'host'>): PlanContext {
  const { serviceCIDR, podCIDR } = input.config;
  return { prefix: input.config.prefix ?? 'K1S', mark: input.config.masqueradeMark ?? '0x4000', serviceCIDR, podCIDR, sctp: input.host?.sctp ?? false };
}

type Stats = BuildResult['stats'];

/**
 * One service port's share of the tables: the lines it appends to each chain (shared ones such as
 * K1S-SERVICES and its own K1S-SVC-/SEP-/EXT-/FW- chains), in the order it first touched them.
 * Replaying every port's pushes in service-port order gives exactly the tables a single pass gives.
 */
interface PortPlan {
  info: ServicePortInfo;
  pushes: Push[];
  stats: Omit<Stats, 'servicePorts'>;
  /** The pushes to its own chains (SVC/SEP/EXT/FW: no other port writes them), keyed and joined once. */
  own: (Push & { key: string; text: string })[];
  /** The pushes to the chains all ports share (K1S-SERVICES, K1S-NODEPORTS, K1S-EXTERNAL-SERVICES). */
  shared: Push[];
}

interface Push {
  table: 'filter' | 'nat';
  chain: string;
  lines: string[];
}

/** What one Service contributes: its ports' plans and the reasons something of it was left out. */
interface ServicePlan {
  ports: PortPlan[];
  skipped: string[];
}

function planService(svc: Service, slices: EndpointSlice[], ctx: PlanContext): ServicePlan {
  const skipped: string[] = [];
  const infos = servicePortsOf(svc, slices, ctx.prefix, { sctp: ctx.sctp }, skipped);
  return { ports: infos.map((sp) => planPort(sp, ctx)), skipped };
}

function planPort(sp: ServicePortInfo, ctx: PlanContext): PortPlan {
  const { prefix, podCIDR } = ctx;
  const C = sharedChains(prefix);
  const pushes: PortPlan['pushes'] = [];
  const touched = new Map<string, string[]>();
  const chainOf = (table: 'filter' | 'nat') => (chain: string): string[] => {
    let lines = touched.get(`${table}/${chain}`);
    if (!lines) {
      touched.set(`${table}/${chain}`, (lines = []));
      pushes.push({ table, chain, lines });
    }
    return lines;
  };
  const f = chainOf('filter');
  const n = chainOf('nat');
  const stats = { endpoints: 0, withoutEndpoints: 0, nodePorts: 0 };
  const proto = `-p ${sp.protocol} -m ${sp.protocol}`;
  const dst = `-d ${sp.clusterIP}/32 ${proto} --dport ${sp.port}`;
  const extDst = (ip: string) => `-d ${ip}/32 ${proto} --dport ${sp.port}`;
  if (sp.nodePort) stats.nodePorts++;
  // The health check server answers on the host itself: its port is let in even where INPUT's
  // policy is DROP, with endpoints or without (kube-proxy's filter KUBE-NODEPORTS).
  if (sp.healthCheckNodePort) {
    f(C.nodeports).push(`${comment(`${sp.spn} health check node port`)} -p tcp -m tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
  }
  if (sp.endpoints.length === 0) {
    // Nothing to DNAT to: refuse at once instead of letting the client wait for a timeout.
    stats.withoutEndpoints++;
    f(C.services).push(`${comment(`${sp.spn} has no endpoints`)} ${dst} -j REJECT`);
    // An external IP may be one of ours (INPUT) or routed through us (FORWARD, OUTPUT).
    for (const ip of sp.externalIPs) {
      f(C.external).push(`${comment(`${sp.spn} has no endpoints`)} ${extDst(ip)} -j REJECT`);
      f(C.services).push(`${comment(`${sp.spn} has no endpoints`)} ${extDst(ip)} -j REJECT`);
    }
    if (sp.nodePort) {
      f(C.external).push(
        `${comment(`${sp.spn} has no endpoints`)} -m addrtype --dst-type LOCAL ${proto} --dport ${sp.nodePort} -j REJECT`,
      );
    }
    loadBalancerRules(sp, prefix, C, n, f);
    return { info: sp, pushes, stats, ...splitChains(pushes, C) };
  }
  stats.endpoints += sp.endpoints.length;
  n(C.services).push(`${comment(`${sp.spn} cluster IP`)} ${dst} -j ${sp.svcChain}`);
  for (const ip of sp.externalIPs) {
    const ext = `${comment(`${sp.spn} external IP`)} ${extDst(ip)}`;
    // Cluster policy: masquerade, so replies come back through us whatever route the client took.
    // Local policy: keep the client's address (every endpoint is local on one node); only the
    // host's own connections are masqueraded, as kube-proxy does for LOCAL sources.
    n(C.services).push(sp.localOnly ? `${ext} -m addrtype --src-type LOCAL -j ${C.markMasq}` : `${ext} -j ${C.markMasq}`);
    n(C.services).push(`${ext} -j ${sp.svcChain}`);
  }
  loadBalancerRules(sp, prefix, C, n, f);
  const svc = n(sp.svcChain);
  // Masquerade only where needed: clients outside the pod network (the host itself, other hosts)
  // are masqueraded so the endpoint's reply comes back through this host and is un-NATed; pods
  // keep their address (except hairpin, in the endpoint chain).
  svc.push(`${comment(`${sp.spn} cluster IP`)} ! -s ${podCIDR} ${dst} -j ${C.markMasq}`);
  // ClientIP affinity: a client seen recently by an endpoint goes back to it (kube-proxy's
  // `recent` list per endpoint chain, refreshed by --set at each new connection, reaped when old).
  if (sp.affinitySeconds !== undefined) {
    for (const e of sp.endpoints) {
      svc.push(`${comment(`${sp.spn} -> ${e.addr}`)} -m recent --name ${e.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${e.chain}`);
    }
  }
  const probs = endpointProbabilities(sp.endpoints.length);
  sp.endpoints.forEach((e, i) => {
    const stat = probs[i] ? ` -m statistic --mode random --probability ${probs[i]}` : '';
    const remember = sp.affinitySeconds !== undefined ? ` -m recent --name ${e.chain} --set` : '';
    svc.push(`${comment(`${sp.spn} -> ${e.addr}`)}${stat} -j ${e.chain}`);
    n(e.chain).push(
      // Hairpin: a pod reaching itself through its service must see the reply come from the service.
      `${comment(sp.spn)} -s ${e.ip}/32 -j ${C.markMasq}`,
      `${comment(sp.spn)}${remember} ${proto} -j DNAT --to-destination ${e.addr}`,
    );
  });
  if (sp.nodePort) {
    const np = `${comment(sp.spn)} ${proto} --dport ${sp.nodePort}`;
    // Always masquerade 127.0.0.0/8 sources (route_localnet): the endpoint cannot answer 127.0.0.1.
    // externalTrafficPolicy Local keeps other client addresses (single node: every endpoint is local).
    n(C.nodeports).push(sp.localOnly ? `${np} -s 127.0.0.0/8 -j ${C.markMasq}` : `${np} -j ${C.markMasq}`);
    n(C.nodeports).push(`${np} -j ${sp.svcChain}`);
  }
  return { info: sp, pushes, stats, ...splitChains(pushes, C) };
}

function splitChains(pushes: Push[], C: SharedChains): Pick<PortPlan, 'own' | 'shared'> {
  const names = new Set<string>(Object.values(C));
  const own = pushes
    .filter((p) => !names.has(p.chain))
    .map((p) => {
      const text = p.lines.join('\n');
      joined.set(p.lines, text);
      return { ...p, key: `${p.table}/${p.chain}`, text };
    });
  return { own, shared: pushes.filter((p) => names.has(p.chain)) };
}

/** Two plans of one Service add the same lines to the shared chains, at the same place in the order. */
function sameShared(a: ServicePlan, b: ServicePlan): boolean {
  const same = (x: PortPlan, y: PortPlan) =>
    x.info.spn === y.info.spn &&
    x.info.protocol === y.info.protocol &&
    x.shared.length === y.shared.length &&
    x.shared.every((p, i) => p.table === y.shared[i].table && p.chain === y.shared[i].chain && p.lines.length === y.shared[i].lines.length && p.lines.every((l, j) => l === y.shared[i].lines[j]));
  return a.ports.length === b.ports.length && a.ports.every((p, i) => same(p, b.ports[i]));
}

/**
 * Plans the rules of each Service once and keeps them until the Service, its EndpointSlices or the
 * config change: the rules of a service port depend on nothing else (chain names are hashes of
 * its own names). A sync after one endpoint change then plans one Service instead of 1,000, and
 * the payload is the same text a fresh plan gives (table-tested against one). Keep one per proxy.
 */
export class RulePlanner {
  /** Services planned afresh and served from memory by the last call (observability, tests). */
  planned = 0;
  reused = 0;
  /** Whether the last partial build looked at the changed Services only. */
  incremental = false;
  private memo = new Map<string, { fingerprint: string; plan: ServicePlan }>();
  private contextKey = '';

  /** The chains of the last build made with this planner: a partial build over exactly them only
   *  looks at the services planned afresh (and at the chains all services share). */
  lastChains: Map<string, string> | undefined;
  /** That build's filter check, jumps and whether it had DOCKER-USER: unchanged while the shared chains are. */
  last: { filterCheck: FilterCheck; jumps: Map<string, Map<string, Jump[]>>; dockerUser: boolean } | undefined;

  /**
   * Every service port's plan, sorted by service port name and protocol, and what was skipped; and
   * what changed since the last call: each Service planned afresh or gone, with its plans before
   * and after (`duplicates`: a Service listed twice, whose chains only a complete pass gets right).
   */
  plans(services: Service[], slices: EndpointSlice[], ctx: PlanContext): Plans {
    const contextKey = JSON.stringify(ctx);
    if (contextKey !== this.contextKey) {
      this.memo.clear();
      this.lastChains = undefined;
      this.last = undefined;
    }
    this.contextKey = contextKey;
    this.planned = this.reused = 0;
    const slicesOf = slicesByService(slices);
    const next = new Map<string, { fingerprint: string; plan: ServicePlan }>();
    const ports: PortPlan[] = [];
    const skipped: string[] = [];
    const changes: Plans['changes'] = [];
    let duplicates = false;
    for (const svc of services) {
      const key = `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
      const own = slicesOf.get(key) ?? [];
      const fingerprint = fingerprintOf(svc, own);
      let entry = this.memo.get(key);
      if (entry?.fingerprint === fingerprint) this.reused++;
      else {
        const before = entry?.plan;
        entry = { fingerprint, plan: planService(svc, own, ctx) };
        changes.push({ before, after: entry.plan });
        this.planned++;
      }
      if (next.has(key)) duplicates = true;
      next.set(key, entry);
      ports.push(...entry.plan.ports);
      skipped.push(...entry.plan.skipped);
    }
    for (const [key, entry] of this.memo) if (!next.has(key)) changes.push({ before: entry.plan });
    // Services gone are forgotten: the memory holds what the cluster holds, no more.
    this.memo = next;
    ports.sort((a, b) => cmp(a.info.spn, b.info.spn) || cmp(a.info.protocol, b.info.protocol));
    return { ports, skipped, changes, duplicates };
  }
}

interface Plans {
  ports: PortPlan[];
  skipped: string[];
  changes: { before?: ServicePlan; after?: ServicePlan }[];
  duplicates: boolean;
}

/** "ns/service" -> its EndpointSlices (by the service-name label), sorted by name. */
function slicesByService(slices: EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  for (const list of out.values()) if (list.length > 1) list.sort((a, b) => cmp(a.metadata.name, b.metadata.name));
  return out;
}

/**
 * What identifies a Service's inputs: resourceVersions when every object has one (the API changes
 * it at every write, so equal versions are equal objects), else the objects' JSON (tests, benches).
 */
function fingerprintOf(svc: Service, slices: EndpointSlice[]): string {
  const rv = svc.metadata.resourceVersion;
  if (rv && slices.every((s) => s.metadata.resourceVersion)) {
    return `${svc.metadata.uid ?? ''}@${rv}|${slices.map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`).join(',')}`;
  }
  return JSON.stringify([svc, slices]);
}

function plan(
  input: Omit<BuildInput, 'existing'>,
  host: { dockerUser: boolean },
  planner: RulePlanner = new RulePlanner(),
): { tables: Map<string, TablePlan>; skipped: string[]; stats: Stats; ports: ServicePortInfo[]; duplicates: boolean } {
  const ctx = planContext(input);
  const plans = planner.plans(input.services, input.slices, ctx);
  return { ...assemble(ctx, host, plans.ports, false), skipped: plans.skipped, duplicates: plans.duplicates };
}

/**
 * The tables from every service port's plan, in service-port order, after the chains every sync
 * has. `sharedOnly`: the ports' own chains are left out (a partial build takes them from the
 * services that changed only).
 */
function assemble(
  ctx: PlanContext,
  host: { dockerUser: boolean },
  ports: PortPlan[],
  sharedOnly: boolean,
): { tables: Map<string, TablePlan>; stats: Stats; ports: ServicePortInfo[] } {
  const { prefix, mark, serviceCIDR, podCIDR } = ctx;
  const C = sharedChains(prefix);
  const jump = (target: string, text: string, match = ''): Jump => ({
    target,
    spec: `${match}${comment(`${prefix.toLowerCase()} ${text}`)} -j ${target}`,
  });
  // A chain only one service port writes (its own SVC/SEP chains) holds that port's memoized
  // lines array itself, not a copy: its joined text is then memoized too (textOf). Such an array
  // is borrowed: copied before anything is appended to it, so the memo never changes.
  const borrowed = new Set<string[]>();
  const chainIn = (t: TablePlan) => (chain: string): string[] => {
    let rules = t.chains.get(chain);
    if (!rules) t.chains.set(chain, (rules = []));
    else if (borrowed.has(rules)) t.chains.set(chain, (rules = [...rules]));
    return rules;
  };
  const append = (t: TablePlan, chain: string, lines: string[]): void => {
    if (t.chains.has(chain)) chainIn(t)(chain).push(...lines);
    else {
      t.chains.set(chain, lines);
      borrowed.add(lines);
    }
  };

  // filter -------------------------------------------------------------------------------------
  const filter: TablePlan = { chains: new Map(), jumps: new Map() };
  const f = chainIn(filter);
  // service rule translated are still addressed to the service CIDR.
  f(C.guard).push(`${comment('untranslated service traffic must not leave')} -d ${serviceCIDR} -j REJECT`);
  // A canary per table: nothing jumps here; its one rule missing means someone flushed the table
  // (or deleted our chains), which the proxier checks every second without reading the rest.
  f(C.canary).push(CANARY_RULE);
  f(C.services);
  f(C.external);
  f(C.nodeports);
  // CVE-2020-8558: route_localnet=1 (needed for 127.0.0.1:nodePort) would otherwise let other hosts
  // reach services bound to 127.0.0.1 by sending packets with a 127.x destination.
  f(C.firewall).push(
    `${comment('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
  );
  // Docker sets the FORWARD policy to DROP; service traffic that has to be forwarded (hairpin,
  // node ports reached from outside) must get through. First packets carry the masquerade mark;
  // later packets of a DNATed connection are ESTABLISHED.
  f(C.forward).push(
    `${comment('service traffic requiring SNAT')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `${comment('established service connections')} -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j ACCEPT`,
    // externalTrafficPolicy Local: the first packet is not marked (the client's address is kept),
    // so it is let through as what it is, a connection our NAT sent to a pod. Only service rules
    // DNAT to the pod range.
    `${comment('service traffic to pods keeping the client address')} -d ${podCIDR} -m conntrack --ctstate DNAT -j ACCEPT`,
  );
  filter.jumps.set('INPUT', [
    jump(C.firewall, 'firewall'),
    jump(C.nodeports, 'health check service ports'),
    jump(C.external, 'node ports without endpoints', '-m conntrack --ctstate NEW '),
  ]);
  filter.jumps.set('OUTPUT', [
    jump(C.guard, 'service guard'),
    jump(C.services, 'services without endpoints', '-m conntrack --ctstate NEW '),
    jump(C.firewall, 'firewall'),
  ]);
  filter.jumps.set('FORWARD', [
    jump(C.guard, 'service guard'),
    jump(C.services, 'services without endpoints', '-m conntrack --ctstate NEW '),
    jump(C.forward, 'forwarding rules'),
  ]);
  // Docker moves its own jumps (DOCKER-USER, DOCKER-ISOLATION-STAGE-1) and a new network's ACCEPT
  // rules above ours whenever a network is created, until our next sync repairs the order. Docker
  // keeps DOCKER-USER first in FORWARD and never flushes it, so the guard is jumped from there too:
  // forwarded traffic meets it first at every moment.
  if (host.dockerUser) filter.jumps.set('DOCKER-USER', [jump(C.guard, 'service guard')]);

  // nat ----------------------------------------------------------------------------------------
  const nat: TablePlan = { chains: new Map(), jumps: new Map() };
  const n = chainIn(nat);
  n(C.canary).push(CANARY_RULE);
  n(C.services);
  n(C.nodeports);
  n(C.markMasq).push(`-j MARK --or-mark ${mark}`);
  n(C.postrouting).push(
    `-m mark ! --mark ${mark}/${mark} -j RETURN`,
    // Clear the mark so an encapsulated or re-routed packet is not masqueraded twice.
    `-j MARK --xor-mark ${mark}`,
    `${comment('service traffic requiring SNAT')} -j MASQUERADE`,
  );
  nat.jumps.set('PREROUTING', [jump(C.services, 'service portals')]);
  nat.jumps.set('OUTPUT', [jump(C.services, 'service portals')]);
  nat.jumps.set('POSTROUTING', [jump(C.postrouting, 'postrouting rules')]);

  // every service port's share, in service-port order
  for (const p of ports) for (const { table, chain, lines } of sharedOnly ? p.shared : p.pushes) append(table === 'filter' ? filter : nat, chain, lines);
  // Must stay the last rule: node ports answer on every local address, 127.0.0.1 included.
  n(C.services).push(`${comment(`${prefix.toLowerCase()} service nodeports; must be last`)} -m addrtype --dst-type LOCAL -j ${C.nodeports}`);

  return { tables: new Map([['filter', filter], ['nat', nat]]), stats: statsOf(ports), ports: ports.map((p) => p.info) };
}

function statsOf(ports: PortPlan[]): Stats {
  const stats: Stats = { servicePorts: ports.length, endpoints: 0, withoutEndpoints: 0, nodePorts: 0 };
  for (const p of ports) {
    stats.endpoints += p.stats.endpoints;
    stats.withoutEndpoints += p.stats.withoutEndpoints;
    stats.nodePorts += p.stats.nodePorts;
  }
  return stats;
}

/**
 * A LoadBalancer port's rules, as kube-proxy's KUBE-EXT-/KUBE-FW- chains: ingressIP:port (an
 * address of this host, for k1s's own ServiceLB) goes to the external chain, which masquerades as
 * the policy says (Cluster: always, so replies come back through us; Local: only the host's own
 * connections, the client address is kept) and goes on to the service chain. With source ranges
 * it goes through the firewall chain first: allowed sources, and the host itself (its connections
 * to its own address come from that address, as kube-proxy lets node IPs through), go on; the rest
 * falls through un-DNATed and is dropped in the filter table. Without endpoints: REJECT.
 */
function loadBalancerRules(
  sp: ServicePortInfo,
  prefix: string,
  C: { services: string; external: string; markMasq: string },
  n: (chain: string) => string[],
  f: (chain: string) => string[],
): void {
  const lbIPs = sp.loadBalancerIPs ?? [];
  const ranges = sp.sourceRanges ?? [];
  if (lbIPs.length === 0) return;
  const proto = `-p ${sp.protocol} -m ${sp.protocol}`;
  const lbDst = (ip: string) => `-d ${ip}/32 ${proto} --dport ${sp.port}`;
  if (sp.endpoints.length === 0) {
    for (const ip of lbIPs) {
      f(C.external).push(`${comment(`${sp.spn} has no endpoints`)} ${lbDst(ip)} -j REJECT`);
      f(C.services).push(`${comment(`${sp.spn} has no endpoints`)} ${lbDst(ip)} -j REJECT`);
    }
    return;
  }
  const protoUpper = sp.protocol.toUpperCase();
  const ext = externalChainName(prefix, sp.spn, protoUpper);
  const fw = ranges.length > 0 ? firewallChainName(prefix, sp.spn, protoUpper) : undefined;
  const lbComment = comment(`${sp.spn} loadbalancer IP`);
  for (const ip of lbIPs) n(C.services).push(`${lbComment} ${lbDst(ip)} -j ${fw ?? ext}`);
  n(ext).push(
    sp.localOnly
      ? `${comment(`masquerade LOCAL traffic for ${sp.spn} external destinations`)} -m addrtype --src-type LOCAL -j ${C.markMasq}`
      : `${comment(`masquerade traffic for ${sp.spn} external destinations`)} -j ${C.markMasq}`,
    `${comment(sp.spn)} -j ${sp.svcChain}`,
  );
  if (!fw) return;
  const fwRules = n(fw);
  for (const r of ranges) fwRules.push(`${lbComment} -s ${r} -j ${ext}`);
  fwRules.push(`${lbComment} -m addrtype --src-type LOCAL -j ${ext}`);
  for (const ip of lbIPs) {
    const drop = `${comment(`${sp.spn} traffic not accepted by ${fw}`)} ${lbDst(ip)} -j DROP`;
    f(C.external).push(drop);
    f(C.services).push(drop);
  }
}

// A chain's rules as one text, by array: a memoized service port's chains are the same arrays
// from sync to sync, so their text is joined once (and compares with the last sync's at a glance).
// Only called once a plan is complete: no array is appended to after its text was taken.
const joined = new WeakMap<string[], string>();

function textOf(rules: string[]): string {
  let text = joined.get(rules);
  if (text === undefined) joined.set(rules, (text = rules.join('\n')));
  return text;
}

function chainTexts(tables: Map<string, TablePlan>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, t] of tables) for (const [chain, rules] of t.chains) out.set(`${name}/${chain}`, textOf(rules));
  return out;
}

export interface PartialResult {
  /** '' when nothing of ours changed: then nothing is written at all. */
  payload: string;
  chains: Map<string, string>;
  skipped: string[];
  stats: BuildResult['stats'];
  servicePorts: ServicePortInfo[];
  /** Chains rewritten and chains deleted by the payload. */
  changed: number;
  deleted: number;
  filterCheck: FilterCheck;
}

/**
 * kube-proxy's MinimizeIPTablesRestore: with what the last sync wrote (`written`, from a full
 * sync's or a partial sync's `chains`) taken as the kernel's state, write only the chains whose
 * rules changed, create the new ones and delete the ones gone. No iptables-save is read and no
 * foreign chain (jump) is touched: the periodic full sync and the canary check catch anything
 * someone else did. Only valid after a successful write of `written`.
 */
export function buildPartial(
  input: Omit<BuildInput, 'existing'> & { dockerUser: boolean },
  written: Map<string, string>,
  planner: RulePlanner = new RulePlanner(),
): PartialResult {
  const c = planChanges(input, written, planner);
  let payload = '';
  let changed = 0;
  let deleted = 0;
  for (const tableName of ['filter', 'nat']) {
    const d = (c.dirty.get(tableName) ?? []).sort();
    const g = (c.gone.get(tableName) ?? []).sort();
    if (d.length === 0 && g.length === 0) continue;
    changed += d.length;
    deleted += g.length;
    payload += `*${tableName}\n`;
    // Declaring flushes: the chains that jump to a gone chain are among the dirty ones (their
    // rules changed), so every reference is gone before the -X.
    for (const ch of [...d, ...g].sort()) payload += `:${ch} - [0:0]\n`;
    for (const ch of d) for (const r of c.lines(tableName, ch)) payload += `-A ${ch} ${r}\n`;
    for (const ch of g) payload += `-X ${ch}\n`;
    payload += 'COMMIT\n';
  }
  return { payload, chains: c.chains, skipped: c.skipped, stats: c.stats, servicePorts: c.ports, changed, deleted, filterCheck: c.filterCheck };
}

interface Changes {
  /** every chain of ours wanted ("table/chain" -> its rules, one a line) */
  chains: Map<string, string>;
  /** per table: the chains whose rules differ from `written`, and the chains of `written` no longer wanted */
  dirty: Map<string, string[]>;
  gone: Map<string, string[]>;
  /** a wanted chain's rules */
  lines(table: string, chain: string): string[];
  /** per table: the jumps wanted at the top of foreign chains */
  jumps: Map<string, Map<string, Jump[]>>;
  skipped: string[];
  stats: Stats;
  ports: ServicePortInfo[];
  filterCheck: FilterCheck;
  /** Whether the chains came from the changed Services only (and reached every chain otherwise). */
  quick: boolean;
}

/**
 * What the services ask for, compared with `written`. Over the planner's own last chains, only the
 * Services planned afresh (or gone) and the chains all services share can differ: 1 Service looked
 * at instead of 1,000 (and 7,000 chains). Else (another `written`, a Service listed twice) every
 * chain is compared.
 */
function planChanges(input: Omit<BuildInput, 'existing'> & { dockerUser: boolean }, written: Map<string, string>, planner: RulePlanner): Changes {
  const ctx = planContext(input);
  const host = { dockerUser: input.dockerUser };
  const incremental = written === planner.lastChains;
  const plans = planner.plans(input.services, input.slices, ctx);
  const quick = incremental && !plans.duplicates;
  planner.incremental = quick;
  // An endpoint moved (or nothing changed): the shared chains are as the last build left them, and
  // only the changed services' own chains are looked at.
  const last = planner.last;
  const sharedAsLast = quick && last?.dockerUser === input.dockerUser && plans.changes.every(({ before, after }) => before && after && sameShared(before, after));
  const { tables, stats, ports } = sharedAsLast
    ? { tables: new Map<string, TablePlan>(), stats: statsOf(plans.ports), ports: plans.ports.map((p) => p.info) }
    : assemble(ctx, host, plans.ports, quick);
  const dirty = new Map<string, string[]>();
  const gone = new Map<string, string[]>();
  let chains: Map<string, string>;
  if (quick) {
    chains = plans.changes.length === 0 ? written : new Map(written);
    for (const [key, text] of chainTexts(tables)) {
      if (written.get(key) !== text) addByTable(dirty, key);
      chains.set(key, text);
    }
    for (const { before, after } of plans.changes) {
      const keep = new Set(after?.ports.flatMap((p) => p.own.map((o) => o.key)) ?? []);
      for (const o of before?.ports.flatMap((p) => p.own) ?? []) {
        if (keep.has(o.key) || !chains.delete(o.key)) continue;
        addByTable(gone, o.key);
      }
      for (const o of after?.ports.flatMap((p) => p.own) ?? []) {
        if (written.get(o.key) !== o.text) addByTable(dirty, o.key);
        chains.set(o.key, o.text);
      }
    }
  } else {
    // One pass over each side ("table/chain" keys): the chains rewritten and the chains gone, per table.
    chains = chainTexts(tables);
    for (const [key, text] of chains) if (written.get(key) !== text) addByTable(dirty, key);
    for (const key of written.keys()) if (!chains.has(key)) addByTable(gone, key);
  }
  // A Service listed twice doubles its chains' rules, which its memoized chains do not show:
  // the next build must compare every chain again.
  planner.lastChains = plans.duplicates ? undefined : chains;
  const jumps = sharedAsLast ? last!.jumps : new Map([...tables].map(([t, plan]) => [t, plan.jumps]));
  const filterCheck = sharedAsLast ? last!.filterCheck : filterCheckOf(tables);
  planner.last = { filterCheck, jumps, dockerUser: input.dockerUser };
  const lines = (table: string, chain: string): string[] => tables.get(table)?.chains.get(chain) ?? linesOf(chains.get(`${table}/${chain}`) ?? '');
  return { chains, dirty, gone, lines, jumps, skipped: plans.skipped, stats, ports, filterCheck, quick };
}

/** Files a "table/chain" key's chain under its table. */
function addByTable(byTable: Map<string, string[]>, key: string): void {
  const slash = key.indexOf('/');
  const table = key.slice(0, slash);
  const list = byTable.get(table);
  if (list) list.push(key.slice(slash + 1));
  else byTable.set(table, [key.slice(slash + 1)]);
}

/** The number of rules in a chain's text (rules joined by newlines), without splitting it. */
function ruleCount(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** A chain's text (rules joined by newlines) as its rules. */
const linesOf = (text: string): string[] => (text === '' ? [] : text.split('\n'));

function filterCheckOf(tables: Map<string, TablePlan>): FilterCheck {
  const f = tables.get('filter')!;
  return { counts: new Map([...f.chains].map(([c, rules]) => [c, rules.length])), jumps: f.jumps };
}

/**
 * What is wrong in the filter table (`iptables-save -t filter` text) compared with what we wrote:
 * a chain of ours missing or with another rule count (K1S-GUARD flushed...), or our jumps not
 * first in a built-in chain (deleted, or pushed down by Docker). Empty when intact. The filter
 * table is small (our nat rules are the large part), so this is cheap enough to run every second.
 */
export function filterDrift(filterSave: string, check: FilterCheck, prefix = 'K1S'): string[] {
  const saved = parseIptablesSave(filterSave).get('filter');
  const problems: string[] = [];
  const counts = new Map<string, number>();
  for (const c of saved?.chains ?? []) if (c.startsWith(`${prefix}-`)) counts.set(c, 0);
  for (const r of saved?.rules ?? []) if (counts.has(r.chain)) counts.set(r.chain, counts.get(r.chain)! + 1);
  for (const [chain, n] of check.counts) {
    const have = counts.get(chain);
    if (have === undefined) problems.push(`filter ${chain}: missing`);
    else if (have !== n) problems.push(`filter ${chain}: ${have} rules, want ${n}`);
  }
  jumpRepairs(prefix, 'filter', saved, check.jumps, problems);
  return problems;
}

function ruleCountsOf(tables: Map<string, TablePlan>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, t] of tables) for (const [chain, rules] of t.chains) if (rules.length > 0) out.set(`${name}/${chain}`, rules.length);
  return out;
}

/** Same multiset of tokens: tolerant to iptables-save printing matches in another order. */
function sameRule(a: string, b: string): boolean {
  const x = tokenize(a).sort();
  const y = tokenize(b).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Lines that bring the foreign chains of one table to "exactly our jumps, first, in order":
 * if anything is off (missing, moved below another rule, duplicated, outdated, pointing at a
 * chain we no longer have), every jump of ours in that chain is deleted and all are re-inserted.
 */
function jumpRepairs(
  prefix: string,
  tableName: string,
  saved: SavedTable | undefined,
  wanted: Map<string, Jump[]>,
  repairs: string[],
): { deletes: string[]; inserts: string[] } {
  const deletes: string[] = [];
  const inserts: string[] = [];
  const ours = (target?: string): boolean => !!target && target.startsWith(`${prefix}-`);
  const foreign = new Set<string>(wanted.keys());
  for (const r of saved?.rules ?? []) if (!r.chain.startsWith(`${prefix}-`) && ours(r.target)) foreign.add(r.chain);
  for (const chain of [...foreign].sort()) {
    const want = wanted.get(chain) ?? [];
    const rules = (saved?.rules ?? []).filter((r) => r.chain === chain);
    const have = rules.filter((r) => ours(r.target));
    const inPlace =
      have.length === want.length && want.every((w, i) => rules[i] && ours(rules[i].target) && sameRule(rules[i].spec, w.spec));
    if (inPlace) continue;
    repairs.push(`${tableName} ${chain}: jumps ${have.map((h) => h.target).join(',') || 'none'} -> ${want.map((w) => w.target).join(',') || 'none'}`);
    for (const h of have) deletes.push(`-D ${chain} ${h.spec}`);
    // -I 1 in reverse order leaves them at the top in the wanted order, before Docker's rules.
    for (const w of [...want].reverse()) inserts.push(`-I ${chain} 1 ${w.spec}`);
  }
  return { deletes, inserts };
}

export interface BuildOptions {
  /** The proxy's RulePlanner, which re-plans only the services that changed. */
  planner?: RulePlanner;
  /**
   * Our chains as the last successful write left them (a sync's `chains`). Given, only the chains
   * that need it are rewritten: changed since that write, missing, or holding another number of
   * rules than wanted (flushed or edited by someone); stale chains and jumps are repaired as
   * always. Without it (first sync, after a failed write) every chain of ours is rewritten.
   */
  written?: Map<string, string>;
}

/** Build the one payload that makes the kernel's K1S- state what `services` + `endpoints` ask for. */
export function buildRules(input: BuildInput, opts: BuildOptions = {}): BuildResult {
  const steps = buildSteps(input, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * buildRules with a turn of the event loop (setImmediate) between its steps, each a few ms: the
 * full sync's comparison of 7,000 chains with iptables-save's would otherwise hold the server's
 * thread for 30-80 ms at once.
 */
export async function buildRulesSliced(input: BuildInput, opts: BuildOptions = {}): Promise<BuildResult> {
  const steps = buildSteps(input, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** buildRules' work, pausing (yield) where a sliced caller may let other work run. Same result either way. */
function* buildSteps(input: BuildInput, opts: BuildOptions): Generator<void, BuildResult> {
  const prefix = input.config.prefix ?? 'K1S';
  const parsed = typeof input.existing === 'string' ? parseSave(input.existing, prefix) : input.existing;
  const existing = parsed.tables;
  const { written } = opts;
  const dockerUser = existing.get('filter')?.chains.includes('DOCKER-USER') ?? false;
  const want = wanted(input, dockerUser, opts);
  const repairs: string[] = [];
  yield;

  // Tables other than filter/nat are only visited to remove leftovers of ours.
  const names = ['filter', 'nat', ...[...existing.keys()].filter((t) => t !== 'filter' && t !== 'nat').sort()];
  let payload = '';
  for (const tableName of names) {
    const chainNames = want.names.get(tableName) ?? [];
    const wantSet = new Set(chainNames);
    const saved = existing.get(tableName);
    const savedOurs = (saved?.chains ?? []).filter((c) => c.startsWith(`${prefix}-`));
    const stale = savedOurs.filter((c) => !wantSet.has(c)).sort();
    const have = new Set(savedOurs);
    const missing = chainNames.filter((c) => !have.has(c));
    const { deletes, inserts } = jumpRepairs(prefix, tableName, saved, want.jumps.get(tableName) ?? new Map(), repairs);
    yield;
    const counted = (c: string) => parsed.skippedCounts.get(`${tableName}/${c}`) ?? 0;
    const edited = new Set(written ? chainNames.filter((c) => have.has(c) && counted(c) !== want.count(tableName, c)) : []);
    yield;
    const rewrite = written ? chainNames.filter((c) => !have.has(c) || want.changed(tableName, c) || edited.has(c)) : chainNames;
    if (rewrite.length === 0 && stale.length === 0 && deletes.length === 0 && inserts.length === 0) continue;
    if (missing.length > 0) repairs.push(`${tableName}: create ${missing.join(',')}`);
    if (edited.size > 0) repairs.push(`${tableName}: rewrite ${[...edited].join(',')} (another rule count than wanted)`);
    if (stale.length > 0) repairs.push(`${tableName}: delete stale ${stale.join(',')}`);

    payload += `*${tableName}\n`;
    // Declaring a chain creates it or flushes it (even with --noflush): our chains are rewritten whole.
    for (const c of [...rewrite].sort()) payload += `:${c} - [0:0]\n`;
    for (const c of stale) payload += `:${c} - [0:0]\n`;
    for (const d of deletes) payload += `${d}\n`;
    for (const c of rewrite) for (const r of want.lines(tableName, c)) payload += `-A ${c} ${r}\n`;
    for (const i of inserts) payload += `${i}\n`;
    for (const c of stale) payload += `-X ${c}\n`;
    payload += 'COMMIT\n';
    yield;
  }
  const { chains, skipped, stats, ports, filterCheck } = want;
  return { payload, ruleCounts: want.ruleCounts(), repairs, skipped, stats, servicePorts: ports, chains, filterCheck };
}

/**
 * What a full build wants, per table: our chains (in output order), their rules and counts, the
 * jumps, and which chains changed since `written`. Over the planner's own last chains it comes
 * from the changed Services only (planChanges), as for a partial build; else from a complete plan.
 */
function wanted(input: BuildInput, dockerUser: boolean, opts: BuildOptions) {
  const { planner, written } = opts;
  if (planner && written && written === planner.lastChains) {
    const c = planChanges({ ...input, dockerUser }, written, planner);
    if (c.quick) {
      const names = new Map<string, string[]>();
      for (const key of c.chains.keys()) addByTable(names, key);
      for (const list of names.values()) list.sort();
      const dirty = new Set([...c.dirty].flatMap(([t, list]) => list.map((ch) => `${t}/${ch}`)));
      return {
        ...c,
        names,
        count: (t: string, ch: string) => ruleCount(c.chains.get(`${t}/${ch}`) ?? ''),
        changed: (t: string, ch: string) => dirty.has(`${t}/${ch}`),
        ruleCounts: () => new Map([...c.chains].filter(([, text]) => text !== '').map(([k, text]) => [k, ruleCount(text)])),
      };
    }
  }
  const { tables, skipped, stats, ports, duplicates } = plan(input, { dockerUser }, planner);
  const chains = chainTexts(tables);
  const filterCheck = filterCheckOf(tables);
  const jumps = new Map([...tables].map(([t, p]) => [t, p.jumps]));
  if (planner) {
    planner.lastChains = duplicates ? undefined : chains;
    planner.last = { filterCheck, jumps, dockerUser };
  }
  return {
    chains,
    skipped,
    stats,
    ports,
    filterCheck,
    jumps,
    names: new Map([...tables].map(([t, p]) => [t, [...p.chains.keys()]])),
    lines: (t: string, ch: string) => tables.get(t)!.chains.get(ch)!,
    count: (t: string, ch: string) => tables.get(t)!.chains.get(ch)!.length,
    changed: (t: string, ch: string) => written?.get(`${t}/${ch}`) !== chains.get(`${t}/${ch}`),
    ruleCounts: () => ruleCountsOf(tables),
  };
}

/**
 * The payload for `k1s cleanup`: every rule (in any table) that jumps to one of our chains is
 * deleted, then every chain of ours is flushed and deleted. Nothing else is touched.
 * Returns '' when there is nothing of ours.
 */
export function buildCleanup(existing: string, prefix = 'K1S'): { payload: string; chains: number; jumps: number } {
  const tables = parseIptablesSave(existing);
  const mine = (name?: string): boolean => !!name && name.startsWith(`${prefix}-`);
  let payload = '';
  let chains = 0;
  let jumps = 0;
  for (const [tableName, t] of tables) {
    const ourChains = t.chains.filter(mine).sort();
    const foreignJumps = t.rules.filter((r) => !mine(r.chain) && mine(r.target));
    if (ourChains.length === 0 && foreignJumps.length === 0) continue;
    chains += ourChains.length;
    jumps += foreignJumps.length;
    payload += `*${tableName}\n`;
    for (const c of ourChains) payload += `:${c} - [0:0]\n`;
    for (const r of foreignJumps) payload += `-D ${r.chain} ${r.spec}\n`;
    for (const c of ourChains) payload += `-X ${c}\n`;
    payload += 'COMMIT\n';
  }
  return { payload, chains, jumps };
}
