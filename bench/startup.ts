// bench/startup: how long k1s takes to bring a 10-replica Deployment to Ready, beside the same
// 10 pods (pause + app container on the same bridge network) created directly through the Docker
// API in the same run; and the server's idle RSS with 0 and with 10 pods.
//   node dist/bench/startup.js [--replicas 10] [--rounds 3]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import type { Deployment, Pod } from '../src/api/types.js';
import { HttpClient } from '../src/client/http.js';
import { readKubeconfig } from '../src/kubeconfig.js';
import { ensureTestImages, BUSYBOX_IMAGE as TEST_IMAGE } from '../test/fixtures/images.js';
import { K1S, ServerHarness, sleep, waitFor } from '../test/e2e/harness.js';
import { startFakeUpstream } from '../test/e2e/upstream.js';
import { numberArg } from './util.js';

const REPLICAS = numberArg('replicas', 10);
const ROUNDS = numberArg('rounds', 3);
const PAUSE_IMAGE = 'k1s.local/pause:3.10';
const docker = new Docker();

function manifest(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: TEST_IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/'] }] },
      },
    },
  };
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Creates the Deployment through the API and waits on a watch (not CLI polling, which would
 *  spend the very CPU being measured) until every pod is Ready. */
async function k1sRound(client: HttpClient, deployment: Deployment): Promise<number> {
  const ready = new Set<string>();
  let resolveAll!: () => void;
  const allReady = new Promise<void>((r) => (resolveAll = r));
  const stop = client.watch('Pod', 'default', { labelSelector: 'app=bench' }, (ev) => {
    const pod = ev.object as Pod;
    const isReady = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (ev.type !== 'DELETED' && isReady) ready.add(pod.metadata.name);
    else ready.delete(pod.metadata.name);
    if (ready.size === REPLICAS) resolveAll();
  });
  const t0 = performance.now();
  await client.create(deployment);
  await allReady;
  const ms = performance.now() - t0;
  stop();
  await client.delete('Deployment', 'default', 'bench');
  await waitFor('bench containers gone', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 120_000);
  return ms;
}

/** The peer: the same pods straight through the Docker API, all in parallel. */
async function dockerRound(network: string): Promise<number> {
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: REPLICAS }, async (_, i) => {
      const pause = await docker.createContainer({ Image: PAUSE_IMAGE, name: `bench-peer-pause-${i}`, Labels: { 'k1s.bench': 'peer' }, HostConfig: { NetworkMode: network } });
      await pause.start();
      const app = await docker.createContainer({
        Image: TEST_IMAGE,
        name: `bench-peer-app-${i}`,
        Cmd: ['httpd', '-f', '-p', '8080', '-h', '/'],
        Labels: { 'k1s.bench': 'peer' },
        HostConfig: { NetworkMode: `container:${pause.id}` },
      });
      await app.start();
      await app.inspect(); // running, as the kubelet checks before reporting
      return [pause.id, app.id];
    }),
  );
  const ms = performance.now() - t0;
  await Promise.all(ids.flat().reverse().map((id) => docker.getContainer(id).remove({ force: true })));
  return ms;
}

async function main() {
  await ensureTestImages(docker);
  const upstream = await startFakeUpstream({});
  const h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
  await h.start();
  const client = new HttpClient(readKubeconfig(h.kubeconfig));
  const deployment = manifest(REPLICAS);
  try {
    // RSS first, on a fresh server: idle with nothing, then idle holding 10 running pods.
    const pid = h.pid!;
    await sleep(3000);
    const idle0 = rssMB(pid);
    await client.create(deployment);
    await waitFor('pods for the idle measurement', () => h.getJSON<{ items: unknown[] }>(['pods', '-l', 'app=bench']).items.length === REPLICAS, 120_000);
    await sleep(5000);
    const idle10 = rssMB(pid);
    await client.delete('Deployment', 'default', 'bench');
    await waitFor('bench containers gone', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 120_000);

    const k1s: number[] = [];
    const peer: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      peer.push(await dockerRound('k1s'));
      k1s.push(await k1sRound(client, deployment));
    }
    const afterRounds = rssMB(pid);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`startup of ${REPLICAS} pods (pause + app), median of ${ROUNDS} rounds:`);
    console.log(`  k1s (create via API) -> all Ready:      ${(med(k1s) / 1000).toFixed(2)} s   (rounds: ${k1s.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`  raw Docker API, in parallel:      ${(med(peer) / 1000).toFixed(2)} s   (rounds: ${peer.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`  ratio: ${(med(k1s) / med(peer)).toFixed(2)}x (target <= 1.2x)`);
    console.log(`idle RSS of k1s server: ${idle0.toFixed(1)} MB with 0 pods, ${idle10.toFixed(1)} MB with ${REPLICAS} pods (target <= 80 MB); ${afterRounds.toFixed(1)} MB after the ${ROUNDS} rounds`);
  } finally {
    await waitFor('bench containers gone', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 120_000).catch(() => {});
    await h.stop();
    execFileSync(K1S, ['cleanup'], { stdio: 'ignore' }); // chains, network, sysctls: leave the machine as found
    h.removeDataDir();
    await upstream.stop();
  }
}

await main();
