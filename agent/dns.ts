// The pod's /etc/resolv.conf, per dnsPolicy (kubelet's dns configurer). Written under
// <dataDir>/pods/<uid>/resolv.conf (again before each container starts) and bind-mounted into
// every app container: it replaces Docker's embedded 127.0.0.11 resolver, which knows nothing of
// services.
import { isLoopback } from '../src/api/names.js';
import type { Pod } from '../src/api/types.js';

export interface DnsOptions {
  /** Cluster DNS service addresses, e.g. ['10.96.0.10']. Empty: no cluster DNS. */
  nameservers: string[];
  /** e.g. cluster.local */
  clusterDomain: string;
}

/** Nameservers on loopback cannot work from inside a pod's network namespace (Docker drops them too). */
/** The host's resolv.conf minus loopback nameservers: what dnsPolicy Default gives. */
export function hostResolvConf(hostText: string): string {
  const lines = hostText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .filter((l) => {
      const m = /^nameserver\s+(\S+)/.exec(l);
      return !m || !isLoopback(m[1]);
    });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The parts of a resolv.conf the kubelet's DNS configurer reasons about. */
interface DnsParts {
  nameservers: string[];
  searches: string[];
  options: { name: string; value?: string }[];
}

function parse(text: string): DnsParts {
  const out: DnsParts = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest;
    else if (key === 'options') out.options.push(...rest.map(parseOption));
  }
  return out;
}

function parseOption(o: string): { name: string; value?: string } {
  const i = o.indexOf(':');
  return i < 0 ? { name: o } : { name: o.slice(0, i), value: o.slice(i + 1) };
}

/** In the container runtime's order (containerd's parseDNSOptions, which the kubelet's config
 * reaches pods through): search, then nameservers, then options. */
function render(p: DnsParts): string {
  const lines = [
    ...(p.searches.length ? [`search ${p.searches.join(' ')}`] : []),
    ...p.nameservers.map((n) => `nameserver ${n}`),
    ...(p.options.length ? [`options ${p.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`] : []),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

const unique = (xs: string[]) => [...new Set(xs)];

/** kubelet's appendDNSConfig: dnsConfig's servers and searches after the policy's, options by name. */
function withDnsConfig(base: DnsParts, pod: Pod): DnsParts {
  const cfg = pod.spec.dnsConfig;
  if (!cfg) return base;
  const options = [...base.options];
  for (const o of cfg.options ?? []) {
    const i = options.findIndex((x) => x.name === o.name);
    if (i >= 0) options[i] = { name: o.name, value: o.value };
    else options.push({ name: o.name, value: o.value });
  }
  return {
    nameservers: unique([...base.nameservers, ...(cfg.nameservers ?? [])]),
    searches: unique([...base.searches, ...(cfg.searches ?? [])]),
    options,
  };
}

/** The policy the kubelet applies: ClusterFirst on the host's network means Default, unless
 * the pod asked for ClusterFirstWithHostNet; without a cluster DNS, ClusterFirst is Default too. */
export function effectiveDnsPolicy(pod: Pod, dns: DnsOptions): 'ClusterFirst' | 'Default' | 'None' {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'None';
  if (policy === 'Default') return 'Default';
  if (dns.nameservers.length === 0) return 'Default';
  if (policy === 'ClusterFirst' && pod.spec.hostNetwork) return 'Default';
  return 'ClusterFirst';
}

export function resolvConf(pod: Pod, dns: DnsOptions, hostText: string): string {
  const host = parse(hostResolvConf(hostText));
  let base: DnsParts;
  switch (effectiveDnsPolicy(pod, dns)) {
    case 'None':
      base = { nameservers: [], searches: [], options: [] };
      break;
    case 'Default':
      base = host;
      break;
    case 'ClusterFirst': {
      const ns = pod.metadata.namespace ?? 'default';
      const d = dns.clusterDomain;
      base = {
        nameservers: [...dns.nameservers],
        searches: unique([`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches]),
        options: [{ name: 'ndots', value: '5' }],
      };
    }
  }
  return render(withDnsConfig(base, pod));
}
