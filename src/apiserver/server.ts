// The HTTP face of the registry: Kubernetes REST paths, bearer-token auth, Status errors, content
// negotiation (JSON, YAML, protobuf bodies; server-side Tables for kubectl), dry runs, the status,
// scale and log subresources, and watches as newline-delimited JSON. createApiHandler is a plain
// (req, res) function so tests can drive it in-process; listen() binds it to a socket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { pipeline, type Readable } from 'node:stream';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiError, badRequest, internalError, invalid, methodNotAllowed, notFound, unauthorized } from '../api/errors.js';
import { forbidden, required, type FieldError } from '../api/field-errors.js';
import { fieldManagerErrors, managerFromUserAgent } from '../api/managed-fields/manager.js';
import { parse as parseYAML } from 'yaml';
import type { KubeObject, VersionView } from '../api/kinds/kind.js';
import { apiVersionOf, byKind, type ResourceInfo } from '../api/resources.js';
import type { Logger } from '../log.js';
import { decodeObject, mediaType, parseJSON, PATCH_TYPES, readRaw, unsupportedMediaType } from './body.js';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { discoveryDocument } from './discovery.js';
import { isOpenAPIPath, serveOpenAPI } from './openapi/serve.js';
import { answerReview, reviewAt } from './reviews.js';
import { isMetricsPath, serveMetrics, type MetricsSource } from './metrics.js';
import { parsePath, type Route } from './routes.js';
import { keyOf, type DeleteOptions, type FieldValidation, type PatchType, type Registry, type WatchEvent, type WriteOptions } from './registry.js';
import { applyPatch } from './patch.js';
import { applyScale, scaleOf } from './scale.js';
import { evictPod, readEviction } from './eviction.js';
import { scaleFieldManager, toParentEntries, toScaleEntries } from '../api/managed-fields/scale.js';
import { typeOfKind } from '../api/managed-fields/typed.js';
import type { ManagedFieldsEntry } from '../api/fields.js';
import { INITIAL_EVENTS_END_ANNOTATION, tooLargeResourceVersion, validListOptions, type RequestListOptions } from './list-options.js';
import { parseIncludeObject, toTable, wantsTable, type IncludeObject } from './table.js';
import type { AnyObject } from '../api/types.js';
import { createUpgradeHandler, STREAMING_SUBRESOURCES, upgradeRequired, type StreamingHooks } from './upgrade.js';

export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  /** Unix seconds */
  since?: number;
  timestamps?: boolean;
}

/** k1s streaming: podExec, podAttach, podPortForward (upgrade.ts) */
export interface ApiServerDeps extends StreamingHooks {
  registry: Registry;
  token: string;
  logger: Logger;
  /** a pod's container log (the kubelet's part of `kubectl logs`) */
  podLogs?: (namespace: string, pod: string, opts: LogOptions) => Promise<NodeJS.ReadableStream>;
  now?: () => Date;
  /** the node agent's usage readings, for `kubectl top` */
  metrics?: MetricsSource;
}

export const VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-k1s.0.1.0', platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}` };

/** Per request: what the handlers need besides the route. */
interface Request {
  deps: ApiServerDeps;
  req: IncomingMessage;
  res: ServerResponse;
  q: URLSearchParams;
  now: Date;
}

