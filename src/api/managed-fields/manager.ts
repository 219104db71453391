// metadata.managedFields as kube-apiserver 1.32 keeps them (k8s.io/apimachinery/pkg/util/
// managedfields/internal): which manager owns which fields after every create, update, patch and
// server-side apply. One entry per manager, operation (Apply or Update), subresource and, for
// updates, apiVersion; updates take the fields they change from everyone else, applies merge
// their configuration and fail with a 409 on fields someone else owns unless forced. The layers
// of kube's field manager are kept, in the same order:
//   version check, last-applied updater and manager (kubectl's client-side apply annotation),
//   cap on update managers, manager identifiers, timestamps, metadata stripping, the updater.
// Pure: the caller passes the time and stores what comes back.
import { ApiError, badRequest } from '../errors.js';
import type { ManagedFieldsEntry } from '../fields.js';
import { rfc3339 } from '../time.js';
import { FieldSet, pathString, type Path } from './fieldset.js';
import type { KindDef } from '../kinds/kind.js';
import { dropNulls } from '../schema.js';
import { compare, toFieldSet, typeOfKind, TypedError, type TypeNode } from './typed.js';
import { ConflictsError, recordApply, recordUpdate, type Conflict, type ManagedSets, type UpdaterOptions } from './updater.js';

export type { ManagedFieldsEntry };

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> & { managedFields?: ManagedFieldsEntry[]; annotations?: Record<string, string> } };

/** kubectl's client-side apply annotation. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** validation.FieldManagerMaxLength */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/** DefaultMaxUpdateManagers: older update entries are merged into "ancient-changes" beyond this. */
const MAX_UPDATE_MANAGERS = 10;

export interface Managed {
  fields: ManagedSets;
  times: Map<string, string | undefined>;
}

/**
 * BuildManagerIdentifier: the entry's JSON without time and fields (and without apiVersion for an
 * Apply, so an applier is one manager whatever version it applies at). Keys in Go's field order.
 */
export function managerIdentifier(e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = {};
  if (e.manager) id.manager = e.manager;
  if (e.operation) id.operation = e.operation;
  if (e.apiVersion && e.operation !== 'Apply') id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

/** DecodeManagedFields; throws on an entry it cannot read. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[]): Managed {
  const out: Managed = { fields: new Map(), times: new Map() };
  entries.forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (!e.fieldsType) throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new Error(`error decoding versioned set: error decoding set: ${(err as Error).message}`);
    }
    const id = managerIdentifier(e);
    out.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    out.times.set(id, e.time);
  });
  return out;
}

/** encodeManagedFields: sorted by operation, time, manager, apiVersion, subresource; undefined when no one owns anything. */
export function encodeManagedFields(m: Managed): ManagedFieldsEntry[] | undefined {
  if (m.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of m.fields) {
    const base = JSON.parse(id) as ManagedFieldsEntry;
    const time = m.times.get(id);
    const e: ManagedFieldsEntry = {};
    if (base.manager) e.manager = base.manager;
    e.operation = vs.applied ? 'Apply' : base.operation;
    e.apiVersion = vs.apiVersion;
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (base.subresource) e.subresource = base.subresource;
    entries.push(e);
  }
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/** Fields no entry ever records: the object's identity and what the server sets (stripMetaManager). */
const STRIPPED = FieldSet.of(
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f): Path => [{ field: 'metadata' }, { field: f }],
  ),
);

function strip(fields: ManagedSets, id: string): void {
  const vs = fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(STRIPPED);
  if (set.isEmpty()) fields.delete(id);
  else fields.set(id, { ...vs, set });
}

/** An empty list or a single empty entry: the client asks for managedFields to be reset. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && !!entries[0] && typeof entries[0] === 'object' && Object.keys(entries[0] as object).length === 0;
}

function withoutManagedFields(o: Obj): Obj {
  if (!o.metadata || !('managedFields' in o.metadata)) return o;
  const { managedFields: _, ...metadata } = o.metadata;
  return { ...o, metadata };
}

export interface FieldManagerOptions {
  /** the kind's schema (typed.ts typeOfKind) */
  type: TypeNode;
  /** "apps/v1" */
  apiVersion: string;
  kind: string;
  /** the subresource written through ("status", "scale"), recorded in every entry it writes */
  subresource?: string;
  /** what the strategy resets on this endpoint, which therefore no one owns: status on the main resource of a kind with a status subresource */
  resetFields?: FieldSet;
}

export interface ApplyOutcome {
  /** the object to store, with its managedFields */
  object: Obj;
  /** false when the configuration changed nothing in the object (the managers may have changed) */
  changed: boolean;
}

export class FieldManager {
  private readonly updater: UpdaterOptions;

  constructor(private readonly opts: FieldManagerOptions) {
    this.updater = { type: opts.type, version: opts.apiVersion, ignored: opts.resetFields ?? new FieldSet() };
  }

