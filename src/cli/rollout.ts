// `k1s rollout`, as kubectl's polymorphichelpers decide it (v1.32), pure: the status line of a
// Deployment, DaemonSet or StatefulSet rollout and whether it is done; the revision history (a
// Deployment's from its ReplicaSets, the others' from their ControllerRevisions); what undo,
// restart, pause and resume patch. The three kinds share one shape: a pod template and a list of
// revisions, each a number, a change cause and the template it restores. Errors carry kubectl's
// words; cmd/rollout.ts does the reading, patching and watching.
import type { ControllerRevision, DaemonSet, Deployment, PodTemplateSpec, ReplicaSet, StatefulSet } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { podTemplateText } from './describe.js';
import { DESCRIBE_TABWRITER, TabWriter } from './tabwriter.js';

export type RolloutObject = Deployment | DaemonSet | StatefulSet;
export const ROLLOUT_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet'] as const;

const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** A message kubectl prints as `error: <message>` with exit status 1. */
export class RolloutError extends Error {
  override name = 'RolloutError';
}

export interface RolloutStatus {
  /** the line kubectl prints (with its newline) */
  text: string;
  done: boolean;
}

/** deploymentutil.Revision: the revision annotation, 0 when there is none. */
export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION];
  return v === undefined ? 0 : Number.parseInt(v, 10);
}

function deploymentStatus(d: Deployment, revision: number): RolloutStatus {
  const name = d.metadata.name;
  if (revision > 0 && revisionOf(d) !== revision) throw new RolloutError(`desired revision (${revision}) is different from the running revision (${revisionOf(d)})`);
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { text: 'Waiting for deployment spec update to be observed...\n', done: false };
  if (s.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded')) throw new RolloutError(`deployment "${name}" exceeded its progress deadline`);
  const updated = s.updatedReplicas ?? 0;
  const wanted = d.spec.replicas;
  const waiting = (what: string) => ({ text: `Waiting for deployment "${name}" rollout to finish: ${what}...\n`, done: false });
  if (wanted !== undefined && updated < wanted) return waiting(`${updated} out of ${wanted} new replicas have been updated`);
  if ((s.replicas ?? 0) > updated) return waiting(`${(s.replicas ?? 0) - updated} old replicas are pending termination`);
  if ((s.availableReplicas ?? 0) < updated) return waiting(`${s.availableReplicas ?? 0} of ${updated} updated replicas are available`);
  return { text: `deployment "${name}" successfully rolled out\n`, done: true };
}

function daemonSetStatus(ds: DaemonSet): RolloutStatus {
  if (ds.spec.updateStrategy?.type !== 'RollingUpdate') throw new RolloutError('rollout status is only available for RollingUpdate strategy type');
  const s = ds.status;
  if ((ds.metadata.generation ?? 0) > (s?.observedGeneration ?? 0)) return { text: 'Waiting for daemon set spec update to be observed...\n', done: false };
  const name = ds.metadata.name;
  const desired = s?.desiredNumberScheduled ?? 0;
  if ((s?.updatedNumberScheduled ?? 0) < desired) {
    return { text: `Waiting for daemon set "${name}" rollout to finish: ${s?.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...\n`, done: false };
  }
  if ((s?.numberAvailable ?? 0) < desired) return { text: `Waiting for daemon set "${name}" rollout to finish: ${s?.numberAvailable ?? 0} of ${desired} updated pods are available...\n`, done: false };
  return { text: `daemon set "${name}" successfully rolled out\n`, done: true };
}

function statefulSetStatus(sts: StatefulSet): RolloutStatus {
  const strategy = sts.spec.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') throw new RolloutError('rollout status is only available for RollingUpdate strategy type');
  const s = sts.status;
  if (!s?.observedGeneration || (sts.metadata.generation ?? 0) > s.observedGeneration) return { text: 'Waiting for statefulset spec update to be observed...\n', done: false };
  const replicas = sts.spec.replicas;
  if (replicas !== undefined && (s.readyReplicas ?? 0) < replicas) return { text: `Waiting for ${replicas - (s.readyReplicas ?? 0)} pods to be ready...\n`, done: false };
  const updated = s.updatedReplicas ?? 0;
  if (strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { text: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...\n`, done: false };
    }
    return { text: `partitioned roll out complete: ${updated} new pods have been updated...\n`, done: true };
  }
  if (s.updateRevision !== s.currentRevision) return { text: `waiting for statefulset rolling update to complete ${updated} pods at revision ${s.updateRevision}...\n`, done: false };
  return { text: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...\n`, done: true };
}

/** StatusViewer.Status; `revision` (Deployments only) is the one the rollout must be at. */
export function rolloutStatus(obj: RolloutObject, revision = 0): RolloutStatus {
  switch (obj.kind) {
    case 'Deployment':
      return deploymentStatus(obj, revision);
    case 'DaemonSet':
      return daemonSetStatus(obj);
    case 'StatefulSet':
      return statefulSetStatus(obj);
  }
}

// ---- history ----

/** One revision of a rollout: its number, change cause, and the template it restores. */
export interface Revision {
  revision: number;
  changeCause?: string;
  template: PodTemplateSpec;
  /** the ControllerRevision's data (DaemonSet, StatefulSet): the strategic merge patch undo sends */
  data?: unknown;
  /** the ReplicaSet's annotations (Deployment): undo copies them to the Deployment */
  annotations?: Record<string, string>;
  /** the ReplicaSet's template as stored (Deployment): what undo puts back */
  stored?: PodTemplateSpec;
}

const controlledBy = (o: { metadata: { ownerReferences?: { uid: string; controller?: boolean }[] } }, owner: RolloutObject) =>
  !!o.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid);

/** A Deployment's ReplicaSets (those it controls) as revisions; the template shows the change cause, as kubectl's does. */
export function replicaSetRevisions(d: Deployment, replicaSets: readonly ReplicaSet[]): Revision[] {
  return replicaSets
    .filter((rs) => controlledBy(rs, d))
    .map((rs) => {
      const changeCause = rs.metadata.annotations?.[CHANGE_CAUSE];
      const template = structuredClone(rs.spec.template);
      if (changeCause) template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [CHANGE_CAUSE]: changeCause } };
      return { revision: revisionOf(rs), changeCause, template, annotations: rs.metadata.annotations, stored: rs.spec.template };
    });
}

