// bench/endpoint-move: issue 8's "one endpoint change at most 50 ms from the API write to new
// connections landing on the new endpoint, with real traffic", and "the API's worst latency over a
// minute of such changes at most 50 ms", on a real `k1s server` holding --services selector-less
// Services of --endpoints hand-written endpoints each (Endpoints objects; the EndpointSlice
// mirroring makes the slices; TEST-NET-2 addresses that no packet is ever sent to).
//   - Two backend pods, fastd (bench/backend/fastd.c) answering "hello from move-a" / "move-b",
//     and ONE selector-less Service `move` whose single hand-written endpoint moves between them.
//   - A client in a worker thread (so neither the server's loop nor this one skews it) opens a new
//     connection to move's ClusterIP every millisecond or so, from the host, and reports each
//     answer's backend. A move's latency: from just before the PUT of the Endpoints to the first
//     connection answered by the new backend. --moves moves -> median / p99 / max.
//   - API GET latency (GET /api/v1/namespaces/default/services/s0, one after the other, from
//     another worker thread): at rest for --rest seconds, then while the endpoint moves every
//     --every ms for --seconds seconds: worst and p99.
//   - Beside them, the floor: `iptables-restore --noflush` alone (spawned from this small process)
//     of the same partial payload the proxy writes for one move (computed here with the proxy's
//     own rules.ts; applied just before the matching PUT, so the server's view and the kernel's
//     stay the same).
//   node dist/bench/endpoint-move.js [--services 1000] [--endpoints 5] [--moves 20] [--rest 10] [--seconds 60] [--every 100]
// Needs root and Docker; run it under `flock /tmp/k1s-e2e.lock`. It leaves the machine as found.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Docker from 'dockerode';
import type { EndpointSlice, Endpoints, Pod, Service } from '../src/api/types.js';
import { buildPartial, buildRules } from '../proxy/rules.js';
import { ShellRunner } from '../proxy/shell-runner.js';
import { ensureFastdImage, FASTD_IMAGE, FASTD_PORT } from './backend/image.js';
import { endpointOf, fetchText, keepAliveAgent, median, numberArg, quantile, sleep, startBenchServer, waitFor } from './util.js';

const SERVICES = numberArg('services', 1000);
const ENDPOINTS = numberArg('endpoints', 5);
const MOVES = numberArg('moves', 20);
const REST_SECONDS = numberArg('rest', 10);
const CHURN_SECONDS = numberArg('seconds', 60);
const EVERY_MS = numberArg('every', 100);
const NS = 'default';
const BACKENDS = ['move-a', 'move-b'] as const;
/** The server's defaults (the bench server runs with them). */
const PROXY_CONFIG = { serviceCIDR: '10.96.0.0/16', podCIDR: '10.244.0.0/16' };

/** Wall-clock ms with sub-ms precision, comparable between threads. */
const wall = () => performance.timeOrigin + performance.now();

// ---- worker threads ---------------------------------------------------------------------------

type WorkerJob = { kind: 'connect'; ip: string; port: number } | { kind: 'get'; kubeconfig: string; path: string; everyMs: number };
/** From the connect worker: one answer (backend name, when the connection started and was answered). */
interface Answer {
  name: string;
  started: number;
  answered: number;
}

/** One new TCP connection, one GET, the body's backend name ("hello from NAME"). */
function probe(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    const sock = connect({ host: ip, port }, () => sock.end(`GET / HTTP/1.1\r\nHost: ${ip}\r\nConnection: close\r\n\r\n`));
    sock.setEncoding('utf8');
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('data', (d: string) => (body += d));
    sock.on('close', () => resolve(/hello from (\S+)/.exec(body)?.[1] ?? 'error'));
    sock.on('error', () => {});
  });
}

async function connectWorker(job: Extract<WorkerJob, { kind: 'connect' }>): Promise<void> {
  for (;;) {
    const started = wall();
    const name = await probe(job.ip, job.port);
    parentPort!.postMessage({ name, started, answered: wall() } satisfies Answer);
    // about one new connection a millisecond: fine enough, and no core burnt on a tight loop
    const wait = started + 1 - wall();
    await sleep(Math.max(0, wait));
  }
}

