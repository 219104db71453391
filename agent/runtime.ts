// The agent's one side-effect boundary towards the container engine. Everything the agent decides
// is computed from `RuntimeContainer` values; everything it does goes through `ContainerRuntime`.
// `DockerRuntime` talks to dockerode; `FakeRuntime` (fake-runtime.ts) keeps the same contract in
// memory for the pure tests.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import './lean-dockerode.js'; // first: see there
import Docker from 'dockerode';
import { LABEL_HOST_NETWORK_IP, LABEL_MANAGED, LABEL_NODE, LABEL_POD_UID } from './labels.js';
import type { DockerSecurityAndResources } from './container-config.js';
import type { DockerStats } from './metrics.js';
import type { PullAuth } from './pull-secrets.js';
import { ensureDockerNetwork, statusCode, type NetworkConfig } from './network.js';
import { repairingStaleEndpoint } from './stale-endpoint.js';

export type { NetworkConfig };
/** dockerode, loaded without its unused modules, for the few callers outside the agent */
export { Docker };

/** Docker's seven states folded to the four the kubelet reasons about. */
export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

export interface RuntimeContainer {
  id: string;
  /** Docker name, without the leading slash. */
  name: string;
  labels: Record<string, string>;
  /** The image reference it was created from. */
  image: string;
  /** The image's content id (sha256:...). */
  imageID: string;
  state: RuntimeState;
  /** RFC 3339 times as Docker gives them (nanoseconds); absent when Docker says "zero time". */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Docker's State.Error: why a container could not run (e.g. executable not found). */
  error?: string;
  /** IP on the pod network; only meaningful for sandboxes. */
  ip?: string;
}

export interface ContainerCreateSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** Only for sandboxes: Docker refuses a hostname with a `container:` network mode. */
  hostname?: string;
  /** A network name (sandbox) or `container:<id>` (app containers join the sandbox's namespace). */
  networkMode: string;
  binds?: string[];
  /** keep stdin open for `kubectl attach -i` / `kubectl run -i` (Container.stdin) */
  openStdin?: boolean;
  /** close stdin after the first attach ends (Container.stdinOnce) */
  stdinOnce?: boolean;
  tty?: boolean;
  /** Security and resource settings of an app container (container-config.ts). */
  settings?: DockerSecurityAndResources;
  /** Sandboxes: published host ports ("8080/tcp" -> bindings) and the pod's IPC namespace mode. */
  portBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
  ipcMode?: string;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  /** only lines written at or after this time (Unix seconds, fractions allowed) */
  since?: number;
  /** prefix each line with its RFC3339Nano time, as the kubelet does */
  timestamps?: boolean;
}

export interface RuntimeEvent {
  containerId: string;
  /** Docker's action: start, die, oom, destroy, ... */
  action: string;
  labels: Record<string, string>;
}

export interface ListFilter {
  /** Only containers labelled io.k1s.node=<node>. */
  node?: string;
  /** Only containers labelled io.k1s.pod.uid=<podUid>. */
  podUid?: string;
}

export interface ContainerRuntime {
  /** Every container carrying io.k1s.managed=true (optionally only one node's, one pod's), with full state. */
  listContainers(filter?: ListFilter): Promise<RuntimeContainer[]>;
  /** One container's state; undefined when it does not exist. */
  inspectContainer(id: string): Promise<RuntimeContainer | undefined>;
  /** Create the pod network if absent; `created` tells the caller whether it owns it. */
  ensureNetwork(cfg: NetworkConfig): Promise<{ created: boolean }>;
  /** Lets every port of the pod network's bridge send a frame back out the port it came in on. */
  enableHairpin(cfg: NetworkConfig): Promise<void>;
  /** The image id when the image is present locally, undefined otherwise. */
  imageID(ref: string): Promise<string | undefined>;
  /** The image's USER ('' for root by default), undefined when the image is absent. */
  imageUser(ref: string): Promise<string | undefined>;
  /** With `auth`: the registry credentials of a pull secret (X-Registry-Auth). */
  pullImage(ref: string, auth?: PullAuth): Promise<void>;
  /** `docker import` semantics: a root filesystem tar plus Dockerfile-style changes. */
  importImage(tar: Buffer, ref: string, changes: string[]): Promise<void>;
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after the grace period. Stopping a stopped container is not an error. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Remove (forcefully). Removing a missing container is not an error. */
  removeContainer(id: string): Promise<void>;
  /** stdout and stderr, demultiplexed, as one byte stream. */
  logs(id: string, opts: LogOptions): Promise<NodeJS.ReadableStream>;
  /** one stats sample of a running container (Docker waits for a second reading to rate CPU) */
  stats(id: string): Promise<DockerStats>;
  /** Calls `onEvent` for k1s container events until `signal` aborts; reconnects on errors (with
   * back-off). `onStream` hears the stream connect (true) and break or fail to connect (false). */
  watchEvents(signal: AbortSignal, onEvent: (e: RuntimeEvent) => void, onStream?: (connected: boolean) => void): void;
}