export function createApiHandler(deps: ApiServerDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  // k1s streaming: upgraded connections (exec, attach, port-forward) are served by upgrade.ts
  return Object.assign(async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // kube-apiserver's httplog line: the time each request took to serve, up to its last byte
    // handed to the socket (what bench/list.ts reads; K1S_LOG_LEVEL=debug to see it).
    const start = performance.now();
    res.once('finish', () => deps.logger.debug({ verb: req.method, uri: req.url, code: res.statusCode, ms: performance.now() - start }, 'served'));
    try {
      const auth = Buffer.from(req.headers.authorization ?? '');
      if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) throw unauthorized();
      const url = new URL(req.url ?? '/', 'http://k1s');
      if (isOpenAPIPath(url.pathname)) return serveOpenAPI(req, res, url);
      const review = reviewAt(url.pathname);
      if (review) {
        const raw = await readRaw(req);
        const body = review.readsBody && raw.length ? decodeObject(raw, req.headers['content-type'] ?? '', decodeKubernetesProtobuf) : undefined;
        return sendJSON(res, 201, answerReview(url.pathname, req.method ?? 'GET', body));
      }
      if (isMetricsPath(url.pathname)) {
        return sendJSON(res, 200, await serveMetrics(url.pathname, req.method ?? 'GET', url.searchParams, deps.registry, deps.metrics, deps.now?.() ?? new Date()));
      }
      const parsed = parsePath(url.pathname);
      if (parsed.type === 'discovery') return sendJSON(res, 200, nonResource(parsed.path));
      if (parsed.type === 'unknown') throw notFound('', url.pathname, '');
      const now = deps.now?.() ?? new Date();
      await handleResource({ deps, req, res, q: url.searchParams, now }, parsed.route);
    } catch (e) {
      const err = e instanceof ApiError ? e : internal(e, deps.logger);
      // as ErrorNegotiated: a Status that says when to retry says it in the header too
      if (!res.headersSent && err.details?.retryAfterSeconds) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
      if (!res.headersSent) sendJSON(res, err.code, err.toStatus());
      else res.end();
    }
  }, { upgrade: createUpgradeHandler(deps) });
}

function nonResource(path: string): unknown {
  switch (path) {
    case '/version':
      return VERSION;
    case '/healthz':
    case '/readyz':
    case '/livez':
      return 'ok';
  }
  const doc = discoveryDocument(path);
  if (doc === undefined) throw notFound('', path, '');
  return doc;
}

/** dryRun=All; any other value is refused, as kube-apiserver does. */
function isDryRun(q: URLSearchParams, body?: { dryRun?: string[] }): boolean {
  const values = [...q.getAll('dryRun'), ...(body?.dryRun ?? [])];
  for (const v of values) {
    if (v !== 'All') throw badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  }
  return values.length > 0;
}

/**
 * The options of a create, update or patch from its query: dryRun, fieldValidation and
 * fieldManager (without one, the User-Agent's product name, as kube-apiserver records it).
 */
function writeOptions(rq: Request, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): WriteOptions & { warnings: string[] } {
  const { q } = rq;
  const v = q.get('fieldValidation') ?? undefined;
  if (v !== undefined && !['Strict', 'Warn', 'Ignore'].includes(v)) {
    throw badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Strict", "Warn"`);
  }
  const manager = q.get('fieldManager') ?? '';
  const errs = fieldManagerErrors(manager).map((message): FieldError => ({ path: 'fieldManager', message }));
  if (errs.length) throw invalid(options, 'meta.k8s.io', '', errs);
  const fieldManager = manager || managerFromUserAgent(rq.req.headers['user-agent']);
  return { dryRun: isDryRun(q), fieldValidation: v as FieldValidation | undefined, warnings: [], fieldManager };
}

/** ValidatePatchOptions: apply needs a fieldManager of its own; force is for apply alone. */
function patchOptions(q: URLSearchParams, type: PatchType): { force?: boolean } {
  const force = q.get('force');
  const errs: FieldError[] = [];
  if (type !== 'apply' && force !== null) errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  if (type === 'apply' && !q.get('fieldManager')) errs.push(required('fieldManager', 'is required for apply patch'));
  if (errs.length) throw invalid('PatchOptions', 'meta.k8s.io', '', errs);
  return type === 'apply' ? { force: ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(force ?? '') } : {};
}

/** The written object, with the write's warnings as Warning headers (kubectl prints them). */
function sendWritten(res: ServerResponse, code: number, obj: unknown, warnings: string[]): void {
  if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  sendJSON(res, code, obj);
}

