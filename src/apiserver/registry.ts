// The API server's object logic without HTTP: what happens on get, list, create, update, patch,
// delete and watch of each kind. The HTTP layer (server.ts) and the in-process client both call
// this, so every write, from kubectl or from a controller, is defaulted, validated and versioned
// the same way.
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, conflict, forbidden, gone, invalid, notFound } from '../api/errors.js';
import { matches, parseSelector } from '../api/labels.js';
import { parseFieldPath, withoutField } from '../api/field-path.js';
import { validateAndDefault } from '../api/manifest.js';
import { randomNameSuffix } from '../api/names.js';
import { apiVersionOf, byKind, RESOURCES, type ResourceInfo } from '../api/resources.js';
import { validateObject, type FieldError } from '../api/schema.js';
import { validateUpdate } from '../api/validate.js';
import type { AnyObject, KubeObject, Namespace, Service } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { Store, StoreError, type StoreEvent, type StoredValue } from '../store/store.js';
import { allocateServiceAddresses, type AllocatorConfig } from './allocators.js';
import { applyPatch } from './patch.js';
import { rfc3339 } from '../api/time.js';
import { fieldManagerFor, keepTimestampsOfNoOp, type ManagedFieldsEntry } from '../api/managed-fields/manager.js';
import { zeroObject } from './protobuf.js';
import { gcFinalizers, planDeletion, type PropagationPolicy } from './deletion.js';
import { validateNoNewFinalizers } from '../api/meta-validation.js';
import type { AdmissionReader } from '../api/kinds/kind.js';
import { ANN, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from '../api/storage.js';
import * as admission from './admission.js';

export interface ListResult {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: AnyObject[];
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: AnyObject;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** at most this many items; the rest through `continue` (kubectl pages by 500) */
  limit?: number;
  /** the token of the previous page */
  continue?: string;
}

/** What every write takes (metav1.CreateOptions/UpdateOptions/PatchOptions). */
export interface WriteOptions {
  /** admission, defaulting and validation run; nothing is stored and nothing is allocated */
  dryRun?: boolean;
  /**
   * status: the status strategy; scale: a write through /scale (recorded as such in managedFields);
   * finalize: a namespace's spec.finalizers and nothing else (the namespace controller's write)
   */
  subresource?: 'status' | 'scale' | 'finalize';
  /**
   * What an unknown field does (metav1.FieldValidation): Strict refuses the write (k1s's default:
   * nothing a user wrote is silently dropped), Warn drops it and says so in `warnings`, Ignore
   * drops it silently.
   */
  fieldValidation?: FieldValidation;
  /** receives the warnings of the write (the HTTP layer sends them as Warning headers) */
  warnings?: string[];
  /** who writes, for metadata.managedFields; in-process writes that name no one are "k1s"'s */
  fieldManager?: string;
  /** server-side apply: take fields other managers own instead of failing with a conflict */
  force?: boolean;
}

/** A write whose managedFields are decided already (by server-side apply, or by the scale subresource's own field manager). */
export type ApplyWrite = WriteOptions & { applied?: { managedFields: ManagedFieldsEntry[] | undefined } };

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export type { PatchType } from './patch.js';
import type { PatchType } from './patch.js';

export interface DeleteOptions {
  dryRun?: boolean;
  /**
   * How long a graceful kind (a pod) may take to stop; 0 removes it at once. Without it, the
   * kind's own default (the pod's terminationGracePeriodSeconds).
   */
  gracePeriodSeconds?: number;
  preconditions?: { resourceVersion?: string; uid?: string };
  /**
   * Orphan: the garbage collector removes the owner's references from its dependents, then the
   * owner; Foreground: it deletes the dependents first; Background (the default): the owner goes
   * now and the collector deletes the dependents after.
   */
  propagationPolicy?: PropagationPolicy;
}

export interface RegistryOptions extends AllocatorConfig {
  now?: () => Date;
}

/** Namespaces that exist from the start and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The default StorageClass, as k3s's local-storage manifest makes it: claims without a class get
 * a directory under <data dir>/storage once a pod uses them (controllers/persistentvolume.ts).
 */
export const LOCAL_PATH_STORAGE_CLASS = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANN.isDefaultClass]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
} as const;

