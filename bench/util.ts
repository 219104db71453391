// What the benchmarks share: quantiles, a small table, the process's RSS, HTTPS requests to an
// in-process API server with its kubeconfig's token and CA; and for the pod benchmarks a real
// `k1s server`, peer pods straight through the Docker API, waiting for HTTP, a process's CPU.
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { readKubeconfig } from '../src/kubeconfig.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import Docker from 'dockerode';
import type { Deployment, Pod, ReplicaSet } from '../src/api/types.js';
import { HttpClient } from '../src/client/http.js';
import { ensureTestImages, BUSYBOX_IMAGE, HTTPD_COMMAND, PAUSE_IMAGE } from '../test/fixtures/images.js';
import { K1S, ServerHarness, sleep, waitFor } from '../test/e2e/harness.js';
import { startFakeUpstream } from '../test/e2e/upstream.js';

/** `--name N` from the command line, or dflt. */
export function numberArg(name: string, dflt: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/** The q-quantile by the nearest-rank method (p99 of 200 samples is the 198th smallest). */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil(q * s.length) - 1))];
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Prints rows as aligned columns; the first row is the header. */
export function printTable(rows: (string | number)[][]): void {
  const text = rows.map((r) => r.map(String));
  const widths = text[0].map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  for (const r of text) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '));
}

export function ms(x: number): string {
  return x.toFixed(2);
}

export function rssMB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface Endpoint {
  host: string;
  port: number;
  token: string;
  ca?: string;
}

export function endpointOf(kubeconfig: string): Endpoint {
  const kc = readKubeconfig(kubeconfig);
  const url = new URL(kc.server);
  return { host: url.hostname, port: Number(url.port), token: kc.token, ca: kc.ca };
}

export function requestOptions(ep: Endpoint, path: string, extra: RequestOptions = {}): RequestOptions {
  return {
    host: ep.host,
    port: ep.port,
    path,
    ca: ep.ca,
    ...extra,
    headers: { Authorization: `Bearer ${ep.token}`, ...extra.headers },
  };
}

/** One request; resolves with the status and the whole body once the response has ended. */
export function fetchText(ep: Endpoint, path: string, extra: RequestOptions & { body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(requestOptions(ep, path, extra), (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(extra.body);
  });
}

export function keepAliveAgent(ep: Endpoint, maxSockets = Infinity): Agent {
  return new Agent({ keepAlive: true, maxSockets, ca: ep.ca });
}

// ---- What the pod benchmarks (pod-start, replicas, idle, restart) share: a real `k1s server`,
// pods made straight through the Docker API as the peer, waiting for HTTP, a process's CPU.

export { BUSYBOX_IMAGE, HTTPD_COMMAND, sleep, waitFor };

/** The label every peer container carries, so one call removes them all. */
export const PEER_LABEL = 'k1s.bench';

export interface BenchServer {
  h: ServerHarness;
  client: HttpClient;
  docker: Docker;
  /** the server process itself (bin/k1s execs node) */
  pid: number;
  /** Deletes nothing: waits until the pods' containers are gone (delete them first), stops the
   *  server, removes the peers, and leaves the machine as found (`k1s cleanup`). */
  stop(): Promise<void>;
}

/** A real `k1s server` (as bench/startup starts it, with a fake upstream on loopback), with the test
 *  images built; `args` are more server flags. */
export async function startBenchServer(args: string[] = []): Promise<BenchServer> {
  const docker = new Docker();
  await ensureTestImages(docker);
  const upstream = await startFakeUpstream({});
  const h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`, ...args]);
  await h.start();
  const client = new HttpClient(readKubeconfig(h.kubeconfig));
  const stop = async () => {
    await removePeers(docker);
    await waitFor('the pods\' containers gone', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 180_000).catch((e) =>
      console.error(String(e)),
    );
    await h.stop();
    execFileSync(K1S, ['cleanup'], { stdio: 'ignore' }); // chains, network, sysctls
    h.removeDataDir();
    await upstream.stop();
  };
  return { h, client, docker, pid: h.pid!, stop };
}

/** Deletes every pod in `default` (a Deployment's too: delete the Deployment first). */
export async function deleteAllPods(client: HttpClient): Promise<void> {
  const { items } = await client.list<Pod>('Pod', 'default');
  await Promise.all(items.map((p) => client.delete('Pod', 'default', p.metadata.name).catch(() => undefined)));
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/**
 * One watch on the pods of `default`: when each pod was first seen Ready and first had an IP
 * (performance.now() of the event's arrival), and a promise per pod for either.
 */
export class PodTimes {
  readonly ready = new Map<string, number>();
  readonly ip = new Map<string, string>();
  private waiters: { done(): boolean; resolve(): void }[] = [];
  private readonly stopWatch: () => void;

  constructor(client: HttpClient, onEvent?: (pod: Pod, at: number) => void) {
    this.stopWatch = client.watch('Pod', 'default', {}, (ev) => {
      const at = performance.now();
      const pod = ev.object as Pod;
      const name = pod.metadata.name;
      if (ev.type === 'DELETED') return;
      if (isReady(pod) && !this.ready.has(name)) this.ready.set(name, at);
      if (pod.status?.podIP && !this.ip.has(name)) this.ip.set(name, pod.status.podIP);
      onEvent?.(pod, at);
      this.waiters = this.waiters.filter((w) => (w.done() ? (w.resolve(), false) : true));
    });
  }

  /** Resolves once cond() holds, checked at every pod event. */
  until(cond: () => boolean, timeoutMs = 300_000, what = 'pods'): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({ done: cond, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  readyAt(name: string, timeoutMs?: number): Promise<number> {
    return this.until(() => this.ready.has(name), timeoutMs, `${name} Ready`).then(() => this.ready.get(name)!);
  }

  ipOf(name: string, timeoutMs?: number): Promise<string> {
    return this.until(() => this.ip.has(name), timeoutMs, `${name}'s IP`).then(() => this.ip.get(name)!);
  }

  stop(): void {
    this.stopWatch();
  }
}

