// The node's Lease (kube-node-lease/<node>), the kubelet's heartbeat (pkg/kubelet/nodelease): holder
// the node, 40 s long, renewed every 10 s, owned by the Node.
//
// Where k1s differs, and why: the kubelet writes every renewal to etcd, a write every 10 s on an
// idle node; k1s's store writes nothing while nothing changes. So the renewal is kept in memory and
// the API serves this one Lease with it (Registry.liveView): `kubectl get lease -n kube-node-lease
// -o yaml` shows a renewTime at most 10 s old, while the store is written when the Lease is
// created or changed and otherwise once per 5 minutes (the kubelet's nodeStatusReportFrequency), so
// a watcher or the store itself never holds a renewTime older than that. Nothing in k1s expires
// nodes from their Lease (there is one node, and the agent runs in the API's own process): the
// Lease is there for the clients that read it.
import type { Lease } from '../src/api/types.js';
import type { Logger } from '../src/log.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const NODE_LEASE_DURATION_SECONDS = 40;
/** The kubelet renews at a quarter of the duration. */
export const NODE_LEASE_RENEW_MS = 10_000;
/** How old the stored renewTime may get before the store is written again. */
export const NODE_LEASE_STORE_MS = 5 * 60_000;

/** metav1.MicroTime as JSON: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease the node agent holds, as the nodelease controller's newLease builds it. */
export function nodeLease(nodeName: string, nodeUid: string | undefined, renewMs: number): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime(renewMs) },
  };
}

/** Must the store be written now? Absent, not ours as the kubelet makes it, or stored too long ago. Pure. */
export function leaseWriteNeeded(stored: Lease | undefined, nodeName: string, nodeUid: string | undefined, nowMs: number): boolean {
  if (!stored) return true;
  const spec = stored.spec;
  if (spec?.holderIdentity !== nodeName || spec.leaseDurationSeconds !== NODE_LEASE_DURATION_SECONDS) return true;
  if (nodeUid && !stored.metadata.ownerReferences?.some((o) => o.kind === 'Node' && o.uid === nodeUid)) return true;
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : NaN;
  return !Number.isFinite(renewed) || nowMs - renewed >= NODE_LEASE_STORE_MS;
}

/** The Lease as served: the stored one with the renewal held in memory, when it is ours and newer. Pure. */
export function withLiveRenewal(lease: Lease, nodeName: string, renewMs: number | undefined): Lease {
  if (renewMs === undefined || lease.metadata.name !== nodeName || lease.metadata.namespace !== NODE_LEASE_NAMESPACE) return lease;
  if (lease.spec?.holderIdentity !== nodeName) return lease;
  const stored = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
  if (Number.isFinite(stored) && stored >= renewMs) return lease;
  return { ...lease, spec: { ...lease.spec, renewTime: microTime(renewMs) } };
}

export interface NodeLeaseOptions {
  nodeName: string;
  /** The Node's uid, for the owner reference (undefined while there is no Node). */
  nodeUid: () => string | undefined;
  read: () => Lease | undefined;
  /** Create when absent, else update (resourceVersion of the stored one). */
  write: (lease: Lease, stored: Lease | undefined) => void | Promise<void>;
  logger: Logger;
  clock?: () => number;
}

export class NodeLease {
  private renewMs: number | undefined;
  private readonly clock: () => number;

  constructor(private readonly o: NodeLeaseOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** One renewal: in memory always, in the store when leaseWriteNeeded says so. Returns whether it wrote. */
  async renew(): Promise<boolean> {
    const now = this.clock();
    this.renewMs = now;
    const stored = this.o.read();
    const uid = this.o.nodeUid();
    if (!leaseWriteNeeded(stored, this.o.nodeName, uid, now)) return false;
    const lease = nodeLease(this.o.nodeName, uid, now);
    // a Lease someone else made or changed keeps its other fields (acquireTime, transitions, labels)
    const merged: Lease = stored
      ? { ...stored, metadata: { ...stored.metadata, ownerReferences: lease.metadata.ownerReferences ?? stored.metadata.ownerReferences }, spec: { ...stored.spec, ...lease.spec } }
      : lease;
    await this.o.write(merged, stored);
    return true;
  }

  /** What reads of the Lease show (Registry.liveView). */
  view(lease: Lease): Lease {
    return withLiveRenewal(lease, this.o.nodeName, this.renewMs);
  }

  /** Renews now and every 10 s until `signal` aborts. */
  start(signal: AbortSignal): void {
    const tick = () => void this.renew().catch((err) => this.o.logger.error({ err }, 'node lease renewal failed'));
    tick();
    const timer = setInterval(tick, NODE_LEASE_RENEW_MS);
    timer.unref?.();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
}
