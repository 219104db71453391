// bench/dns: the cluster DNS beside dnsmasq, in the same run, serving the same names.
//   node dist/bench/dns.js [--services 1000] [--seconds 10] [--qps N] [--workers N]
// Needs dnsperf, dnsmasq and dig (Debian: dnsperf, dnsmasq-base, bind9-dnsutils) and a Docker engine (a real
// `k1s server`, with a fake upstream on 127.0.0.1: no query leaves the machine). Run under
// `flock /tmp/k1s-e2e.lock`.
//  1. throughput: dnsperf, the same query file (one A query per Service name), against k1s through
//     the kube-dns Service address (10.96.0.10, so through the proxy's DNAT to the DNS workers),
//     against the first worker's own address and port (no DNAT), and against dnsmasq on 127.0.0.2
//     (`--no-resolv --addn-hosts` with the same names and addresses);
//  2. latency: our own paced generator (bench/dns-paced.ts, its own process) at a steady rate, by default half of dnsmasq's maximum
//     measured in step 1 (--qps to fix it), p50/p99/max per server;
//  3. the same rate while one Service's endpoints change every 100 ms (each change a proxy resync of
//     every Service and its 5 endpoints, and a DNS update), through the Service address and straight
//     to the first worker's port (no DNAT).
// --workers sets the server's DNS worker threads (`k1s server --dns-workers`; default: its own);
// --min-sync-period the proxy's (`k1s server --iptables-min-sync-period`, e.g. 1s as kube-proxy's).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoints, Service } from '../src/api/types.js';
import { numberArg, printTable, rssMBOf, sleep, startBenchServer, waitFor } from './util.js';