  /**
   * The managedFields for `next`, which replaces `live` (for a create, the kind's empty object)
   * through an update by `manager`. Managed fields the request carries are kept when they can be
   * read (an empty list or `[{}]` resets them), the live ones otherwise; through a subresource
   * always the live ones. Never fails: on an internal error the live entries are kept.
   */
  update(live: Obj, next: Obj, manager: string, now: Date): ManagedFieldsEntry[] | undefined {
    const liveEntries = live.metadata?.managedFields;
    let managed: Managed;
    const fromLive = () => {
      try {
        return decodeManagedFields(liveEntries ?? []);
      } catch {
        return { fields: new Map(), times: new Map() } as Managed;
      }
    };
    const requested = next.metadata?.managedFields;
    if (this.opts.subresource) managed = fromLive();
    else if (isReset(requested)) managed = { fields: new Map(), times: new Map() };
    else {
      try {
        managed = decodeManagedFields(requested ?? []);
        if (managed.fields.size === 0) managed = fromLive();
      } catch {
        managed = fromLive();
      }
    }
    try {
      const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Update', apiVersion: this.opts.apiVersion, subresource: this.opts.subresource });
      const self = 'current-operation';
      const fields = recordUpdate(this.updater, withoutManagedFields(live), withoutManagedFields(next), managed.fields, self);
      strip(fields, self);
      const current = fields.get(self);
      if (current) {
        fields.delete(self);
        const previous = fields.get(id);
        fields.set(id, { ...current, set: previous ? current.set.union(previous.set) : current.set });
        managed.times.set(id, rfc3339(now));
      }
      managed.fields = fields;
      capUpdateManagers(managed);
      return encodeManagedFields(managed);
    } catch {
      return liveEntries;
    }
  }

  /**
   * Server-side apply of `config` by `manager` to `live` (for a create, `{}`): the object to store
   * with its managedFields, or a 409 naming the fields other managers own, unless force. kubectl's
   * own applies ("kubectl") also take over fields its client-side apply set, and keep that
   * annotation in step.
   */
  apply(live: Obj, config: unknown, manager: string, force: boolean, now: Date): ApplyOutcome {
    if (!config || typeof config !== 'object' || Array.isArray(config)) throw badRequest('the request body must be an object');
    const cfg = config as Obj;
    const gvk = `${cfg.apiVersion ?? ''}`.includes('/') ? `${cfg.apiVersion}` : `/${cfg.apiVersion ?? ''}`;
    if (cfg.apiVersion !== this.opts.apiVersion || cfg.kind !== this.opts.kind) {
      throw badRequest(`invalid object type: ${gvk}, Kind=${typeof cfg.kind === 'string' ? cfg.kind : ''}`);
    }
    if (cfg.metadata?.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    let managed: Managed;
    try {
      managed = decodeManagedFields(live.metadata?.managedFields ?? []);
    } catch (e) {
      throw new ApiError(500, 'InternalError', `failed to decode managed fields: ${(e as Error).message}`);
    }
    const liveObj = withoutManagedFields(live);
    let outcome: { object: Obj; changed: boolean };
    try {
      outcome = this.applyOnce(liveObj, cfg, managed, manager, force, now);
    } catch (e) {
      if (!(e instanceof ConflictsError)) throw this.typedError(e, cfg);
      let remaining = e.conflicts;
      if (manager === 'kubectl') {
        const allowed = this.allowedFromLastApplied(live);
        if (allowed) remaining = remaining.filter((c) => !allowed.has(c.path));
      }
      if (remaining.length) throw conflictError(remaining);
      outcome = this.applyOnce(liveObj, cfg, managed, manager, true, now);
    }
    const object = outcome.object;
    const annotations = object.metadata?.annotations;
    if (manager === 'kubectl' && annotations?.[LAST_APPLIED_ANNOTATION]) {
      object.metadata = { ...object.metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: lastAppliedOf(cfg) } };
    }
    const entries = encodeManagedFields(managed);
    object.metadata = { ...object.metadata };
    if (entries) object.metadata.managedFields = entries;
    else delete object.metadata.managedFields;
    return { object, changed: outcome.changed };
  }

  /** One pass of the apply layers below the last-applied ones; sets managed's fields and times. */
  private applyOnce(live: Obj, config: Obj, managed: Managed, manager: string, force: boolean, now: Date): { object: Obj; changed: boolean } {
    const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Apply', subresource: this.opts.subresource });
    const result = recordApply(this.updater, live, config, managed.fields, id, force);
    strip(result.managers, id);
    managed.fields = result.managers;
    if (result.object === undefined) return { object: structuredClone(live), changed: false };
    managed.times.set(id, rfc3339(now));
    // a Go object holds no nulls where k1s's schemas have optional fields (nulls in lists stay, to be refused)
    return { object: dropNulls(result.object) as Obj, changed: true };
  }

  /**
   * lastAppliedManager: the fields kubectl's client-side apply set (its annotation) that still
   * hold their applied values; kubectl's server-side apply may take them without --force-conflicts.
   */
  private allowedFromLastApplied(live: Obj): FieldSet | undefined {
    const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
    if (!text) return undefined;
    try {
      const last = JSON.parse(text) as Obj;
      if (last?.apiVersion !== this.opts.apiVersion) return undefined;
      const set = toFieldSet(last, this.opts.type);
      const c = compare(last, withoutManagedFields(live), this.opts.type);
      return set.difference(c.modified).difference(c.added).difference(c.removed);
    } catch {
      return undefined;
    }
  }

