// UDP (and SCTP) have no connection to close: the kernel keeps a conntrack entry per flow, and as
// long as a client keeps sending (DNS, syslog, games) its packets follow the entry's old DNAT to
// an endpoint that is gone. kube-proxy deletes those entries when an endpoint goes away, and the
// un-NATed entries a client created while the service had no endpoint when one appears
// (pkg/proxy/conntrack/cleanup.go before 1.32's reconciler). The decision is pure (staleFlows);
// the side effect is one narrow adapter around Debian's `conntrack` tool.
import { spawn } from 'node:child_process';
import type { ServicePortInfo } from './rules.js';

/** Which conntrack entries to delete: all of one protocol matching every given field. */
export interface FlowFilter {
  protocol: 'udp' | 'sctp';
  /** Original destination address (the cluster IP or an external IP the client used). */
  origDst?: string;
  /** Original destination port (a node port, reached on any local address). */
  origDstPort?: number;
  /** The address the entry was DNATed to (the endpoint that went away). */
  dstNat?: string;
}

export interface Conntrack {
  /** Delete the matching entries; resolves with how many were deleted (0 is fine). */
  delete(filter: FlowFilter): Promise<number>;
}

/** `conntrack -D` arguments for a filter (conntrack-tools 1.4). */
export function conntrackArgs(f: FlowFilter): string[] {
  const args = ['-D', '-p', f.protocol];
  if (f.origDst) args.push('--orig-dst', f.origDst);
  if (f.origDstPort !== undefined) args.push('--orig-port-dst', String(f.origDstPort));
  if (f.dstNat) args.push('--dst-nat', f.dstNat);
  return args;
}

const key = (p: ServicePortInfo): string => `${p.spn}/${p.protocol}`;
const flushed = (p: ServicePortInfo): p is ServicePortInfo & { protocol: 'udp' | 'sctp' } => p.protocol === 'udp' || p.protocol === 'sctp';

/**
 * The entries to delete after the data path moved from `prev` to `next` service ports:
 *  - an endpoint gone (or its whole service port): entries DNATed to it through the cluster IP,
 *    each external IP and the node port;
 *  - a service port that had no endpoint (or did not exist) and has some now: the entries to its
 *    cluster IP, external IPs and node port, which were never NATed and would keep the client
 *    away from the new endpoint until they time out.
 * Deterministic order, no duplicates.
 */
export function staleFlows(prev: ServicePortInfo[], next: ServicePortInfo[]): FlowFilter[] {
  const out: FlowFilter[] = [];
  const seen = new Set<string>();
  const add = (f: FlowFilter) => {
    const k = JSON.stringify(f);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(f);
    }
  };
  const nextByKey = new Map(next.map((p) => [key(p), p]));
  const prevByKey = new Map(prev.map((p) => [key(p), p]));
  for (const p of prev.filter(flushed)) {
    const now = nextByKey.get(key(p));
    // By ip:port, as kube-proxy: a pod whose port changed is a new endpoint; the flush itself
    // can only match the address (--dst-nat), which also catches the flows of the old port.
    const stillThere = new Set((now?.endpoints ?? []).map((e) => e.addr));
    for (const e of p.endpoints) {
      if (stillThere.has(e.addr)) continue;
      add({ protocol: p.protocol, origDst: p.clusterIP, dstNat: e.ip });
      for (const ip of p.externalIPs) add({ protocol: p.protocol, origDst: ip, dstNat: e.ip });
      if (p.nodePort) add({ protocol: p.protocol, origDstPort: p.nodePort, dstNat: e.ip });
    }
  }
  for (const n of next.filter(flushed)) {
    if (n.endpoints.length === 0 || (prevByKey.get(key(n))?.endpoints.length ?? 0) > 0) continue;
    add({ protocol: n.protocol, origDst: n.clusterIP });
    for (const ip of n.externalIPs) add({ protocol: n.protocol, origDst: ip });
    if (n.nodePort) add({ protocol: n.protocol, origDstPort: n.nodePort });
  }
  return out;
}

/** The real adapter: Debian's conntrack tool (package `conntrack`). */
export class ConntrackTool implements Conntrack {
  constructor(private readonly bin = 'conntrack') {}

  delete(filter: FlowFilter): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, conntrackArgs(filter), { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stdout.resume();
      child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
      child.on('error', (e) => reject(new Error(`${this.bin}: ${e.message}`)));
      child.on('close', (code) => {
        // "conntrack v1.4.7 (conntrack-tools): N flow entries have been deleted." on stderr;
        // exit status 1 when N is 0, which is not a failure here.
        const m = /(\d+) flow entr(?:y|ies) ha(?:s|ve) been deleted/.exec(err);
        if (m) resolve(Number(m[1]));
        else if (code === 0) resolve(0);
        else reject(new Error(`${this.bin} ${conntrackArgs(filter).join(' ')} failed (exit ${code}): ${err.trim()}`));
      });
    });
  }
}

/** Records the filters it was asked to delete (unit tests). */
export class FakeConntrack implements Conntrack {
  readonly deleted: FlowFilter[] = [];
  async delete(filter: FlowFilter): Promise<number> {
    this.deleted.push(filter);
    return 0;
  }
}