async function handleResource(rq: Request, route: Route) {
  const { deps, req, q } = rq;
  const { registry } = deps;
  const { resource: r, namespace: ns, name, subresource, view } = route;
  const method = req.method ?? 'GET';
  // another version of the kind (autoscaling/v1 of HPAs): bodies converted in, objects out
  const input = (body: unknown) => (view ? view.toStored(body) : body);
  const out = <T>(obj: T): T => (view ? (view.fromStored(obj as unknown as KubeObject) as T) : obj);

  if (subresource) {
    if (!name || !r.subresources.includes(subresource as never)) throw notFound(r.resource, `${name}/${subresource}`, r.group);
    switch (subresource) {
      case 'log':
        if (method !== 'GET') throw methodNotAllowed();
        return streamLogs(rq, ns ?? 'default', name);
      case 'scale':
        return handleScale(rq, r, ns, name);
      case 'eviction':
        if (method !== 'POST') throw methodNotAllowed();
        return handleEviction(rq, ns ?? 'default', name);
      case 'status':
        break;
      case 'finalize':
        // a namespace's spec.finalizers, written by the namespace controller once it is empty
        if (method !== 'PUT') throw methodNotAllowed();
        break;
      case 'exec':
      case 'attach':
      case 'portforward':
        // k1s streaming: these are served on the upgraded connection (upgrade.ts)
        if (STREAMING_SUBRESOURCES.has(subresource)) throw upgradeRequired();
        break;
      default:
        throw notFound(r.resource, `${name}/${subresource}`, r.group);
    }
  }
  const status = subresource === 'status' || subresource === 'finalize' ? (subresource as 'status' | 'finalize') : undefined;

  if (!name) {
    if (method === 'GET') {
      const options = validListOptions(q);
      return options.watch ? watch(rq, r, ns, options, view) : list(rq, r, ns, view);
    }
    if (method === 'POST') {
      const body = input(await readObject(rq));
      const opts = writeOptions(rq, 'CreateOptions');
      return sendWritten(rq.res, 201, out(registry.create(r, ns, body, opts)), opts.warnings);
    }
    if (method === 'DELETE') return deleteCollection(rq, r, ns, view);
    throw methodNotAllowed();
  }
  switch (method) {
    case 'GET':
      return sendObject(rq, r, registry.get(r, ns, name), view);
    case 'PUT': {
      const body = input(await readObject(rq));
      const opts = { ...writeOptions(rq, 'UpdateOptions'), subresource: status };
      return sendWritten(rq.res, 200, out(registry.update(r, ns, name, body, opts)), opts.warnings);
    }
    case 'PATCH': {
      const { type, patch } = await readPatch(rq);
      const opts = { ...writeOptions(rq, 'PatchOptions'), ...patchOptions(q, type), subresource: status, type };
      // an apply that creates the object answers 201, as kube-apiserver does
      const existed = type !== 'apply' || registry.store.get(keyOf(r, ns, name)) !== undefined;
      if (view && type !== 'apply') {
        // the patch applies to the object as this version shows it
        const merged = applyPatch(r, view.fromStored(registry.get(r, ns, name)), patch, type);
        return sendWritten(rq.res, 200, out(registry.update(r, ns, name, view.toStored(merged), opts)), opts.warnings);
      }
      return sendWritten(rq.res, existed ? 200 : 201, out(registry.patch(r, ns, name, input(patch), opts)), opts.warnings);
    }
    case 'DELETE':
      return sendJSON(rq.res, 200, out(registry.delete(r, ns, name, await deleteOptions(rq))));
    default:
      throw methodNotAllowed();
  }
}

async function readObject(rq: Request): Promise<unknown> {
  const raw = await readRaw(rq.req);
  // kubectl 1.32's typed clients (`kubectl create deployment`, ...) send protobuf, with no fallback
  return decodeObject(raw, rq.req.headers['content-type'] ?? '', decodeKubernetesProtobuf);
}

async function readPatch(rq: Request, types: readonly PatchType[] = ['json', 'merge', 'strategic', 'apply']): Promise<{ type: PatchType; patch: unknown }> {
  const type = mediaType(rq.req.headers['content-type']);
  const known = PATCH_TYPES[type as keyof typeof PATCH_TYPES];
  if (!known || !types.includes(known)) throw unsupportedMediaType(Object.keys(PATCH_TYPES).filter((t) => types.includes(PATCH_TYPES[t as keyof typeof PATCH_TYPES])));
  const raw = await readRaw(rq.req);
  if (raw.length === 0) throw badRequest('the request body is empty');
  return { type: known, patch: known === 'apply' ? parseApplyConfiguration(raw) : parseJSON(raw) };
}

