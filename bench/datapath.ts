// bench/datapath: requests/s through k1s's Service data path (iptables DNAT, as kube-proxy's
// iptables mode) against the pod IP directly, beside Docker's own published port, in one run.
//   backend: fastd (bench/backend/fastd.c: static C, epoll, keep-alive, fixed 17-byte body), one
//     thread, in a Deployment of --replicas (default 1) with a readiness probe; a ClusterIP
//     Service and a NodePort Service in front of it. The peer: the same image under
//     `docker run -p 0.0.0.0:HOSTPORT:8080` on Docker's default bridge.
//   load: wrk (Debian's; keep-alive, the same --threads, --connections, --duration for every
//     path), from the host to: the pod IP (the floor), the ClusterIP (DNAT in nat OUTPUT), the
//     NodePort on 127.0.0.1 and on the host's own address; the peer's container IP (Docker's
//     floor) and its published port on 127.0.0.1 and on the host's address. And from inside a
//     second pod (wrk run by nsenter in the pod's network namespace: the traffic leaves the pod's
//     eth0 as a pod's would) to the pod IP and to the ClusterIP, since pods are the usual
//     clients of ClusterIPs.
//   With --replicas N > 1 the pod IP floor is one pod while the Service spreads over N: on a
//   CPU-bound machine that is still a fair floor (one fastd thread is not the bottleneck), but say so.
//   --rounds rounds, each running every path once, the order rotated by one per round; a short
//     warm-up per path first. docker-proxy's CPU during each run tells which Docker paths go
//     through the userland proxy. Targets: ClusterIP and NodePort >= 0.95x the pod IP.
//   --perf: then one more run per path under `perf record -a` (not counted in the figures above):
//     CPU µs per request of wrk + fastd + docker-proxy + ksoftirqd, split by kernel function group
//     (iptables rule walk, conntrack, NAT, re-routing, netfilter hooks), to say why a path costs more.
//   --pin: wrk on CPU 0 and the backends on CPU 1 (docker update --cpuset-cpus).
//   node dist/bench/datapath.js [--rounds 3] [--duration 10] [--connections 32] [--threads 1] [--replicas 1] [--perf] [--pin]
// Needs root, Docker and wrk (apt-get install -y wrk); on a shared engine run it under
// `flock /tmp/k1s-e2e.lock`. It leaves the machine as found (the images stay).
import { availableParallelism, loadavg, networkInterfaces } from 'node:os';
import { readFileSync, readdirSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import type { Deployment, Endpoints, Pod, Service } from '../src/api/types.js';
import { ensureFastdImage, FASTD_IMAGE, FASTD_PORT } from './backend/image.js';
import { hostAddress, roundOrder, summarize, type Path, type Run } from './datapath-report.js';
import { BUSYBOX_IMAGE, CLK_TCK, benchWorkload, PEER_LABEL, cpuTicks, numberArg, printTable, startBenchServer, waitFor, type BenchServer } from './util.js';
import { runWrk, parseWrk, wrkArgv, wrkMissing, type WrkOptions } from './wrk.js';
import { GROUPS, profiled, profileOf, type Profile } from './perf-profile.js';

const ROUNDS = numberArg('rounds', 3);
const WRK: WrkOptions = {
  threads: numberArg('threads', 1),
  connections: numberArg('connections', 32),
  seconds: numberArg('duration', 10),
  cpus: process.argv.includes('--pin') ? '0' : undefined,
};
const REPLICAS = numberArg('replicas', 1);
const WARMUP_SECONDS = 2;
/** --perf: after the rounds, one more run per path under `perf record -a`, to say where the CPU goes */
const PERF = process.argv.includes('--perf');
const PERF_HZ = 999;
/** --pin: wrk on CPU 0, every backend (the pods' fastd, the peer) on CPU 1, so that run-to-run
 *  differences in where the scheduler puts client and server do not read as path differences */
const PIN = process.argv.includes('--pin');
const NAME = 'bench-dp';
const NODE_PORT = 30580;
const PEER_PORT = 30581;
const PEER_NAME = 'k1s-bench-datapath-peer';
const CLIENT = 'bench-dp-client';

function deployment(): Deployment {
  return benchWorkload('Deployment', NAME, REPLICAS, {
    terminationGracePeriodSeconds: 2,
    containers: [
      {
        name: 'fastd',
        image: FASTD_IMAGE,
        imagePullPolicy: 'Never',
        ports: [{ containerPort: FASTD_PORT }],
        readinessProbe: { httpGet: { path: '/', port: FASTD_PORT }, periodSeconds: 1 },
      },
    ],
  });
}

function service(name: string, type: 'ClusterIP' | 'NodePort'): Service {
  const port = { port: 80, targetPort: FASTD_PORT, ...(type === 'NodePort' ? { nodePort: NODE_PORT } : {}) };
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, selector: { app: NAME }, ports: [port] } } as Service;
}

