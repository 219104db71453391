// bench/dns-memory: what the cluster DNS's threads hold for N Services (10% headless, 5 endpoints
// each): the process RSS with the objects alone, then with the worker pool started on loopback
// and fed every Service (one worker per core, as the server does), and the time for one change to
// be answered. No Docker, no root; with the server's V8 flags (bin/k1s) to count what the server would:
//   node --expose-gc --max-semi-space-size=2 dist/bench/dns-memory.js [--services 10000] [--workers 2]
import { availableParallelism } from 'node:os';
import { UDPClient } from 'dns2';
import { DnsWorkerPool } from '../dns/pool.js';
import { silentLogger } from '../src/log.js';
import type { Service } from '../src/api/types.js';
import type { EndpointSlice } from '../src/api/kinds/endpointslice.js';
import { numberArg, sleep } from './util.js';

const N = numberArg('services', 10_000);
const WORKERS = numberArg('workers', Math.min(4, availableParallelism()));
const rss = () => process.memoryUsage().rss / 1024 / 1024;
// this thread's heap alone (the RecordIndex and the table owner's maps; the workers have their own)
const heapUsed = () => process.memoryUsage().heapUsed / 1024 / 1024;

const services: Service[] = [];
const slices: EndpointSlice[] = [];
for (let i = 0; i < N; i++) {
  const ns = `ns-${i % 50}`;
  services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: ns }, spec: { clusterIP: i % 10 === 0 ? 'None' : `10.96.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
  slices.push({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `svc-${i}-x`, namespace: ns, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 5 }, (_, j) => ({ addresses: [`10.${244 + ((i * 5 + j) >> 16)}.${((i * 5 + j) >> 8) & 255}.${(i * 5 + j) & 255}`], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
}
const byNs = new Map<string, EndpointSlice[]>();
for (const s of slices) byNs.set(s.metadata.namespace!, [...(byNs.get(s.metadata.namespace!) ?? []), s]);
const byKey = new Map(services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));

global.gc?.();
await sleep(500);
const idle = rss();
const idleHeap = heapUsed();
const pool = new DnsWorkerPool({
  address: '127.0.0.1',
  port: 0,
  workers: WORKERS,
  upstreams: [],
  zone: 'cluster.local',
  logger: silentLogger,
  source: { services: () => services, service: (ns, n) => byKey.get(`${ns}/${n}`), slices: (ns) => (ns ? byNs.get(ns) ?? [] : slices), namespaces: () => [] },
});
const t0 = Date.now();
const ports = await pool.start();
const started = Date.now() - t0;
const ask = (name: string) => UDPClient({ dns: '127.0.0.1', port: ports[ports.length - 1], timeout: 2000, retryOverTCP: false })(name, 'A');
while ((await ask(`svc-${N - 1}.ns-${(N - 1) % 50}.svc.cluster.local`)).answers.length === 0) await sleep(10);
await sleep(2000);
global.gc?.();
const loaded = rss();
const loadedHeap = heapUsed();

// one change, answered by the last worker
const late: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'ns-0' }, spec: { clusterIP: '10.96.255.254' } };
services.push(late);
byKey.set('ns-0/late', late);
const t1 = process.hrtime.bigint();
pool.serviceChanged('ns-0', 'late');
while ((await ask('late.ns-0.svc.cluster.local')).answers.length === 0) await sleep(1);
const visible = Number(process.hrtime.bigint() - t1) / 1e6;
await pool.stop();

console.log(`bench/dns-memory: ${N} Services, ${WORKERS} DNS workers`);
console.log(`  RSS ${idle.toFixed(0)} MB with the objects alone, ${loaded.toFixed(0)} MB with the DNS workers fed: +${(loaded - idle).toFixed(0)} MB`);
console.log(`  main thread heap used ${idleHeap.toFixed(0)} MB -> ${loadedHeap.toFixed(0)} MB: +${(loadedHeap - idleHeap).toFixed(1)} MB`);
console.log(`  workers started and fed in ${started} ms; a new Service answered ${visible.toFixed(1)} ms after its change (10 ms of it the batching delay)`);
