// bench/pod-start: one pod's start latency, create to Ready (a readinessProbe httpGet on the
// busybox httpd), over sequential pods on a real `k1s server`; beside the same pause + app
// containers created and started straight through the Docker API on the same user-defined bridge
// network (k1s), waiting until the app answers HTTP; and beside that on Docker's default bridge
// (user-defined networks cost Docker itself some 15%). The three alternate, pod by pod, so drift
// in the machine's load falls on all alike; every pod is kept until the end, so each side starts
// its n-th pod beside n-1 running ones.
//   node dist/bench/pod-start.js [--pods 50] [--warmup 2]
import type { Pod } from '../src/api/types.js';
import { BUSYBOX_IMAGE, HTTPD_COMMAND, HTTPD_READINESS, PodTimes, deleteAllPods, printTable, ms, quantile, numberArg, startBenchServer, startPeerPod, waitHttp } from './util.js';

const PODS = numberArg('pods', 50);
const WARMUP = numberArg('warmup', 2);

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench-start' } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: HTTPD_COMMAND, readinessProbe: HTTPD_READINESS }] },
  } as Pod;
}

async function main() {
  const s = await startBenchServer();
  const times = new PodTimes(s.client);
  const k1sReady: number[] = [];
  const k1sHttp: number[] = [];
  const userBridge: number[] = [];
  const defaultBridge: number[] = [];
  try {
    for (let i = -WARMUP; i < PODS; i++) {
      const keep = i >= 0;
      const tag = keep ? `${i}` : `w${-i}`;
      for (const [network, into] of [['k1s', userBridge], ['bridge', defaultBridge]] as const) {
        const t0 = performance.now();
        const peer = await startPeerPod(s.docker, `bench-start-${network}-${tag}`, network);
        const t1 = await waitHttp(peer.ip);
        if (keep) into.push(t1 - t0);
      }
      const name = `bench-start-${tag}`;
      const t0 = performance.now();
      await s.client.create(pod(name));
      // the app's own answer, beside Ready: what the readiness probe's period adds
      const http = times.ipOf(name).then((ip) => waitHttp(ip));
      const ready = await times.readyAt(name, 60_000);
      if (keep) k1sReady.push(ready - t0), k1sHttp.push((await http) - t0);
    }
    console.log(`pod start latency, ${PODS} sequential pods each (pause + busybox httpd), alternating, after ${WARMUP} warm-up pods:`);
    printTable([
      ['', 'p50 ms', 'p99 ms'],
      ['k1s: create via API -> Ready (readinessProbe httpGet, period 1 s)', ms(quantile(k1sReady, 0.5)), ms(quantile(k1sReady, 0.99))],
      ['k1s: create via API -> app answers HTTP', ms(quantile(k1sHttp, 0.5)), ms(quantile(k1sHttp, 0.99))],
      ['Docker API, user-defined bridge (k1s) -> app answers HTTP', ms(quantile(userBridge, 0.5)), ms(quantile(userBridge, 0.99))],
      ['Docker API, default bridge -> app answers HTTP', ms(quantile(defaultBridge, 0.5)), ms(quantile(defaultBridge, 0.99))],
    ]);
    const ratio = (xs: number[], q: number) => (quantile(xs, q) / quantile(userBridge, q)).toFixed(2);
    console.log(`ratio k1s Ready / Docker user-defined bridge: p50 ${ratio(k1sReady, 0.5)}x   p99 ${ratio(k1sReady, 0.99)}x (target <= 1.15x)`);
    console.log(`ratio k1s answers HTTP / Docker user-defined bridge: p50 ${ratio(k1sHttp, 0.5)}x   p99 ${ratio(k1sHttp, 0.99)}x`);
    console.log(`ratio Docker user-defined / default bridge: p50 ${(quantile(userBridge, 0.5) / quantile(defaultBridge, 0.5)).toFixed(2)}x`);
  } finally {
    times.stop();
    await deleteAllPods(s.client);
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
