// Which endpoints a service port sends new connections to, read from EndpointSlices as kube-proxy
// reads them (pkg/proxy/endpointslicecache.go and topology.go's CategorizeEndpoints). PURE.
//
//  - A Service's slices are found by the kubernetes.io/service-name label, whoever wrote them: the
//    EndpointSlice controller (selector), the mirroring controller (hand-written Endpoints) or a
//    person (no managed-by label). Only IPv4 slices count (k1s is single-stack); FQDN slices are
//    for DNS only.
//  - A slice port matches a service port by name and protocol (the controllers copy the service
//    port's name and resolve targetPort per pod, so two pods may listen on different numbers).
//  - An endpoint is used when ready (a missing condition means ready, as in the API). When a port
//    has no ready endpoint at all but some serving+terminating ones, those are used instead: a
//    rollout whose old pods are still shutting down keeps answering (kube's terminating fallback).
//  - kube-proxy programs the first address of an endpoint only; the same ip:port in two slices
//    (a move between slices in flight) is one endpoint, the ready copy winning.
import { isIPv4 } from '../src/api/names.js';
import type { EndpointSlice } from '../src/api/types.js';
import { SERVICE_NAME_LABEL } from '../src/api/kinds/endpointslice.js';

export interface SliceEndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** "ns/service" -> "portName/PROTOCOL" -> endpoints (deduplicated by ip:port, unsorted). */
export type EndpointsByService = Map<string, Map<string, SliceEndpointInfo[]>>;

export const portKey = (name: string | undefined, protocol: string | undefined): string => `${name ?? ''}/${protocol ?? 'TCP'}`;

const validPort = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Merge every slice into per-service, per-port endpoint lists. `skipped` gets one line per endpoint left out. */
export function endpointsByService(slices: EndpointSlice[], skipped: string[] = []): EndpointsByService {
  const out: EndpointsByService = new Map();
  // Slices in a fixed order so "which copy wins" does not depend on informer order.
  const sorted = [...slices].sort((a, b) => cmp(`${a.metadata.namespace}/${a.metadata.name}`, `${b.metadata.namespace}/${b.metadata.name}`));
  for (const s of sorted) {
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName || s.addressType !== 'IPv4') continue;
    const key = `${s.metadata.namespace ?? 'default'}/${svcName}`;
    let ports = out.get(key);
    if (!ports) out.set(key, (ports = new Map()));
    for (const p of s.ports ?? []) {
      if (!validPort(p.port)) {
        skipped.push(`${key}: slice ${s.metadata.name} port ${p.name || '(unnamed)'} has no valid port number`);
        continue;
      }
      const pk = portKey(p.name, p.protocol);
      let list = ports.get(pk);
      if (!list) ports.set(pk, (list = []));
      for (const e of s.endpoints) {
        const ip = e.addresses[0];
        if (!ip || !isIPv4(ip)) continue; // validation already refuses these in an IPv4 slice
        const ready = e.conditions?.ready !== false;
        const info: SliceEndpointInfo = {
          ip,
          port: p.port,
          ready,
          // serving defaults to ready, terminating to false (discovery/v1 EndpointConditions)
          serving: e.conditions?.serving ?? ready,
          terminating: e.conditions?.terminating ?? false,
        };
        const i = list.findIndex((x) => x.ip === ip && x.port === p.port);
        if (i < 0) list.push(info);
        else if (!list[i].ready && info.ready) list[i] = info;
      }
    }
  }
  return out;
}

/**
 * The endpoints that get new connections: the ready ones, or if there are none, the serving and
 * terminating ones. Sorted by ip:port so the rules are deterministic.
 */
export function usableEndpoints(all: SliceEndpointInfo[]): SliceEndpointInfo[] {
  let use = all.filter((e) => e.ready);
  if (use.length === 0) use = all.filter((e) => e.serving && e.terminating);
  return [...use].sort((a, b) => cmp(`${a.ip}:${a.port}`, `${b.ip}:${b.port}`));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
