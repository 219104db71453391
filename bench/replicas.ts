// bench/replicas: a Deployment of 50 replicas on a real `k1s server`, create to all Ready (a
// readinessProbe httpGet on the busybox httpd); beside the same 50 pods (pause + app) straight
// through the Docker API in parallel on the same bridge until every app answers HTTP (the floor
// any orchestrator on Docker stands on); and beside `podman kube play` of the same Deployment,
// until every app answers HTTP (kube play itself waits for nothing). Rounds alternate the three.
//   node dist/bench/replicas.js [--replicas 50] [--rounds 3]
import type { Deployment } from '../src/api/types.js';
import { Podman } from './podman.js';
import {
  BUSYBOX_IMAGE, HTTPD_COMMAND, HTTPD_READINESS, PodTimes, benchWorkload, numberArg, median, removePeers, startBenchServer, startPeerPod, waitFor, waitHttp, type BenchServer,
} from './util.js';

const REPLICAS = numberArg('replicas', 50);
const ROUNDS = numberArg('rounds', 3);

function deployment(name: string): Deployment {
  return benchWorkload('Deployment', name, REPLICAS, {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: HTTPD_COMMAND, readinessProbe: HTTPD_READINESS }],
  });
}

async function k1sRound(s: BenchServer, name: string): Promise<number> {
  const times = new PodTimes(s.client);
  const t0 = performance.now();
  await s.client.create(deployment(name));
  await times.until(() => [...times.ready.keys()].filter((n) => n.startsWith(`${name}-`)).length >= REPLICAS, 300_000, `${REPLICAS} Ready`);
  const took = performance.now() - t0;
  times.stop();
  await s.client.delete('Deployment', 'default', name);
  await waitFor('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 180_000);
  return took;
}

async function dockerRound(s: BenchServer, round: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: REPLICAS }, async (_, i) => waitHttp((await startPeerPod(s.docker, `bench-rep-${round}-${i}`, 'k1s')).ip)));
  const took = performance.now() - t0;
  await removePeers(s.docker);
  return took;
}

function podmanRound(podman: Podman, name: string): Promise<number> {
  const t0 = performance.now();
  const file = podman.kubePlay(deployment(name));
  const ips = podman.podIPs(`${name}-pod-`);
  if (ips.length !== REPLICAS) throw new Error(`podman kube play made ${ips.length} pods, not ${REPLICAS}`);
  return Promise.all(ips.map((ip) => waitHttp(ip)))
    .then(() => performance.now() - t0)
    .finally(() => podman.down(file));
}

async function main() {
  const why = Podman.unavailable();
  const s = await startBenchServer();
  const k1s: number[] = [];
  const docker: number[] = [];
  const podman: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      docker.push(await dockerRound(s, r));
      if (!why) {
        const p = new Podman();
        p.importFromDocker(BUSYBOX_IMAGE);
        podman.push(await podmanRound(p, `bench-podman-${r}`));
      }
      k1s.push(await k1sRound(s, `bench-r${r}`));
    }
    const row = (label: string, xs: number[]) => `  ${label.padEnd(58)} ${(median(xs) / 1000).toFixed(2).padStart(6)} s   (rounds: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})`;
    console.log(`${REPLICAS} replicas (pause + busybox httpd) to all serving, median of ${ROUNDS} rounds, alternating:`);
    console.log(row('k1s: create Deployment via API -> all Ready', k1s));
    console.log(row(`Docker API, ${REPLICAS} pods in parallel -> all answer HTTP`, docker));
    console.log(why ? `  podman kube play: not run: ${why}` : row('podman kube play (Deployment) -> all answer HTTP', podman));
    console.log(`ratio k1s / Docker API floor: ${(median(k1s) / median(docker)).toFixed(2)}x (target <= 1.2x)`);
    if (!why) console.log(`ratio k1s / podman kube play: ${(median(k1s) / median(podman)).toFixed(2)}x (target < 1)`);
  } finally {
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
