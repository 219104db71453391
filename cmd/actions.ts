// What the client commands do. Output follows kubectl's wording so muscle memory carries over.
// (`server` and `cleanup` live in their own modules so neither drags the other's imports along.)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../src/api/errors.js';
import { ManifestError, loadManifests } from '../src/api/manifest.js';
import { byKind, byName, inCategory, pathFor, qualifiedName, type ResourceInfo } from '../src/api/resources.js';
import type { AnyObject, Event, Pod, ReplicaSet, Endpoints, Kind } from '../src/api/types.js';
import type { Client } from '../src/client/client.js';
import { HttpClient } from '../src/client/http.js';
import { describe as describeObject } from '../src/cli/describe.js';
import { noResourcesMessage, printTable } from '../src/cli/table.js';
import { printApplyResult, toJSON, toYAML } from '../src/cli/output.js';
import { lastApplied, threeWayPatch, withLastApplied } from '../src/cli/apply.js';
import { findKubeconfig, readKubeconfig } from '../src/kubeconfig.js';
import { VERSION } from '../src/apiserver/server.js';

type Opts = Record<string, unknown>;

function clientFor(program: Command): HttpClient {
  const path = findKubeconfig(program.opts().kubeconfig as string | undefined);
  return new HttpClient(readKubeconfig(path));
}

function namespaceOf(client: HttpClient, opts: Opts): string {
  return (opts.namespace as string | undefined) ?? client.config.namespace;
}

const out = (text: string) => {
  if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
};

/** Reads every file named by -f (a directory: its .yaml/.yml/.json files, sorted). */
function readInputs(paths: string[]): { source: string; text: string }[] {
  const inputs: { source: string; text: string }[] = [];
  for (const p of paths) {
    if (p === '-') {
      inputs.push({ source: '-', text: readFileSync(0, 'utf8') });
    } else if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) inputs.push({ source: join(p, f), text: readFileSync(join(p, f), 'utf8') });
    } else {
      inputs.push({ source: p, text: readFileSync(p, 'utf8') });
    }
  }
  return inputs;
}

/** Validated objects from -f inputs, each with its namespace settled. */
function manifestObjects(client: HttpClient, opts: Opts): AnyObject[] {
  const { objects } = loadManifests(readInputs(opts.filename as string[]));
  const flagNs = opts.namespace as string | undefined;
  for (const obj of objects) {
    const r = byKind(obj.kind)!;
    if (!r.namespaced) continue;
    const ns = obj.metadata.namespace;
    if (ns && flagNs && ns !== flagNs) {
      throw new Error(`error: the namespace from the provided object "${ns}" does not match the namespace "${flagNs}". You must pass '--namespace=${ns}' to perform this operation.`);
    }
    obj.metadata.namespace = ns ?? namespaceOf(client, opts);
  }
  return objects;
}

export const apply = (program: Command) => async (opts: Opts) => {
  const client = clientFor(program);
  // Every document of every file is validated before the first write.
  const objects = manifestObjects(client, opts);
  let failed = 0;
  for (const obj of objects) {
    const r = byKind(obj.kind)!;
    try {
      let existing: AnyObject | undefined;
      try {
        existing = await client.get(obj.kind, obj.metadata.namespace, obj.metadata.name);
      } catch (e) {
        if ((e as ApiError).code !== 404) throw e;
      }
      const desired = withLastApplied(obj);
      if (!existing) {
        await client.create(desired);
        out(printApplyResult(r, obj.metadata.name, 'created'));
        continue;
      }
      // Without a recorded manifest, the live object's own fields stand in for it (as kubectl does).
      const patch = threeWayPatch(lastApplied(existing) ?? {}, desired);
      const updated = await client.patch(obj.kind, obj.metadata.namespace, obj.metadata.name, patch);
      const same = updated.metadata.resourceVersion === existing.metadata.resourceVersion;
      out(printApplyResult(r, obj.metadata.name, same ? 'unchanged' : 'configured'));
    } catch (e) {
      failed++;
      process.stderr.write(`Error from server (${(e as ApiError).reason ?? 'InternalError'}): error when applying ${qualifiedName(r)}/${obj.metadata.name}: ${(e as Error).message}\n`);
    }
  }
  if (failed) process.exitCode = 1;
};