async function getWorker(job: Extract<WorkerJob, { kind: 'get' }>): Promise<void> {
  const ep = endpointOf(job.kubeconfig);
  const agent = keepAliveAgent(ep, 1);
  for (;;) {
    const t = performance.now();
    const r = await fetchText(ep, job.path, { agent });
    const ms = performance.now() - t;
    parentPort!.postMessage({ ms, ok: r.status === 200, at: wall() });
    await sleep(Math.max(0, job.everyMs - ms));
  }
}

if (!isMainThread) {
  const job = workerData as WorkerJob;
  void (job.kind === 'connect' ? connectWorker(job) : getWorker(job));
}

// ---- the cluster ------------------------------------------------------------------------------

function filler(i: number): { svc: Service; ep: Endpoints } {
  const name = `s${i}`;
  return {
    svc: { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { ports: [{ port: 80, targetPort: 8000, protocol: 'TCP' }] } } as Service,
    ep: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: NS },
      // TEST-NET-2: documentation addresses, never routed; nothing is sent to these Services
      subsets: [{ addresses: Array.from({ length: ENDPOINTS }, (_, j) => ({ ip: `198.51.100.${(i * ENDPOINTS + j) % 250}` })), ports: [{ port: 8000 + (i % 1000), protocol: 'TCP' }] }],
    },
  };
}

function backendPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { bench: 'endpoint-move' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'fastd', image: FASTD_IMAGE, imagePullPolicy: 'Never', command: ['/fastd', String(FASTD_PORT), '1', name], ports: [{ containerPort: FASTD_PORT }] }],
    },
  } as Pod;
}

const moveEndpoints = (ip: string, metadata: Endpoints['metadata'] = { name: 'move', namespace: NS }): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata,
  subsets: [{ addresses: [{ ip }], ports: [{ port: FASTD_PORT, protocol: 'TCP' }] }],
});

/** The `move` Service's slice as the mirroring makes it: only what the rules read. */
const moveSlice = (ip: string): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'move-floor', namespace: NS, labels: { 'kubernetes.io/service-name': 'move' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [ip] }],
  ports: [{ name: '', protocol: 'TCP', port: FASTD_PORT }],
});

/** The proxy's "iptables synced" log lines: when (epoch ms) and how long the sync took. */
function proxySyncs(logs: string): { time: number; ms: number; buildMs: number }[] {
  const out: { time: number; ms: number; buildMs: number }[] = [];
  for (const line of logs.split('\n')) {
    if (!line.includes('"iptables synced"')) continue;
    try {
      const j = JSON.parse(line) as { time: number; ms: number; buildMs?: number };
      out.push({ time: j.time, ms: j.ms, buildMs: j.buildMs ?? NaN });
    } catch {
      // a line cut by the pipe: not ours to count
    }
  }
  return out;
}

const stats = (xs: number[]) => (xs.length ? `median ${median(xs).toFixed(1)}, p99 ${quantile(xs, 0.99).toFixed(1)}, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})` : 'no samples');

