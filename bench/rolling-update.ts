// bench/rolling-update: a rolling update of 10 replicas to a new image under load, on a real
// `k1s server`, beside `docker service update --image` of a 10-replica Docker Swarm service on
// the same engine, rounds alternating.
//   k1s: a Deployment of busybox httpd with a readiness probe (GET / every 1 s), behind a
//     NodePort Service; RollingUpdate maxSurge P, maxUnavailable 0 (start P new, stop an old one
//     as each new one is ready); a preStop sleep of 1 s, as Kubernetes users give a pod so that
//     its endpoint is withdrawn before it stops serving. Time: the PATCH of the template to the
//     rollout complete as `kubectl rollout status` sees it (observedGeneration, updatedReplicas ==
//     availableReplicas == replicas, no old replica left).
//   swarm: the same image and command, --health-cmd wget of / every 1 s, --update-parallelism P
//     --update-order start-first (P new tasks started; each old one stopped once its replacement
//     is healthy) --update-delay 0s --update-monitor 1ms (swarm otherwise watches 5 s more before
//     calling the update completed: its best case here). Time: from `docker service
//     update --image ... --detach` (the CLI process included) to UpdateStatus "completed".
//     Published port: ingress mode (the routing mesh) where the kernel has IPVS; host mode
//     otherwise (see SWARM_MODE).
// "New image": a second image made here from the first (`docker commit` with ENV
// BENCH_VERSION=2: a new image ID), plus that env var in the spec, so the app's spec differs.
// A load loop (keep-alive off, --concurrency loops) sends GET / from the update until the old
// pods/tasks are gone, and counts failures, for both. A k1s round whose server log shows its
// iptables chains repaired or the engine seen down was disturbed from outside (another
// `k1s cleanup`): the round says so. --only k1s|swarm runs one side; --debug prints failures per
// second and the Endpoints' ready addresses over time.
//   node dist/bench/rolling-update.js [--rounds 3] [--replicas 10] [--parallelism 3] [--concurrency 4] [--prestop 1] [--only k1s|swarm] [--debug]
import { existsSync } from 'node:fs';
import type { Deployment, Pod, Service } from '../src/api/types.js';
import { getOnce, startLoad, type LoadCount } from './http-load.js';
import { docker, Swarm, swarmUnavailable } from './swarm.js';
import { BUSYBOX_IMAGE, HTTPD_COMMAND, benchWorkload, HTTPD_READINESS, PEER_LABEL, median, numberArg, printTable, sleep, startBenchServer, type BenchServer } from './util.js';

const ROUNDS = numberArg('rounds', 3);
const REPLICAS = numberArg('replicas', 10);
const PARALLELISM = numberArg('parallelism', 3);
const CONCURRENCY = numberArg('concurrency', 4);
const PRESTOP = numberArg('prestop', 1);
const GRACE = 2;
const DEBUG = process.argv.includes('--debug');
/** --only k1s|swarm: one side alone, to look into it (no ratio then) */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const V2_IMAGE = 'k1s.local/busybox:bench-v2';
const K1S_PORT = 30480;
const SWARM_PORT = 30481;
const NAME = 'bench-roll';

interface Result {
  ms: number;
  load?: LoadCount;
  /** k1s only: what the server logged during the round that points at someone else's hand */
  disturbed?: string;
}

/**
 * What in the server's log, from `from` on, says the round was disturbed from outside: the
 * proxier repairing its iptables chains (someone flushed or reordered them: a `k1s cleanup`, or
 * a Docker network created), the agent finding the engine down (every pod then reported not ready).
 */
function disturbances(log: string): string | undefined {
  const repairs = (log.match(/repairing iptables state/g) ?? []).length;
  const down = (log.match(/container runtime is down/g) ?? []).length;
  const what = [repairs ? `iptables repaired ${repairs}x` : '', down ? `engine seen down ${down}x` : ''].filter(Boolean);
  return what.length ? what.join(', ') : undefined;
}

function container(image: string, version: string) {
  return {
    name: 'web',
    image,
    imagePullPolicy: 'Never' as const,
    command: HTTPD_COMMAND,
    env: [{ name: 'BENCH_VERSION', value: version }],
    readinessProbe: HTTPD_READINESS,
    ...(PRESTOP > 0 ? { lifecycle: { preStop: { sleep: { seconds: PRESTOP } } } } : {}),
  };
}