// ---------------------------------------------------------------------------------------------

/** Docker writes 0001-01-01T00:00:00Z for "never". */
function dockerTime(t: string | undefined): string | undefined {
  return !t || t.startsWith('0001-01-01') ? undefined : t;
}

/** Convert `docker inspect` output to our shape. Exported for tests. */
export function fromInspect(info: Docker.ContainerInspectInfo): RuntimeContainer {
  const s = info.State;
  let state: RuntimeState;
  switch (s.Status) {
    case 'running':
    case 'restarting':
    case 'paused':
      state = 'running';
      break;
    case 'exited':
    case 'dead':
      state = 'exited';
      break;
    case 'created':
      // A start that failed (exec not found...) leaves "created" with an exit code and an error:
      // for the kubelet that container ran and died (ContainerCannotRun), so it backs off like a crash.
      state = s.Error || s.ExitCode ? 'exited' : 'created';
      break;
    default:
      state = 'unknown';
  }
  const networks = info.NetworkSettings?.Networks ?? {};
  const ip = Object.values(networks)
    .map((n) => n?.IPAddress)
    .find((a) => !!a);
  const finishedAt = dockerTime(s.FinishedAt) ?? (state === 'exited' ? info.Created : undefined);
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    labels: info.Config?.Labels ?? {},
    image: info.Config?.Image ?? '',
    imageID: info.Image,
    state,
    createdAt: info.Created,
    startedAt: dockerTime(s.StartedAt),
    finishedAt: state === 'exited' ? finishedAt : undefined,
    exitCode: state === 'exited' ? s.ExitCode : undefined,
    oomKilled: s.OOMKilled || undefined,
    error: s.Error || undefined,
    ip: ip || info.Config?.Labels?.[LABEL_HOST_NETWORK_IP] || undefined,
  };
}

/**
 * Docker's multiplexed log stream (8-byte header: stream type, 3 zero bytes, big-endian length)
 * to plain bytes, stdout and stderr interleaved as they were written.
 */
export class DockerLogDemuxer extends Transform {
  private pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const len = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + len) break;
      this.push(this.pending.subarray(8, 8 + len));
      this.pending = this.pending.subarray(8 + len);
    }
    done();
  }
}

const EVENTS_RETRY_INITIAL_MS = 1_000;
const EVENTS_RETRY_MAX_MS = 5_000;

export class DockerRuntime implements ContainerRuntime {
  readonly docker: Docker;
  /** Inspect results keyed by id; reused while Docker's list shows the same state, because a
   * container's times, exit code and IP only change with its state. Keeps an idle resync cheap. */
  private inspectCache = new Map<string, { state: string; value: RuntimeContainer }>();

  constructor(docker: Docker = new Docker({ socketPath: '/var/run/docker.sock' })) {
    this.docker = docker;
  }