/** An apply body: YAML (JSON being YAML) holding one object. */
function parseApplyConfiguration(raw: Buffer): unknown {
  let v: unknown;
  try {
    v = parseYAML(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    const got = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    throw badRequest(`error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${got} into Go value of type map[string]interface {}`);
  }
  return v;
}

/** DeleteOptions from the query and from the body (kubectl sends a body, curl users a query). */
async function deleteOptions(rq: Request): Promise<DeleteOptions> {
  const raw = await readRaw(rq.req);
  const body = (raw.length ? decodeObject(raw, rq.req.headers['content-type'] ?? '', decodeKubernetesProtobuf) : {}) as {
    dryRun?: string[];
    propagationPolicy?: DeleteOptions['propagationPolicy'];
    orphanDependents?: boolean;
    preconditions?: DeleteOptions['preconditions'];
    gracePeriodSeconds?: number;
  };
  const policy = rq.q.get('propagationPolicy') ?? body.propagationPolicy ?? (body.orphanDependents || rq.q.get('orphanDependents') === 'true' ? 'Orphan' : undefined);
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
  }
  return {
    dryRun: isDryRun(rq.q, body),
    preconditions: body.preconditions,
    propagationPolicy: policy as DeleteOptions['propagationPolicy'],
    gracePeriodSeconds: body.gracePeriodSeconds ?? gracePeriodParam(rq.q.get('gracePeriodSeconds')),
  };
}

/** ?gracePeriodSeconds=N, an int64 as kube's parameter codec reads it. */
function gracePeriodParam(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}

async function deleteCollection(rq: Request, r: ResourceInfo, ns: string | undefined, view?: VersionView) {
  const opts = await deleteOptions(rq);
  const found = rq.deps.registry.list(r, ns, selectors(rq.q));
  const items = found.items.map((o) => rq.deps.registry.delete(r, o.metadata.namespace, o.metadata.name, { ...opts, preconditions: undefined }));
  return sendJSON(rq.res, 200, viewList({ ...found, items }, r, view));
}

/** POST pods/{name}/eviction: a Success Status (201), or the refusal (eviction.ts). */
async function handleEviction(rq: Request, ns: string, name: string) {
  const eviction = readEviction(await readObject(rq), ns);
  return sendJSON(rq.res, 201, evictPod(rq.deps.registry, ns, name, eviction, isDryRun(rq.q), rq.now));
}

/**
 * GET, PUT and PATCH (server-side apply too) of a Scale. The Scale's own field manager decides who
 * owns its spec.replicas, over the parent's owners of spec.replicas shown as autoscaling/v1 entries;
 * the outcome is carried back to the parent's managedFields (managed-fields/scale.ts), as kube does.
 */
async function handleScale(rq: Request, r: ResourceInfo, ns: string | undefined, name: string) {
  const { registry } = rq.deps;
  const method = rq.req.method ?? 'GET';
  const current = registry.get(r, ns, name);
  if (method === 'GET') return sendJSON(rq.res, 200, scaleOf(current));
  const parentVersion = apiVersionOf(r);
  const parentEntries = current.metadata.managedFields ?? [];
  const fm = scaleFieldManager(typeOfKind(r));
  const shown = scaleOf(current);
  const live = { ...shown, metadata: { ...shown.metadata, managedFields: toScaleEntries(parentEntries, parentVersion) } };
  let opts: WriteOptions & { force?: boolean };
  let scale: unknown;
  let scaleEntries: ManagedFieldsEntry[] | undefined;
  if (method === 'PUT') {
    opts = writeOptions(rq, 'UpdateOptions');
    scale = await readObject(rq);
    scaleEntries = fm.update(live, scale as Record<string, unknown>, opts.fieldManager!, rq.now);
  } else if (method === 'PATCH') {
    const { type, patch } = await readPatch(rq);
    opts = { ...writeOptions(rq, 'PatchOptions'), ...patchOptions(rq.q, type) };
    if (type === 'apply') {
      const { object } = fm.apply(live, patch, opts.fieldManager!, opts.force ?? false, rq.now);
      // a Go Scale's spec.replicas is an int32 that omits zero: an apply that leaves it out asks for 0
      scale = { ...object, spec: { replicas: 0, ...(object.spec as object) } };
      scaleEntries = object.metadata?.managedFields;
    } else {
      scale = applyPatch(r, shown, patch, type);
      scaleEntries = fm.update(live, scale as Record<string, unknown>, opts.fieldManager!, rq.now);
    }
  } else throw methodNotAllowed();
  const managedFields = toParentEntries(parentEntries, scaleEntries ?? [], parentVersion);
  const updated = registry.update(r, ns, name, applyScale(current, scale), { dryRun: opts.dryRun, subresource: 'scale', applied: { managedFields } });
  return sendJSON(rq.res, 200, scaleOf(updated));
}