type WithStatus = AnyObject & { status?: unknown; spec?: unknown };

export class Registry {
  private readonly now: () => Date;

  constructor(
    readonly store: Store,
    private readonly opts: RegistryOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Creates the system namespaces and the default StorageClass if missing (idempotent, writes
   * nothing when they exist). Like k3s, which reapplies its local-storage manifest at every start,
   * a deleted local-path class comes back at the next start.
   */
  bootstrap(): void {
    const nsInfo = byKind('Namespace')!;
    for (const name of SYSTEM_NAMESPACES) {
      if (!this.store.get(keyOf(nsInfo, undefined, name))) {
        this.create(nsInfo, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
    }
    const scInfo = byKind('StorageClass')!;
    if (!this.store.get(keyOf(scInfo, undefined, LOCAL_PATH_STORAGE_CLASS.metadata.name))) {
      this.create(scInfo, undefined, structuredClone(LOCAL_PATH_STORAGE_CLASS));
    }
  }

  /** What admission plugins read: the stored objects of a kind. */
  private readonly reader: AdmissionReader = {
    list: (kind, namespace) => {
      const r = byKind(kind);
      return r ? (this.store.list(prefixOf(r, namespace)).items as unknown as KubeObject[]) : [];
    },
  };

  /**
   * Reads of `kind` pass through `view` (writes never do): for a value kept in memory rather than
   * written to the store, as the node Lease's renewTime (agent/node-lease.ts). Returns the undo.
   */
  liveView(kind: string, view: (obj: AnyObject) => AnyObject): () => void {
    this.liveViews.set(kind, view);
    return () => this.liveViews.delete(kind);
  }

  private readonly liveViews = new Map<string, (obj: AnyObject) => AnyObject>();

  private live(r: ResourceInfo, obj: AnyObject): AnyObject {
    const view = this.liveViews.get(r.kind);
    return view ? view(obj) : obj;
  }

  get<T extends AnyObject = AnyObject>(r: ResourceInfo, ns: string | undefined, name: string): T {
    return this.live(r, this.stored(r, ns, name)) as T;
  }

  /** The object as stored: what writes start from. */
  private stored(r: ResourceInfo, ns: string | undefined, name: string): AnyObject {
    const v = this.store.get(keyOf(r, ns, name));
    if (!v) throw notFound(r.resource, name, r.group);
    return v as unknown as AnyObject;
  }

  /**
   * A list, or one page of it. Pages after the first are read from the store as it is then (kube
   * serves them from the first page's snapshot) but report the first page's resourceVersion, so a
   * watch started from it misses nothing.
   */
  list(r: ResourceInfo, ns: string | undefined, opts: ListOptions = {}): ListResult {
    const filter = this.filterFor(r, opts);
    const { items, revision } = this.store.list(prefixOf(r, ns));
    const from = opts.continue ? decodeContinue(opts.continue) : { rv: revision, start: '' };
    const key = (o: AnyObject) => keyOf(r, o.metadata.namespace, o.metadata.name);
    const matched = (items as unknown as AnyObject[]).filter((o) => key(o) >= from.start && filter(o));
    const limit = opts.limit && opts.limit > 0 ? opts.limit : matched.length;
    const page = matched.slice(0, limit);
    const metadata: ListResult['metadata'] = { resourceVersion: String(from.rv) };
    if (page.length < matched.length) {
      metadata.continue = encodeContinue(from.rv, key(page[page.length - 1]) + '\u0000');
      // as kube: a count only when nothing was filtered out of it
      if (!opts.labelSelector && !opts.fieldSelector) metadata.remainingItemCount = matched.length - page.length;
    }
    return { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata, items: this.liveViews.has(r.kind) ? page.map((o) => this.live(r, o)) : page };
  }

  /** POST: rest.BeforeCreate (PrepareForCreate, Validate), then the write. */
  create(r: ResourceInfo, ns: string | undefined, body: unknown, opts: WriteOptions = {}): AnyObject {
    const obj = this.admit(r, ns, body, opts) as WithStatus;
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomNameSuffix();
    if (r.namespaced) this.requireNamespace(meta.namespace!);
    // Set by the server alone: a client can neither choose nor forge them.
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (r.generation) meta.generation = 1;
    else delete meta.generation;
    if (r.hasStatus) delete obj.status;
    // mutating admission (LimitRanger's defaults) before PrepareForCreate, which reads them (qosClass)
    admission.mutate(r, obj, this.reader, { nodePortRange: this.opts.nodePortRange });
    r.prepareForCreate?.(obj);
    r.admit?.(obj, this.reader);
    // validating admission last, in this same synchronous call as the write (see admission.ts)
    admission.validate(r, obj, undefined, this.reader, this.now());
    if (r.warnings) opts.warnings?.push(...r.warnings(obj));
    if (r.kind === 'Service') this.allocate(obj as Service, undefined);
    this.recordManagers(r, undefined, obj, opts);
    const key = keyOf(r, meta.namespace, meta.name);
    if (opts.dryRun) {
      if (this.store.get(key)) throw alreadyExists(r.resource, meta.name, r.group);
      return obj;
    }
    try {
      return this.store.create(key, obj as unknown as StoredValue) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, meta.name);
    }
  }

  /**
   * PUT. For a kind with a status subresource the main resource ignores .status and /status
   * ignores everything but .status (the status strategy copies the rest from the stored object),
   * as in Kubernetes, so controllers and users never overwrite each other's halves.
   */
  update(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, opts: ApplyWrite = {}): AnyObject {
    const current = this.stored(r, ns, name) as WithStatus;
    let obj: WithStatus;
    if (opts.subresource === 'status') {
      const b = body as { status?: unknown; metadata?: { resourceVersion?: string } } | undefined;
      const rv = b?.metadata?.resourceVersion;
      obj = this.admit(r, ns, { ...current, status: b?.status, metadata: { ...current.metadata, resourceVersion: rv } }, opts) as WithStatus;
      r.prepareForStatusUpdate?.(obj, current);
      const immutable = r.validateStatusUpdate?.(obj, current) ?? [];
      if (immutable.length) throw invalid(r.kind, r.group, name, immutable);
    } else if (opts.subresource === 'finalize') {
      const b = body as { spec?: { finalizers?: string[] }; metadata?: { resourceVersion?: string } } | undefined;
      const spec = { ...(current.spec as object), finalizers: b?.spec?.finalizers };
      obj = this.admit(r, ns, { ...current, spec, metadata: { ...current.metadata, resourceVersion: b?.metadata?.resourceVersion } }, opts) as WithStatus;
    } else {
      obj = this.admit(r, ns, r.prepareBodyForUpdate ? r.prepareBodyForUpdate(body, current) : body, opts) as WithStatus;
      r.prepareForUpdate?.(obj, current);
      const immutable = validateUpdate(obj, current);
      if (immutable.length) throw invalid(r.kind, r.group, name, immutable);
      r.admit?.(obj, this.reader, current);
      if (r.hasStatus) obj.status = current.status;
      admission.validate(r, obj, current, this.reader, this.now());
      if (r.warnings) opts.warnings?.push(...r.warnings(obj, current));
    }
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    const meta = obj.metadata;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    // An update can neither start, stop nor move a deletion: that is DELETE's alone.
    meta.deletionTimestamp = current.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp) {
      const errs = validateNoNewFinalizers(meta.finalizers, current.metadata.finalizers, 'metadata.finalizers');
      if (errs.length) throw invalid(r.kind, r.group, name, errs);
    }
    if (r.generation) {
      const specChanged = !deepEqual(obj.spec, current.spec);
      meta.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    } else {
      delete meta.generation;
    }
    if (r.kind === 'Service' && opts.subresource !== 'status') this.allocate(obj as Service, current as Service);
    this.recordManagers(r, current, obj, opts);
    const key = keyOf(r, ns, name);
    if (opts.dryRun) {
      if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(r.resource, name, r.group);
      return { ...obj, metadata: { ...meta, resourceVersion: current.metadata.resourceVersion } } as AnyObject;
    }
    try {
      // The last finalizer of an object whose deletion is due went: the update is its removal
      // (the stored object is what is deleted, as kube's shouldDeleteDuringUpdate does).
      if (finalizersReleased(obj, current)) return this.store.delete(key, meta.resourceVersion ?? current.metadata.resourceVersion) as unknown as AnyObject;
      return this.store.update(key, obj as unknown as StoredValue, meta.resourceVersion) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, name);
    }
  }

