// bench/restart: a dead container back to running under restartPolicy Always, the first time (no
// back-off yet): `docker kill` the app container of each of 20 pods on a real `k1s server` and
// time, from Docker's own `die` event, until Docker reports the replacement's `start` and until
// the pod's status shows restartCount 1 (running) on a watch; beside Docker's own restart policy
// (the app container of a pause + app pair created with RestartPolicy always, as `docker run
// --restart=always`), its process killed with SIGKILL (`docker kill` would count as a manual stop,
// which Docker's restart policy leaves alone): its `die` to its `start` again. Kills alternate.
//   node dist/bench/restart.js [--pods 20] [--settle 5] [--debug: print the events]
import type Docker from 'dockerode';
import type { Pod } from '../src/api/types.js';
import { BUSYBOX_IMAGE, PodTimes, deleteAllPods, ms, numberArg, printTable, quantile, sleep, startBenchServer, startPeerPod, waitFor } from './util.js';

const PODS = numberArg('pods', 20);
const SETTLE = numberArg('settle', 5);
const SLEEP = ['sleep', '86400'];

interface DockerEvent {
  Action: string;
  id: string;
  /** epoch ms, from the engine's timeNano */
  at: number;
  labels: Record<string, string>;
}

/** Docker's container die/start events as they come, and a promise for the first that matches. */
class Events {
  private readonly seen: DockerEvent[] = [];
  private waiters: { pred(e: DockerEvent): boolean; resolve(e: DockerEvent): void }[] = [];
  private stream?: NodeJS.ReadableStream & { destroy(): void };
  private readonly debug = process.argv.includes('--debug');

  async start(docker: Docker): Promise<void> {
    this.stream = (await docker.getEvents({ filters: { type: ['container'], event: ['die', 'start'] } })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    let buf = '';
    this.stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const raw = JSON.parse(buf.slice(0, nl)) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> }; timeNano: number };
        buf = buf.slice(nl + 1);
        const ev = { Action: raw.Action, id: raw.Actor.ID, at: raw.timeNano / 1e6, labels: raw.Actor.Attributes };
        if (this.debug) console.log(ev.Action, ev.id.slice(0, 12), ev.at, ev.labels['io.k1s.pod.name'], ev.labels['io.k1s.container.name']);
        this.seen.push(ev);
        this.waiters = this.waiters.filter((w) => (w.pred(ev) ? (w.resolve(ev), false) : true));
      }
    });
  }

  next(pred: (e: DockerEvent) => boolean, since: number, timeoutMs = 30_000): Promise<DockerEvent> {
    const p = (e: DockerEvent) => e.at >= since && pred(e);
    const hit = this.seen.find(p);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching Docker event in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred: p, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  stop(): void {
    this.stream?.destroy();
  }
}

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'bench-restart' } },
    spec: { terminationGracePeriodSeconds: 1, restartPolicy: 'Always', containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: SLEEP }] },
  } as Pod;
}

async function main() {
  const s = await startBenchServer();
  const events = new Events();
  await events.start(s.docker);
  // wall-clock time (as Docker's events) at which each pod's status first showed restartCount 1, running
  const restarted = new Map<string, number>();
  const times = new PodTimes(s.client, (p) => {
    const c = p.status?.containerStatuses?.[0];
    if (c && c.restartCount >= 1 && c.state?.running && !restarted.has(p.metadata.name)) restarted.set(p.metadata.name, Date.now());
  });
  const k1sStart: number[] = [];
  const k1sStatus: number[] = [];
  const peer: number[] = [];
  try {
    const names = Array.from({ length: PODS }, (_, i) => `bench-restart-${i}`);
    await Promise.all(names.map((n) => s.client.create(pod(n))));
    const peers = await Promise.all(names.map((n) => startPeerPod(s.docker, n, 'k1s', SLEEP, 'always')));
    await times.until(() => times.ready.size >= PODS, 300_000, `${PODS} pods Ready`);
    await sleep(SETTLE * 1000); // every pod's status written and the burst of start-up work done
    for (const [i, name] of names.entries()) {
      const [c] = await s.docker.listContainers({ filters: { label: [`io.k1s.pod.name=${name}`, 'io.k1s.container.name=app'] } });
      const since = Date.now() - 1000;
      await s.docker.getContainer(c.Id).kill();
      const die = await events.next((e) => e.Action === 'die' && e.id === c.Id, since);
      const start = await events.next((e) => e.Action === 'start' && e.id !== c.Id && e.labels['io.k1s.pod.name'] === name && e.labels['io.k1s.container.name'] === 'app', since);
      await times.until(() => restarted.has(name), 30_000, `${name} restartCount 1`);
      k1sStart.push(start.at - die.at);
      k1sStatus.push(restarted.get(name)! - die.at);

      // not `docker kill`: Docker counts that as a manual stop and its restart policy then stays
      // away (Docker 20.10 here); a SIGKILL to the process is a death it restarts
      const app = peers[i].ids[1];
      const since2 = Date.now() - 1000;
      process.kill((await s.docker.getContainer(app).inspect()).State.Pid, 'SIGKILL');
      const die2 = await events.next((e) => e.Action === 'die' && e.id === app, since2);
      const start2 = await events.next((e) => e.Action === 'start' && e.id === app && e.at >= die2.at, since2);
      peer.push(start2.at - die2.at);
    }
    console.log(`container death (docker kill) to running again, first restart (no back-off), ${PODS} pods each, alternating:`);
    printTable([
      ['', 'p50 ms', 'p99 ms'],
      ['k1s, restartPolicy Always: die -> new container start (Docker events)', ms(quantile(k1sStart, 0.5)), ms(quantile(k1sStart, 0.99))],
      ['k1s, restartPolicy Always: die -> status restartCount 1, running', ms(quantile(k1sStatus, 0.5)), ms(quantile(k1sStatus, 0.99))],
      ['Docker --restart=always: die -> start (Docker events)', ms(quantile(peer, 0.5)), ms(quantile(peer, 0.99))],
    ]);
    console.log(`target: k1s die -> running (status) <= 1000 ms at p99; ratio k1s start / Docker's own: p50 ${(quantile(k1sStart, 0.5) / quantile(peer, 0.5)).toFixed(2)}x`);
  } finally {
    times.stop();
    events.stop();
    await deleteAllPods(s.client);
    await waitFor('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 120_000).catch((e) => console.error(String(e)));
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