const SERVICES = numberArg('services', 1000);
const SECONDS = numberArg('seconds', 10);
const FIXED_QPS = numberArg('qps', 0);
const WORKERS = numberArg('workers', 0);
const MIN_SYNC = process.argv.includes('--min-sync-period') ? process.argv[process.argv.indexOf('--min-sync-period') + 1] : undefined;
const K1S_DNS = '10.96.0.10';
const DNSMASQ = '127.0.0.2';
const GATEWAY = '10.244.0.1'; // the pod network's gateway, where the DNS workers listen

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing: apt-get install ${pkg}`);
}

const name = (i: number) => `svc-${i}.default.svc.cluster.local`;
/** 5 made-up pod addresses per Service (never reached: only the rules and DNS see them). */
const endpointIP = (i: number, j: number) => `10.244.${100 + ((i * 5 + j) >> 8)}.${(i * 5 + j) & 255}`;

function endpointsOf(i: number, shift = 0): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: `svc-${i}`, namespace: 'default' },
    subsets: [{ addresses: Array.from({ length: 5 }, (_, j) => ({ ip: endpointIP(i, (j + shift) % 7) })), ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  };
}

/** dnsperf's "Queries per second" and lost queries. */
function dnsperf(server: string, file: string): { qps: number; lost: string } {
  const r = spawnSync('dnsperf', ['-s', server, '-p', '53', '-d', file, '-l', String(SECONDS), '-c', '8', '-q', '200', '-t', '2'], { encoding: 'utf8' });
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const lost = /Queries lost:\s+(\d+ \([\d.]+%\))/.exec(r.stdout)?.[1] ?? '?';
  if (Number.isNaN(qps)) throw new Error(`dnsperf against ${server}: ${r.stdout}${r.stderr}`);
  return { qps, lost };
}

interface Paced {
  answered: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
}

/** A steady `qps` of A queries for random Service names for SECONDS, from bench/dns-paced.js in its
 *  own process (so the churner's API calls here do not delay it); latencies in ms. */
function paced(server: string, qps: number): Promise<Paced> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./dns-paced.js', import.meta.url));
    const child = spawn(process.execPath, [script, '--server', server, '--qps', String(qps), '--seconds', String(SECONDS), '--services', String(SERVICES)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Paced) : reject(new Error(`dns-paced against ${server} exited with ${code}`))));
  });
}

function latencyRow(label: string, r: Paced): (string | number)[] {
  const f = (x: number) => x.toFixed(3);
  return [label, r.answered, r.lost, f(r.p50), f(r.p99), f(r.max)];
}

async function main(): Promise<void> {
  need('dnsperf', 'dnsperf');
  need('dnsmasq', 'dnsmasq-base');
  need('dig', 'bind9-dnsutils');
  const dir = mkdtempSync(join(tmpdir(), 'k1s-bench-dns-'));
  const bench = await startBenchServer([...(WORKERS > 0 ? ['--dns-workers', String(WORKERS)] : []), ...(MIN_SYNC ? ['--iptables-min-sync-period', MIN_SYNC] : [])]);
  let dnsmasq: ChildProcess | undefined;
  try {
    const { client } = bench;
    const rssIdle = rssMBOf(bench.pid);
    // Services without a selector and their hand-written Endpoints (mirrored to EndpointSlices)
    const ips: string[] = [];
    for (let i = 0; i < SERVICES; i += 50) {
      const batch = Array.from({ length: Math.min(50, SERVICES - i) }, (_, k) => i + k);
      await Promise.all(
        batch.map(async (n) => {
          const svc = await client.create<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${n}`, namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
          ips[n] = svc.spec.clusterIP!;
          await client.create(endpointsOf(n));
        }),
      );
    }
    const last = SERVICES - 1;
    await waitFor('the last Service in the cluster DNS', () => spawnSync('dig', ['+short', '+time=1', '+tries=1', `@${K1S_DNS}`, name(last)], { encoding: 'utf8' }).stdout.trim() === ips[last], 60_000, 200);
    await sleep(3000); // let the proxy's resyncs of the creation burst settle
    const rssLoaded = rssMBOf(bench.pid);

    const queries = join(dir, 'queries');
    writeFileSync(queries, Array.from({ length: SERVICES }, (_, i) => `${name(i)} A\n`).join(''));
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, Array.from({ length: SERVICES }, (_, i) => `${ips[i]} ${name(i)}\n`).join(''));
    dnsmasq = spawn('dnsmasq', ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', `--addn-hosts=${hosts}`, `--listen-address=${DNSMASQ}`, '--bind-interfaces', '--port=53', '--cache-size=10000', '--user=root', '--pid-file=' + join(dir, 'pid')], { stdio: 'ignore' });
    await waitFor('dnsmasq', () => spawnSync('dig', ['+short', '+time=1', '+tries=1', `@${DNSMASQ}`, name(0)], { encoding: 'utf8' }).stdout.trim() === ips[0], 10_000, 100);

    console.log(`\nbench/dns: ${SERVICES} Services, ${WORKERS || 'default'} DNS workers, proxy min sync period ${MIN_SYNC ?? 'default'}, ${SECONDS} s per run, same query file (one A per Service), same run`);
    const k1s = dnsperf(K1S_DNS, queries);
    const direct = dnsperf(GATEWAY, queries);
    const peer = dnsperf(DNSMASQ, queries);
    printTable([
      ['dnsperf -c 8 -q 200', 'queries/s', 'lost', 'k1s / dnsmasq'],
      [`k1s via ${K1S_DNS} (DNAT to every worker)`, k1s.qps.toFixed(0), k1s.lost, (k1s.qps / peer.qps).toFixed(2) + 'x'],
      [`k1s on ${GATEWAY}:53 (first worker, no DNAT)`, direct.qps.toFixed(0), direct.lost, (direct.qps / peer.qps).toFixed(2) + 'x'],
      [`dnsmasq on ${DNSMASQ}`, peer.qps.toFixed(0), peer.lost, ''],
    ]);

    const QPS = FIXED_QPS || Math.round(peer.qps / 2);
    console.log(`\nlatency at a steady ${QPS} q/s (ms)${FIXED_QPS ? '' : ", half of dnsmasq's maximum above"}`);
    const rows: (string | number)[][] = [['server', 'answered', 'lost', 'p50', 'p99', 'max']];
    rows.push(latencyRow(`k1s via ${K1S_DNS}`, await paced(K1S_DNS, QPS)));
    rows.push(latencyRow(`k1s on ${GATEWAY}:53`, await paced(GATEWAY, QPS)));
    rows.push(latencyRow(`dnsmasq on ${DNSMASQ}`, await paced(DNSMASQ, QPS)));
    // one Service's endpoints changed every 100 ms: each is a resync of all the proxy's rules
    let churn = true;
    let changes = 0;
    const churner = (async () => {
      for (let k = 1; churn; k++) {
        const i = (k * 37) % SERVICES;
        const cur = await client.get<Endpoints>('Endpoints', 'default', `svc-${i}`);
        await client.update({ ...endpointsOf(i, k), metadata: cur.metadata });
        changes++;
        await sleep(100);
      }
    })();
    rows.push(latencyRow(`k1s via ${K1S_DNS}, endpoints changing`, await paced(K1S_DNS, QPS)));
    // the first worker's own address and port, past the DNAT: tells the rules' share from the DNS's
    rows.push(latencyRow(`k1s on ${GATEWAY}:53, endpoints changing`, await paced(GATEWAY, QPS)));
    churn = false;
    await churner;
    printTable(rows);
    console.log(`  (${changes} endpoint changes during the churn run)`);
    console.log(`\nserver RSS: ${rssIdle.toFixed(0)} MB idle, ${rssLoaded.toFixed(0)} MB with ${SERVICES} Services and their endpoints`);
  } finally {
    dnsmasq?.kill();
    for (let i = 0; i < SERVICES; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SERVICES - i) }, (_, k) => bench.client.delete('Service', 'default', `svc-${i + k}`).catch(() => undefined)),
      );
    }
    await bench.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
