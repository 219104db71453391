// The API server's object logic without HTTP: what happens on get, list, create, update, patch,
// delete and watch of each kind. The HTTP layer (server.ts) and the in-process client both call
// this, so every write, from kubectl or from a controller, is defaulted, validated and versioned
// the same way.
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, forbidden, gone, invalid, notFound } from '../api/errors.js';
import { matches, parseSelector } from '../api/labels.js';
import { validateAndDefault } from '../api/manifest.js';
import { randomNameSuffix } from '../api/names.js';
import { apiVersionOf, byKind, type ResourceInfo } from '../api/resources.js';
import type { FieldError } from '../api/schema.js';
import { validateUpdate } from '../api/validate.js';
import type { AnyObject, KubeObject, Namespace, Pod, Service } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { Store, StoreError, type StoreEvent, type StoredValue } from '../store/store.js';
import { allocateServiceAddresses, type AllocatorConfig } from './allocators.js';
import { mergePatch } from './patch.js';
import { rfc3339 } from '../api/time.js';

export interface ListResult {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string };
  items: AnyObject[];
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: AnyObject;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface RegistryOptions extends AllocatorConfig {
  now?: () => Date;
}

/** Namespaces that exist from the start and may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Registry {
  private readonly now: () => Date;

  constructor(
    readonly store: Store,
    private readonly opts: RegistryOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Creates the system namespaces if missing (idempotent, writes nothing when they exist). */
  bootstrap(): void {
    const nsInfo = byKind('Namespace')!;
    for (const name of SYSTEM_NAMESPACES) {
      if (!this.store.get(keyOf(nsInfo, undefined, name))) {
        this.create(nsInfo, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      }
    }
  }

  get<T extends AnyObject = AnyObject>(r: ResourceInfo, ns: string | undefined, name: string): T {
    const v = this.store.get(keyOf(r, ns, name));
    if (!v) throw notFound(r.resource, name, r.group);
    return v as unknown as T;
  }

  list(r: ResourceInfo, ns: string | undefined, opts: ListOptions = {}): ListResult {
    const filter = this.filterFor(opts);
    const { items, revision } = this.store.list(prefixOf(r, ns));
    return {
      apiVersion: apiVersionOf(r),
      kind: `${r.kind}List`,
      metadata: { resourceVersion: String(revision) },
      items: (items as unknown as AnyObject[]).filter(filter),
    };
  }

  create(r: ResourceInfo, ns: string | undefined, body: unknown): AnyObject {
    const obj = this.admit(r, ns, body);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomNameSuffix();
    if (r.namespaced) this.requireNamespace(meta.namespace!);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.timestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    if ('spec' in obj && r.kind !== 'Pod' && r.kind !== 'Service') meta.generation = 1;
    if (r.kind === 'Pod' || r.kind === 'Deployment' || r.kind === 'ReplicaSet') delete (obj as { status?: unknown }).status;
    if (r.kind === 'Namespace') (obj as Namespace).status = { phase: 'Active' };
    if (r.kind === 'Service') this.allocate(obj as Service, undefined);
    try {
      return this.store.create(keyOf(r, meta.namespace, meta.name), obj as unknown as StoredValue) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, meta.name);
    }
  }

  /**
   * PUT. For a kind with a status subresource the main resource ignores .status and /status
   * ignores everything but .status, as in Kubernetes, so controllers and users never overwrite
   * each other's halves.
   */
  update(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, subresource?: 'status'): AnyObject {
    const current = this.get(r, ns, name);
    let obj: AnyObject;
    if (subresource === 'status') {
      const status = (body as { status?: unknown })?.status;
      obj = { ...current, status } as AnyObject;
      const rv = (body as KubeObject)?.metadata?.resourceVersion;
      obj = this.admit(r, ns, { ...obj, metadata: { ...current.metadata, resourceVersion: rv } });
    } else {
      obj = this.admit(r, ns, body);
      // Re-applying a pod's manifest does not unbind it: the binding is the scheduler's field.
      if (r.kind === 'Pod' && !(obj as Pod).spec.nodeName) (obj as Pod).spec.nodeName = (current as Pod).spec.nodeName;
      const immutable = validateUpdate(obj, current);
      if (immutable.length) throw invalid(r.kind, r.group, name, immutable);
      if (r.hasStatus && r.kind !== 'Namespace') (obj as { status?: unknown }).status = (current as { status?: unknown }).status;
    }
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    const meta = obj.metadata;
    // Set by the server alone: a client can neither change nor forge them.
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    meta.deletionTimestamp = current.metadata.deletionTimestamp;
    if (current.metadata.generation !== undefined) {
      const specChanged = !deepEqual((obj as { spec?: unknown }).spec, (current as { spec?: unknown }).spec);
      meta.generation = current.metadata.generation + (specChanged ? 1 : 0);
    }
    if (r.kind === 'Namespace') (obj as Namespace).status = (current as Namespace).status;
    if (r.kind === 'Service' && subresource !== 'status') this.allocate(obj as Service, current as Service);
    try {
      return this.store.update(keyOf(r, ns, name), obj as unknown as StoredValue, meta.resourceVersion) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, name);
    }
  }

  /** PATCH with a JSON merge patch (strategic merge patches are applied as merge patches for now). */
  patch(r: ResourceInfo, ns: string | undefined, name: string, patch: unknown, subresource?: 'status'): AnyObject {
    const current = this.get(r, ns, name);
    const merged = mergePatch(current, patch) as AnyObject;
    // Without a resourceVersion in the patch, a patch applies to whatever is current.
    const rv = (patch as KubeObject)?.metadata?.resourceVersion ?? current.metadata.resourceVersion;
    return this.update(r, ns, name, { ...merged, metadata: { ...merged.metadata, resourceVersion: rv } }, subresource);
  }

  delete(r: ResourceInfo, ns: string | undefined, name: string, opts: { resourceVersion?: string } = {}): AnyObject {
    if (r.kind === 'Namespace') return this.deleteNamespace(name);
    try {
      return this.store.delete(keyOf(r, ns, name), opts.resourceVersion) as unknown as AnyObject;
    } catch (e) {
      throw this.translate(e, r, name);
    }
  }

  /**
   * Streams changes after resourceVersion (or, without one, the current state as ADDED events
   * first, as the API server does for a watch without a resourceVersion).
   */
  watch(r: ResourceInfo, ns: string | undefined, opts: ListOptions & { resourceVersion?: string }, fn: (ev: WatchEvent) => void): () => void {
    const filter = this.filterFor(opts);
    let from = Number(opts.resourceVersion ?? 0);
    if (!opts.resourceVersion || opts.resourceVersion === '0') {
      const list = this.list(r, ns, opts);
      for (const item of list.items) fn({ type: 'ADDED', object: item });
      from = Number(list.metadata.resourceVersion);
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
  private admit(r: ResourceInfo, ns: string | undefined, body: unknown): AnyObject {
    if (!body || typeof body !== 'object') throw badRequest('the request body must be a JSON object');
    const b = body as Partial<KubeObject>;
    if (b.kind !== r.kind || b.apiVersion !== apiVersionOf(r)) {
      throw badRequest(`the API version in the data (${b.apiVersion}) and kind (${b.kind}) do not match the URL (${apiVersionOf(r)}, ${r.kind})`);
    }
    if (r.namespaced) {
      const bodyNs = b.metadata?.namespace;
      if (bodyNs && ns && bodyNs !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      b.metadata = { ...(b.metadata as KubeObject['metadata']), namespace: bodyNs ?? ns ?? 'default' };
    }
    const result = validateAndDefault(b, { nodePortRange: this.opts.nodePortRange });
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

  /** Deletes a namespace and everything in it (what the namespace controller does, done at once). */
  private deleteNamespace(name: string): AnyObject {
    if (SYSTEM_NAMESPACES.includes(name) && name !== 'kube-node-lease') {
      throw forbidden('namespaces', name, 'this namespace may not be deleted');
    }
    const nsInfo = byKind('Namespace')!;
    const current = this.get(nsInfo, undefined, name);
    const key = keyOf(nsInfo, undefined, name);
    const terminating = { ...current, status: { phase: 'Terminating' } };
    this.store.update(key, terminating as unknown as StoredValue);
    for (const r of RESOURCE_ORDER_FOR_DELETE) {
      for (const item of this.store.list(prefixOf(r, name)).items) {
        this.store.delete(keyOf(r, name, (item as unknown as KubeObject).metadata.name));
      }
    }
    return this.store.delete(key) as unknown as AnyObject;
  }

  private filterFor(opts: ListOptions): (o: AnyObject) => boolean {
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
    const fields = parseFieldSelector(opts.fieldSelector);
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

// Workloads first so their controllers do not recreate pods while the namespace empties.
const RESOURCE_ORDER_FOR_DELETE = ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'Event'].map(
  (k) => byKind(k)!,
);

export function keyOf(r: ResourceInfo, ns: string | undefined, name: string): string {
  return r.namespaced ? `${prefixOf(r, undefined)}${ns}/${name}` : `${prefixOf(r, undefined)}${name}`;
}

/** Key prefix of a collection: /registry/<group>/<resource>/[<ns>/] */
export function prefixOf(r: ResourceInfo, ns: string | undefined): string {
  const base = `/registry/${r.group || 'core'}/${r.resource}/`;
  return r.namespaced && ns ? `${base}${ns}/` : base;
}

/** fieldSelector: only equality on a few well-known paths, as most kinds in Kubernetes support. */
function parseFieldSelector(text: string | undefined): [string, '=' | '!=', string][] {
  if (!text) return [];
  return text.split(',').map((part) => {
    const m = /^([\w.]+)\s*(==|!=|=)\s*(.*)$/.exec(part.trim());
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(part)}`);
    return [m[1], m[2] === '!=' ? '!=' : '=', m[3]];
  });
}

function fieldValue(o: AnyObject, path: string): string {
  let v: unknown = o;
  for (const p of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v === undefined ? '' : String(v);
}
