// The kubelet of k1s: turns the pods of this node into Docker containers and reports their status.
//
// Shape (kubelet's): pod workers (pod-workers.ts) run at most one sync per pod at a time; the
// sync (sync.ts) computes what to do (actions.ts, pure), executes it, and reports the status
// (status.ts, pure); images come through the image manager (image-manager.ts), the environment
// from env.ts. Syncs are triggered by changes in the node's view of the API (node-view.ts), by
// Docker events (a container died) and by a periodic resync that catches anything missed. The
// agent remembers nothing durable: after a restart it adopts running containers from their labels.
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Pod, PodStatus } from '../src/api/types.js';
import { canonicalJSON } from '../src/store/canonical.js';
import type { Logger } from '../src/log.js';
import type { DnsOptions } from './dns.js';
import { pickStreamTarget, type StreamTarget } from './exec.js';
import { ImageManager } from './image-manager.js';
import { LABEL_NODE, LABEL_POD_UID } from './labels.js';
import { AgentError, pickLogContainer, resolveContainerName } from './logs.js';
import { containerUsage, type Usage } from './metrics.js';
import type { NetworkConfig } from './network.js';
import type { NodeView, ViewChange } from './node-view.js';
import { observePod, observePods, type ObservedContainer } from './observed.js';
import { ensurePauseImage } from './pause.js';
import { PodFiles } from './pod-files.js';
import { PodWorkers } from './pod-workers.js';
import type { ContainerRuntime, RuntimeContainer } from './runtime.js';
import { ProbeManager } from './prober/manager.js';
import { runtimeDownStatus } from './runtime-down-status.js';
import { isRuntimeUnavailable, RuntimeHealth, type RuntimeHealthStatus, type Timers } from './runtime-health.js';
import type { ExecInContainer } from './prober/runners.js';
import { PodSyncer } from './sync.js';
import { LinuxMounter, VolumeManager, type Mounter } from './volumes/index.js';

export { AgentError };
export type { RuntimeHealthStatus };
export type { NodeView };
export { expandVars } from './env.js';
export { podHostname } from './sync.js';

export interface AgentOptions {
  view: NodeView;
  runtime: ContainerRuntime;
  logger: Logger;
  nodeName: string;
  hostIP: string;
  /** Per-pod files live in <dataDir>/pods/<uid>/. */
  dataDir: string;
  network: NetworkConfig;
  dns: DnsOptions;
  pauseImage: string;
  /** Periodic resync, default 2000 ms. */
  resyncMs?: number;
  clock?: () => number;
  /** The host's resolv.conf (for dnsPolicy Default), default /etc/resolv.conf. */
  hostResolvConfPath?: string;
  /** Runs exec probes in a container; without it an exec probe errors. */
  exec?: ExecInContainer;
  /** tmpfs mounts for Secret and memory-backed volumes; default: the real mount(8). */
  mounter?: Mounter;
  /** Hears the container engine go away and come back (the server sets the Node's Ready condition from it). */
  onRuntimeHealth?: (status: RuntimeHealthStatus) => void;
  /** Timers of the runtime health probe (tests drive them). */
  healthTimers?: Timers;
}

export interface LogsOptions {
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  since?: number;
  timestamps?: boolean;
}

