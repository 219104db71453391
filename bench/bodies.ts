// bench/bodies: oversized request bodies. The API server runs in this process (real registry,
// SQLite store, HTTPS); 8 clients POST 50 MB each, in parallel, to
// /api/v1/namespaces/default/configmaps: first with Content-Length, then streamed with chunked
// encoding and no length. Each must get 413 `Request entity too large: limit is 3145728`, and the
// process's RSS after the round (after global.gc()) must be within 20 MB of before (target). The
// clients stream one shared 64 KiB buffer, so what RSS adds is the servers'. Before them, a round
// of bodies exactly at the limit: what a server may hold legitimately, and the baseline from
// which the oversized rounds are measured. Peer in the same run: a bare Node HTTPS server with
// the same certificate that reads and discards every body.
//   node dist/bench/bodies.js [--clients 8] [--mb 50]
// It re-runs itself under --expose-gc when started without it.
import { spawnSync } from 'node:child_process';
import { createServer, request } from 'node:https';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_BODY_BYTES } from '../src/apiserver/body.js';
import { ensureServingCert } from '../src/apiserver/tls.js';
import { endpointOf, numberArg, printTable, requestOptions, rssMB, type Endpoint } from './util.js';

if (!globalThis.gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1], ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc!;

const CLIENTS = numberArg('clients', 8);
const BODY_BYTES = numberArg('mb', 50) * 1024 * 1024;
const PATH = '/api/v1/namespaces/default/configmaps';
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const EXPECTED = 'Request entity too large: limit is 3145728';

interface Outcome {
  status: number;
  message: string;
  /** bytes the client got to send before the answer or the end */
  sent: number;
  error?: string;
}

/** One POST of `total` bytes, written as fast as the server takes them, until it answers or closes. */
function post(ep: Endpoint, total: number, chunked: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json' };
    if (!chunked) headers['Content-Length'] = total;
    const req = request(requestOptions(ep, PATH, { method: 'POST', headers, agent: false }));
    let sent = 0;
    let answered = false;
    let outcome: Outcome | undefined;
    const finish = (o: Outcome) => {
      if (outcome) return;
      outcome = o;
      req.destroy(); // a client stops sending once it has its answer
      resolve(o);
    };
    req.on('response', (res: IncomingMessage) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        let message = body.slice(0, 100);
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? message;
        } catch {
          // not JSON: keep the text
        }
        finish({ status: res.statusCode ?? 0, message, sent });
      });
      res.on('error', (e) => finish({ status: res.statusCode ?? 0, message: '', sent, error: e.message }));
    });
    req.on('error', (e) => {
      // the server may close while we write; its answer, if any, comes first
      if (!answered) finish({ status: 0, message: '', sent, error: (e as NodeJS.ErrnoException).code ?? e.message });
    });
    const pump = () => {
      while (!outcome && sent < total) {
        const n = Math.min(CHUNK.length, total - sent);
        sent += n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void req.once('drain', pump);
      }
      if (!outcome) req.end();
    };
    pump();
  });
}

function settledRSS(): number {
  for (let i = 0; i < 3; i++) gc();
  return rssMB();
}

interface RoundResult {
  before: number;
  peak: number;
  after: number;
  outcomes: Outcome[];
  ms: number;
}

async function round(ep: Endpoint, chunked: boolean, bytes = BODY_BYTES): Promise<RoundResult> {
  await sleep(100);
  const before = settledRSS();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMB())), 20);
  const t0 = performance.now();
  const outcomes = await Promise.all(Array.from({ length: CLIENTS }, () => post(ep, bytes, chunked)));
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, rssMB());
  await sleep(200); // let the closed sockets go
  return { before, peak, after: settledRSS(), outcomes, ms };
}

/** The peer: an HTTPS server that reads every body to its end, keeps none of it, and answers 413. */
async function startBareServer(tls: { cert: string; key: string }): Promise<{ server: Server; port: number }> {
  const server = createServer(tls, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: EXPECTED, reason: 'RequestEntityTooLarge', code: 413 });
      res.writeHead(413, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

async function main() {
  const { startApi } = await import('../test/e2e/api-harness.js');
  const api = await startApi();
  const ep = endpointOf(api.kubeconfig);
  const tls = ensureServingCert(api.dir, ['127.0.0.1']); // the harness's own, reused
  const bare = await startBareServer(tls);
  const peer: Endpoint = { ...ep, port: bare.port };
  try {
    // warm both (TLS, the handler, the JIT) with one small refused body each
    await post(ep, 4 * 1024 * 1024, false);
    await post(peer, 1024, false);
    const rows: (string | number)[][] = [['', 'RSS before MB', 'peak MB', 'after MB', 'after - before', 'answers', 'sent MB/client', 'time s']];
    const failures: string[] = [];
    const add = (name: string, r: RoundResult, k1s: boolean) => {
      const answers = new Map<string, number>();
      for (const o of r.outcomes) {
        const key = o.status ? String(o.status) : o.error ?? 'none';
        answers.set(key, (answers.get(key) ?? 0) + 1);
        if (k1s && (o.status !== 413 || o.message !== EXPECTED)) failures.push(`${name}: ${o.status || o.error} ${o.message}`);
      }
      const sent = r.outcomes.reduce((n, o) => n + o.sent, 0) / r.outcomes.length / 1024 / 1024;
      rows.push([
        name,
        r.before.toFixed(1),
        r.peak.toFixed(1),
        r.after.toFixed(1),
        (r.after - r.before >= 0 ? '+' : '') + (r.after - r.before).toFixed(1),
        [...answers].map(([k, n]) => `${n}x${k}`).join(' '),
        sent.toFixed(1),
        (r.ms / 1000).toFixed(2),
      ]);
      return r.after - r.before;
    };
    // First, bodies of exactly the limit (not JSON: 400 once read): the most any request may
    // make the server hold. What RSS keeps of them is the allocator's high-water mark, which a
    // server reaches in its first busy seconds; the oversized rounds are measured from there.
    add('k1s, 8 bodies at the limit (3 MiB, read)', await round(ep, true, MAX_BODY_BYTES), false);
    // then k1s before the peer: what the peer's reading of 800 MB leaves behind is not k1s's
    const deltas = [add('k1s, 50 MB, Content-Length', await round(ep, false), true), add('k1s, 50 MB, chunked', await round(ep, true), true)];
    add('bare https peer, 50 MB, Content-Length', await round(peer, false), false);
    add('bare https peer, 50 MB, chunked', await round(peer, true), false);
    console.log(`${CLIENTS} parallel POSTs to ${PATH}; RSS of this process (server and clients), after global.gc():`);
    printTable(rows);
    for (const f of new Set(failures)) console.log(`  not a 413: ${failures.filter((x) => x === f).length}x ${f}`);
    const worst = Math.max(...deltas);
    console.log(`  target: every k1s answer a 413 (${failures.length ? 'MISSED' : 'met'}); RSS after within 20 MB of before (${worst <= 20 ? 'met' : 'MISSED'}, worst ${worst.toFixed(1)} MB)`);
  } finally {
    bare.server.closeAllConnections();
    await new Promise<void>((resolve) => bare.server.close(() => resolve()));
    await api.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