/** The pod wrk runs in (by nsenter into its sandbox's network namespace): it only has to exist. */
function clientPod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: CLIENT, namespace: 'default' },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'idle', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'] }] },
  } as Pod;
}

/** One GET; true on a 200. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The pids of the docker-proxy processes publishing `hostPort` (one per address family). */
function dockerProxyPids(hostPort: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('docker-proxy') && argv.join(' ').includes(`-host-port ${hostPort}`)) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const ticksOf = (pids: number[]) => pids.reduce((s, p) => s + (() => { try { return cpuTicks(p); } catch { return 0; } })(), 0);

/** The peer: the same image, published by Docker on every host address; resolves with its bridge IP. */
async function startPeer(s: BenchServer): Promise<{ ip: string; pid: number }> {
  await s.docker.getContainer(PEER_NAME).remove({ force: true }).catch(() => undefined);
  const c = await s.docker.createContainer({
    Image: FASTD_IMAGE,
    name: PEER_NAME,
    Labels: { [PEER_LABEL]: 'peer' },
    ExposedPorts: { [`${FASTD_PORT}/tcp`]: {} },
    HostConfig: { PortBindings: { [`${FASTD_PORT}/tcp`]: [{ HostIp: '0.0.0.0', HostPort: String(PEER_PORT) }] } },
  });
  await c.start();
  const info = await c.inspect();
  return { ip: info.NetworkSettings.Networks.bridge?.IPAddress ?? '', pid: info.State.Pid };
}

/** The host pid of a pod's sandbox (its network namespace) or of its app container. */
async function podPid(s: BenchServer, pod: string, type: 'sandbox' | 'container'): Promise<number> {
  const [c] = await s.docker.listContainers({ filters: { label: [`io.k1s.pod.name=${pod}`, `io.k1s.container.type=${type}`] } });
  if (!c) throw new Error(`no running ${type} for pod ${pod}`);
  return (await s.docker.getContainer(c.Id).inspect()).State.Pid;
}

/** CPU ticks of this process's reaped children: wrk's own (nsenter execs it) once it has exited. */
const childTicks = () => cpuTicks(process.pid, true) - cpuTicks(process.pid);

/** What Docker 20.10 put in front of the published port: its nat rules and proxy processes. */
function describeDockerPath(): string[] {
  const nat = execFileSync('iptables', ['-w', '-t', 'nat', '-S'], { encoding: 'utf8' }).split('\n');
  const lines = nat.filter((l) => /-j DOCKER$/.test(l) || l.includes(`--dport ${PEER_PORT} `));
  return [...lines, `docker-proxy pids for :${PEER_PORT}: ${dockerProxyPids(PEER_PORT).join(', ') || 'none (userland-proxy disabled)'}`];
}