/** A DaemonSet's or StatefulSet's ControllerRevisions (those it controls) as revisions. */
export function controllerRevisions(owner: DaemonSet | StatefulSet, revisions: readonly ControllerRevision[]): Revision[] {
  return revisions.filter((r) => controlledBy(r, owner)).map((r) => ({ revision: r.revision, changeCause: r.metadata.annotations?.[CHANGE_CAUSE], template: templateOfData(r.data), data: r.data }));
}

function templateOfData(data: unknown): PodTemplateSpec {
  const tpl = (data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {};
  const { $patch: _, ...rest } = tpl;
  return rest as PodTemplateSpec;
}

/** The last of each number (kubectl keeps one per revision in a map). */
function byNumber(revisions: readonly Revision[]): Map<number, Revision> {
  return new Map(revisions.map((r) => [r.revision, r]));
}

/**
 * HistoryViewer.ViewHistory: the REVISION/CHANGE-CAUSE table, or with `revision` that revision's
 * pod template as describe prints it.
 */
export function historyText(revisions: readonly Revision[], revision = 0): string {
  const all = byNumber(revisions);
  if (!all.size) return 'No rollout history found.';
  if (revision > 0) {
    const r = all.get(revision);
    if (!r) throw new RolloutError('unable to find the specified revision');
    return podTemplateText(r.template);
  }
  const tw = new TabWriter(DESCRIBE_TABWRITER);
  tw.write('REVISION\tCHANGE-CAUSE\n');
  for (const n of [...all.keys()].sort((a, b) => a - b)) tw.write(`${n}\t${all.get(n)!.changeCause || '<none>'}\n`);
  tw.flush();
  return tw.toString();
}

// ---- undo ----

export type UndoPlan =
  | { skip: string }
  | { patchType: 'json'; patch: unknown }
  | { patchType: 'strategic'; patch: unknown };

// annotations a Deployment keeps through an undo, and a ReplicaSet's that do not come back with it
const ANNOTATIONS_TO_SKIP = [
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
];

const revisionNotFound = (n: number) => new RolloutError(`unable to find specified revision ${n} in history`);
const skipped = (n: number) => ({ skip: `skipped rollback (current template already matches revision ${n})` });

function withoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(t);
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[HASH_LABEL];
    if (!Object.keys(copy.metadata.labels).length) delete copy.metadata.labels;
  }
  return copy;
}

