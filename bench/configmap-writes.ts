// bench/configmap-writes: 1,000 ConfigMaps created through the API as a client creates them
// (HTTPS POST, bearer token, keep-alive, a few requests in flight), writes/s and the bytes the
// store wrote; beside the same 1,000 rows written into SQLite in the same run: through the
// store (Store.create, in-process, no HTTP or registry), straight through better-sqlite3 with the
// store's schema and pragmas and one transaction per row as the store commits each write (the
// floor for one write per object), and the same rows in one transaction (the batched floor).
// The API server runs in this process (real registry, SQLite store, HTTPS, as bench/watch); the
// client runs in a worker thread, as kubectl or a controller would run in a process of their own.
// Bytes written: write_bytes of /proc/self/io over each phase (what the process sent towards
// the disk, the database on ext4 under the temp dir; the client's socket writes are not in it),
// and the database + WAL file sizes at the end of each phase.
//   node dist/bench/configmap-writes.js [--count 1000] [--parallel 4] [--warmup 100]
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { byKind } from '../src/api/resources.js';
import type { ConfigMap } from '../src/api/types.js';
import { keyOf, prefixOf } from '../src/apiserver/registry.js';
import { Store, type StoredValue } from '../src/store/store.js';
import { endpointOf, ms, numberArg, printTable, quantile, requestOptions, type Endpoint } from './util.js';

const COUNT = numberArg('count', 1000);
const PARALLEL = numberArg('parallel', 4);
const WARMUP = numberArg('warmup', 100);
const NS = 'cm-bench';
const WARM_NS = 'cm-bench-warmup';

/** A ConfigMap as an application ships one: a properties file and a few plain keys (~0.6 KiB). */
function configMap(ns: string, i: number): ConfigMap {
  const props = Array.from({ length: 12 }, (_, k) => `app.setting.${k}=value-${k}-${i}`).join('\n');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `settings-${String(i).padStart(5, '0')}`, namespace: ns, labels: { app: 'bench', tier: 'backend' } },
    data: { 'app.properties': props + '\n', LOG_LEVEL: 'info', REPLICA: String(i), UPSTREAM: 'http://api.default.svc.cluster.local:8080' },
  } as ConfigMap;
}

// ---- the client, in a worker thread: COUNT POSTs, PARALLEL in flight on keep-alive sockets

interface ClientResult {
  wallMs: number;
  latencies: number[];
  failures: string[];
}

