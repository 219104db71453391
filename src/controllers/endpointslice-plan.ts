// The EndpointSlice controllers' decisions, pure: what endpoints a Service has (from its pods, as
// pkg/controller/endpointslice does, or mirrored from hand-written Endpoints, as
// pkg/controller/endpointslicemirroring does), and how the slices already stored change to hold
// them (slices of at most 100 endpoints, one set of slices per distinct port list).
import { resolvePort } from '../api/intstr.js';
import type { Endpoints, EndpointSlice, Pod, Service, SliceEndpoint, SlicePort } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { isPodReady } from './context.js';

/** The endpoints sharing one port list: they go in the same slices. */
export interface EndpointGroup {
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

/** kube's maxEndpointsPerSlice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/**
 * A pod as an endpoint of a Service (endpointslice utils podToEndpoint), or undefined when it is
 * not one (ShouldPodBeInEndpoints with terminating pods included): no IP yet, or finished.
 * serving follows readiness alone; ready also needs the pod not to be terminating, unless the
 * Service publishes not-ready addresses.
 */
export function podEndpoint(svc: Service, pod: Pod): SliceEndpoint | undefined {
  if (!pod.status?.podIP) return undefined;
  if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  // a pod naming this Service as its subdomain gets a DNS name under it, <hostname>.<svc>.<ns>.svc
  const named = pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
  return {
    addresses: [pod.status.podIP],
    conditions: { ready, serving, terminating },
    ...(named ? { hostname: pod.spec.hostname } : {}),
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
}

/** The Service's ports as this pod serves them (getEndpointPorts): a named targetPort the pod lacks is left out. */
export function podPorts(svc: Service, pod: Pod): SlicePort[] {
  const containerPorts = pod.spec.containers.flatMap((c) => c.ports ?? []);
  const ports: SlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const protocol = sp.protocol ?? 'TCP';
    const port = resolvePort(sp.targetPort, sp.port, containerPorts, protocol);
    if (port === undefined) continue;
    ports.push({ name: sp.name ?? '', port, protocol, ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) });
  }
  return ports;
}

/** The endpoints of a Service with a selector, from the pods it selects. */
export function groupsFromPods(svc: Service, pods: Pod[]): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    const endpoint = podEndpoint(svc, pod);
    if (!endpoint) continue;
    const ports = podPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(endpoint);
  }
  return sortGroups([...groups.values()]);
}

/**
 * The endpoints of a Service without a selector, mirrored from its hand-written Endpoints
 * (endpointslicemirroring): addresses are ready, notReadyAddresses are not; one group per subset.
 */
export function groupsFromEndpoints(ep: Endpoints): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  for (const subset of ep.subsets ?? []) {
    const ports = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}) }));
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
      for (const a of list ?? []) {
        g.endpoints.push({
          addresses: [a.ip],
          conditions: { ready },
          ...(a.hostname ? { hostname: a.hostname } : {}),
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
          ...(a.targetRef ? { targetRef: a.targetRef } : {}),
        });
      }
    }
  }
  return sortGroups([...groups.values()]);
}

export interface SlicePlan {
  /** New slices' contents, to be created with generateName. */
  create: EndpointGroup[];
  /** Stored slices to rewrite with new contents. */
  update: Array<{ slice: EndpointSlice; group: EndpointGroup }>;
  remove: EndpointSlice[];
}

/**
 * How the stored slices of one Service change to hold `groups`. Slices are reused per port list in
 * name order, so an unchanged Service rewrites nothing and one changed endpoint rewrites one slice.
 * A Service with no endpoints keeps one empty placeholder slice (no ports), as kube's reconciler
 * does, so a reader can tell "no endpoints" from "not synced yet".
 */
export function planSlices(groups: EndpointGroup[], existing: EndpointSlice[], max = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const wanted: EndpointGroup[] = [];
  for (const g of groups) for (let i = 0; i < g.endpoints.length; i += max) wanted.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + max) });
  if (wanted.length === 0) wanted.push({ ports: [], endpoints: [] });

  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const key = portsKey(s.ports ?? []);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  const plan: SlicePlan = { create: [], update: [], remove: [] };
  for (const g of wanted) {
    const slice = byPorts.get(portsKey(g.ports))?.shift();
    if (!slice) plan.create.push(g);
    else if (!deepEqual(slice.endpoints, g.endpoints) || !deepEqual(slice.ports ?? [], g.ports)) plan.update.push({ slice, group: g });
  }
  for (const rest of byPorts.values()) plan.remove.push(...rest);
  return plan;
}

function portsKey(ports: SlicePort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol]));
}

/** Stable order, so the same pods always give the same slices (no rewrite for a mere reordering). */
function sortGroups(groups: EndpointGroup[]): EndpointGroup[] {
  for (const g of groups) g.endpoints.sort((a, b) => compareIPs(a.addresses[0], b.addresses[0]));
  return groups.sort((a, b) => portsKey(a.ports).localeCompare(portsKey(b.ports)));
}

function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a.localeCompare(b);
}