function selectors(q: URLSearchParams) {
  return { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined };
}

function tableOptions(rq: Request): { table: boolean; include: IncludeObject } {
  return { table: wantsTable(rq.req.headers.accept), include: parseIncludeObject(rq.q.get('includeObject')) };
}

function sendObject(rq: Request, r: ResourceInfo, obj: AnyObject, view?: VersionView): void {
  const t = tableOptions(rq);
  if (t.table) return sendJSON(rq.res, 200, toTable(r, [obj], { now: rq.now, include: t.include }));
  sendJSON(rq.res, 200, view ? view.fromStored(obj) : obj);
}

/** A list in another version of the kind: its items and its apiVersion. */
function viewList<L extends { items: AnyObject[]; apiVersion: string }>(list: L, r: ResourceInfo, view: VersionView | undefined): L {
  if (!view) return list;
  return { ...list, apiVersion: apiVersionOf({ group: r.group, version: view.version }), items: list.items.map((o) => view.fromStored(o)) };
}

function list(rq: Request, r: ResourceInfo, ns: string | undefined, view?: VersionView): void {
  const page = { limit: numberParam(rq.q, 'limit'), continue: rq.q.get('continue') ?? undefined };
  const result = rq.deps.registry.list(r, ns, { ...selectors(rq.q), ...page });
  const t = tableOptions(rq);
  if (t.table) {
    const table = toTable(r, result.items, { now: rq.now, include: t.include, resourceVersion: result.metadata.resourceVersion });
    return sendJSON(rq.res, 200, { ...table, metadata: { ...result.metadata } });
  }
  sendJSON(rq.res, 200, viewList(result, r, view));
}

/** The line of the event being delivered (see sharedLine). */
let lastLine: { object: object; type: string; line: Buffer } | undefined;

/**
 * A live event's line, serialized once for every watcher it reaches: the store hands the same
 * event object to each watcher in turn before the next event, so one slot is enough (a
 * JSON.stringify per watcher added up with 100 watchers). Replayed events are objects of their
 * own and simply miss.
 */
function sharedLine(ev: WatchEvent): Buffer {
  if (lastLine?.object === ev.object && lastLine.type === ev.type) return lastLine.line;
  const line = Buffer.from(JSON.stringify(ev) + '\n');
  lastLine = { object: ev.object, type: ev.type, line };
  return line;
}

/** How long a quiet watch goes between bookmarks, when the client allows them. */
const BOOKMARK_INTERVAL_MS = 60_000;

/**
 * A watch: one JSON event per line, held open until the client goes away or timeoutSeconds. A
 * watch-list (sendInitialEvents=true) first sends the state as ADDED events and, when the client
 * allows bookmarks, a bookmark annotated k8s.io/initial-events-end at the state's resourceVersion.
 */
