// bench/list: `kubectl get pods` over 100 running pods. The API server runs in this process (real
// registry, SQLite store, HTTPS); the pods are written through the registry as a ReplicaSet, the
// scheduler and the agent write them (status from the agent's own computePodStatus). Measured:
//   - the server's time to answer kubectl's list request (`?limit=500`, Accept: Table first), read
//     from the server's own `served` debug line (handler entry to last byte handed to the socket),
//     beside the round trip seen by a keep-alive HTTPS client;
//   - the end-to-end wall time of `kubectl get pods` (a process start, cached discovery, the list);
// beside the floor in the same run: the same 100 pods straight from the store (`store.list` plus
// JSON.stringify of the result), and, between the two, the registry's list turned into a Table
// and stringified without HTTP. Target: server time <= 50 ms.
//   node dist/bench/list.js [--pods 100] [--requests 200] [--kubectl 20]
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { computePodStatus } from '../agent/status.js';
import type { ObservedPod } from '../agent/observed.js';
import { byKind } from '../src/api/resources.js';
import type { Pod } from '../src/api/types.js';
import { prefixOf } from '../src/apiserver/registry.js';
import { toTable } from '../src/apiserver/table.js';
import { startApi, type ApiHarness } from '../test/e2e/api-harness.js';
import { endpointOf, fetchText, keepAliveAgent, median, ms, numberArg, printTable, quantile } from './util.js';

const PODS = numberArg('pods', 100);
const REQUESTS = numberArg('requests', 200);
const KUBECTL_RUNS = numberArg('kubectl', 20);
const NODE = 'bench-node';
const LIST_PATH = '/api/v1/namespaces/default/pods?limit=500';
const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** The pods of a 100-replica Deployment, as the ReplicaSet controller, scheduler and agent leave them. */
function createPods(api: ApiHarness): void {
  const podInfo = byKind('Pod')!;
  const rsUID = '6f1c2a9e-3b7d-4c51-9a0e-2d8f4b6c1e37';
  const now = Date.now();
  for (let i = 0; i < PODS; i++) {
    const created = api.registry.create(podInfo, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'web-7d4b9c8f6d-',
        labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7d4b9c8f6d' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c8f6d', uid: rsUID, controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ name: 'http', containerPort: 80 }],
            env: [
              { name: 'LOG_LEVEL', value: 'info' },
              { name: 'UPSTREAM', value: 'http://api.default.svc.cluster.local:8080' },
            ],
          },
          { name: 'metrics', image: 'prom/nginx-exporter:1.3', args: ['--nginx.scrape-uri=http://127.0.0.1/status'], ports: [{ containerPort: 9113 }] },
        ],
      },
    }) as Pod;
    const bound = api.registry.update(podInfo, 'default', created.metadata.name, { ...created, spec: { ...created.spec, nodeName: NODE } }) as Pod;
    const ip = `10.244.${1 + (i >> 8)}.${i & 255}`;
    const started = new Date(now - 60_000 + i * 100).toISOString();
    const observed: ObservedPod = {
      uid: bound.metadata.uid!,
      name: bound.metadata.name,
      namespace: 'default',
      sandboxes: [{ id: `${i}`.padStart(64, 'a'), attempt: 0, state: 'running', ip, createdAt: started }],
      containers: bound.spec.containers.map((c, j) => ({
        id: `${i}-${j}`.padStart(64, 'c'),
        name: c.name,
        attempt: 0,
        hash: 'f00dfeed',
        state: 'running' as const,
        image: c.image!,
        imageID: 'sha256:' + 'e'.repeat(64),
        createdAt: started,
        startedAt: started,
      })),
    };
    const status = computePodStatus(bound, observed, { hostIP: '192.168.1.20', now: now - 50_000 });
    api.registry.update(podInfo, 'default', bound.metadata.name, { ...bound, status }, { subresource: 'status' });
  }
}

