// Controller history, as pkg/controller/history: a StatefulSet's or DaemonSet's pod templates kept
// as ControllerRevisions named <owner>-<hash>, numbered 1, 2, ...; a pod records the revision it
// was made from in its controller-revision-hash label. Pure functions; the controllers write.
import { NAME_ALPHABET } from '../api/names.js';
import type { AnyObject, ControllerRevision, Pod, PodTemplateSpec } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerRef } from './context.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** What a revision stores: the strategic merge patch that puts the template back (getPatch). */
export function revisionData(template: PodTemplateSpec): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The template a revision restores. */
export function templateOf(rev: ControllerRevision): PodTemplateSpec | undefined {
  const tpl = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template;
  if (!tpl) return undefined;
  const { $patch: _, ...rest } = tpl;
  return structuredClone(rest) as PodTemplateSpec;
}

/** FNV-1a, 32 bits, of a string's UTF-8 bytes. */
function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * HashControllerRevision: FNV-32a of the data and, once there has been a collision, the collision
 * count; written with rand.SafeEncodeString's alphabet (no vowels, so no words).
 */
export function hashRevision(data: unknown, collisionCount?: number): string {
  const digits = String(fnv32a(JSON.stringify(data) + (collisionCount ? String(collisionCount) : '')));
  return [...digits].map((c) => NAME_ALPHABET[c.charCodeAt(0) % NAME_ALPHABET.length]).join('');
}

/** The revision an owner's template would make (not yet stored). */
export function newRevision(owner: AnyObject & { spec: { template: PodTemplateSpec } }, revision: number, collisionCount?: number): ControllerRevision {
  const data = revisionData(owner.spec.template);
  const hash = hashRevision(data, collisionCount);
  const selectorLabels = (owner.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${owner.metadata.name}-${hash}`,
      namespace: owner.metadata.namespace,
      labels: { ...(owner.spec.template.metadata?.labels ?? {}), ...selectorLabels, [REVISION_HASH_LABEL]: hash },
      annotations: owner.metadata.annotations?.['kubernetes.io/change-cause'] ? { 'kubernetes.io/change-cause': owner.metadata.annotations['kubernetes.io/change-cause'] } : undefined,
      ownerReferences: [controllerRef(owner)],
    },
    data,
    revision,
  };
}

export function sortRevisions(revs: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revs].sort((a, b) => a.revision - b.revision || a.metadata.name.localeCompare(b.metadata.name));
}

export function nextRevisionNumber(revs: readonly ControllerRevision[]): number {
  return revs.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
}

/** FindEqualRevisions: the stored revisions with the same data as `data`. */
export function equalRevisions(revs: readonly ControllerRevision[], data: unknown): ControllerRevision[] {
  return revs.filter((r) => deepEqual(r.data, data));
}

/**
 * What getStatefulSetRevisions / constructHistory decide: the update revision is the stored one
 * equal to the current template (re-numbered to the newest if it is not already: a rollback), or a
 * new one. `action` says which write it needs.
 */
export type RevisionPlan =
  | { action: 'none'; update: ControllerRevision }
  | { action: 'renumber'; update: ControllerRevision }
  | { action: 'create'; update: ControllerRevision };

export function planUpdateRevision(owner: AnyObject & { spec: { template: PodTemplateSpec } }, revs: readonly ControllerRevision[], collisionCount?: number): RevisionPlan {
  const sorted = sortRevisions(revs);
  const candidate = newRevision(owner, nextRevisionNumber(sorted), collisionCount);
  const equal = equalRevisions(sorted, candidate.data);
  if (equal.length) {
    const latest = equal[equal.length - 1];
    // equal to the newest: nothing to do; to an older one: it becomes the newest (rollback)
    if (latest.revision === sorted[sorted.length - 1].revision) return { action: 'none', update: latest };
    return { action: 'renumber', update: { ...latest, revision: candidate.revision } };
  }
  return { action: 'create', update: candidate };
}

/**
 * truncateHistory: the revisions to delete so that at most `limit` remain besides the ones in use
 * (the current and update revisions, and any a live pod was made from); oldest first.
 */
export function revisionsToPrune(revs: readonly ControllerRevision[], pods: readonly Pod[], keep: readonly string[], limit: number): ControllerRevision[] {
  const live = new Set([...keep, ...pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]).filter((h): h is string => !!h)]);
  const inUse = (r: ControllerRevision) => live.has(r.metadata.name) || live.has(r.metadata.labels?.[REVISION_HASH_LABEL] ?? '');
  const history = sortRevisions(revs).filter((r) => !inUse(r));
  return history.slice(0, Math.max(0, history.length - limit));
}