function deployment(): Deployment {
  return benchWorkload(
    'Deployment',
    NAME,
    REPLICAS,
    { terminationGracePeriodSeconds: GRACE, containers: [container(BUSYBOX_IMAGE, '1')] },
    { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: PARALLELISM, maxUnavailable: 0 } } },
  );
}

function service(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: 'default' },
    spec: { type: 'NodePort', selector: { app: NAME }, ports: [{ port: 80, targetPort: 8080, nodePort: K1S_PORT }] },
  } as Service;
}

/** `kubectl rollout status`'s test: the controller saw the change and every replica is new and available. */
function rolledOut(d: Deployment): boolean {
  const st = d.status ?? {};
  const want = d.spec.replicas ?? 1;
  return (
    (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (st.updatedReplicas ?? 0) >= want &&
    (st.replicas ?? 0) <= (st.updatedReplicas ?? 0) &&
    (st.availableReplicas ?? 0) >= (st.updatedReplicas ?? 0)
  );
}

/** Polls cond until it holds; an error it throws ends the wait (unlike waitFor, which retries). */
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 300_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function answers(url: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await getOnce(url, 1000)) === undefined) return true;
    await sleep(100);
  }
  return false;
}

async function k1sRound(s: BenchServer): Promise<Result> {
  let d: Deployment | undefined;
  const pods = new Map<string, Pod>();
  const stopD = s.client.watch('Deployment', 'default', { fieldSelector: `metadata.name=${NAME}` }, (ev) => (d = ev.type === 'DELETED' ? undefined : (ev.object as Deployment)));
  const stopP = s.client.watch('Pod', 'default', { labelSelector: `app=${NAME}` }, (ev) => {
    const p = ev.object as Pod;
    if (ev.type === 'DELETED') pods.delete(p.metadata.name);
    else pods.set(p.metadata.name, p);
  });
  let t0 = 0;
  const epLog: string[] = [];
  const stopE = s.client.watch('Endpoints', 'default', { fieldSelector: `metadata.name=${NAME}` }, (ev) => {
    const subsets = (ev.object as unknown as { subsets?: { addresses?: unknown[]; notReadyAddresses?: unknown[] }[] }).subsets ?? [];
    const ready = subsets.reduce((n, x) => n + (x.addresses?.length ?? 0), 0);
    const notReady = subsets.reduce((n, x) => n + (x.notReadyAddresses?.length ?? 0), 0);
    if (t0) epLog.push(`${((performance.now() - t0) / 1000).toFixed(2)}s:${ev.type === 'MODIFIED' ? '' : ev.type}${ready}+${notReady}`);
  });
  try {
    await s.client.create(service());
    const created = await s.client.create(deployment());
    await until('the Deployment rolled out', () => !!d && d.metadata.generation === created.metadata.generation && rolledOut(d));
    const url = `http://127.0.0.1:${K1S_PORT}/`;
    if (!(await answers(url))) throw new Error(`${url} does not answer`);
    const logFrom = s.h.logs.length;
    const load = startLoad(url, CONCURRENCY);
    if (DEBUG) {
      load.startCounting();
      await sleep(2000);
      const before = await load.stopCounting();
      console.log(`    k1s before the update, 2 s: failed/total ${before.failed}/${before.total} ${before.reasons.slice(0, 3).join(', ')}`);
    }
    await sleep(500); // the loops running before the update
    load.startCounting();
    t0 = performance.now();
    const patched = await s.client.patch<Deployment>('Deployment', 'default', NAME, { spec: { template: { spec: { containers: [container(V2_IMAGE, '2')] } } } });
    await until('the rollout complete', () => !!d && (d.metadata.generation ?? 0) >= (patched.metadata.generation ?? 0) && rolledOut(d));
    const took = performance.now() - t0;
    await until('the old pods gone', () => [...pods.values()].every((p) => p.spec.containers[0].image === V2_IMAGE), 120_000);
    const counted = await load.stopCounting();
    await load.stop();
    if (DEBUG) console.log(`    k1s endpoints ready over time: ${epLog.join(' ')}`);
    return { ms: took, load: counted, disturbed: disturbances(s.h.logs.slice(logFrom)) };
  } finally {
    stopE();
    await s.client.delete('Deployment', 'default', NAME).catch(() => undefined);
    await s.client.delete('Service', 'default', NAME).catch(() => undefined);
    await until('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 120_000, 200);
    stopD();
    stopP();
  }
}

/**
 * How swarm publishes the port: ingress mode (the routing mesh, one port on every address) needs
 * IPVS in the kernel; without it nothing answers the port, and the engine, leaving the swarm,
 * keeps the ingress sandbox's namespace (it fails to delete a firewall mark in it). There, host
 * mode: each task gets a host port of its own, and the load loop balances over the ports of the
 * tasks swarm lists as running (refreshed every 100 ms), as an external balancer fed from the
 * swarm API would (Traefik's swarm provider, which by default refreshes every 15 s).
 */
const SWARM_MODE: 'ingress' | 'host' = existsSync('/proc/net/ip_vs') ? 'ingress' : 'host';
const SWARM_MODE_WHY =
  SWARM_MODE === 'ingress'
    ? `ingress mode, port ${SWARM_PORT} on 127.0.0.1 (the routing mesh)`
    : 'host mode, a port per task, the load spread over the running tasks\' ports (list refreshed every 100 ms): no IPVS in this kernel (/proc/net/ip_vs), which the routing mesh needs';

async function swarmRound(swarm: Swarm, v1: string, v2: string): Promise<Result> {
  const health = ['--health-cmd', 'wget -q -O /dev/null http://127.0.0.1:8080/', '--health-interval', '1s', '--health-timeout', '1s', '--health-retries', '1'];
  const update = ['--update-parallelism', String(PARALLELISM), '--update-order', 'start-first', '--update-delay', '0s', '--update-monitor', '1ms'];
  const publish = SWARM_MODE === 'ingress' ? `published=${SWARM_PORT},target=8080,mode=ingress` : 'target=8080,mode=host';
  const args = [...health, ...update, '--stop-grace-period', `${GRACE}s`, '--env', 'BENCH_VERSION=1', '--publish', publish];
  let ports: number[] = [];
  let refreshing = true;
  const refresher = (async () => {
    while (refreshing && SWARM_MODE === 'host') {
      ports = await swarm.hostPorts(NAME).catch(() => ports);
      await sleep(100);
    }
  })();
  try {
    await swarm.create(NAME, REPLICAS, args, v1, HTTPD_COMMAND);
    let target: string | (() => string) = `http://127.0.0.1:${SWARM_PORT}/`;
    if (SWARM_MODE === 'host') {
      await until('the tasks\' host ports', () => ports.length >= REPLICAS, 30_000);
      target = () => `http://127.0.0.1:${ports[Math.floor(Math.random() * ports.length)]}/`;
    }
    if (!(await answers(typeof target === 'string' ? target : target(), 10_000))) throw new Error(`swarm service does not answer (${SWARM_MODE} mode)`);
    const load = startLoad(target, CONCURRENCY);
    await sleep(500);
    load.startCounting();
    const t0 = performance.now();
    docker(['service', 'update', '--detach', '--no-resolve-image', '--image', v2, '--env-add', 'BENCH_VERSION=2', NAME]);
    await until('the swarm update completed', async () => {
      const state = await swarm.updateState(NAME);
      if (state === 'paused' || state === 'rollback_started') throw new Error(`swarm update ${state}`);
      return state === 'completed';
    }, 300_000, 50);
    const took = performance.now() - t0;
    await until('the old tasks gone', async () => (await swarm.containersOf(NAME, v1)) === 0, 120_000, 100);
    const counted = await load.stopCounting();
    await load.stop();
    return { ms: took, load: counted };
  } finally {
    refreshing = false;
    await refresher;
    await swarm.remove(NAME);
  }
}

/** The second image: the first with ENV BENCH_VERSION=2 committed on top (a new image ID). */
async function makeV2(s: BenchServer): Promise<void> {
  const c = await s.docker.createContainer({ Image: BUSYBOX_IMAGE, Labels: { [PEER_LABEL]: 'image' }, Cmd: ['true'] });
  try {
    await c.commit({ repo: V2_IMAGE.split(':')[0], tag: V2_IMAGE.split(':')[1], changes: 'ENV BENCH_VERSION=2' });
  } finally {
    await c.remove({ force: true });
  }
}

const imageId = (image: string) => docker(['image', 'inspect', '--format', '{{.Id}}', image]);

async function main() {
  const why = swarmUnavailable();
  if (why) throw new Error(why);
  const s = await startBenchServer();
  let swarm: Swarm | undefined;
  const k1s: Result[] = [];
  const peer: Result[] = [];
  const say = (who: string, r: Result) => {
    console.log(`  ${who}: ${(r.ms / 1000).toFixed(2)} s, failed/total ${failures(r)}${r.disturbed ? ` (disturbed: ${r.disturbed})` : ''}`);
    if (DEBUG && r.load) console.log(`    per second, failed/total: ${Array.from(r.load.perSecond, (b) => (b ? `${b[1]}/${b[0]}` : '-')).join(' ')}`);
  };
  const teardown: string[] = [];
  try {
    await makeV2(s);
    const [v1, v2] = [imageId(BUSYBOX_IMAGE), imageId(V2_IMAGE)];
    if (ONLY !== 'k1s') swarm = new Swarm(s.docker);
    for (let r = 0; r < ROUNDS; r++) {
      // alternate which goes first, so neither always meets the other's leftovers
      for (const who of (r % 2 === 0 ? ['k1s', 'swarm'] : ['swarm', 'k1s']).filter((w) => !ONLY || w === ONLY)) {
        if (who === 'k1s') say(`round ${r + 1} k1s`, k1s[k1s.push(await k1sRound(s)) - 1]);
        else say(`round ${r + 1} swarm`, peer[peer.push(await swarmRound(swarm!, v1, v2)) - 1]);
      }
    }
  } finally {
    // every step runs, whatever failed before it; what is left behind is reported, not hidden
    for (const step of [() => swarm?.leave(), () => s.stop(), removeV2]) {
      try {
        await step();
      } catch (e) {
        teardown.push((e as Error).message);
      }
    }
  }
  if (k1s.length && peer.length) report(k1s, peer);
  if (teardown.length) throw new Error(`teardown: ${teardown.join('; ')}`);
}

function failures(x: Result): string {
  return x.load ? `${x.load.failed}/${x.load.total}` : 'not counted';
}

function report(k1s: Result[], peer: Result[]): void {
  console.log(`rolling update of ${REPLICAS} replicas (busybox httpd; ready/healthy = GET / answered, checked every 1 s) to a new image, ${k1s.length} rounds alternating;`);
  console.log(`  k1s: Deployment RollingUpdate maxSurge ${PARALLELISM}, maxUnavailable 0, preStop sleep ${PRESTOP} s, NodePort on 127.0.0.1, PATCH -> rollout complete`);
  console.log(`  swarm: --update-parallelism ${PARALLELISM} --update-order start-first --update-delay 0s --update-monitor 1ms, service update -> UpdateStatus completed;`);
  console.log(`    published port: ${SWARM_MODE_WHY}`);
  console.log(`  load: ${CONCURRENCY} loops of GET / without keep-alive, counted from the update until the old pods/tasks are gone (failed/total)`);
  printTable([
    ['round', 'k1s s', 'k1s failed/total', 'swarm s', 'swarm failed/total'],
    ...k1s.map((k, i) => [String(i + 1), (k.ms / 1000).toFixed(2), failures(k), peer[i] ? (peer[i].ms / 1000).toFixed(2) : '-', peer[i] ? failures(peer[i]) : '-']),
  ]);
  const [mk, ms] = [median(k1s.map((x) => x.ms)), median(peer.map((x) => x.ms))];
  const k1sFailed = k1s.reduce((n, x) => n + (x.load?.failed ?? 0), 0);
  const reasons = k1s.flatMap((x) => x.load?.reasons ?? []);
  console.log(`  medians: k1s ${(mk / 1000).toFixed(2)} s, swarm ${(ms / 1000).toFixed(2)} s; ratio k1s / swarm ${(mk / ms).toFixed(2)}x (target < 1)`);
  console.log(`  k1s failed requests over all rounds: ${k1sFailed} (target 0)${reasons.length ? `; first: ${reasons.slice(0, 3).join(', ')}` : ''}`);
  const disturbed = k1s.filter((x) => x.disturbed).length;
  if (disturbed) console.log(`  ${disturbed} k1s round(s) saw the proxy repair its iptables rules or the engine down (someone else's hand: a k1s cleanup, or Docker rewriting its chains as it does around swarm's networks); failures in such a round may not be k1s's own`);
}

/** Removes the second image (no container uses it by now). */
function removeV2(): void {
  try {
    docker(['rmi', V2_IMAGE]);
  } catch {
    // not made, or already gone
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