export class Agent {
  /** Resolves once the network and the pause image exist and the first sync is under way. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;

  private readonly view: NodeView;
  private readonly runtime: ContainerRuntime;
  private readonly log: Logger;
  private readonly resyncMs: number;
  private readonly syncer: PodSyncer;
  private readonly workers: PodWorkers;
  private readonly probes: ProbeManager;
  private readonly health: RuntimeHealth;
  private readonly clock: () => number;
  private resyncRunning = false;
  private stopped = false;

  constructor(private readonly opts: AgentOptions) {
    this.view = opts.view;
    this.runtime = opts.runtime;
    this.log = opts.logger.child({ component: 'agent' });
    this.resyncMs = opts.resyncMs ?? 2000;
    const clock = opts.clock ?? Date.now;
    this.clock = clock;
    this.health = new RuntimeHealth({
      probe: () => opts.runtime.listContainers({ node: opts.nodeName }).then(() => undefined),
      logger: this.log,
      clock,
      timers: opts.healthTimers,
      onChange: (s) => this.onRuntimeHealth(s),
    });
    this.probes = new ProbeManager({
      exec: opts.exec,
      recordEvent: (pod, container, type, reason, message) => opts.view.recordEvent(pod, type, reason, message),
    });
    this.syncer = new PodSyncer({
      // a sync that was under way when the engine went away must not report its pod ready again
      view: guardStatusWrites(opts.view, (pod, status) => (this.health.up ? status : (runtimeDownStatus({ ...pod, status }, clock()) ?? status))),
      runtime: opts.runtime,
      images: new ImageManager(opts.runtime, clock, (pod, type, reason, message) => opts.view.recordEvent(pod, type, reason, message)),
      files: new PodFiles(opts.dataDir, opts.dns, opts.hostResolvConfPath),
      volumes: new VolumeManager({ dataDir: opts.dataDir, sources: opts.view, mounter: opts.mounter ?? new LinuxMounter() }),
      probes: this.probes,
      logger: this.log,
      clock,
      nodeName: opts.nodeName,
      hostIP: opts.hostIP,
      network: opts.network,
      pauseImage: opts.pauseImage,
      hooks: { exec: opts.exec },
    });
    this.workers = new PodWorkers((uid, containers) => this.syncPod(uid, containers), this.log, (uid) => !this.syncer.remembers(uid));
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined); // the rejection is also thrown by start()
  }

  /** Runs until `signal` aborts. Containers keep running after the agent stops (a new agent adopts them). */
  async start(signal: AbortSignal): Promise<void> {
    try {
      const { created } = await this.runtime.ensureNetwork(this.opts.network);
      if (created) this.log.info({ network: this.opts.network }, 'created pod network');
      const { built } = await ensurePauseImage(this.runtime, this.opts.pauseImage);
      if (built) this.log.info({ image: this.opts.pauseImage }, 'built pause image from catatonit');
      await mkdir(join(this.opts.dataDir, 'pods'), { recursive: true });
    } catch (err) {
      this.rejectReady(err);
      throw err;
    }
    if (signal.aborted) {
      this.resolveReady();
      return;
    }

    this.runtime.watchEvents(signal, (e) => {
      const uid = e.labels[LABEL_POD_UID];
      if (e.labels[LABEL_NODE] !== this.opts.nodeName) return;
      // Our own create/start need no reaction; a death or a removal by someone else does.
      if (uid && (e.action === 'die' || e.action === 'oom' || e.action === 'destroy')) this.workers.schedule(uid);
    }, (connected) => {
      // the stream breaking is the first sign of an engine going away: ask it now
      if (!connected) this.health.suspect();
    });
    const unsubscribe = this.view.onChange((c) => this.onViewChange(c));
    // a probe result that changed: readiness for the status, liveness for a restart
    const unprobe = this.probes.onChange((c) => this.workers.schedule(c.podUid));
    const timer = setInterval(() => this.resync(), this.resyncMs);
    this.resync();
    this.resolveReady();
    this.log.info({ node: this.opts.nodeName }, 'agent started');

    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.stopped = true;
    this.health.stop();
    clearInterval(timer);
    unsubscribe();
    unprobe();
    this.probes.stop();
    // Let syncs in flight finish: a half-executed step would otherwise wait for the next agent.
    await this.workers.stop();
    this.log.info('agent stopped');
  }

  // ---- triggers ------------------------------------------------------------------------------
  //
  // A pod change wakes that pod only when its spec or deletion changed, so our own status writes
  // (which the API also announces) do not feed back into syncs. A ConfigMap or Secret change wakes
  // the pods that refer to it (a container waiting on a missing key starts when it appears). The
  // resync lists the node's containers once and hands each worker its slice, so an idle node costs
  // one Docker list per period.

