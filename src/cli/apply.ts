// Client-side apply as kubectl does it for JSON merge patches: the manifest last applied is kept
// in an annotation, and the next apply sends a three-way patch: what the new manifest says, plus
// a deletion (null) for every field the previous manifest had and the new one dropped. Fields the
// server or controllers set (status, defaults, a Deployment's revision annotation) are left alone.
import type { AnyObject } from '../api/types.js';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The merge patch that takes a live object from `last` (the previous manifest) to `next`. */
export function threeWayPatch(last: unknown, next: unknown): Json {
  const patch: Json = {};
  const prev = isObject(last) ? last : {};
  for (const [k, v] of Object.entries(next as Json)) {
    patch[k] = isObject(v) && isObject(prev[k]) ? threeWayPatch(prev[k], v) : v;
  }
  for (const k of Object.keys(prev)) if (!(k in (next as Json))) patch[k] = null;
  return patch;
}

/** The manifest as it is recorded: without the annotation itself, as compact JSON. */
export function withLastApplied<T extends AnyObject>(obj: T): T {
  const { [LAST_APPLIED]: _, ...annotations } = obj.metadata.annotations ?? {};
  const recorded = { ...obj, metadata: { ...obj.metadata, annotations: Object.keys(annotations).length ? annotations : undefined } };
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...annotations, [LAST_APPLIED]: JSON.stringify(recorded) + '\n' } } };
}

/** The previous manifest recorded on a live object, or undefined (never applied, or unreadable). */
export function lastApplied(live: AnyObject): unknown {
  const text = live.metadata.annotations?.[LAST_APPLIED];
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
