// A Deployment's revisions: one ReplicaSet per pod template, named <deployment>-<pod-template-hash>
// and numbered by deployment.kubernetes.io/revision; the Deployment's annotations
// (kubernetes.io/change-cause among them) copied onto its newest ReplicaSet, which is what
// `kubectl rollout history` lists and `rollout undo` restores; old ones pruned past
// revisionHistoryLimit. Pure (deployment_util.go SetNewReplicaSetAnnotations, sync.go
// cleanupDeployment).
import { createHash } from 'node:crypto';
import { NAME_ALPHABET } from '../api/names.js';
import type { Deployment, ReplicaSet } from '../api/types.js';
import { canonicalJSON } from '../store/canonical.js';
import { controllerRef } from './context.js';
import { DESIRED_REPLICAS, MAX_REPLICAS, byCreation } from './rollout-math.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Annotations that are the controller's or kubectl's own, never copied from Deployment to ReplicaSet (skipCopyAnnotation). */
const NOT_COPIED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);

/** Kube's limit on the revision-history annotation's length. */
const MAX_REVISION_HISTORY_CHARS = 2000;

/** A short, stable hash of a pod template (the pod-template-hash label's value). */
export function podTemplateHash(template: Deployment['spec']['template']): string {
  const digest = createHash('sha256').update(canonicalJSON(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
}

export const revisionOf = (o: { metadata: { annotations?: Record<string, string> } }) => {
  const n = Number(o.metadata.annotations?.[REVISION] ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
};

export const maxRevision = (rss: ReplicaSet[]) => Math.max(0, ...rss.map(revisionOf));

/** Oldest revision first, then oldest set (ReplicaSetsByRevision). */
export const byRevision = (a: ReplicaSet, b: ReplicaSet) => revisionOf(a) - revisionOf(b) || byCreation(a, b);

/** The template as a ReplicaSet keeps it: the hash in its labels and selector. */
export function newReplicaSet(d: Deployment, hash: string, replicas: number, revision: number): ReplicaSet {
  const tpl = structuredClone(d.spec.template);
  tpl.metadata = { ...tpl.metadata, labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: tpl.metadata.labels,
      ownerReferences: [controllerRef(d)],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec.minReadySeconds,
      selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), 'pod-template-hash': hash } },
      template: tpl,
    },
  };
  rs.metadata.annotations = newReplicaSetAnnotations(d, rs, revision) ?? {};
  return rs;
}

/**
 * The annotations the new ReplicaSet should carry (SetNewReplicaSetAnnotations): the Deployment's
 * own, and the revision, raised if it is an old template back in use (`rollout undo`), the
 * revision it had kept in revision-history. undefined: already so.
 */
export function newReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, revision: number): Record<string, string> | undefined {
  const a = { ...(rs.metadata.annotations ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || a[k] === v) continue;
    a[k] = v;
    changed = true;
  }
  const old = revisionOf(rs);
  if (old < revision) {
    if (old > 0) {
      // the oldest entries go first when the list outgrows its limit
      const history = [...(a[REVISION_HISTORY] ? a[REVISION_HISTORY].split(',') : []), String(old)];
      while (history.length > 1 && history.join(',').length > MAX_REVISION_HISTORY_CHARS) history.shift();
      a[REVISION_HISTORY] = history.join(',');
    }
    a[REVISION] = String(revision);
    changed = true;
  }
  return changed ? a : undefined;
}

/**
 * The old ReplicaSets past revisionHistoryLimit to delete, oldest revision first; a set that
 * still has pods, or whose status is behind its spec, or is being deleted, is kept
 * (cleanupDeployment).
 */
export function replicaSetsToPrune(d: Deployment, oldRSs: ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  return alive
    .slice(0, diff)
    .filter((rs) => (rs.status?.replicas ?? 0) === 0 && (rs.spec.replicas ?? 1) === 0 && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}