  private onViewChange(c: ViewChange): void {
    if (this.stopped) return;
    if (c.kind === 'Pod') {
      const pod = c.object as Pod;
      const old = c.old as Pod | undefined;
      const uid = pod.metadata.uid;
      if (!uid) return;
      if (c.type === 'MODIFIED' && old && !specOrDeletionChanged(old, pod)) return;
      const grace = pod.metadata.deletionGracePeriodSeconds;
      const oldGrace = old?.metadata.deletionGracePeriodSeconds;
      if (grace !== undefined && oldGrace !== undefined && grace < oldGrace && this.workers.isBusy(uid)) this.syncer.hurry(uid, grace);
      this.workers.schedule(uid);
      return;
    }
    const ns = c.object.metadata.namespace ?? 'default';
    const name = c.object.metadata.name;
    for (const pod of this.view.pods()) {
      if ((pod.metadata.namespace ?? 'default') === ns && refersTo(pod, c.kind, name) && pod.metadata.uid) this.workers.schedule(pod.metadata.uid);
    }
  }

  // ---- the engine going away ----------------------------------------------------------------
  //
  // While the engine is down no pod sync runs (there is nothing they could do but fail, each with
  // a log line): the health monitor's probe is the only call. Every pod is reported not ready at
  // once, so Services stop sending traffic to containers nobody can vouch for; when the engine
  // answers again a full resync rebuilds every status from what it then holds.

  /** The container engine's health, as the Node's Ready condition reports it. */
  runtimeHealth(): RuntimeHealthStatus {
    return this.health.status();
  }

  private onRuntimeHealth(s: RuntimeHealthStatus): void {
    if (this.stopped) return;
    this.opts.onRuntimeHealth?.(s);
    if (s.up) this.resync();
    else this.markPodsNotReady();
  }

  private markPodsNotReady(): void {
    for (const pod of this.view.pods()) {
      const status = runtimeDownStatus(pod, this.clock());
      if (!status || canonicalJSON(status) === canonicalJSON(pod.status ?? null)) continue;
      this.view.updatePodStatus(pod, status).catch((err) => this.log.error({ err, pod: pod.metadata.name }, 'pod status update failed'));
    }
  }

  /** One pod's sync, unless the engine is down; a sync that finds it gone says so (once, there). */
  private async syncPod(uid: string, containers: RuntimeContainer[] | undefined): Promise<void> {
    if (!this.health.up) return; // the resync when it is back covers this pod
    try {
      await this.syncer.sync(uid, containers);
    } catch (err) {
      if (!isRuntimeUnavailable(err)) throw err;
      this.health.failed(err);
    }
  }

  /** At most one resync pass runs; a tick that finds one running (or the engine down) is skipped. */
  private resync(): void {
    if (this.stopped || this.resyncRunning || !this.health.up) return;
    this.resyncRunning = true;
    this.syncAll()
      .catch((err) => (isRuntimeUnavailable(err) ? this.health.failed(err) : this.log.error({ err }, 'resync failed')))
      .finally(() => {
        this.resyncRunning = false;
      });
  }

