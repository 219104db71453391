// bench/watch: watch latency with many watchers. The API server runs in this process (real
// registry, SQLite store, HTTPS); W plain Node HTTPS clients watch the ConfigMaps of one namespace
// (`?watch=true&resourceVersion=N`, bearer token), then one ConfigMap is updated through the
// registry 200 times, ~10 ms apart. Per write and watcher: the time from just before the registry
// write to that watcher receiving the event's line, as p50/p99 over all (write, watcher) pairs.
// Rows in the same run: 100 watchers (target p99 <= 20 ms), 1 watcher (the peer), and the floor:
// the store's own in-process watch callback, which every HTTP watcher is fed from.
// The watchers run in a worker thread, as kubectl or an informer would run in a process of their
// own: the server's event loop does only the server's work. Times are process.hrtime, which both
// threads share. --same-thread puts the watchers on the server's event loop instead, so their
// reading of W sockets adds to every figure.
//   node dist/bench/watch.js [--watchers 100] [--writes 200] [--gap 10] [--same-thread]
import { request } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { byKind } from '../src/api/resources.js';
import type { ConfigMap } from '../src/api/types.js';
import { prefixOf } from '../src/apiserver/registry.js';
import type { ApiHarness } from '../test/e2e/api-harness.js';
import { endpointOf, ms, numberArg, printTable, quantile, requestOptions, type Endpoint } from './util.js';

const WATCHERS = numberArg('watchers', 100);
const WRITES = numberArg('writes', 200);
const GAP_MS = numberArg('gap', 10);
const SAME_THREAD = process.argv.includes('--same-thread');
const NS = 'watch-bench';
const CM = 'bench';

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Per watcher, per write index: when its event line arrived (ms on the process clock). */
type Arrivals = Map<number, number>[];

interface WatcherSet {
  /** resolves once every watcher has seen `writes` events */
  complete: Promise<Arrivals>;
  close(): Promise<void>;
}

/** Opens one watch; resolves once its headers are in (the server has subscribed by then). */
function openWatch(ep: Endpoint, rv: number, received: Map<number, number>, onEvent: () => void): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(requestOptions(ep, `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${rv}`), (res: IncomingMessage) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      let pending = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const at = now(); // before any parsing: the line is in
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const ev = JSON.parse(pending.slice(0, nl)) as { type: string; object: ConfigMap };
          pending = pending.slice(nl + 1);
          const i = Number(ev.object.data?.i);
          if (ev.type === 'MODIFIED' && !received.has(i)) received.set(i, at), onEvent();
        }
      });
      res.on('error', () => {}); // destroyed at the end
      resolve(req);
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

async function openWatchers(ep: Endpoint, rv: number, count: number, writes: number): Promise<WatcherSet> {
  const arrivals: Arrivals = Array.from({ length: count }, () => new Map());
  let done!: (a: Arrivals) => void;
  const complete = new Promise<Arrivals>((r) => (done = r));
  let seen = 0;
  const onEvent = () => ++seen === count * writes && done(arrivals);
  const reqs = await Promise.all(arrivals.map((m) => openWatch(ep, rv, m, onEvent)));
  return { complete, close: async () => reqs.forEach((r) => r.destroy()) };
}

/** The same watchers in a worker thread, driven by messages. */
async function openWatchersInWorker(ep: Endpoint, rv: number, count: number, writes: number): Promise<WatcherSet> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { ep, rv, count, writes } });
  const complete = new Promise<Arrivals>((resolve, reject) => {
    worker.on('message', (m: { arrivals?: [number, number][][] }) => m.arrivals && resolve(m.arrivals.map((a) => new Map(a))));
    worker.on('error', reject);
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean }) => (m.ready ? resolve() : reject(new Error('worker not ready'))));
    worker.once('error', reject);
  });
  return { complete, close: async () => void (await worker.terminate()) };
}