async function watch(rq: Request, r: ResourceInfo, ns: string | undefined, options: RequestListOptions, view?: VersionView) {
  const { req, res, q, deps } = rq;
  const t = tableOptions(rq);
  const encode = (ev: WatchEvent): unknown =>
    t.table ? { type: ev.type, object: toTable(r, [ev.object], { now: deps.now?.() ?? new Date(), include: t.include }) } : ev;
  const buffered: (string | Buffer)[] = [];
  let headers = false;
  let lastRV = options.resourceVersion ?? '0';
  const send = (line: string | Buffer) => {
    if (!headers) buffered.push(line);
    else if (!res.writableEnded) res.write(line);
  };
  const write = (ev: unknown) => send(JSON.stringify(ev) + '\n');
  const onEvent = (ev: WatchEvent) => {
    lastRV = ev.object.metadata.resourceVersion ?? lastRV;
    if (t.table) write(encode(ev));
    else if (view) write({ type: ev.type, object: view.fromStored(ev.object) });
    else send(sharedLine(ev));
  };
  const bookmark = (annotations?: Record<string, string>) => {
    lastRV = String(Math.max(Number(lastRV), deps.registry.store.revision));
    const version = view?.version ?? r.version;
    const metadata = annotations ? { resourceVersion: lastRV, annotations } : { resourceVersion: lastRV };
    write({ type: 'BOOKMARK', object: { kind: r.kind, apiVersion: r.group ? `${r.group}/${version}` : version, metadata } });
  };
  if (options.sendInitialEvents) await untilStoreReaches(deps.registry.store, options.resourceVersion, req);
  const stop = deps.registry.watch(r, ns, {
    ...selectors(q),
    resourceVersion: options.resourceVersion,
    sendInitialEvents: options.sendInitialEvents,
    // the end of the initial events is told only to a client that takes bookmarks (isListWatchRequest)
    onInitialEventsEnd: (rv) => {
      if (!options.allowWatchBookmarks) return;
      lastRV = rv;
      bookmark({ [INITIAL_EVENTS_END_ANNOTATION]: 'true' });
    },
  }, onEvent); // throws Gone before any byte is sent
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders(); // a quiet watch must still tell the client it is open
  headers = true;
  for (const line of buffered) res.write(line);
  const bookmarks = options.allowWatchBookmarks ? setInterval(bookmark, BOOKMARK_INTERVAL_MS) : undefined;
  const timeout = Number(q.get('timeoutSeconds') ?? 0);
  // Unsubscribed before the response ends, so no event is ever written after the end.
  const done = () => {
    stop();
    clearTimeout(timer);
    clearInterval(bookmarks);
  };
  const timer = timeout > 0 ? setTimeout(() => (done(), res.end()), timeout * 1000) : undefined;
  req.on('close', done);
  res.on('close', done);
  res.on('error', done);
}

/** How long a read that must be at least as new as a resourceVersion waits for the store to reach it (the watch cache's blockTimeout). */
const FRESHNESS_WAIT_MS = 3_000;

/**
 * Waits (3 s at most) until the store has reached resourceVersion, as kube's watch cache waits to
 * be fresh enough before it serves a NotOlderThan read; then the 504 "Too large resource version".
 */
async function untilStoreReaches(store: Registry['store'], resourceVersion: string | undefined, req: IncomingMessage): Promise<void> {
  if (!resourceVersion || !/^\d+$/.test(resourceVersion)) return; // "" and "0": any state; not a number: refused by the watch
  const wanted = Number(resourceVersion);
  if (store.revision >= wanted) return;
  await new Promise<void>((resolve) => {
    const stop = store.watch('', store.revision, (ev) => ev.revision >= wanted && finish());
    const timer = setTimeout(finish, FRESHNESS_WAIT_MS);
    req.once('close', finish);
    function finish() {
      stop();
      clearTimeout(timer);
      req.off('close', finish);
      resolve();
    }
  });
  if (store.revision < wanted) throw tooLargeResourceVersion(wanted, store.revision);
}

function numberParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name}: Invalid value: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

async function streamLogs(rq: Request, ns: string, pod: string) {
  const { deps, q, res } = rq;
  // 404 for a missing pod before asking the agent
  deps.registry.get(byKind('Pod')!, ns, pod);
  if (!deps.podLogs) throw badRequest('logs are not available: no node agent is running');
  const sinceSeconds = numberParam(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw badRequest('at most one of `sinceTime` or `sinceSeconds` may be specified');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = rq.now.getTime() / 1000 - sinceSeconds;
  else if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`sinceTime: Invalid value: ${JSON.stringify(sinceTime)}: must be an RFC3339 time`);
    since = t / 1000;
  }
  const stream = await deps.podLogs(ns, pod, {
    container: q.get('container') ?? undefined,
    follow: q.get('follow') === 'true',
    previous: q.get('previous') === 'true',
    tailLines: numberParam(q, 'tailLines'),
    since,
    timestamps: q.get('timestamps') === 'true',
  });
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.flushHeaders(); // `logs -f` of a quiet container is still an open stream
  // pipeline, not pipe: an engine error mid-stream (dockerd restarting) ends this response only,
  // and a client going away destroys the engine stream.
  pipeline(stream as NodeJS.ReadableStream & Readable, res, () => {});
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