  /** Every desired pod, every pod the runtime still holds that is not desired, every pod we remember. */
  private async syncAll(): Promise<void> {
    const seq = this.workers.seq();
    const containers = await this.runtime.listContainers({ node: this.opts.nodeName });
    const byUid = new Map<string, RuntimeContainer[]>();
    for (const c of containers) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid) continue;
      const list = byUid.get(uid) ?? [];
      list.push(c);
      byUid.set(uid, list);
    }
    const desired = new Set<string>();
    for (const pod of this.view.pods()) {
      const uid = pod.metadata.uid;
      if (!uid) continue;
      desired.add(uid);
      const mine = byUid.get(uid) ?? [];
      if (this.syncer.isQuiet(pod, mine)) continue;
      this.workers.schedule(uid, { seq, containers: mine });
    }
    for (const uid of byUid.keys()) if (!desired.has(uid)) this.workers.schedule(uid, { seq, containers: byUid.get(uid) ?? [] });
    for (const uid of this.syncer.remembered()) if (!desired.has(uid) && !byUid.has(uid)) this.workers.schedule(uid);
    for (const uid of await this.syncer.podsWithFiles()) if (!desired.has(uid) && !byUid.has(uid)) this.workers.schedule(uid);
  }

  private findPod(namespace: string, podName: string): Pod & { metadata: { uid: string } } {
    const pod = this.view.pods().find((p) => p.metadata.name === podName && (p.metadata.namespace ?? 'default') === namespace);
    if (!pod?.metadata.uid) throw new AgentError('NotFound', `pods "${podName}" not found`);
    return pod as Pod & { metadata: { uid: string } };
  }

  private scope(podUid: string): { node: string; podUid: string } {
    return { node: this.opts.nodeName, podUid };
  }

  // ---- logs ----------------------------------------------------------------------------------

  /** `kubectl logs`: stdout and stderr of the pod's current (or previous) container. */
  async logs(namespace: string, podName: string, container: string | undefined, opts: LogsOptions = {}): Promise<NodeJS.ReadableStream> {
    const pod = this.findPod(namespace, podName);
    const name = resolveContainerName(pod, container);
    const observed = observePod(pod.metadata.uid, await this.runtime.listContainers(this.scope(pod.metadata.uid)));
    const id = pickLogContainer(pod, observed, name, !!opts.previous);
    return this.runtime.logs(id, { follow: !!opts.follow && !opts.previous, tailLines: opts.tailLines, since: opts.since, timestamps: opts.timestamps });
  }

  /** `kubectl top pod`: the usage of every running app container of the pods bound here. */
  async podUsage(): Promise<{ namespace: string; name: string; containers: { name: string; usage: Usage }[] }[]> {
    const running = await this.runtime.listContainers({ node: this.opts.nodeName });
    const observed = observePods(running);
    const cpus = availableParallelism();
    return Promise.all(
      this.view.pods().flatMap((pod) => {
        const o = pod.metadata.uid ? observed.get(pod.metadata.uid) : undefined;
        if (!o) return [];
        // the newest attempt of each container, if it runs
        const current = new Map<string, ObservedContainer>();
        for (const c of o.containers) if (!current.has(c.name)) current.set(c.name, c);
        const live = [...current.values()].filter((c) => c.state === 'running');
        return [
          (async () => ({
            namespace: pod.metadata.namespace ?? 'default',
            name: pod.metadata.name,
            containers: await Promise.all(live.map(async (c) => ({ name: c.name, usage: containerUsage(await this.runtime.stats(c.id), cpus) }))),
          }))(),
        ];
      }),
    );
  }

  /** exec and attach: the named running container; port-forward ('sandbox'): the pod's address (exec.ts). */
  async streamTarget(namespace: string, podName: string, want: { container: string | undefined } | 'sandbox'): Promise<StreamTarget> {
    const pod = this.findPod(namespace, podName);
    const observed = observePod(pod.metadata.uid, await this.runtime.listContainers(this.scope(pod.metadata.uid)));
    return pickStreamTarget(pod, observed, want, this.opts.network.subnet);
  }
}

/** The view with every pod status write passed through `guard` first. */
function guardStatusWrites(view: NodeView, guard: (pod: Pod, status: PodStatus) => PodStatus): NodeView {
  return new Proxy(view, {
    get(target, prop) {
      if (prop === 'updatePodStatus') return (pod: Pod, status: PodStatus) => target.updatePodStatus(pod, guard(pod, status));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** What, in a pod object, calls for a sync: not its status (we write that ourselves). */
function specOrDeletionChanged(old: Pod, pod: Pod): boolean {
  return (
    old.metadata.deletionTimestamp !== pod.metadata.deletionTimestamp ||
    old.metadata.deletionGracePeriodSeconds !== pod.metadata.deletionGracePeriodSeconds ||
    JSON.stringify(old.spec) !== JSON.stringify(pod.spec)
  );
}

/** Does the pod read this ConfigMap or Secret (env, envFrom, volumes, projected sources, pull secrets)? */
function refersTo(pod: Pod, kind: 'ConfigMap' | 'Secret', name: string): boolean {
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const e of c.env ?? []) {
      const ref = kind === 'ConfigMap' ? e.valueFrom?.configMapKeyRef : e.valueFrom?.secretKeyRef;
      if (ref?.name === name) return true;
    }
    for (const f of c.envFrom ?? []) if ((kind === 'ConfigMap' ? f.configMapRef : f.secretRef)?.name === name) return true;
  }
  for (const v of pod.spec.volumes ?? []) {
    if (kind === 'ConfigMap' ? v.configMap?.name === name : v.secret?.secretName === name) return true;
    for (const src of v.projected?.sources ?? []) if ((kind === 'ConfigMap' ? src.configMap : src.secret)?.name === name) return true;
  }
  return kind === 'Secret' && (pod.spec.imagePullSecrets ?? []).some((s) => s.name === name);
}
