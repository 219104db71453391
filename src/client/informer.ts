// A list+watch cache of one kind, as client-go's informer: components read the cache instead of
// asking the store, and react to changes through handlers.
import type { AnyObject, Kind } from '../api/types.js';
import type { Client } from './client.js';

export type Handler<T> = (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T, old?: T) => void;

export class Informer<T extends AnyObject = AnyObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<Handler<T>>();
  private stop?: () => void;

  constructor(
    private readonly client: Client,
    readonly kind: Kind,
  ) {}

  start(): void {
    this.stop = this.client.watch(this.kind, undefined, {}, (ev) => {
      const obj = ev.object as T;
      const key = cacheKey(obj.metadata.namespace, obj.metadata.name);
      const old = this.cache.get(key);
      if (ev.type === 'DELETED') this.cache.delete(key);
      else this.cache.set(key, obj);
      for (const h of [...this.handlers]) h(ev.type, obj, old);
    });
  }

  close(): void {
    this.stop?.();
    this.handlers.clear();
  }

  on(handler: Handler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.cache.get(cacheKey(namespace, name));
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
  }
}

function cacheKey(ns: string | undefined, name: string): string {
  return `${ns ?? ''}/${name}`;
}
