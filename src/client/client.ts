// The typed client every component uses. Inside `k1s server` it calls the registry directly
// (LocalClient: same defaulting, validation and versioning as an HTTP request, without the
// socket); the CLI uses HttpClient against the REST API. Both speak the same interface.
import { byKind, type ResourceInfo } from '../api/resources.js';
import type { AnyObject, Kind } from '../api/types.js';
import type { DeleteOptions, ListOptions, ListResult, Registry, WatchEvent } from '../apiserver/registry.js';

export type { DeleteOptions, ListOptions, WatchEvent };

export interface Client {
  get<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): Promise<T>;
  list<T extends AnyObject>(kind: Kind, namespace?: string, opts?: ListOptions): Promise<{ items: T[]; resourceVersion: string }>;
  create<T extends AnyObject>(obj: T): Promise<T>;
  update<T extends AnyObject>(obj: T): Promise<T>;
  updateStatus<T extends AnyObject>(obj: T): Promise<T>;
  patch<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string, patch: unknown): Promise<T>;
  /** PUT .../finalize: a namespace's spec.finalizers (the namespace controller's write) */
  finalize<T extends AnyObject>(obj: T): Promise<T>;
  /** With opts.gracePeriodSeconds 0 and a uid precondition: the node agent's final delete of a pod it stopped. */
  delete(kind: Kind, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<AnyObject>;
  /** Without resourceVersion: ADDED for every current object first, then changes. */
  watch(kind: Kind, namespace: string | undefined, opts: ListOptions & { resourceVersion?: string }, fn: (ev: WatchEvent) => void): () => void;
}

export function resourceOf(kind: Kind | string): ResourceInfo {
  const r = byKind(kind);
  if (!r) throw new Error(`unknown kind ${kind}`);
  return r;
}

export class LocalClient implements Client {
  constructor(private readonly registry: Registry) {}

  async get<T extends AnyObject>(kind: Kind, ns: string | undefined, name: string): Promise<T> {
    return this.registry.get(resourceOf(kind), ns, name) as T;
  }

  async list<T extends AnyObject>(kind: Kind, ns?: string, opts?: ListOptions) {
    const res: ListResult = this.registry.list(resourceOf(kind), ns, opts);
    return { items: res.items as T[], resourceVersion: res.metadata.resourceVersion };
  }

  async create<T extends AnyObject>(obj: T): Promise<T> {
    return this.registry.create(resourceOf(obj.kind), obj.metadata.namespace, clone(obj)) as T;
  }

  async update<T extends AnyObject>(obj: T): Promise<T> {
    return this.registry.update(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name, clone(obj)) as T;
  }

  async updateStatus<T extends AnyObject>(obj: T): Promise<T> {
    return this.registry.update(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name, clone(obj), { subresource: 'status' }) as T;
  }

  async finalize<T extends AnyObject>(obj: T): Promise<T> {
    return this.registry.update(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name, clone(obj), { subresource: 'finalize' }) as T;
  }

  async patch<T extends AnyObject>(kind: Kind, ns: string | undefined, name: string, patch: unknown): Promise<T> {
    return this.registry.patch(resourceOf(kind), ns, name, clone(patch)) as T;
  }

  async delete(kind: Kind, ns: string | undefined, name: string, opts?: DeleteOptions): Promise<AnyObject> {
    return this.registry.delete(resourceOf(kind), ns, name, opts);
  }

  watch(kind: Kind, ns: string | undefined, opts: ListOptions & { resourceVersion?: string }, fn: (ev: WatchEvent) => void): () => void {
    return this.registry.watch(resourceOf(kind), ns, opts, fn);
  }
}

/** Callers keep their objects: the registry may default and stamp what it is given. */
function clone<T>(v: T): T {
  return structuredClone(v);
}