/** DeploymentRollbacker.Rollback: toRevision 0 is the one before the newest. */
function deploymentUndo(d: Deployment, revisions: readonly Revision[], toRevision: number): UndoPlan {
  let target: Revision | undefined;
  if (toRevision > 0) {
    target = revisions.find((r) => r.revision === toRevision);
    if (!target) throw revisionNotFound(toRevision);
  } else {
    const sorted = [...revisions].sort((a, b) => b.revision - a.revision);
    // the second newest distinct revision
    target = sorted.find((r) => r.revision < sorted[0]?.revision);
    if (!target) throw new RolloutError(`no rollout history found for deployment "${d.metadata.name}"`);
  }
  if (d.spec.paused) throw new RolloutError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  const template = target.stored ?? target.template;
  if (deepEqual(withoutHash(template), withoutHash(d.spec.template))) return skipped(toRevision);
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) if (d.metadata.annotations?.[k] !== undefined) annotations[k] = d.metadata.annotations[k];
  for (const [k, v] of Object.entries(target.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.includes(k)) annotations[k] = v;
  return {
    patchType: 'json',
    patch: [
      { op: 'replace', path: '/spec/template', value: withoutHash(template) },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

/** DaemonSetRollbacker / StatefulSetRollbacker: the revision's data goes back as a strategic merge patch. */
function historyUndo(owner: DaemonSet | StatefulSet, revisions: readonly Revision[], toRevision: number): UndoPlan {
  if (toRevision === 0 && revisions.length <= 1) throw new RolloutError('no last revision to roll back to');
  const target = toRevision === 0 ? [...revisions].sort((a, b) => a.revision - b.revision).at(-2) : revisions.find((r) => r.revision === toRevision);
  if (!target) throw revisionNotFound(toRevision);
  // daemonSetMatch / statefulSetMatch: the owner's own template, as a revision would store it
  if (deepEqual({ spec: { template: { ...owner.spec.template, $patch: 'replace' } } }, target.data)) return skipped(toRevision);
  return { patchType: 'strategic', patch: target.data };
}

/** Rollbacker.Rollback. */
export function undoPlan(obj: RolloutObject, revisions: readonly Revision[], toRevision = 0): UndoPlan {
  if (toRevision < 0) throw revisionNotFound(toRevision);
  return obj.kind === 'Deployment' ? deploymentUndo(obj, revisions, toRevision) : historyUndo(obj, revisions, toRevision);
}

// ---- restart, pause, resume ----

/** Go's time.RFC3339 in local time: 2006-01-02T15:04:05Z07:00. */
export function rfc3339Local(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -now.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}${zone}`;
}

/**
 * ObjectRestarter: the template's restartedAt annotation, as a strategic merge patch; undefined
 * when it already says this second (kubectl's empty patch).
 */
export function restartPatch(obj: RolloutObject, now: Date): unknown {
  if (obj.kind === 'Deployment' && obj.spec.paused) throw new RolloutError("can't restart paused deployment (run rollout resume first)");
  const at = rfc3339Local(now);
  if (obj.spec.template.metadata?.annotations?.[RESTARTED_AT] === at) return undefined;
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } } };
}

/** ObjectPauser / ObjectResumer: only a Deployment pauses. */
export function pausePatch(obj: RolloutObject, pause: boolean): unknown {
  if (obj.kind !== 'Deployment') throw new RolloutError(pause ? 'pausing is not supported' : 'resuming is not supported');
  if (pause && obj.spec.paused) throw new RolloutError('is already paused');
  if (!pause && !obj.spec.paused) throw new RolloutError('is not paused');
  return { spec: { paused: pause } };
}