async function main(): Promise<void> {
  const missing = wrkMissing();
  if (missing) throw new Error(missing);
  if (!execFileSync('sh', ['-c', 'command -v nsenter || true'], { encoding: 'utf8' }).trim()) throw new Error('nsenter (util-linux) is missing');
  const host = hostAddress(networkInterfaces());
  await ensureFastdImage(new Docker()); // before the server: a missing gcc leaves nothing to clean up
  const s = await startBenchServer();
  const runs: Run[] = [];
  const profiles: { path: string; profile: Profile; rps: number }[] = [];
  const teardown: string[] = [];
  let paths: Path[] = [];
  try {
    await s.client.create(deployment());
    await s.client.create(service(NAME, 'ClusterIP'));
    await s.client.create(service(`${NAME}-np`, 'NodePort'));
    await s.client.create(clientPod());
    const peer = await startPeer(s);
    const peerIP = peer.ip;

    const ready = (ep: Endpoints) => (ep.subsets ?? []).reduce((n, ss) => n + (ss.addresses?.length ?? 0), 0) === REPLICAS;
    await waitFor('the endpoints ready', async () => ready(await s.client.get<Endpoints>('Endpoints', 'default', NAME)) && ready(await s.client.get<Endpoints>('Endpoints', 'default', `${NAME}-np`)), 120_000, 200);
    const clusterIP = (await s.client.get<Service>('Service', 'default', NAME)).spec.clusterIP!;
    const pods = (await s.client.list<Pod>('Pod', 'default', { labelSelector: `app=${NAME}` })).items;
    const podIP = pods[0].status!.podIP!;
    await waitFor('the client pod running', async () => (await s.client.get<Pod>('Pod', 'default', CLIENT)).status?.phase === 'Running', 120_000, 200);
    const netns = await podPid(s, CLIENT, 'sandbox');
    if (PIN) {
      const apps = await s.docker.listContainers({ filters: { label: [`io.k1s.container.type=container`] } });
      for (const c of apps.filter((c) => pods.some((p) => c.Labels['io.k1s.pod.name'] === p.metadata.name))) await s.docker.getContainer(c.Id).update({ CpusetCpus: '1' });
      await s.docker.getContainer(PEER_NAME).update({ CpusetCpus: '1' });
    }
    const backendPids = { pod: await Promise.all(pods.map((p) => podPid(s, p.metadata.name, 'container'))), peer: [peer.pid] };

    const fromHost = 'host: pod IP';
    const fromPod = 'pod: pod IP';
    paths = [
      { name: fromHost, url: `http://${podIP}:${FASTD_PORT}/`, floor: fromHost, backend: 'pod' },
      { name: 'host: ClusterIP', url: `http://${clusterIP}/`, floor: fromHost, backend: 'pod' },
      { name: 'host: NodePort 127.0.0.1', url: `http://127.0.0.1:${NODE_PORT}/`, floor: fromHost, backend: 'pod' },
      ...(host ? [{ name: `host: NodePort ${host}`, url: `http://${host}:${NODE_PORT}/`, floor: fromHost, backend: 'pod' } as Path] : []),
      { name: 'host: docker container IP', url: `http://${peerIP}:${FASTD_PORT}/`, floor: fromHost, backend: 'peer' },
      { name: 'host: docker -p 127.0.0.1', url: `http://127.0.0.1:${PEER_PORT}/`, floor: fromHost, backend: 'peer' },
      ...(host ? [{ name: `host: docker -p ${host}`, url: `http://${host}:${PEER_PORT}/`, floor: fromHost, backend: 'peer' } as Path] : []),
      { name: fromPod, url: `http://${podIP}:${FASTD_PORT}/`, floor: fromPod, backend: 'pod', fromPod: true },
      { name: 'pod: ClusterIP', url: `http://${clusterIP}/`, floor: fromPod, backend: 'pod', fromPod: true },
    ];
    // Every host path answers before anything is measured (the proxy has synced, docker-proxy is up).
    for (const p of paths.filter((p) => !p.fromPod)) await waitFor(`${p.url} answering`, () => answers(p.url), 60_000, 100);

    console.log(`data path: wrk -t ${WRK.threads} -c ${WRK.connections} -d ${WRK.seconds}s (keep-alive) against fastd (1 thread, ${REPLICAS} replica(s)); ${ROUNDS} rounds, order rotated per round${PIN ? '; wrk pinned to CPU 0, backends to CPU 1' : ''}`);
    console.log(`  pod IP ${podIP}, ClusterIP ${clusterIP}, NodePort ${NODE_PORT}, host address ${host ?? 'none found'}, peer ${peerIP} published on 0.0.0.0:${PEER_PORT}`);
    console.log('  Docker in front of the peer\'s port:');
    for (const l of describeDockerPath()) console.log(`    ${l}`);

    const proxyPids = dockerProxyPids(PEER_PORT);
    const measure = async (p: Path, round: number, seconds: number): Promise<Run> => {
      const [proxy0, backend0, wrk0] = [ticksOf(proxyPids), ticksOf(backendPids[p.backend]), childTicks()];
      const t = performance.now();
      const r = await runWrk(p.url, { ...WRK, seconds, netnsPid: p.fromPod ? netns : undefined });
      const proxy = ticksOf(proxyPids) - proxy0;
      const all = proxy + ticksOf(backendPids[p.backend]) - backend0 + childTicks() - wrk0;
      return {
        ...r,
        path: p.name,
        round,
        proxyCpu: (proxy / CLK_TCK / ((performance.now() - t) / 1000)) * 100,
        cpuUsPerReq: ((all / CLK_TCK) * 1e6) / r.requests,
      };
    };
    for (const p of paths) await measure(p, -1, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of roundOrder(paths, round)) {
        const r = await measure(p, round, WRK.seconds);
        runs.push(r);
        console.log(`  round ${round + 1} ${p.name.padEnd(28)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s  p50 ${r.p50ms.toFixed(3)} ms  p99 ${r.p99ms.toFixed(3)} ms  ${r.cpuUsPerReq.toFixed(1)} cpu us/req  errors ${r.errors}  docker-proxy ${r.proxyCpu.toFixed(0)}% cpu  loadavg ${loadavg()[0].toFixed(1)}`);
      }
    }
    if (PERF) {
      for (const p of paths) {
        const { output, samples } = await profiled(wrkArgv(p.url, { ...WRK, netnsPid: p.fromPod ? netns : undefined }), PERF_HZ);
        const w = parseWrk(output);
        profiles.push({ path: p.name, profile: profileOf(samples, PERF_HZ, w.requests), rps: w.requestsPerSec });
      }
    }
  } finally {
    for (const step of [
      () => s.client.delete('Pod', 'default', CLIENT),
      () => s.client.delete('Deployment', 'default', NAME),
      () => s.client.delete('Service', 'default', NAME),
      () => s.client.delete('Service', 'default', `${NAME}-np`),
      () => waitFor('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 120_000),
      () => s.stop(), // removes the peer (PEER_LABEL), stops the server, `k1s cleanup`
    ]) {
      try {
        await step();
      } catch (e) {
        teardown.push((e as Error).message);
      }
    }
  }
  report(paths, runs);
  if (profiles.length) reportProfiles(profiles);
  if (teardown.length) throw new Error(`teardown: ${teardown.join('; ')}`);
}

