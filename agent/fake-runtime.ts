// An in-memory ContainerRuntime for pure tests: containers are records, "processes" run until a
// test says they exit, pulls fail for images a test marks unpullable. Time comes from the clock
// the test injects, so the agent's back-off can be driven without waiting.
import { Readable } from 'node:stream';
import type {
  ListFilter,
  ContainerCreateSpec,
  ContainerRuntime,
  LogOptions,
  NetworkConfig,
  RuntimeContainer,
  RuntimeEvent,
} from './runtime.js';
import { LABEL_CONTAINER_TYPE, LABEL_NODE, LABEL_POD_UID } from './labels.js';
import type { DockerStats } from './metrics.js';
import type { PullAuth } from './pull-secrets.js';

export interface FakeContainer extends RuntimeContainer {
  spec: ContainerCreateSpec;
  logText: string;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, string>();
  readonly networks = new Map<string, NetworkConfig>();
  /** Images whose pull fails (as an unresolvable registry does). */
  readonly unpullable = new Set<string>();
  /** Every call, in order, for assertions ("create k1s_app_...", "stop <id>"). */
  readonly calls: string[] = [];
  private nextId = 1;
  private nextIP = 2;
  private listeners: Array<(e: RuntimeEvent) => void> = [];
  private streamListeners: Array<(connected: boolean) => void> = [];
  /** The engine is away (setDown): every call fails as a cut socket does. */
  private isDown = false;
  /** Calls made while the engine was down (a spinning agent shows here). */
  downCalls = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  private iso(): string {
    return new Date(this.clock()).toISOString();
  }

  private emit(c: RuntimeContainer, action: string): void {
    for (const l of this.listeners) l({ containerId: c.id, action, labels: c.labels });
  }

  private copy(c: FakeContainer): RuntimeContainer {
    const { spec: _spec, logText: _log, ...rest } = c;
    return { ...rest, labels: { ...rest.labels } };
  }