/** A readiness probe on the busybox httpd, every second (the shortest period Kubernetes allows:
 *  a probe that finds httpd not yet listening costs a whole period). */
export const HTTPD_READINESS = { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 };

/** One HTTP GET; true on a 200. */
function answers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Polls http://ip:8080/ every few ms until it answers 200; resolves with performance.now(). */
export async function waitHttp(ip: string, timeoutMs = 60_000, everyMs = 5): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await answers(`http://${ip}:8080/`, 1000)) return performance.now();
    await sleep(everyMs);
  }
  throw new Error(`http://${ip}:8080/ did not answer in ${timeoutMs} ms`);
}

export interface PeerPod {
  ids: string[];
  ip: string;
}

/**
 * The peer of one k1s pod: a pause container on `network`, the app container in its network
 * namespace (as k1s does it, as the kubelet does it), both started; resolves with the sandbox IP.
 */
export async function startPeerPod(docker: Docker, name: string, network: string, cmd: string[] = HTTPD_COMMAND, restart?: string): Promise<PeerPod> {
  const labels = { [PEER_LABEL]: 'peer' };
  const pause = await docker.createContainer({ Image: PAUSE_IMAGE, name: `${name}-pause`, Labels: labels, HostConfig: { NetworkMode: network } });
  await pause.start();
  const app = await docker.createContainer({
    Image: BUSYBOX_IMAGE,
    name: `${name}-app`,
    Cmd: cmd,
    Labels: labels,
    HostConfig: { NetworkMode: `container:${pause.id}`, RestartPolicy: restart ? { Name: restart } : undefined },
  });
  await app.start();
  const info = await pause.inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress ?? '';
  return { ids: [pause.id, app.id], ip };
}

/** Removes every peer container (apps before their sandboxes). */
export async function removePeers(docker: Docker): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [PEER_LABEL] } });
  const apps = list.filter((c) => !c.Image.includes('pause'));
  const rest = list.filter((c) => c.Image.includes('pause'));
  for (const group of [apps, rest]) await Promise.all(group.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

/** user + system CPU time of a process in clock ticks; `children` adds its reaped children's. */
export function cpuTicks(pid: number, children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces), counted from field 3 (state)
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]];
  return utime + stime + (children ? cutime + cstime : 0);
}

/** CPU ticks of pid's live child processes (the proxy's listing shell) and of what they reaped. */
export function childrenTicks(pid: number): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
      if (f[1] === pid) ticks += cpuTicks(Number(d), true); // f[1]: ppid
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export function rssMBOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The pid of the first process whose name is `comm` (dockerd), or undefined. */
export function pidOf(comm: string): number | undefined {
  const r = spawnSync('pidof', ['-s', comm], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

/** A Deployment or ReplicaSet of `replicas` pods labelled app=<name> in default, with the pod spec given (every bench's workload). */
export function benchWorkload<K extends 'Deployment' | 'ReplicaSet'>(
  kind: K,
  name: string,
  replicas: number,
  podSpec: Pod['spec'],
  spec: Partial<Deployment['spec']> = {},
): K extends 'Deployment' ? Deployment : ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'default' },
    spec: { ...spec, replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  } as unknown as K extends 'Deployment' ? Deployment : ReplicaSet;
}

/**
 * The event loop's worst block while a phase runs: a 1 ms timer notes how late it fires (a timer
 * due in 1 ms that fires after 40 ms means the loop was busy for about 39 ms). `stop()` ends it and
 * returns the worst lateness in ms. What else runs on this loop (the bench itself) counts too.
 */
export function loopBlock(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      // the stretch since the last tick counts too: a phase that ends while blocked
      return Math.max(worst, performance.now() - last - 1);
    },
  };
}
