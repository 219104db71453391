// The Deployment controller (pkg/controller/deployment): claims its ReplicaSets by selector and
// ownerReferences, then one step per sync: a paused Deployment or a resize is scaled
// proportionally; otherwise the strategy rolls the template out, RollingUpdate within
// maxSurge/maxUnavailable, Recreate once every old pod is gone. The arithmetic is in
// rollout-math.ts, the status in deployment-status.ts, revisions in deployment-revisions.ts and
// the writes in deployment-writes.ts.
import { fromLabelSelector, matches } from '../api/labels.js';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import { claimAndApply } from './claim.js';
import { controllerOf, objectKey, splitKey, type ControllerContext } from './context.js';
import { deploymentComplete, pausedCondition, setCondition } from './deployment-status.js';
import { DeploymentWrites } from './deployment-writes.js';
import { QueueController } from './queue.js';
import { activeReplicaSets, isScalingEvent, proportionalScale, reconcileNewReplicaSet, reconcileOldReplicaSets } from './rollout-math.js';

export { podTemplateHash, REVISION } from './deployment-revisions.js';

/** Recreate: an old pod that has not finished (terminating ones included) blocks the new set (oldPodsRunning). */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], pods: Pod[]): boolean {
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => {
    const ref = controllerOf(p);
    if (!ref || !oldUids.has(ref.uid) || ref.uid === newRS?.metadata.uid) return false;
    return p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
  });
}

export class DeploymentController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('deployment', ctx.logger);
  }

  start(): void {
    const { deployments, replicaSets, pods } = this.ctx.informers;
    this.on(deployments, (_t, d) => this.queue.add(objectKey(d)));
    this.on(replicaSets, (_t, rs, old) => {
      for (const o of [rs, old]) {
        if (!o) continue;
        const ref = controllerOf(o);
        if (ref?.kind === 'Deployment') this.queue.add(`${o.metadata.namespace}/${ref.name}`);
        else if (!ref) this.enqueueMatching(o.metadata.namespace, o.metadata.labels);
      }
    });
    // Recreate waits for the old pods to be gone: their deletion moves it on.
    this.on(pods, (type, pod) => {
      if (type !== 'DELETED') return;
      const rsRef = controllerOf(pod);
      const rs = rsRef?.kind === 'ReplicaSet' ? replicaSets.get(pod.metadata.namespace, rsRef.name) : undefined;
      const dRef = rs && controllerOf(rs);
      if (dRef?.kind !== 'Deployment') return;
      const d = deployments.get(pod.metadata.namespace, dRef.name);
      if (d?.spec.strategy?.type === 'Recreate') this.queue.add(objectKey(d));
    });
    for (const d of deployments.list()) this.queue.add(objectKey(d));
  }

  private enqueueMatching(ns: string | undefined, labels: Record<string, string> | undefined): void {
    for (const d of this.ctx.informers.deployments.list(ns)) {
      if (matches(fromLabelSelector(d.spec.selector), labels ?? {})) this.queue.add(objectKey(d));
    }
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const d = this.ctx.informers.deployments.get(ns, name);
    if (!d) return;
    const candidates = this.ctx.informers.replicaSets.list(ns);
    const owned = await claimAndApply(this.ctx.client, d, d.spec.selector, candidates);
    const now = this.now();
    const w = new DeploymentWrites(this.ctx, d, owned, now, (ms) => this.queue.addAfter(key, ms));

    if (d.metadata.deletionTimestamp) {
      const { newRS } = w.split();
      return w.plainStatus(newRS);
    }
    const paused = pausedCondition(d, now);
    if (paused) {
      const status = { ...(d.status ?? {}) };
      setCondition(status, paused);
      await this.ctx.client.updateStatus({ ...d, status });
      return; // the status update syncs again
    }
    if (d.spec.paused || isScalingEvent(d, owned)) return this.scaleOnly(w);
    if (d.spec.strategy?.type === 'Recreate') return this.recreate(w);
    return this.rolling(w);
  }

  /** A paused Deployment, or a resize: proportional scaling, no new set (sync.go sync). */
  private async scaleOnly(w: DeploymentWrites): Promise<void> {
    const { newRS, oldRSs } = await w.newAndOld(false);
    await w.scaleAll(proportionalScale(w.d, newRS, oldRSs));
    if (w.d.spec.paused) await w.prune(oldRSs);
    await w.plainStatus(newRS);
  }

  /** rolloutRolling: scale the new set up within maxSurge, or the old ones down within maxUnavailable; prune when complete. */
  private async rolling(w: DeploymentWrites): Promise<void> {
    const { newRS, oldRSs } = await w.newAndOld(true);
    const all = w.all;
    const fresh = all.find((rs) => rs.metadata.name === newRS!.metadata.name)!;
    const up = reconcileNewReplicaSet(w.d, all, fresh);
    if (up !== undefined && (await w.scale(fresh, up))) return w.rolloutStatus(fresh);
    const olds = all.filter((rs) => rs !== fresh);
    const down = reconcileOldReplicaSets(w.d, all, activeReplicaSets(olds), fresh);
    if (await w.scaleAll(down)) return w.rolloutStatus(fresh);
    if (deploymentComplete(w.d, w.d.status ?? {})) await w.prune(oldRSs);
    return w.rolloutStatus(fresh);
  }

  /** rolloutRecreate: every old set to 0, wait for their pods (terminating ones too) to be gone, then the new set whole. */
  private async recreate(w: DeploymentWrites): Promise<void> {
    let { newRS, oldRSs } = await w.newAndOld(false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) if (await w.scale(rs, 0)) scaledDown = true;
    if (scaledDown) return w.rolloutStatus(newRS);
    const pods = this.ctx.informers.pods.list(w.d.metadata.namespace);
    const olds = w.all.filter((rs) => rs.metadata.name !== newRS?.metadata.name);
    if (oldPodsRunning(newRS, olds, pods)) return w.rolloutStatus(newRS);
    if (!newRS) ({ newRS, oldRSs } = await w.newAndOld(true));
    await w.scale(newRS!, w.d.spec.replicas ?? 1);
    if (deploymentComplete(w.d, w.d.status ?? {})) await w.prune(oldRSs);
    return w.rolloutStatus(newRS);
  }
}