function post(ep: Endpoint, agent: Agent, ns: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      requestOptions(ep, `/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Accept: 'application/json' } }),
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runClient(ep: Endpoint, ns: string, count: number, parallel: number): Promise<ClientResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel, ca: ep.ca });
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const body = JSON.stringify(configMap(ns, next++));
        const t = performance.now();
        const status = await post(ep, agent, ns, body).catch((e: Error) => e.message);
        latencies.push(performance.now() - t);
        if (status !== 201) failures.push(String(status));
      }
    }),
  );
  const wallMs = performance.now() - t0;
  agent.destroy();
  return { wallMs, latencies, failures };
}

if (!isMainThread) {
  const { ep, ns, count, parallel } = workerData as { ep: Endpoint; ns: string; count: number; parallel: number };
  parentPort!.postMessage(await runClient(ep, ns, count, parallel));
}

function clientInWorker(ep: Endpoint, ns: string, count: number): Promise<ClientResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { ep, ns, count, parallel: PARALLEL } });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: ClientResult) => void worker.terminate().then(() => resolve(r)));
    worker.once('error', reject);
  });
}

// ---- what each phase measures

/** Bytes this process has caused to be sent to the storage layer (the worker's sockets are not in it). */
function writeBytes(): number {
  return Number(/^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

interface Phase {
  name: string;
  wallMs: number;
  writeBytes: number;
  /** database + WAL file sizes at the end */
  fileBytes: number;
  latencies?: number[];
}

/** Runs fn as one measured phase over the database at dbPath. */
async function phase(name: string, dbPath: string, fn: () => Promise<number | void> | number | void): Promise<Phase> {
  const w0 = writeBytes();
  const t0 = performance.now();
  const inner = await fn();
  const wallMs = typeof inner === 'number' ? inner : performance.now() - t0;
  // before any close: closing the last connection checkpoints and removes the WAL file
  return { name, wallMs, writeBytes: writeBytes() - w0, fileBytes: fileBytes(dbPath) + fileBytes(dbPath + '-wal') };
}

/** A fresh database with exactly the store's schema and pragmas (made by the Store itself). */
function freshDb(dir: string, name: string): string {
  const path = join(dir, name);
  new Store(path).close();
  return path;
}

/** Opens a database as the Store does (WAL is persistent in the file; synchronous is per connection). */
function openLikeStore(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** The rows the store wrote for the API's ConfigMaps: key, revision, JSON text, as stored. */
interface Row {
  key: string;
  rev: number;
  text: string;
}

/** Writes the rows; the connection stays open (the caller closes it once the phase is measured). */
function directRows(db: Database.Database, rows: Row[], batched: boolean): void {
  const log = db.prepare('INSERT INTO log (rev, key, type, value) VALUES (?, ?, ?, ?)');
  const kv = db.prepare('INSERT INTO kv (key, rev, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, value = excluded.value');
  const one = db.transaction((r: Row) => {
    log.run(r.rev, r.key, 'ADDED', r.text);
    kv.run(r.key, r.rev, r.text);
  });
  if (batched) db.transaction(() => rows.forEach((r) => one(r)))();
  else for (const r of rows) one(r);
}

async function main() {
  // imported here, not above: the worker loads this file too and needs none of it
  const { startApi } = await import('../test/e2e/api-harness.js');
  const api = await startApi();
  const dir = mkdtempSync(join(tmpdir(), 'k1s-cm-bench-'));
  try {
    const ep = endpointOf(api.kubeconfig);
    const cmInfo = byKind('ConfigMap')!;
    for (const name of [NS, WARM_NS]) api.registry.create(byKind('Namespace')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // warm the JIT, TLS and the store's statements on the same path (another namespace, not counted)
    const warm = await clientInWorker(ep, WARM_NS, WARMUP);
    if (warm.failures.length) throw new Error(`warm-up: ${warm.failures.length} failed (${warm.failures[0]})`);
    const revBefore = api.store.revision;

    const dbPath = join(api.dir, 'state.db');
    let client!: ClientResult;
    const viaApi = await phase(`k1s API: POST ${PARALLEL} in flight, HTTPS keep-alive`, dbPath, async () => {
      client = await clientInWorker(ep, NS, COUNT);
      return client.wallMs;
    });
    viaApi.latencies = client.latencies;
    if (client.failures.length) throw new Error(`${client.failures.length} of ${COUNT} creates failed (first: ${client.failures[0]})`);
    const created = api.store.list(prefixOf(cmInfo, NS)).items;
    if (created.length !== COUNT) throw new Error(`the store holds ${created.length} of the ${COUNT} ConfigMaps`);
    if (api.store.revision - revBefore !== COUNT) throw new Error(`${api.store.revision - revBefore} revisions for ${COUNT} creates: something else wrote meanwhile`);
    // the same rows as the store wrote them, in revision order
    const rows: Row[] = created
      .map((o) => ({ key: keyOf(cmInfo, NS, String(o.metadata.name)), rev: Number(o.metadata.resourceVersion), text: JSON.stringify(o) }))
      .sort((a, b) => a.rev - b.rev);
    const rowBytes = rows.reduce((n, r) => n + Buffer.byteLength(r.text), 0);

    const storePath = freshDb(dir, 'store.db');
    const store = new Store(storePath);
    const viaStore = await phase('Store.create in-process (no HTTP, no registry)', storePath, () => {
      for (const r of rows) store.create(r.key, JSON.parse(r.text) as StoredValue);
    });
    store.close();
    const perRowPath = freshDb(dir, 'direct.db');
    const perRowDb = openLikeStore(perRowPath);
    const perRow = await phase('better-sqlite3, one transaction per row (floor)', perRowPath, () => directRows(perRowDb, rows, false));
    perRowDb.close();
    const batchPath = freshDb(dir, 'batched.db');
    const batchDb = openLikeStore(batchPath);
    const batched = await phase('better-sqlite3, all rows in one transaction', batchPath, () => directRows(batchDb, rows, true));
    batchDb.close();

    console.log(`${COUNT} ConfigMaps (${(rowBytes / COUNT).toFixed(0)} bytes of JSON each as stored), one store write each; bytes: /proc/self/io write_bytes over the phase, files: database + WAL at its end:`);
    const row = (p: Phase) => [
      p.name,
      (COUNT / (p.wallMs / 1000)).toFixed(0),
      (p.wallMs / 1000).toFixed(3),
      (p.writeBytes / 1024).toFixed(0),
      (p.writeBytes / COUNT / 1024).toFixed(2),
      (p.fileBytes / 1024).toFixed(0),
    ];
    printTable([['', 'writes/s', 'wall s', 'written KiB', 'KiB/write', 'files KiB'], row(viaApi), row(viaStore), row(perRow), row(batched)]);
    const lat = viaApi.latencies!;
    console.log(`  API request latency: p50 ${ms(quantile(lat, 0.5))} ms, p99 ${ms(quantile(lat, 0.99))} ms, max ${ms(Math.max(...lat))} ms`);
    console.log(`  ratio API / direct per-row floor: writes/s ${(COUNT / viaApi.wallMs / (COUNT / perRow.wallMs)).toFixed(2)}x, bytes written ${(viaApi.writeBytes / Math.max(1, perRow.writeBytes)).toFixed(2)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await api.stop();
  }
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