  async listContainers(filter: ListFilter = {}): Promise<RuntimeContainer[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => !filter.node || c.labels[LABEL_NODE] === filter.node)
      .filter((c) => !filter.podUid || c.labels[LABEL_POD_UID] === filter.podUid)
      .map((c) => this.copy(c));
  }

  async inspectContainer(id: string): Promise<RuntimeContainer | undefined> {
    this.check();
    const c = this.containers.get(id);
    return c && this.copy(c);
  }

  async ensureNetwork(cfg: NetworkConfig): Promise<{ created: boolean }> {
    this.check();
    if (this.networks.has(cfg.name)) return { created: false };
    this.networks.set(cfg.name, cfg);
    return { created: true };
  }

  /** Bridges whose ports were put in hairpin mode. */
  readonly hairpin = new Set<string>();

  async enableHairpin(cfg: NetworkConfig): Promise<void> {
    this.check();
    this.hairpin.add(cfg.bridgeName);
  }

  async imageID(ref: string): Promise<string | undefined> {
    this.check();
    return this.images.get(ref);
  }

  /** USER of the images that have one (default: root, ''). */
  readonly imageUsers = new Map<string, string>();

  async imageUser(ref: string): Promise<string | undefined> {
    this.check();
    return this.images.has(ref) ? (this.imageUsers.get(ref) ?? '') : undefined;
  }

  async pullImage(ref: string, auth?: PullAuth): Promise<void> {
    this.check();
    this.calls.push(auth ? `pull ${ref} as ${auth.username}@${auth.serveraddress}` : `pull ${ref}`);
    if (this.unpullable.has(ref)) {
      throw new Error(`Get "https://${ref.split('/')[0]}/v2/": dial tcp: lookup ${ref.split('/')[0]}: no such host`);
    }
    this.images.set(ref, `sha256:${ref.length.toString(16).padStart(64, '0')}`);
  }

  async importImage(_tar: Buffer, ref: string, _changes: string[]): Promise<void> {
    this.check();
    this.calls.push(`import ${ref}`);
    this.images.set(ref, `sha256:${'f'.repeat(64)}`);
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    this.check();
    this.calls.push(`create ${spec.name}`);
    if (!this.images.has(spec.image)) throw new Error(`No such image: ${spec.image}`);
    for (const c of this.containers.values()) {
      if (c.name === spec.name) throw new Error(`Conflict. The container name "/${spec.name}" is already in use`);
    }
    const id = (this.nextId++).toString(16).padStart(12, '0');
    const c: FakeContainer = {
      id,
      name: spec.name,
      labels: { ...spec.labels },
      image: spec.image,
      imageID: this.images.get(spec.image) ?? '',
      state: 'created',
      createdAt: this.iso(),
      spec,
      logText: '',
    };
    this.containers.set(id, c);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    this.check();
    this.calls.push(`start ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    c.state = 'running';
    c.startedAt = this.iso();
    c.finishedAt = undefined;
    c.exitCode = undefined;
    if (c.labels[LABEL_CONTAINER_TYPE] === 'sandbox') c.ip = `10.244.0.${this.nextIP++}`;
    this.emit(c, 'start');
  }

  /**
   * Set: a stop with a longer grace period than this acts like an app ignoring SIGTERM: the call
   * waits until a stop at or under it arrives for the same container (a shortened grace period).
   */
  holdStopsLongerThan?: number;
  private readonly heldStops = new Map<string, (() => void)[]>();

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    this.check();
    this.calls.push(`stop ${id} ${graceSeconds}`);
    if (this.holdStopsLongerThan !== undefined && graceSeconds > this.holdStopsLongerThan) {
      await new Promise<void>((resolve) => this.heldStops.set(id, [...(this.heldStops.get(id) ?? []), resolve]));
      return;
    }
    const c = this.containers.get(id);
    if (c && c.state === 'running') this.exit(id, 137);
    for (const release of this.heldStops.get(id) ?? []) release();
    this.heldStops.delete(id);
  }

  async removeContainer(id: string): Promise<void> {
    this.check();
    this.calls.push(`remove ${id}`);
    const c = this.containers.get(id);
    if (!c) return;
    this.containers.delete(id);
    this.emit(c, 'destroy');
  }

  async stats(_id: string): Promise<DockerStats> {
    this.check();
    return { cpu_stats: { cpu_usage: { total_usage: 2e8 }, system_cpu_usage: 4e9, online_cpus: 2 }, precpu_stats: { cpu_usage: { total_usage: 1e8 }, system_cpu_usage: 2e9 }, memory_stats: { usage: 8 << 20, stats: { total_inactive_file: 1 << 20 } } };
  }

  async logs(id: string, _opts: LogOptions): Promise<NodeJS.ReadableStream> {
    this.check();
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return Readable.from([Buffer.from(c.logText)]);
  }

  watchEvents(signal: AbortSignal, onEvent: (e: RuntimeEvent) => void, onStream?: (connected: boolean) => void): void {
    this.listeners.push(onEvent);
    if (onStream) this.streamListeners.push(onStream);
    signal.addEventListener('abort', () => {
      this.listeners = this.listeners.filter((l) => l !== onEvent);
      this.streamListeners = this.streamListeners.filter((l) => l !== onStream);
    });
  }

  private check(): void {
    if (!this.isDown) return;
    this.downCalls++;
    throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
  }

  // ---- test controls ----

  /** The engine goes away (every call fails, the event streams break) or comes back. */
  setDown(down: boolean): void {
    if (this.isDown === down) return;
    this.isDown = down;
    for (const l of this.streamListeners) l(!down);
  }

  /** The container's process exits with `code` now. */
  exit(id: string, code: number): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = this.iso();
    if (c.labels[LABEL_CONTAINER_TYPE] === 'sandbox') c.ip = undefined;
    this.emit(c, 'die');
  }

  /** Containers of a pod by their k1s container name ('POD' for sandboxes), newest last. */
  byName(name: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.spec.name.startsWith(`k1s_${name}_`));
  }
}