if (!isMainThread) {
  const { ep, rv, count, writes } = workerData as { ep: Endpoint; rv: number; count: number; writes: number };
  const set = await openWatchers(ep, rv, count, writes);
  parentPort!.postMessage({ ready: true });
  const arrivals = await set.complete;
  parentPort!.postMessage({ arrivals: arrivals.map((m) => [...m]) });
}

interface Round {
  latencies: number[];
  /** the store's in-process callback, for the same writes */
  store: number[];
  /** how late the server thread's timers ran (ms): a stall there delays every watcher alike */
  loopDelay: { p99: number; max: number };
}

async function round(api: ApiHarness, ep: Endpoint, watchers: number): Promise<Round> {
  const cmInfo = byKind('ConfigMap')!;
  const rv = api.store.revision;
  // subscribed before the HTTP watchers, so it is called first: the fan-out is not in it
  const storeAt = new Map<number, number>();
  const stopStore = api.store.watch(prefixOf(cmInfo, NS), rv, (ev) => {
    const i = Number((ev.value as unknown as ConfigMap).data?.i);
    if (!storeAt.has(i)) storeAt.set(i, now());
  });
  const set = await (SAME_THREAD ? openWatchers : openWatchersInWorker)(ep, rv, watchers, WRITES);
  const sent: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  try {
    for (let i = 0; i < WRITES; i++) {
      const current = api.registry.get<ConfigMap>(cmInfo, NS, CM);
      sent.push(now());
      api.registry.update(cmInfo, NS, CM, { ...current, data: { ...current.data, i: String(i) } });
      await sleep(GAP_MS);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arrivals = await Promise.race([set.complete, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 10_000)))]);
    clearTimeout(timer);
    loop.disable();
    if (!arrivals) throw new Error(`not every watcher saw all ${WRITES} events within 10 s`);
    return {
      latencies: arrivals.flatMap((a) => sent.map((t0, i) => a.get(i)! - t0)),
      store: sent.map((t0, i) => storeAt.get(i)! - t0),
      loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  } finally {
    stopStore();
    await set.close();
  }
}

async function main() {
  // imported here, not above: the worker loads this file too and needs none of it
  const { startApi } = await import('../test/e2e/api-harness.js');
  const api = await startApi();
  try {
    const ep = endpointOf(api.kubeconfig);
    api.registry.create(byKind('Namespace')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    api.registry.create(byKind('ConfigMap')!, NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CM, labels: { app: 'bench' } }, data: { i: '-1', config: 'x'.repeat(512) } });
    await round(api, ep, 10); // warm the JIT, TLS and the store's statements
    const one = await round(api, ep, 1);
    const many = await round(api, ep, WATCHERS);
    const row = (name: string, v: number[]) => [name, String(v.length), ms(quantile(v, 0.5)), ms(quantile(v, 0.99)), ms(Math.max(...v))];
    console.log(`watch latency: ${WRITES} ConfigMap updates through the registry, ${GAP_MS} ms apart; from just before the write to the event line at each watcher (${SAME_THREAD ? 'watchers on the server thread' : 'watchers in a worker thread'}):`);
    printTable([
      ['', 'pairs', 'p50 ms', 'p99 ms', 'max ms'],
      row(`${WATCHERS} HTTPS watchers`, many.latencies),
      row('1 HTTPS watcher (peer)', one.latencies),
      row(`store callback, in the ${WATCHERS}-watcher run (floor)`, many.store),
      row('store callback, in the 1-watcher run (floor)', one.store),
    ]);
    console.log(`  server thread's event-loop delay in the ${WATCHERS}-watcher run: p99 ${ms(many.loopDelay.p99)} ms, max ${ms(many.loopDelay.max)} ms (1-watcher run: p99 ${ms(one.loopDelay.p99)}, max ${ms(one.loopDelay.max)})`);
    const p99 = quantile(many.latencies, 0.99);
    console.log(`  target: p99 <= 20 ms with ${WATCHERS} watchers: ${p99 <= 20 ? 'met' : 'MISSED'} (${ms(p99)} ms)`);
  } finally {
    await api.stop();
  }
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
