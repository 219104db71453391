// The REST client the CLI uses: the same Client interface as LocalClient, over HTTP with the
// kubeconfig's bearer token. Errors come back as ApiError built from the server's Status.
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError } from '../api/errors.js';
import { pathFor } from '../api/resources.js';
import type { AnyObject, Kind } from '../api/types.js';
import type { KubeConfigInfo } from '../kubeconfig.js';
import { resourceOf, type Client, type DeleteOptions, type ListOptions, type WatchEvent } from './client.js';

export class HttpClient implements Client {
  constructor(readonly config: KubeConfigInfo) {}

  get<T extends AnyObject>(kind: Kind, ns: string | undefined, name: string): Promise<T> {
    return this.call('GET', pathFor(resourceOf(kind), ns, name));
  }

  async list<T extends AnyObject>(kind: Kind, ns?: string, opts: ListOptions = {}) {
    const res = await this.call<{ items: T[]; metadata: { resourceVersion: string } }>('GET', pathFor(resourceOf(kind), ns) + query({ ...opts }));
    return { items: res.items, resourceVersion: res.metadata.resourceVersion };
  }

  create<T extends AnyObject>(obj: T): Promise<T> {
    return this.call('POST', pathFor(resourceOf(obj.kind), obj.metadata.namespace), obj);
  }

  update<T extends AnyObject>(obj: T): Promise<T> {
    return this.call('PUT', pathFor(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name), obj);
  }

  updateStatus<T extends AnyObject>(obj: T): Promise<T> {
    return this.call('PUT', pathFor(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name) + '/status', obj);
  }

  finalize<T extends AnyObject>(obj: T): Promise<T> {
    return this.call('PUT', pathFor(resourceOf(obj.kind), obj.metadata.namespace, obj.metadata.name) + '/finalize', obj);
  }

  patch<T extends AnyObject>(kind: Kind, ns: string | undefined, name: string, patch: unknown): Promise<T> {
    return this.call('PATCH', pathFor(resourceOf(kind), ns, name), patch, 'application/merge-patch+json');
  }

  delete(kind: Kind, ns: string | undefined, name: string, opts?: DeleteOptions): Promise<AnyObject> {
    const body = opts ? { apiVersion: 'v1', kind: 'DeleteOptions', ...opts, dryRun: opts.dryRun ? ['All'] : undefined } : undefined;
    return this.call('DELETE', pathFor(resourceOf(kind), ns, name), body);
  }

  /**
   * A watch that survives its connection, as client-go's reflector: when the stream ends or
   * breaks it reconnects from the last resourceVersion it saw (bookmarks included); when that is
   * too old (410 Gone) it lists again and reports what changed meanwhile, deletions too.
   */
  watch(kind: Kind, ns: string | undefined, opts: ListOptions & { resourceVersion?: string }, fn: (ev: WatchEvent) => void): () => void {
    const r = resourceOf(kind);
    const known = new Map<string, AnyObject>();
    let rv = opts.resourceVersion;
    let stopped = false;
    let req: ReturnType<HttpClient['open']> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const keyOf = (o: AnyObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const deliver = (ev: WatchEvent) => {
      if (ev.type === 'DELETED') known.delete(keyOf(ev.object));
      else known.set(keyOf(ev.object), ev.object);
      fn(ev);
    };
    const retry = (ms: number) => {
      if (!stopped) timer = setTimeout(connect, ms);
    };
    const relist = async () => {
      try {
        const list = await this.list(kind, ns, { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector });
        const seen = new Set<string>();
        for (const o of list.items) {
          seen.add(keyOf(o));
          const before = known.get(keyOf(o));
          if (before?.metadata.resourceVersion !== o.metadata.resourceVersion) deliver({ type: before ? 'MODIFIED' : 'ADDED', object: o });
        }
        for (const [k, o] of [...known]) if (!seen.has(k)) deliver({ type: 'DELETED', object: o });
        rv = list.resourceVersion;
        connect();
      } catch {
        retry(1000);
      }
    };
    const connect = () => {
      if (stopped) return;
      const path = pathFor(r, ns) + query({ ...opts, resourceVersion: rv, watch: 'true', allowWatchBookmarks: 'true' });
      req = this.open('GET', path, (res) => {
        if (res.statusCode === 410) return void (res.resume(), relist());
        if ((res.statusCode ?? 500) >= 400) return void (res.resume(), retry(1000));
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type: string; object: AnyObject };
            rv = ev.object?.metadata?.resourceVersion ?? rv;
            if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') deliver(ev as WatchEvent);
          }
        });
        res.on('close', () => retry(100));
        res.on('error', () => {});
      });
      req.on('error', () => retry(1000));
      req.end();
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      req?.destroy();
    };
  }

  /** GET a raw stream (pod logs): resolves with the response once the status is known. */
  stream(path: string): Promise<NodeJS.ReadableStream> {
    return new Promise((resolve, reject) => {
      const req = this.open('GET', path, (res) => {
        if ((res.statusCode ?? 500) < 400) return resolve(res);
        readAll(res).then((text) => reject(toApiError(res.statusCode ?? 500, text)), reject);
      });
      req.on('error', (e) => reject(connectionError(this.config.server, e)));
      req.end();
    });
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = this.open(method, path, (res) => {
        readAll(res).then((text) => {
          const code = res.statusCode ?? 500;
          if (code >= 400) return reject(toApiError(code, text));
          resolve(text ? JSON.parse(text) : undefined);
        }, reject);
      }, contentType);
      req.on('error', (e) => reject(connectionError(this.config.server, e)));
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  private open(method: string, path: string, onResponse: (res: IncomingMessage) => void, contentType = 'application/json') {
    const url = new URL(path, this.config.server);
    // the User-Agent's product is the field manager of writes that name none (metadata.managedFields)
    const headers = { Authorization: `Bearer ${this.config.token}`, 'Content-Type': contentType, Accept: 'application/json', 'User-Agent': 'k1s' };
    if (url.protocol === 'https:') return httpsRequest(url, { method, headers, ca: this.config.ca }, onResponse);
    return request(url, { method, headers }, onResponse);
  }
}

function query(opts: { [key: string]: string | number | undefined }): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(opts)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function toApiError(code: number, text: string): ApiError {
  try {
    const st = JSON.parse(text) as { message?: string; reason?: string; details?: unknown };
    return new ApiError(code, (st.reason ?? 'InternalError') as ApiError['reason'], st.message ?? text, st.details as never);
  } catch {
    return new ApiError(code, 'InternalError', text || `HTTP ${code}`);
  }
}

function connectionError(server: string, e: Error): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return new Error(`The connection to the server ${new URL(server).host} was refused - did you specify the right host or port? (is \`k1s server\` running?)`);
  return e;
}