/** KIND[,KIND] or "all" to resources. */
function resourcesFor(word: string): ResourceInfo[] {
  // `all` is the kinds in category "all", core group first, as kubectl lists them from discovery
  if (word === 'all') return [...inCategory('all')].sort((a, b) => Number(a.group !== '') - Number(b.group !== ''));
  return word.split(',').map((w) => {
    const r = byName(w);
    if (!r) throw new Error(`error: the server doesn't have a resource type "${w}"`);
    return r;
  });
}

async function fetchObjects(client: HttpClient, r: ResourceInfo, names: string[], ns: string | undefined, selector?: string): Promise<AnyObject[]> {
  if (names.length) return Promise.all(names.map((n) => client.get(r.kind as Kind, ns, n)));
  return (await client.list(r.kind as Kind, r.namespaced ? ns : undefined, { labelSelector: selector })).items;
}

export const get = (program: Command) => async (kindArg: string, names: string[], opts: Opts) => {
  const client = clientFor(program);
  const resources = resourcesFor(kindArg);
  const all = Boolean(opts.allNamespaces);
  const ns = all ? undefined : namespaceOf(client, opts);
  const format = opts.output as string | undefined;
  const collected: AnyObject[] = [];
  const tables: string[] = [];
  const now = new Date();
  for (const r of resources) {
    const items = await fetchObjects(client, r, names, ns, opts.selector as string | undefined);
    collected.push(...items);
    if (format === 'name') {
      for (const o of items) out(`${qualifiedName(r)}/${o.metadata.name}`);
    } else if (!format || format === 'wide') {
      if (items.length) tables.push(printTable(r.kind, items, { wide: format === 'wide', allNamespaces: all, showKind: resources.length > 1, now, noHeaders: opts.headers === false }));
    }
  }
  if (format === 'yaml' || format === 'json') {
    if (!opts.showManagedFields) for (const o of collected) delete o.metadata.managedFields;
    const single = names.length === 1 && resources.length === 1;
    const body = single ? collected[0] : { apiVersion: 'v1', kind: 'List', items: collected, metadata: { resourceVersion: '' } };
    return out(format === 'yaml' ? toYAML(body) : toJSON(body));
  }
  if (!format || format === 'wide') {
    if (!collected.length) process.stderr.write(noResourcesMessage(ns, all) + '\n');
    else out(tables.join('\n'));
  }
};

export const describe = (program: Command) => async (kindArg: string, names: string[], opts: Opts) => {
  const client = clientFor(program);
  const [r] = resourcesFor(kindArg);
  const ns = opts.allNamespaces ? undefined : namespaceOf(client, opts);
  const items = await fetchObjects(client, r, names, ns, opts.selector as string | undefined);
  const texts: string[] = [];
  for (const obj of items) {
    const objNs = obj.metadata.namespace;
    const events = (await client.list<Event>('Event', objNs ?? 'default')).items.filter((e) => e.involvedObject.uid === obj.metadata.uid);
    const needsPods = ['ReplicaSet', 'Deployment', 'Service'].includes(obj.kind);
    texts.push(
      describeObject(obj, {
        events,
        now: new Date(),
        pods: needsPods ? (await client.list<Pod>('Pod', objNs)).items : undefined,
        replicaSets: obj.kind === 'Deployment' ? (await client.list<ReplicaSet>('ReplicaSet', objNs)).items : undefined,
        endpoints: obj.kind === 'Service' ? await client.get<Endpoints>('Endpoints', objNs, obj.metadata.name).catch(() => undefined) : undefined,
      }),
    );
  }
  if (!texts.length) process.stderr.write(noResourcesMessage(ns, Boolean(opts.allNamespaces)) + '\n');
  out(texts.join('\n\n'));
};