  /** PATCH: the patch is applied to the stored object, and the result goes through update. */
  patch(r: ResourceInfo, ns: string | undefined, name: string, patch: unknown, opts: WriteOptions & { type?: PatchType } = {}): AnyObject {
    if (opts.type === 'apply') return this.apply(r, ns, name, patch, opts);
    const current = this.stored(r, ns, name);
    const merged = applyPatch(r, current, patch, opts.type ?? 'merge') as AnyObject;
    // Without a resourceVersion in the patch, a patch applies to whatever is current.
    const patched = merged?.metadata?.resourceVersion;
    const rv = patched && patched !== current.metadata.resourceVersion ? patched : current.metadata.resourceVersion;
    return this.update(r, ns, name, { ...merged, metadata: { ...merged.metadata, resourceVersion: rv } }, opts);
  }

  /**
   * Server-side apply (managed-fields/manager.ts decides the object and who owns what); the
   * result is then created or updated like any write. A missing object is created, as kube does.
   */
  private apply(r: ResourceInfo, ns: string | undefined, name: string, config: unknown, opts: WriteOptions): AnyObject {
    const current = this.store.get(keyOf(r, ns, name)) as unknown as AnyObject | undefined;
    if (!current && opts.subresource) throw notFound(r.resource, name, r.group);
    const manager = fieldManagerFor(r, opts.subresource);
    const { object } = manager.apply(current ?? {}, this.withoutUnknownFields(r, config, opts), opts.fieldManager ?? '', opts.force ?? false, this.now());
    const write: ApplyWrite = { ...opts, applied: { managedFields: object.metadata?.managedFields } };
    if (current) return this.update(r, ns, name, object, write);
    if (object.metadata?.name !== name) {
      throw badRequest(`the name of the object (${object.metadata?.name ?? ''}) does not match the name on the URL (${name})`);
    }
    return this.create(r, ns, object, write);
  }

