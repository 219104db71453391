// bench/idle: what the whole server costs at rest holding 100 idle pods (pause + a sleeping
// busybox): its CPU as % of one core over 60 s (user + system time from /proc/<pid>/stat, with
// and with its child processes, live and reaped: iptables-restore, the listing shell) and its RSS; beside
// dockerd's CPU over the same window, for context (the engine those pods cost anyway).
//   node dist/bench/idle.js [--pods 100] [--seconds 60] [--settle 15]
import type { Deployment } from '../src/api/types.js';
import { BUSYBOX_IMAGE, CLK_TCK, PodTimes, childrenTicks, cpuTicks, numberArg, pidOf, rssMBOf, sleep, startBenchServer, waitFor } from './util.js';

const PODS = numberArg('pods', 100);
const SECONDS = numberArg('seconds', 60);
const SETTLE = numberArg('settle', 15);

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'bench-idle', namespace: 'default' },
  spec: {
    replicas: PODS,
    selector: { matchLabels: { app: 'bench-idle' } },
    template: {
      metadata: { labels: { app: 'bench-idle' } },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: BUSYBOX_IMAGE, command: ['sleep', '86400'] }] },
    },
  },
} as Deployment;

async function main() {
  const s = await startBenchServer();
  const dockerd = pidOf('dockerd');
  try {
    const rss0 = rssMBOf(s.pid);
    const times = new PodTimes(s.client);
    await s.client.create(DEPLOYMENT);
    await times.until(() => times.ready.size >= PODS, 600_000, `${PODS} pods Ready`);
    times.stop();
    await sleep(SETTLE * 1000); // the last status writes, events and GC after the burst
    const before = { self: cpuTicks(s.pid), all: cpuTicks(s.pid, true) + childrenTicks(s.pid), dockerd: dockerd ? cpuTicks(dockerd) : 0, t: performance.now() };
    await sleep(SECONDS * 1000);
    const secs = (performance.now() - before.t) / 1000;
    const pct = (ticks: number) => `${((100 * ticks) / CLK_TCK / secs).toFixed(2)}%`;
    const rss = rssMBOf(s.pid);
    console.log(`k1s server at rest with ${PODS} idle pods (pause + sleep), over ${secs.toFixed(1)} s after ${SETTLE} s to settle:`);
    console.log(`  k1s server CPU:           ${pct(cpuTicks(s.pid) - before.self)} of a core (with its child processes, live and reaped: ${pct(cpuTicks(s.pid, true) + childrenTicks(s.pid) - before.all)}) (target < 1%)`);
    console.log(`  k1s server RSS:           ${rss.toFixed(1)} MB (target < 120 MB); ${rss0.toFixed(1)} MB before the pods`);
    console.log(`  dockerd CPU (context):    ${dockerd ? pct(cpuTicks(dockerd) - before.dockerd) : 'dockerd not found'} of a core, shared with whatever else uses the engine`);
  } finally {
    await s.client.delete('Deployment', 'default', 'bench-idle').catch(() => undefined);
    await waitFor('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 300_000).catch((e) => console.error(String(e)));
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
