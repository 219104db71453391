// The writes one Deployment sync makes, kept in one place so each keeps the latest
// resourceVersion: scaling a ReplicaSet (with its size annotations and the ScalingReplicaSet
// event), finding or creating the new ReplicaSet and numbering revisions, pruning old revisions,
// and the Deployment's status (sync.go getNewReplicaSet, scaleReplicaSet, cleanupDeployment,
// syncDeploymentStatus; progress.go syncRolloutStatus).
import type { Deployment, ReplicaSet } from '../api/types.js';
import { canonicalJSON, deepEqual } from '../store/canonical.js';
import type { ControllerContext } from './context.js';
import { hasProgressDeadline, getCondition, newCondition, REASON, rolloutStatus, calculateStatus, setCondition, stuckRequeueAfterMs } from './deployment-status.js';
import { maxRevision, newReplicaSet, newReplicaSetAnnotations, podTemplateHash, replicaSetsToPrune, REVISION, revisionOf } from './deployment-revisions.js';
import { byCreation, newRSNewReplicas, replicasAnnotations } from './rollout-math.js';

const COMPONENT = 'deployment-controller';

/** The template without the pod-template-hash label: what a ReplicaSet's template is compared by (EqualIgnoreHash). */
function templateKey(tpl: Deployment['spec']['template']): string {
  const labels = { ...(tpl.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return canonicalJSON({ ...tpl, metadata: { ...tpl.metadata, labels } });
}

export class DeploymentWrites {
  /** the sets as this sync has them, by name */
  private readonly sets = new Map<string, ReplicaSet>();

  constructor(
    private readonly ctx: ControllerContext,
    public d: Deployment,
    owned: ReplicaSet[],
    private readonly now: Date,
    private readonly requeueAfter: (ms: number) => void,
  ) {
    for (const rs of owned) this.sets.set(rs.metadata.name, rs);
  }

  get all(): ReplicaSet[] {
    return [...this.sets.values()];
  }

  /** The set whose template is the Deployment's (the oldest if several: FindNewReplicaSet), and the others. */
  split(): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const key = templateKey(this.d.spec.template);
    const newRS = this.all.sort(byCreation).find((rs) => templateKey(rs.spec.template) === key);
    return { newRS, oldRSs: this.all.filter((rs) => rs !== newRS) };
  }

  /**
   * getAllReplicaSetsAndSyncRevision: the new set gets the next revision and the Deployment's
   * annotations, and is created (sized by maxSurge) if missing and `create`; the Deployment carries
   * the new set's revision.
   */
  async newAndOld(create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    let { newRS, oldRSs } = this.split();
    const revision = maxRevision(oldRSs) + 1;
    if (newRS) {
      const annotations = newReplicaSetAnnotations(this.d, newRS, revision);
      const minReady = this.d.spec.minReadySeconds;
      if (annotations || newRS.spec.minReadySeconds !== minReady) {
        newRS = await this.putSet({ ...newRS, metadata: { ...newRS.metadata, annotations: annotations ?? newRS.metadata.annotations }, spec: { ...newRS.spec, minReadySeconds: minReady } });
      }
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        await this.putConditionStatus(newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${newRS.metadata.name}"`, this.now));
      }
    } else if (create) {
      const hash = podTemplateHash(this.d.spec.template);
      const draft = newReplicaSet(this.d, hash, 0, revision);
      draft.spec.replicas = newRSNewReplicas(this.d, [...oldRSs, draft], draft);
      draft.metadata.annotations = { ...draft.metadata.annotations, ...replicasAnnotations(this.d, draft) };
      newRS = await this.ctx.client.create(draft);
      this.sets.set(newRS.metadata.name, newRS);
      const n = newRS.spec.replicas ?? 0;
      if (n > 0) this.event(`Scaled up replica set ${newRS.metadata.name} from 0 to ${n}`);
      if (hasProgressDeadline(this.d)) {
        await this.putConditionStatus(newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${newRS.metadata.name}"`, this.now));
      }
    }
    if (newRS) await this.syncRevision(String(revisionOf(newRS)));
    return { newRS, oldRSs };
  }

  /** The Deployment's revision annotation follows its new set's (SetDeploymentRevision). */
  private async syncRevision(revision: string): Promise<void> {
    if (revision === '0' || this.d.metadata.annotations?.[REVISION] === revision) return;
    this.d = await this.ctx.client.update({ ...this.d, metadata: { ...this.d.metadata, annotations: { ...this.d.metadata.annotations, [REVISION]: revision } } });
  }

  private async putConditionStatus(c: ReturnType<typeof newCondition>): Promise<void> {
    const status = { ...(this.d.status ?? {}) };
    setCondition(status, c);
    this.d = await this.ctx.client.updateStatus({ ...this.d, status });
  }

  private async putSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const out = await this.ctx.client.update(rs);
    this.sets.set(out.metadata.name, out);
    return out;
  }

  private event(message: string): void {
    this.ctx.events.record(this.d, 'Normal', 'ScalingReplicaSet', message, COMPONENT);
  }

  /** scaleReplicaSet: the size and the size annotations; true if the size changed. */
  async scale(rs: ReplicaSet, replicas: number): Promise<boolean> {
    const current = this.sets.get(rs.metadata.name) ?? rs;
    const from = current.spec.replicas ?? 1;
    const annotations = replicasAnnotations(this.d, current);
    if (from === replicas && !annotations) return false;
    await this.putSet({ ...current, metadata: { ...current.metadata, annotations: annotations ?? current.metadata.annotations }, spec: { ...current.spec, replicas } });
    if (from === replicas) return false;
    this.event(`Scaled ${replicas > from ? 'up' : 'down'} replica set ${current.metadata.name} from ${from} to ${replicas}`);
    return true;
  }

  /** Applies a map of sizes; true if any size changed. */
  async scaleAll(sizes: Map<string, number>): Promise<boolean> {
    let scaled = false;
    for (const [name, n] of sizes) {
      const rs = this.sets.get(name);
      if (rs && (await this.scale(rs, n))) scaled = true;
    }
    return scaled;
  }

  /** Deletes old revisions past revisionHistoryLimit (cleanupDeployment). */
  async prune(oldRSs: ReplicaSet[]): Promise<void> {
    for (const rs of replicaSetsToPrune(this.d, oldRSs.map((o) => this.sets.get(o.metadata.name) ?? o))) {
      try {
        await this.ctx.client.delete('ReplicaSet', rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== 404 && code !== 409) throw e;
      }
      this.sets.delete(rs.metadata.name);
    }
  }

  private fresh(rs: ReplicaSet | undefined): ReplicaSet | undefined {
    return rs && (this.sets.get(rs.metadata.name) ?? rs);
  }

  /** syncRolloutStatus: counts, Available, Progressing (with the deadline); a stalled rollout is looked at again at its deadline. */
  async rolloutStatus(newRS: ReplicaSet | undefined): Promise<void> {
    const fresh = this.fresh(newRS);
    const status = rolloutStatus(this.d, this.all, fresh, this.now);
    if (deepEqual(status, this.d.status)) {
      const ms = stuckRequeueAfterMs(this.d, status, this.now);
      if (ms !== undefined) this.requeueAfter(ms);
      return;
    }
    this.d = await this.ctx.client.updateStatus({ ...this.d, status });
  }

  /** syncDeploymentStatus: counts and Available only (paused, scaling, deleting). */
  async plainStatus(newRS: ReplicaSet | undefined): Promise<void> {
    const status = calculateStatus(this.d, this.all, this.fresh(newRS), this.now);
    if (!deepEqual(status, this.d.status)) this.d = await this.ctx.client.updateStatus({ ...this.d, status });
  }
}