export const del = (program: Command) => async (kindArg: string | undefined, names: string[], opts: Opts) => {
  const client = clientFor(program);
  let targets: { r: ResourceInfo; ns?: string; name: string }[];
  if (opts.filename) {
    targets = manifestObjects(client, opts).map((o) => ({ r: byKind(o.kind)!, ns: o.metadata.namespace, name: o.metadata.name }));
  } else {
    if (!kindArg) throw new Error('error: you must provide one or more resources by argument or filename (-f)');
    const [r] = resourcesFor(kindArg);
    const ns = namespaceOf(client, opts);
    if (!names.length && !opts.selector) throw new Error('error: resource(s) were provided, but no name was specified');
    const found = names.length ? names : (await client.list(r.kind as Kind, ns, { labelSelector: opts.selector as string })).items.map((o) => o.metadata.name);
    targets = found.map((name) => ({ r, ns, name }));
  }
  const grace = Number(opts.gracePeriod ?? -1);
  if (!Number.isInteger(grace)) throw new Error(`error: invalid --grace-period ${JSON.stringify(opts.gracePeriod)}`);
  if (grace === 0 && !opts.force) throw new Error('error: --grace-period=0 requires --force: the pod is removed from the API before its containers stop');
  if (grace === 0) {
    process.stderr.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  }
  let failed = 0;
  const deleted: { r: ResourceInfo; ns?: string; name: string; uid?: string }[] = [];
  for (const t of targets) {
    try {
      const gone = await client.delete(t.r.kind as Kind, t.ns, t.name, grace >= 0 ? { gracePeriodSeconds: grace } : undefined);
      out(`${qualifiedName(t.r)} "${t.name}" ${grace === 0 ? 'force deleted' : 'deleted'}`);
      deleted.push({ ...t, uid: gone.metadata.uid });
    } catch (e) {
      if ((e as ApiError).code === 404 && opts.ignoreNotFound) continue;
      failed++;
      process.stderr.write(`${errorText(e)}\n`);
    }
  }
  // as kubectl: a graceful deletion (a pod stopping, a namespace emptying) is waited for
  if (opts.wait !== 'false') for (const t of deleted) await waitUntilGone(client, t);
  if (failed) process.exitCode = 1;
};

async function waitUntilGone(client: Client, t: { r: ResourceInfo; ns?: string; name: string; uid?: string }): Promise<void> {
  for (;;) {
    try {
      const o = await client.get(t.r.kind as Kind, t.ns, t.name);
      if (o.metadata.uid !== t.uid) return; // a new object of the same name
    } catch (e) {
      if ((e as ApiError).code === 404) return;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const logs = (program: Command) => async (pod: string, opts: Opts) => {
  const client = clientFor(program);
  const ns = namespaceOf(client, opts);
  const q = new URLSearchParams();
  if (opts.container) q.set('container', opts.container as string);
  if (opts.follow) q.set('follow', 'true');
  if (opts.previous) q.set('previous', 'true');
  if (opts.tail !== undefined) q.set('tailLines', String(opts.tail));
  const stream = await client.stream(`${pathFor(byKind('Pod')!, ns, pod)}/log?${q}`);
  stream.pipe(process.stdout);
  await new Promise((resolve) => stream.on('end', resolve));
};

export const version = (program: Command) => async () => {
  out(`Client Version: ${VERSION.gitVersion}`);
  try {
    const v = await clientFor(program).call<{ gitVersion: string }>('GET', '/version');
    out(`Server Version: ${v.gitVersion}`);
  } catch (e) {
    out(`Server Version: unavailable (${(e as Error).message})`);
  }
};

/** kubectl's error lines: "Error from server (NotFound): pods "x" not found". */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `Error from server (${e.reason}): ${e.message}`;
  if (e instanceof ManifestError) return `error: ${e.message}`;
  const msg = (e as Error)?.message ?? String(e);
  return msg.startsWith('error: ') || msg.startsWith('The connection') ? msg : `error: ${msg}`;
}
