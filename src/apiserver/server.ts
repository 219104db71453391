// The HTTP face of the registry: Kubernetes REST paths, bearer-token auth, Status errors, and
// watches as newline-delimited JSON. createApiHandler is a plain (req, res) function so tests can
// drive it in-process; listen() binds it to a socket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiError, badRequest, internalError, methodNotAllowed, notFound, unauthorized } from '../api/errors.js';
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import type { Logger } from '../log.js';
import { parsePath, type Route } from './routes.js';
import type { Registry } from './registry.js';
import { createUpgradeHandler, STREAMING_SUBRESOURCES, upgradeRequired, type StreamingHooks } from './upgrade.js';

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
}

/** k1s streaming: podExec, podAttach, podPortForward (upgrade.ts) */
export interface ApiServerDeps extends StreamingHooks {
  registry: Registry;
  token: string;
  logger: Logger;
  /** a pod's container log (the kubelet's part of `kubectl logs`) */
  podLogs?: (namespace: string, pod: string, opts: LogOptions) => Promise<NodeJS.ReadableStream>;
}

export const VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-k1s.0.1.0', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` };

export function createApiHandler(deps: ApiServerDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  // k1s streaming: upgraded connections (exec, attach, port-forward) are served by upgrade.ts
  return Object.assign(async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) throw unauthorized();
      const url = new URL(req.url ?? '/', 'http://k1s');
      const parsed = parsePath(url.pathname);
      if (parsed.type === 'discovery') return sendJSON(res, 200, discovery(parsed.path));
      if (parsed.type === 'unknown') throw notFound('', url.pathname, '');
      await handleResource(deps, parsed.route, req, res, url.searchParams);
    } catch (e) {
      const err = e instanceof ApiError ? e : internal(e, deps.logger);
      if (!res.headersSent) sendJSON(res, err.code, err.toStatus());
      else res.end();
    }
  }, { upgrade: createUpgradeHandler(deps) });
}

async function handleResource(deps: ApiServerDeps, route: Route, req: IncomingMessage, res: ServerResponse, q: URLSearchParams) {
  const { registry } = deps;
  const { resource: r, namespace: ns, name, subresource } = route;
  const method = req.method ?? 'GET';

  if (subresource === 'log') {
    if (r.kind !== 'Pod' || method !== 'GET' || !name) throw methodNotAllowed();
    return streamLogs(deps, ns ?? 'default', name, q, res);
  }
  if (subresource && STREAMING_SUBRESOURCES.has(subresource) && r.kind === 'Pod') throw upgradeRequired(); // k1s streaming
  if (subresource && (subresource !== 'status' || !r.hasStatus)) throw notFound(r.resource, `${name}/${subresource}`, r.group);
  const status = subresource === 'status' ? 'status' : undefined;

  if (!name) {
    if (method === 'GET' && q.get('watch') && q.get('watch') !== 'false') return watch(registry, r, ns, q, req, res);
    if (method === 'GET') return sendJSON(res, 200, registry.list(r, ns, selectors(q)));
    if (method === 'POST') return sendJSON(res, 201, registry.create(r, ns, await readBody(req)));
    throw methodNotAllowed();
  }
  switch (method) {
    case 'GET':
      return sendJSON(res, 200, registry.get(r, ns, name));
    case 'PUT':
      return sendJSON(res, 200, registry.update(r, ns, name, await readBody(req), status));
    case 'PATCH': {
      const type = (req.headers['content-type'] ?? '').split(';')[0];
      if (!['application/merge-patch+json', 'application/strategic-merge-patch+json'].includes(type)) {
        throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json`);
      }
      return sendJSON(res, 200, registry.patch(r, ns, name, await readBody(req), status));
    }
    case 'DELETE': {
      const body = (await readBody(req, true)) as { preconditions?: { resourceVersion?: string } } | undefined;
      return sendJSON(res, 200, registry.delete(r, ns, name, { resourceVersion: body?.preconditions?.resourceVersion }));
    }
    default:
      throw methodNotAllowed();
  }
}

function selectors(q: URLSearchParams) {
  return { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
}

/** A watch: one JSON event per line, held open until the client goes away or timeoutSeconds. */
function watch(registry: Registry, r: ResourceInfo, ns: string | undefined, q: URLSearchParams, req: IncomingMessage, res: ServerResponse) {
  const opts = { ...selectors(q), resourceVersion: q.get('resourceVersion') ?? undefined };
  const buffered: string[] = [];
  let headers = false;
  const write = (ev: unknown) => {
    const line = JSON.stringify(ev) + '\n';
    if (!headers) buffered.push(line);
    else if (!res.writableEnded) res.write(line);
  };
  const stop = registry.watch(r, ns, opts, write); // throws Gone before any byte is sent
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders(); // a quiet watch must still tell the client it is open
  headers = true;
  for (const line of buffered) res.write(line);
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  // Unsubscribed before the response ends, so no event is ever written after the end.
  const done = () => {
    stop();
    clearTimeout(timer);
  };
  const timer = timeout > 0 ? setTimeout(() => (done(), res.end()), timeout * 1000) : undefined;
  req.on('close', done);
  res.on('close', done);
  res.on('error', done);
}

async function streamLogs(deps: ApiServerDeps, ns: string, pod: string, q: URLSearchParams, res: ServerResponse) {
  // 404 for a missing pod before asking the agent
  deps.registry.get(RESOURCES.find((x) => x.kind === 'Pod')!, ns, pod);
  if (!deps.podLogs) throw badRequest('logs are not available: no node agent is running');
  const tail = q.get('tailLines');
  const stream = await deps.podLogs(ns, pod, {
    container: q.get('container') ?? undefined,
    follow: q.get('follow') === 'true',
    previous: q.get('previous') === 'true',
    tailLines: tail ? Number(tail) : undefined,
  });
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.flushHeaders(); // `logs -f` of a quiet container is still an open stream
  // pipeline, not pipe: an engine error mid-stream (dockerd restarting) ends this response only,
  // and a client going away destroys the engine stream.
  pipeline(stream as NodeJS.ReadableStream & Readable, res, () => {});
}

function discovery(path: string): unknown {
  const resourceList = (group: string) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/v1` : 'v1',
    resources: RESOURCES.filter((r) => r.group === group).flatMap((r) => [
      {
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: r.shortNames.length ? r.shortNames : undefined,
      },
      ...(r.hasStatus ? [{ name: `${r.resource}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ]),
  });
  switch (path) {
    case '/version':
      return VERSION;
    case '/healthz':
    case '/readyz':
    case '/livez':
      return 'ok';
    case '/api':
      return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
    case '/api/v1':
      return resourceList('');
    case '/apis':
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
      };
    case '/apis/apps/v1':
      return resourceList('apps');
    default:
      throw notFound('', path, '');
  }
}

async function readBody(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) {
    if (optional) return undefined;
    throw badRequest('the request body is empty');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function internal(e: unknown, logger: Logger): ApiError {
  logger.error({ err: e }, 'internal error serving a request');
  return internalError((e as Error)?.message ?? String(e));
}

/** Binds the handler to host:port (port 0 picks a free one), over TLS when given a certificate. */
export async function listen(
  handler: ReturnType<typeof createApiHandler>,
  host: string,
  port: number,
  tls?: { cert: string; key: string },
): Promise<{ server: Server; port: number }> {
  const serve = (req: IncomingMessage, res: ServerResponse) => void handler(req, res);
  const server = tls ? createHttpsServer(tls, serve) : createServer(serve);
  server.on('upgrade', handler.upgrade); // k1s streaming
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