  /** An applied configuration whose lists cannot be read: the structured-merge-diff error, as a 400. */
  private typedError(e: unknown, cfg: Obj): unknown {
    if (!(e instanceof TypedError)) return e;
    const meta = cfg.metadata ?? {};
    const where = `${meta.namespace ?? ''}/${meta.name ?? ''}; ${this.opts.apiVersion.includes('/') ? '' : '/'}${this.opts.apiVersion}, Kind=${this.opts.kind}`;
    return badRequest(`failed to create typed patch object (${where}): ${e.message}`);
  }
}

/** buildLastApplied: the applied configuration without the annotation itself, as kubectl writes it (sorted keys, a trailing newline). */
function lastAppliedOf(cfg: Obj): string {
  const copy = structuredClone(cfg);
  const annotations = copy.metadata?.annotations;
  if (annotations) delete annotations[LAST_APPLIED_ANNOTATION];
  return `${JSON.stringify(sortKeys(copy))}\n`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** printManager: `"kubectl"`, `"kubectl" with subresource "scale" using apps/v1` (updates name their version). */
function printManager(id: string): string {
  let e: ManagedFieldsEntry;
  try {
    e = JSON.parse(id) as ManagedFieldsEntry;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion ?? ''}`;
  return s;
}

/**
 * NewConflictError: a 409 whose message is getConflictMessage's
 * (`Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas`, or for several
 * `Apply failed with 2 conflicts: conflicts with "m" using apps/v1:\n- .spec.replicas\n- ...`,
 * managers sorted) and whose causes name each field (reason FieldManagerConflict).
 */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, Path[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
    const lines: string[] = [];
    for (const manager of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(manager)}:`);
      for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/** capManagersManager: beyond ten update entries, the oldest are merged into one "ancient-changes" entry per version. */
function capUpdateManagers(m: Managed): void {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const seconds = (id: string) => {
    const t = m.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => seconds(a) - seconds(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i];
    const vs = m.fields.get(id)!;
    const time = m.times.get(id);
    const bucket = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      m.fields.set(bucket, m.fields.get(first)!);
      m.fields.delete(first);
    }
    m.fields.set(bucket, { set: vs.set.union(m.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    length--;
    m.times.set(bucket, time);
  }
}

/**
 * IgnoreManagedFieldsTimestampsTransformer: when a write would change nothing but managedFields'
 * times, the old times are kept, so the write is no change at all (no new resourceVersion).
 */
export function keepTimestampsOfNoOp(next: Obj, current: Obj): void {
  const a = next.metadata?.managedFields;
  const b = current.metadata?.managedFields;
  if (!a || !b || a.length !== b.length || a.length === 0) return;
  if (a.every((e, i) => e.time === b[i].time)) return;
  const untimed = (es: ManagedFieldsEntry[]) => JSON.stringify(sortKeys(es.map(({ time: _, ...rest }) => rest)));
  if (untimed(a) !== untimed(b)) return;
  const rest = (o: Obj) => JSON.stringify(sortKeys({ ...o, metadata: { ...o.metadata, managedFields: undefined, resourceVersion: undefined } }));
  if (rest(next) !== rest(current)) return;
  next.metadata = { ...next.metadata, managedFields: a.map((e, i) => ({ ...e, time: b[i].time })) };
}

/** prefixFromUserAgent: what kube records for a write that names no fieldManager ("kubectl" for kubectl/v1.32.4 (...)). */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!isPrintable(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

/** ValidateFieldManager's checks; messages as field errors. */
export function fieldManagerErrors(manager: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(`Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`);
  [...manager].forEach((ch, i) => {
    if (!isPrintable(ch)) {
      const cp = ch.codePointAt(0)!;
      errs.push(`Invalid value: ${JSON.stringify(manager)}: invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} (at position ${i})`);
    }
  });
  return errs;
}

/** unicode.IsPrint, closely enough: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrintable(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/**
 * The field manager of writes to a kind through one endpoint. Its reset fields are the
 * strategies' GetResetFields as k1s applies them: the main resource of a kind with a status
 * subresource never writes status, /status writes nothing else.
 */
export function fieldManagerFor(
  kind: Pick<KindDef, 'kind' | 'group' | 'version' | 'hasStatus' | 'schema' | 'patchMergeKeys' | 'fieldTypes'>,
  subresource?: string,
): FieldManager {
  const type = typeOfKind(kind);
  let resetFields = new FieldSet();
  if (subresource === 'status') {
    const top = type.kind === 'struct' ? [...type.fields.keys()] : ['metadata', 'spec'];
    resetFields = FieldSet.of(...top.filter((f) => !['apiVersion', 'kind', 'status'].includes(f)).map((f): Path => [{ field: f }]));
  } else if (!subresource && kind.hasStatus) {
    resetFields = FieldSet.of([{ field: 'status' }]);
  }
  return new FieldManager({ type, apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version, kind: kind.kind, subresource, resetFields });
}
