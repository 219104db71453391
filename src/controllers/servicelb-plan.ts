// The ServiceLB controller's decisions, PURE (after k3s's pkg/cloudprovider/servicelb.go on a bare
// host): a LoadBalancer Service without loadBalancerClass gets the Node's addresses as its ingress
// (ipMode VIP), and the proxy makes its ports answer there. One host has one of each port, so a
// port (number + protocol) goes to one LoadBalancer only: the oldest (creationTimestamp, then
// namespace/name) wins, and no Service gets a port a host process already listens on (on every
// address, or on one of the Node's). A Service that cannot have all its ports stays pending with
// an empty ingress, and is admitted as soon as they free up. One that already has its ingress keeps
// it when a process binds the port later: first come, first served.
import type { Service } from '../api/types.js';
import type { HostListener } from './host-ports.js';

export type LoadBalancerIngress = NonNullable<NonNullable<NonNullable<Service['status']>['loadBalancer']>['ingress']>[number];

export interface LBDecision {
  /** "namespace/name" */
  key: string;
  /** The ingress the status must hold ([]: none). */
  ingress: LoadBalancerIngress[];
  /** Why a LoadBalancer stays pending; undefined when admitted or no longer a LoadBalancer. */
  pending?: string;
}

const keyOf = (s: Service) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Ours: a LoadBalancer that names no other implementation (k3s leaves classed ones alone too). */
export function isOurLoadBalancer(svc: Service): boolean {
  return svc.spec.type === 'LoadBalancer' && svc.spec.loadBalancerClass === undefined && !svc.metadata.deletionTimestamp;
}

export function currentIngress(svc: Service): LoadBalancerIngress[] {
  return svc.status?.loadBalancer?.ingress ?? [];
}

/** The Node's InternalIP and ExternalIP addresses (IPv4: the proxy is single-stack), as k3s takes them. */
export function nodeIngressAddresses(nodes: { status?: { addresses?: { type: string; address: string }[] } }[]): string[] {
  const out = new Set<string>();
  for (const n of nodes) for (const a of n.status?.addresses ?? []) if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && /^\d+\.\d+\.\d+\.\d+$/.test(a.address)) out.add(a.address);
  return [...out];
}

function sameIngress(a: LoadBalancerIngress[], b: LoadBalancerIngress[]): boolean {
  const text = (l: LoadBalancerIngress[]) => JSON.stringify(l.map((i) => [i.ip ?? '', i.hostname ?? '', i.ipMode ?? '', JSON.stringify(i.ports ?? [])]));
  return text(a) === text(b);
}

/**
 * Whether some LoadBalancer of ours lacks the Node's addresses (pending, or new): only then do the
 * host's listeners matter, and only then does the controller re-read them every few seconds.
 */
export function awaitingAddresses(services: Service[], nodeAddresses: string[]): boolean {
  const want: LoadBalancerIngress[] = nodeAddresses.map((ip) => ({ ip, ipMode: 'VIP' }));
  return want.length > 0 && services.some((s) => isOurLoadBalancer(s) && !sameIngress(currentIngress(s), want));
}

/** Whether the stored status differs from the decision (a write is due). */
export function needsWrite(svc: Service, d: LBDecision): boolean {
  return !sameIngress(currentIngress(svc), d.ingress);
}

/**
 * One decision per Service the controller acts on: our LoadBalancers (admitted or pending), and
 * Services that are no longer LoadBalancers but still carry an ingress (cleared). Classed
 * LoadBalancers are someone else's and get no decision.
 */
export function planServiceLB(services: Service[], nodeAddresses: string[], listeners: HostListener[]): LBDecision[] {
  const out: LBDecision[] = [];
  const want: LoadBalancerIngress[] = nodeAddresses.map((ip) => ({ ip, ipMode: 'VIP' }));
  const held = new Map<string, string>(); // "80/TCP" -> "ns/name"
  const ours = services.filter(isOurLoadBalancer).sort((a, b) => cmp(a.metadata.creationTimestamp ?? '', b.metadata.creationTimestamp ?? '') || cmp(keyOf(a), keyOf(b)));
  for (const svc of ours) {
    const key = keyOf(svc);
    if (want.length === 0) continue; // no Node address yet: nothing to decide
    const hasIt = currentIngress(svc).length > 0 && sameIngress(currentIngress(svc), want);
    const problems: string[] = [];
    const ports = [...new Set((svc.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`))];
    for (const pp of ports) {
      const holder = held.get(pp);
      if (holder) {
        problems.push(`port ${pp} is already used by Service ${holder}`);
        continue;
      }
      if (hasIt) continue;
      const [port, protocol] = pp.split('/');
      const l = listeners.find((x) => x.protocol === protocol && x.port === Number(port) && (x.address === '0.0.0.0' || x.address === '::' || nodeAddresses.includes(x.address)));
      if (l) problems.push(`port ${pp} is already used by a process on the host listening on ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`);
    }
    if (problems.length > 0) {
      out.push({ key, ingress: [], pending: problems.join('; ') });
      continue;
    }
    for (const pp of ports) held.set(pp, key);
    out.push({ key, ingress: want });
  }
  // a Service that stopped being a LoadBalancer gives its addresses back
  for (const svc of services) {
    if (svc.spec.type !== 'LoadBalancer' && currentIngress(svc).length > 0) out.push({ key: keyOf(svc), ingress: [] });
  }
  return out;
}

export interface LBEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What the controller last said about a Service, so a repeat says nothing (no event storm). */
export function lbState(d: LBDecision): string {
  if (d.pending !== undefined) return `pending:${d.pending}`;
  return d.ingress.length > 0 ? 'ensured' : 'deleted';
}

/**
 * The cloud service controller's events: EnsuringLoadBalancer/EnsuredLoadBalancer when addresses
 * are written, SyncLoadBalancerFailed (Warning) when a Service stays pending, DeletingLoadBalancer/
 * DeletedLoadBalancer when a former LoadBalancer's are cleared; each once per change of state.
 */
export function lbEvents(previousState: string | undefined, d: LBDecision, writing: boolean): LBEvent[] {
  const state = lbState(d);
  if (state === previousState && !writing) return [];
  if (d.pending !== undefined) {
    if (state === previousState) return [];
    return [
      { type: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer' },
      { type: 'Warning', reason: 'SyncLoadBalancerFailed', message: `Error syncing load balancer: failed to ensure load balancer: ${d.pending}` },
    ];
  }
  if (!writing) return [];
  if (d.ingress.length > 0) {
    return [
      { type: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer' },
      { type: 'Normal', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer' },
    ];
  }
  return [
    { type: 'Normal', reason: 'DeletingLoadBalancer', message: 'Deleting load balancer' },
    { type: 'Normal', reason: 'DeletedLoadBalancer', message: 'Deleted load balancer' },
  ];
}