async function main() {
  const served: { uri: string; ms: number }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        const rec = JSON.parse(line) as { msg?: string; uri?: string; ms?: number };
        if (rec.msg === 'served') served.push({ uri: rec.uri!, ms: rec.ms! });
      }
      cb();
    },
  });
  // pino's sink is synchronous for a plain Writable: each line arrives as its request finishes
  const api = await startApi({ logger: pino({ level: 'debug' }, sink) });
  try {
    createPods(api);
    const podInfo = byKind('Pod')!;
    const ep = endpointOf(api.kubeconfig);
    const agent = keepAliveAgent(ep, 1);
    const get = () => fetchText(ep, LIST_PATH, { agent, headers: { Accept: TABLE_ACCEPT } });

    const first = await get();
    const table = JSON.parse(first.body) as { kind: string; rows: unknown[] };
    if (first.status !== 200 || table.kind !== 'Table' || table.rows.length !== PODS) throw new Error(`unexpected list answer: ${first.status} ${first.body.slice(0, 200)}`);
    const bytes = Buffer.byteLength(first.body);
    const floorBytes = Buffer.byteLength(JSON.stringify(api.store.list(prefixOf(podInfo, 'default'))));

    // warm the JIT and the TLS session on all three paths before timing anything
    const prefix = prefixOf(podInfo, 'default');
    for (let i = 0; i < 20; i++) {
      JSON.stringify(api.store.list(prefix));
      JSON.stringify(toTable(podInfo, api.registry.list(podInfo, 'default').items, { now: new Date(), include: 'Metadata' }));
      await get();
    }

    const floor: number[] = [];
    const inProcess: number[] = [];
    const server: number[] = [];
    const roundTrip: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      let t0 = performance.now();
      JSON.stringify(api.store.list(prefix));
      floor.push(performance.now() - t0);

      t0 = performance.now();
      const list = api.registry.list(podInfo, 'default');
      JSON.stringify(toTable(podInfo, list.items, { now: new Date(), include: 'Metadata', resourceVersion: list.metadata.resourceVersion }));
      inProcess.push(performance.now() - t0);

      served.length = 0;
      t0 = performance.now();
      const r = await get();
      roundTrip.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`list answered ${r.status}`);
      const line = served.find((s) => s.uri === LIST_PATH);
      if (!line) throw new Error('no served line for the list request');
      server.push(line.ms);
    }
    agent.destroy();

    // kubectl itself: discovery is cached after the first run, as on a user's machine
    const warm = await api.kubectl(['get', 'pods']);
    if (warm.status !== 0 || warm.stdout.trim().split('\n').length !== PODS + 1) throw new Error(`kubectl get pods: ${warm.status} ${warm.stderr}`);
    const kubectl: number[] = [];
    const kubectlServer: number[] = [];
    for (let i = 0; i < KUBECTL_RUNS; i++) {
      served.length = 0;
      const t0 = performance.now();
      const r = await api.kubectl(['get', 'pods']);
      kubectl.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`kubectl get pods: ${r.stderr}`);
      const line = served.find((s) => s.uri === LIST_PATH);
      if (line) kubectlServer.push(line.ms);
    }
    const version: number[] = [];
    for (let i = 0; i < Math.min(10, KUBECTL_RUNS); i++) {
      const t0 = performance.now();
      await api.kubectl(['version', '--client', '-o', 'json']);
      version.push(performance.now() - t0);
    }

    console.log(`list of ${PODS} running pods as kubectl asks for it (Table, ${(bytes / 1024).toFixed(1)} KiB), ${REQUESTS} requests one after another:`);
    printTable([
      ['', 'median ms', 'p99 ms'],
      ['server: handler entry to last byte written', ms(median(server)), ms(quantile(server, 0.99))],
      ['client round trip (keep-alive HTTPS)', ms(median(roundTrip)), ms(quantile(roundTrip, 0.99))],
      ['in-process: registry.list + Table + stringify', ms(median(inProcess)), ms(quantile(inProcess, 0.99))],
      ['floor: store.list + JSON.stringify', ms(median(floor)), ms(quantile(floor, 0.99))],
    ]);
    console.log(`  the floor stringifies the whole pods (${(floorBytes / 1024).toFixed(1)} KiB); the Table carries their metadata only`);
    console.log(`  target: server time <= 50 ms (p99): ${quantile(server, 0.99) <= 50 ? 'met' : 'MISSED'}`);
    console.log(`kubectl get pods, end to end, ${KUBECTL_RUNS} runs (discovery cached):`);
    printTable([
      ['', 'median ms', 'p90 ms'],
      ['kubectl get pods (wall)', ms(median(kubectl)), ms(quantile(kubectl, 0.9))],
      ['  of which the list, in the server', ms(median(kubectlServer)), ms(quantile(kubectlServer, 0.9))],
      ['kubectl version --client (process floor)', ms(median(version)), ms(quantile(version, 0.9))],
    ]);
  } finally {
    await api.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