  /** An applied configuration's unknown fields, refused (Strict) or dropped (Warn, Ignore) as a body's are. */
  private withoutUnknownFields(r: ResourceInfo, config: unknown, opts: WriteOptions): unknown {
    const result = validateObject(config);
    const unknown = result.ok ? [] : result.errors.filter(isUnknownField);
    if (!unknown.length) return config;
    if ((opts.fieldValidation ?? 'Strict') === 'Strict') throw strictDecodingError(r, unknown);
    if (opts.fieldValidation === 'Warn') opts.warnings?.push(...unknown.map((e) => `unknown field ${JSON.stringify(e.path)}`));
    return unknown.reduce<unknown>((o, e) => withoutField(o, parseFieldPath(e.path)), config);
  }

  /**
   * metadata.managedFields of a create or update: what the writer changed becomes its own
   * (compared with the kind's empty object on a create), unless server-side apply decided them.
   */
  private recordManagers(r: ResourceInfo, current: AnyObject | undefined, obj: AnyObject, opts: ApplyWrite): void {
    let entries: ManagedFieldsEntry[] | undefined;
    if (opts.applied) entries = opts.applied.managedFields;
    else {
      const live = current ?? (zeroObject(apiVersionOf(r), r.kind) as unknown as AnyObject);
      entries = fieldManagerFor(r, opts.subresource).update(live, obj, opts.fieldManager ?? 'k1s', this.now());
    }
    if (entries) obj.metadata.managedFields = entries;
    else delete obj.metadata.managedFields;
    if (current) keepTimestampsOfNoOp(obj, current);
  }