function report(paths: Path[], runs: Run[]): void {
  if (!runs.length) return;
  const rows = summarize(paths, runs);
  console.log(`medians over ${ROUNDS} rounds (ratio: median req/s over the same client's pod IP median; per-round ratio: the median of`);
  console.log('  each round\'s req/s over the same round\'s pod IP; target >= 0.95 for ClusterIP and NodePort):');
  printTable([
    ['path', 'req/s', 'min', 'max', 'p50 ms', 'p99 ms', 'ratio', 'per-round ratio', 'cpu us/req', 'errors', 'docker-proxy cpu'],
    ...rows.map((r) => [r.path, r.rps.toFixed(0), r.minRps.toFixed(0), r.maxRps.toFixed(0), r.p50ms.toFixed(3), r.p99ms.toFixed(3), r.ratio.toFixed(3), r.roundRatio.toFixed(3), r.cpuUsPerReq.toFixed(1), r.errors, `${r.proxyCpu.toFixed(0)}%`]),
  ]);
  const misses = rows.filter((r) => /ClusterIP|NodePort/.test(r.path) && r.ratio < 0.95);
  // The machine's other load moves req/s more than anything measured here: say how busy it was.
  console.log(`  1-minute load average at the end: ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs (wrk and fastd need about 2 of them)`);
  console.log(misses.length ? `  below 0.95x: ${misses.map((r) => `${r.path} ${r.ratio.toFixed(3)}`).join(', ')}` : '  every ClusterIP and NodePort path at >= 0.95x of the pod IP');
}

function reportProfiles(profiles: { path: string; profile: Profile; rps: number }[]): void {
  const groups = ['total', ...GROUPS.map(([g]) => g), 'other'];
  console.log(`CPU µs per request under perf record -a -F ${PERF_HZ} (one run per path; wrk + fastd + docker-proxy + ksoftirqd; others' share: other processes' part of the busy samples):`);
  printTable([
    ['path', 'req/s', ...groups, "others' share"],
    ...profiles.map(({ path, profile, rps }) => [path, rps.toFixed(0), ...groups.map((g) => profile.usPerReq[g].toFixed(2)), `${(profile.othersShare * 100).toFixed(0)}%`]),
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