  async listContainers(filter: ListFilter = {}): Promise<RuntimeContainer[]> {
    const labels = [`${LABEL_MANAGED}=true`];
    if (filter.node) labels.push(`${LABEL_NODE}=${filter.node}`);
    if (filter.podUid) labels.push(`${LABEL_POD_UID}=${filter.podUid}`);
    const summaries = await this.docker.listContainers({ all: true, filters: { label: labels } });
    const out: RuntimeContainer[] = [];
    await Promise.all(
      summaries.map(async (s) => {
        // Never trusted while "created": a failed start leaves that State as it is, and the
        // error it recorded must be read.
        const cached = this.inspectCache.get(s.Id);
        if (cached && cached.state === s.State && s.State !== 'created') {
          out.push(cached.value);
          return;
        }
        try {
          const value = fromInspect(await this.docker.getContainer(s.Id).inspect());
          this.inspectCache.set(s.Id, { state: s.State, value });
          out.push(value);
        } catch (err) {
          if (statusCode(err) !== 404) throw err; // removed between list and inspect
        }
      }),
    );
    if (!filter.podUid) {
      // A node-wide list shows every container of that node: forget the ones gone.
      const seen = new Set(summaries.map((s) => s.Id));
      for (const [id, { value }] of this.inspectCache) {
        if (!seen.has(id) && (!filter.node || value.labels[LABEL_NODE] === filter.node)) this.inspectCache.delete(id);
      }
    }
    // Docker lists in no useful order; callers sort, but a stable input keeps logs readable.
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async inspectContainer(id: string): Promise<RuntimeContainer | undefined> {
    try {
      return fromInspect(await this.docker.getContainer(id).inspect());
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * A pod reaching itself through its own Service: with bridge netfilter the DNAT happens as the
   * frame enters the bridge, and the bridge then has to send it back out the pod's own port,
   * which it refuses unless that port is in hairpin mode (the kubelet's "hairpin-veth"). Docker
   * sets it only when its userland proxy is off, so k1s sets it on every port of its bridge.
   */
  async enableHairpin(cfg: NetworkConfig): Promise<void> {
    const ports = join('/sys/class/net', cfg.bridgeName, 'brif');
    for (const port of await readdir(ports)) {
      const file = join(ports, port, 'hairpin_mode');
      if ((await readFile(file, 'utf8')).trim() !== '1') await writeFile(file, '1');
    }
  }

  ensureNetwork(cfg: NetworkConfig): Promise<{ created: boolean }> {
    return ensureDockerNetwork(this.docker, cfg);
  }

  async imageID(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async imageUser(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Config?.User ?? '';
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async pullImage(ref: string, auth?: PullAuth): Promise<void> {
    await this.finish(await this.docker.pull(ref, auth ? { authconfig: auth } : {}));
  }

  async importImage(tar: Buffer, ref: string, changes: string[]): Promise<void> {
    const { repo, tag } = splitRef(ref);
    await this.finish(await this.docker.importImage(Readable.from([tar]), { repo, tag, changes } as object));
  }

  /** Waits for a pull or import to end. Docker reports failures inside the progress stream, not
   *  only as an HTTP status. */
  private finish(stream: NodeJS.ReadableStream): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
        if (err) return reject(err);
        const failed = output?.find((o) => o.error);
        if (failed) return reject(new Error(failed.error));
        resolve();
      });
    });
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    const joining = spec.networkMode.startsWith('container:');
    const userNetwork = !joining && spec.networkMode !== 'host';
    const x = spec.settings ?? {};
    const c = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Labels: spec.labels,
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      Env: spec.env,
      WorkingDir: spec.workingDir,
      OpenStdin: spec.openStdin,
      StdinOnce: spec.stdinOnce,
      Tty: spec.tty,
      User: x.user,
      // Docker refuses a hostname for a container that joins another's or the host's network
      Hostname: userNetwork ? spec.hostname : undefined,
      ExposedPorts: spec.portBindings ? Object.fromEntries(Object.keys(spec.portBindings).map((k) => [k, {}])) : undefined,
      HostConfig: {
        NetworkMode: spec.networkMode,
        Binds: spec.binds,
        PortBindings: spec.portBindings,
        IpcMode: spec.ipcMode ?? x.ipcMode,
        PidMode: x.pidMode,
        GroupAdd: x.groupAdd,
        Privileged: x.privileged,
        CapAdd: x.capAdd,
        CapDrop: x.capDrop,
        ReadonlyRootfs: x.readonlyRootfs,
        SecurityOpt: x.securityOpt,
        Memory: x.memoryBytes,
        MemorySwap: x.memorySwapBytes,
        CpuShares: x.cpuShares,
        CpuQuota: x.cpuQuota,
        CpuPeriod: x.cpuPeriod,
        OomScoreAdj: x.oomScoreAdj,
      },
      NetworkingConfig: userNetwork ? { EndpointsConfig: { [spec.networkMode]: {} } } : undefined,
    });
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    const start = async (): Promise<void> => {
      try {
        await this.docker.getContainer(id).start();
      } catch (err) {
        if (statusCode(err) !== 304) throw err; // already started
      }
    };
    // An engine that went down uncleanly keeps the endpoints of containers it lost in its network
    // store: `docker network disconnect -f` is what clears one (stale-endpoint.ts).
    await repairingStaleEndpoint(start, (network, endpoint) => this.docker.getNetwork(network).disconnect({ Container: endpoint, Force: true }));
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.round(graceSeconds)) });
    } catch (err) {
      const code = statusCode(err);
      if (code !== 304 && code !== 404) throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = statusCode(err);
      if (code !== 404 && code !== 409) throw err; // gone, or removal already in progress
    }
    this.inspectCache.delete(id);
  }

  async stats(id: string): Promise<DockerStats> {
    return (await this.docker.getContainer(id).stats({ stream: false })) as DockerStats;
  }

  async logs(id: string, opts: LogOptions): Promise<NodeJS.ReadableStream> {
    const container = this.docker.getContainer(id);
    const base = {
      stdout: true,
      stderr: true,
      tail: opts.tailLines ?? ('all' as unknown as number),
      timestamps: !!opts.timestamps,
      ...(opts.since !== undefined ? { since: opts.since } : {}),
    };
    // dockerode returns a live stream when following and a Buffer otherwise.
    const raw: NodeJS.ReadableStream | Buffer = opts.follow
      ? await container.logs({ ...base, follow: true })
      : await container.logs({ ...base, follow: false });
    const source = Buffer.isBuffer(raw) ? Readable.from([raw]) : (raw as Readable);
    const out = new DockerLogDemuxer();
    source.on('error', (err) => out.destroy(err));
    // When the consumer goes away (client disconnects), stop following the engine.
    out.on('close', () => (source as Readable).destroy?.());
    return source.pipe(out);
  }

  watchEvents(signal: AbortSignal, onEvent: (e: RuntimeEvent) => void, onStream?: (connected: boolean) => void): void {
    const connect = async (): Promise<void> => {
      // an engine that is away is asked again after 1 s, then 2, 4, 5, 5...: no reconnect loop
      let retryMs = EVENTS_RETRY_INITIAL_MS;
      while (!signal.aborted) {
        try {
          const stream = (await this.docker.getEvents({
            filters: { type: ['container'], label: [`${LABEL_MANAGED}=true`] },
            abortSignal: signal,
          } as object)) as unknown as Readable;
          retryMs = EVENTS_RETRY_INITIAL_MS;
          onStream?.(true);
          await new Promise<void>((resolve) => {
            let buf = '';
            const onAbort = (): void => {
              stream.destroy();
              resolve();
            };
            signal.addEventListener('abort', onAbort, { once: true });
            stream.on('data', (chunk: Buffer) => {
              buf += chunk.toString('utf8');
              let nl: number;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl).trim();
                buf = buf.slice(nl + 1);
                if (!line) continue;
                try {
                  const ev = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
                  if (ev.Actor?.ID && ev.Action) {
                    // Docker 20.10 still lists a container as running when its die event arrives,
                    // while inspect already says exited: the cached inspect must not be trusted then.
                    this.inspectCache.delete(ev.Actor.ID);
                    onEvent({ containerId: ev.Actor.ID, action: ev.Action, labels: ev.Actor.Attributes ?? {} });
                  }
                } catch {
                  /* a partial or foreign line: the periodic resync covers anything missed */
                }
              }
            });
            const done = (): void => {
              signal.removeEventListener('abort', onAbort);
              resolve();
            };
            stream.on('end', done);
            stream.on('close', done);
            stream.on('error', done);
          });
        } catch {
          /* engine restarting or unreachable: retry below */
        }
        if (signal.aborted) break;
        onStream?.(false);
        await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, EVENTS_RETRY_MAX_MS);
      }
    };
    void connect();
  }
}

/** `k1s.local/pause:3.10` -> repo + tag (the last colon after the last slash). */
export function splitRef(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}