  /**
   * DELETE: removes the object, or (a graceful kind, finalizers) marks it with deletionTimestamp
   * and keeps it; a second DELETE of an object being deleted leaves it as it is, or shortens a
   * pod's grace period (deletion.ts decides).
   */
  delete(r: ResourceInfo, ns: string | undefined, name: string, opts: DeleteOptions = {}): AnyObject {
    const current = this.stored(r, ns, name);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(r.resource, name, r.group, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(r.resource, name, r.group, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    if (r.kind === 'Namespace') {
      const held = this.beginNamespaceDeletion(current as Namespace, opts);
      if (held) return held;
    }
    const key = keyOf(r, ns, name);
    // Orphan and Foreground leave a finalizer the garbage collector acts on, then removes
    // (controllers/gc.ts); the object stays, marked, until it has.
    const finalizers = gcFinalizers(current.metadata.finalizers, opts.propagationPolicy);
    const target = finalizers ? { ...current, metadata: { ...current.metadata, finalizers: finalizers.length ? finalizers : undefined } } : current;
    let step = planDeletion(target, { gracePeriodSeconds: opts.gracePeriodSeconds, gracefulDelete: r.gracefulDelete, now: this.now() });
    if (step.action === 'keep' && finalizers) step = { action: 'mark', object: target };
    if (step.action === 'keep') return current;
    if (opts.dryRun) return step.action === 'mark' ? step.object : current;
    try {
      if (step.action === 'mark') return this.store.update(key, step.object as unknown as StoredValue, current.metadata.resourceVersion) as unknown as AnyObject;
      if (step.marked) {
        const marked = this.store.update(key, step.marked as unknown as StoredValue, current.metadata.resourceVersion) as unknown as AnyObject;
        return this.store.delete(key, marked.metadata.resourceVersion) as unknown as AnyObject;
      }
      return this.store.delete(key, pre.resourceVersion) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, name);
    }
  }

  /**
   * Streams changes after resourceVersion. The initial state comes first as ADDED events when
   * sendInitialEvents is true (a watch-list: the state as of now, which is at least as new as any
   * resourceVersion the caller can name, then onInitialEventsEnd with its revision), or, for the
   * legacy watch (sendInitialEvents left out), when resourceVersion is "" or "0". sendInitialEvents
   * false starts from resourceVersion, or from now without one (or with "0"), as kube's watch cache.
   * The caller checks first that a watch-list's resourceVersion is not ahead of the store.
   */
  watch(
    r: ResourceInfo,
    ns: string | undefined,
    opts: ListOptions & { resourceVersion?: string; sendInitialEvents?: boolean; onInitialEventsEnd?: (rv: string) => void },
    fn: (ev: WatchEvent) => void,
  ): () => void {
    const filter = this.filterFor(r, opts);
    const rv = opts.resourceVersion;
    if (rv && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: must be a non-negative integer`);
    let from = Number(rv ?? 0);
    const fromNow = !rv || rv === '0';
    if (opts.sendInitialEvents ?? fromNow) {
      const list = this.list(r, ns, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
      for (const item of list.items) fn({ type: 'ADDED', object: item });
      from = Number(list.metadata.resourceVersion);
      if (opts.sendInitialEvents) opts.onInitialEventsEnd?.(list.metadata.resourceVersion);
    } else if (fromNow) {
      from = this.store.revision;
    }
    try {
      return this.store.watch(prefixOf(r, ns), from, (ev: StoreEvent) => {
        const obj = ev.value as unknown as AnyObject;
        if (filter(obj)) fn({ type: ev.type, object: obj });
      });
    } catch (e) {
      throw this.translate(e, r, '');
    }
  }

  /** Validates and defaults a request body for resource r in namespace ns. */
  private admit(r: ResourceInfo, ns: string | undefined, body: unknown, opts: WriteOptions = {}): AnyObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON object');
    const b = { ...(body as Partial<KubeObject>) };
    // A body without apiVersion and kind is read as the kind of the URL, as kube-apiserver does.
    b.apiVersion ||= apiVersionOf(r);
    b.kind ||= r.kind;
    if (b.apiVersion !== apiVersionOf(r)) {
      throw badRequest(`the API version in the data (${b.apiVersion}) does not match the expected API version (${apiVersionOf(r)})`);
    }
    if (b.kind !== r.kind) throw badRequest(`the kind in the data (${b.kind}) does not match the expected kind (${r.kind})`);
    if (r.namespaced) {
      const bodyNs = b.metadata?.namespace;
      if (bodyNs && ns && bodyNs !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      b.metadata = { ...(b.metadata as KubeObject['metadata']), namespace: bodyNs ?? ns ?? 'default' };
    }
    let result = validateAndDefault(b, { nodePortRange: this.opts.nodePortRange });
    const unknown = result.ok ? [] : result.errors.filter(isUnknownField);
    if (unknown.length && (opts.fieldValidation ?? 'Strict') === 'Strict') throw strictDecodingError(r, unknown);
    if (unknown.length) {
      // Warn and Ignore: the write goes on without the fields nobody knows.
      const kept = unknown.reduce<unknown>((o, e) => withoutField(o, parseFieldPath(e.path)), b);
      if (opts.fieldValidation === 'Warn') opts.warnings?.push(...unknown.map((e) => `unknown field ${JSON.stringify(e.path)}`));
      result = validateAndDefault(kept, { nodePortRange: this.opts.nodePortRange });
    }
    if (!result.ok) throw invalid(r.kind, r.group, b.metadata?.name ?? '', result.errors);
    return result.object;
  }

  private allocate(svc: Service, previous: Service | undefined): void {
    const others = (this.store.list(prefixOf(byKind('Service')!, undefined)).items as unknown as Service[]).filter(
      (s) => s.metadata.uid !== previous?.metadata.uid,
    );
    const errors: FieldError[] = allocateServiceAddresses(svc, previous, others, this.opts);
    if (errors.length) throw invalid('Service', '', svc.metadata.name, errors);
  }

  private requireNamespace(ns: string): void {
    const nsObj = this.store.get(keyOf(byKind('Namespace')!, undefined, ns)) as unknown as Namespace | undefined;
    if (!nsObj) throw notFound('namespaces', ns, '');
    if (nsObj.status?.phase === 'Terminating') {
      throw forbidden('namespaces', ns, `unable to create new content in namespace ${ns} because it is being terminated`);
    }
  }

  /**
   * The namespace registry's Delete: the first DELETE marks the namespace (deletionTimestamp,
   * phase Terminating) and the namespace controller empties it; while spec.finalizers holds it a
   * DELETE answers with it as it is. Undefined once finalized: then it is deleted like anything.
   */
  private beginNamespaceDeletion(current: Namespace, opts: DeleteOptions): AnyObject | undefined {
    const name = current.metadata.name;
    if (SYSTEM_NAMESPACES.includes(name) && name !== 'kube-node-lease') {
      throw forbidden('namespaces', name, 'this namespace may not be deleted');
    }
    if (current.metadata.deletionTimestamp) return current.spec?.finalizers?.length ? current : undefined;
    const marked = { ...current, metadata: { ...current.metadata, deletionTimestamp: this.timestamp() }, status: { ...current.status, phase: 'Terminating' as const } };
    if (opts.dryRun) return marked;
    try {
      return this.store.update(keyOf(byKind('Namespace')!, undefined, name), marked as unknown as StoredValue, current.metadata.resourceVersion) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, byKind('Namespace')!, name);
    }
  }

  private filterFor(r: ResourceInfo, opts: ListOptions): (o: AnyObject) => boolean {
    let label: ((o: AnyObject) => boolean) | undefined;
    if (opts.labelSelector) {
      let sel: ReturnType<typeof parseSelector>;
      try {
        sel = parseSelector(opts.labelSelector);
      } catch (e) {
        throw badRequest(`unable to parse requirement: ${(e as Error).message}`);
      }
      label = (o) => matches(sel, o.metadata.labels ?? {});
    }
    const fields = parseFieldSelector(r, opts);
    return (o) => (!label || label(o)) && fields.every(([path, op, value]) => (fieldValue(o, path) === value) === (op === '='));
  }

  private translate(e: unknown, r: ResourceInfo, name: string): unknown {
    if (!(e instanceof StoreError)) return e;
    switch (e.code) {
      case 'NotFound':
        return notFound(r.resource, name, r.group);
      case 'AlreadyExists':
        return alreadyExists(r.resource, name, r.group);
      case 'Conflict':
        return conflict(r.resource, name, r.group);
      case 'Gone':
        return gone(e.message);
    }
  }

  private timestamp(): string {
    return rfc3339(this.now());
  }
}

/** kube-apiserver's continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key to resume at>"}. */
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: number; start?: string };
    if (t.v === 'meta.k8s.io/v1' && Number.isInteger(t.rv) && typeof t.start === 'string' && t.start) return { rv: t.rv!, start: t.start };
  } catch {
    // reported below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

const isUnknownField = (e: FieldError) => e.message.startsWith('unknown field ');

/** 400, as kube-apiserver's strict decoder words it: `... strict decoding error: unknown field "spec.foo"`. */
function strictDecodingError(r: ResourceInfo, unknown: FieldError[]): ApiError {
  const fields = unknown.map((e) => `unknown field ${JSON.stringify(e.path)}`).join(', ');
  return badRequest(`${r.kind} in version ${JSON.stringify(r.version)} cannot be handled as a ${r.kind}: strict decoding error: ${fields}`);
}

/**
 * An update that leaves no finalizers on an object whose deletion is due (no grace period left, as
 * for anything but a pod still stopping) removes it (kube's ShouldDeleteDuringUpdate); a namespace
 * also waits for its spec.finalizers, so its /finalize is what removes it.
 */
function finalizersReleased(next: WithStatus, current: WithStatus): boolean {
  if (next.metadata.finalizers?.length || !current.metadata.deletionTimestamp || (current.metadata.deletionGracePeriodSeconds ?? 0) !== 0) return false;
  return next.kind !== 'Namespace' || !(next as Namespace).spec?.finalizers?.length;
}

export function keyOf(r: ResourceInfo, ns: string | undefined, name: string): string {
  return r.namespaced ? `${prefixOf(r, undefined)}${ns}/${name}` : `${prefixOf(r, undefined)}${name}`;
}

/** Key prefix of a collection: /registry/<group>/<resource>/[<ns>/] */
export function prefixOf(r: ResourceInfo, ns: string | undefined): string {
  const base = `/registry/${r.group || 'core'}/${r.resource}/`;
  return r.namespaced && ns ? `${base}${ns}/` : base;
}

/** Fields every kind can be selected by; each kind adds its own (KindDef.fieldSelectors). */
const META_FIELD_SELECTORS = ['metadata.name', 'metadata.namespace'];

/** fieldSelector: equality and inequality on the fields the kind supports, as the API server allows. */
function parseFieldSelector(r: ResourceInfo, opts: ListOptions): [string, '=' | '!=', string][] {
  const text = opts.fieldSelector;
  if (!text) return [];
  const fail = (why: string) =>
    badRequest(`Unable to find "${r.group}/${r.version}, Resource=${r.resource}" that match label selector "${opts.labelSelector ?? ''}", field selector "${text}": ${why}`);
  return text.split(',').map((part) => {
    const m = /^([\w.]+)\s*(==|!=|=)\s*(.*)$/.exec(part.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const [, field, op, value] = m;
    const known = [...META_FIELD_SELECTORS, ...r.fieldSelectors];
    if (!known.includes(field)) {
      throw fail(r.group ? `"${field}" is not a known field selector: only ${known.map((f) => `"${f}"`).join(', ')}` : `field label not supported: ${field}`);
    }
    return [field, op === '!=' ? '!=' : '=', value];
  });
}

/** The text a field selector compares: "" for an absent field, "true"/"false" for booleans. */
function fieldValue(o: AnyObject, path: string): string {
  // Events are selected by `source`, which is source.component
  // and Jobs by status.successful, which is status.succeeded
  const p = o.kind === 'Event' && path === 'source' ? 'source.component' : o.kind === 'Job' && path === 'status.successful' ? 'status.succeeded' : path;
  let v: unknown = o;
  for (const seg of p.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v === undefined ? '' : String(v);
}