async function main(): Promise<void> {
  await ensureFastdImage(new Docker()); // before the server: a missing gcc leaves nothing to clean up
  const s = await startBenchServer();
  const workers: Worker[] = [];
  const teardown: string[] = [];
  try {
    const t0 = performance.now();
    for (let i = 0; i < SERVICES; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SERVICES - i) }, (_, k) => filler(i + k)).map(async ({ svc, ep }) => {
          await s.client.create(svc);
          await s.client.create(ep);
        }),
      );
    }
    console.log(`endpoint-move: ${SERVICES} selector-less Services x ${ENDPOINTS} hand-written endpoints created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const b of BACKENDS) await s.client.create(backendPod(b));
    const ips: Record<string, string> = {};
    await waitFor('both backends running with an IP', async () => {
      for (const b of BACKENDS) {
        const p = await s.client.get<Pod>('Pod', NS, b);
        if (p.status?.phase === 'Running' && p.status.podIP) ips[b] = p.status.podIP;
      }
      return BACKENDS.every((b) => ips[b]);
    }, 120_000, 200);
    const svc = await s.client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'move', namespace: NS }, spec: { ports: [{ port: 80, targetPort: FASTD_PORT, protocol: 'TCP' }] } } as Service);
    const clusterIP = svc.spec.clusterIP!;
    let current = await s.client.create<Endpoints>(moveEndpoints(ips['move-a']));
    let at: string = 'move-a';

    // the connection prober
    const answers: Answer[] = [];
    let onAnswer: ((a: Answer) => void) | undefined;
    const prober = new Worker(new URL(import.meta.url), { workerData: { kind: 'connect', ip: clusterIP, port: 80 } satisfies WorkerJob });
    workers.push(prober);
    prober.on('message', (a: Answer) => {
      answers.push(a);
      if (answers.length > 10_000) answers.splice(0, 5_000);
      onAnswer?.(a);
    });
    await waitFor(`${clusterIP}:80 answered by move-a`, async () => answers.some((a) => a.name === 'move-a'), 120_000, 100);
    await sleep(3000); // the creation burst's syncs settle
    console.log(`  backends move-a ${ips['move-a']}, move-b ${ips['move-b']}; Service move ${clusterIP}:80; the client opens a connection about every ms`);

    /** PUT the endpoint at `to`; resolves with ms from just before the PUT to the first answer by `to`, and the PUT's own ms. */
    const move = async (to: string): Promise<{ landed: number; put: number }> => {
      const start = wall();
      const landed = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection answered by ${to} within 10 s`)), 10_000);
        onAnswer = (a) => {
          if (a.name === to && a.started >= start) {
            clearTimeout(timer);
            onAnswer = undefined;
            resolve(a.answered - start);
          }
        };
      });
      current = await s.client.update<Endpoints>(moveEndpoints(ips[to], current.metadata));
      const put = wall() - start;
      at = to;
      return { landed: await landed, put };
    };

    // 1. moves, one at a time, the traffic telling when each landed
    const landed: number[] = [];
    const puts: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < MOVES; i++) {
      starts.push(wall());
      const r = await move(at === 'move-a' ? 'move-b' : 'move-a');
      landed.push(r.landed);
      puts.push(r.put);
      // each move a change after a quiet time, also with --iptables-min-sync-period 1s (kube-proxy's),
      // which folds changes coming faster into one sync a second
      await sleep(1100);
    }
    console.log(`move, API write -> first new connection answered by the new backend: ${stats(landed)}`);
    console.log(`    runs: ${landed.map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`  of which the PUT itself: ${stats(puts)}`);
    // The server's own account (its log, ms resolution): when the sync of each move ended, and how long it took.
    const syncs = proxySyncs(s.h.logs);
    const after = starts.flatMap((t) => syncs.filter((x) => x.time >= t).slice(0, 1).map((x) => ({ ...x, start: t })));
    console.log(`  the proxy's sync (its log): ended ${stats(after.map((x) => x.time - x.start))} after the PUT began; took ${stats(after.map((x) => x.ms))}, of which building the payload ${stats(after.map((x) => x.buildMs))}`);

    // 2. floor: iptables-restore alone of the same partial payload, applied before the matching PUT,
    //    with the client still opening its connection a millisecond (the same load as the moves had)
    const chainsOf = (ip: string) => buildRules({ services: [svc], slices: [moveSlice(ip)], existing: '', config: PROXY_CONFIG }).chains;
    // Two ways to start it: forked from this process (node, as a naive proxy would) and from a
    // small long-lived shell reading the payload from a file (as the proxy does; file written first).
    const floors: Record<'spawned from node' | 'through a small shell', number[]> = { 'spawned from node': [], 'through a small shell': [] };
    const shell = new ShellRunner();
    const dir = mkdtempSync(join(tmpdir(), 'k1s-bench-move-'));
    let payloadBytes = 0;
    for (let i = 0; i < Math.min(MOVES, 10) * 2; i++) {
      const to = at === 'move-a' ? 'move-b' : 'move-a';
      const payload = buildPartial({ services: [svc], slices: [moveSlice(ips[to])], config: PROXY_CONFIG, dockerUser: true }, chainsOf(ips[at])).payload;
      payloadBytes = payload.length;
      const file = join(dir, `payload-${i}`);
      writeFileSync(file, payload);
      const t = performance.now();
      if (i % 2 === 0) execFileSync('iptables-restore', ['--noflush', '-w', '5'], { input: payload });
      else {
        const r = await shell.run(['iptables-restore', '--noflush', '-w', '5'], { stdinFile: file });
        if (r.code !== 0) throw new Error(`iptables-restore: ${r.output}`);
      }
      floors[i % 2 === 0 ? 'spawned from node' : 'through a small shell'].push(performance.now() - t);
      current = await s.client.update<Endpoints>(moveEndpoints(ips[to], current.metadata));
      at = to;
      await sleep(300);
    }
    shell.close();
    rmSync(dir, { recursive: true, force: true });
    for (const [how, xs] of Object.entries(floors)) {
      console.log(`floor: iptables-restore --noflush of the same partial payload alone (${payloadBytes} bytes), ${how}: ${stats(xs)}`);
      console.log(`    runs: ${xs.map((x) => x.toFixed(1)).join(' ')}`);
    }
    prober.terminate();

    // 3. API GET latency, at rest and while the endpoint moves every EVERY_MS
    const getter = new Worker(new URL(import.meta.url), { workerData: { kind: 'get', kubeconfig: s.h.kubeconfig, path: `/api/v1/namespaces/${NS}/services/s0`, everyMs: 10 } satisfies WorkerJob });
    workers.push(getter);
    const gets: { ms: number; ok: boolean; at: number }[] = [];
    getter.on('message', (m: { ms: number; ok: boolean; at: number }) => gets.push(m));
    await sleep(1000); // connection and TLS set up
    gets.length = 0;
    await sleep(REST_SECONDS * 1000);
    const rest = gets.splice(0);
    const churnPuts: number[] = [];
    const end = performance.now() + CHURN_SECONDS * 1000;
    while (performance.now() < end) {
      const t = performance.now();
      const to = at === 'move-a' ? 'move-b' : 'move-a';
      current = await s.client.update<Endpoints>(moveEndpoints(ips[to], current.metadata));
      at = to;
      churnPuts.push(performance.now() - t);
      await sleep(Math.max(0, EVERY_MS - (performance.now() - t)));
    }
    const churn = gets.splice(0);
    getter.terminate();
    const failed = [...rest, ...churn].filter((g) => !g.ok).length;
    console.log(`API GET ${`/api/v1/namespaces/${NS}/services/s0`} every 10 ms (another thread), ${failed} failed:`);
    console.log(`  at rest, ${REST_SECONDS} s: ${stats(rest.map((g) => g.ms))}`);
    console.log(`  while the endpoint moves every ${EVERY_MS} ms (${churnPuts.length} moves in ${CHURN_SECONDS} s): ${stats(churn.map((g) => g.ms))}`);
    console.log(`  the PUTs meanwhile: ${stats(churnPuts)}`);
  } finally {
    for (const w of workers) await w.terminate();
    for (const step of [
      () => Promise.all(BACKENDS.map((b) => s.client.delete('Pod', NS, b).catch(() => undefined))),
      () => waitFor('the backends gone', async () => (await s.client.list('Pod', NS)).items.length === 0, 120_000),
      () => s.stop(), // stops the server, `k1s cleanup`, removes the data dir
    ]) {
      try {
        await step();
      } catch (e) {
        teardown.push((e as Error).message);
      }
    }
  }
  if (teardown.length) throw new Error(`teardown: ${teardown.join('; ')}`);
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
