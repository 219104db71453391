// The kubelet of k1s: turns the pods of this node into Docker containers and reports their status.
//
// Shape (kubelet's): one worker per pod, never two syncs of one pod at once. A sync lists the
// pod's containers, computes what to do (actions.ts, pure), executes it in numbered steps, then
// computes the status (status.ts, pure) and writes it only if it changed. Syncs are triggered by
// pod changes (AgentApi.onChange), by Docker events (a container died) and by a periodic resync
// that catches anything missed. The agent remembers nothing durable: after a restart it adopts
// running containers from their labels.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defaultPullPolicy } from '../src/api/defaults.js';
import type { Container, Pod, PodStatus } from '../src/api/types.js';
import { canonicalJSON } from '../src/store/canonical.js';
import type { Logger } from '../src/log.js';
import { computePodActions, type ContainerToStart, type PodActions } from './actions.js';
import { isInBackoffSinceUpdate, nextBackoff, type BackoffEntry } from './backoff.js';
import { resolvConf, type DnsOptions } from './dns.js';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_HASH,
  LABEL_NODE,
  LABEL_POD_UID,
  SANDBOX_NAME,
  containerName,
  hashContainer,
  podLabels,
  type PodRef,
} from './labels.js';
import { AgentError, pickLogContainer, resolveContainerName } from './logs.js';
import { pickStreamTarget, type StreamTarget } from './exec.js';
import type { NetworkConfig } from './network.js';
import { containerUsage, type Usage } from './metrics.js';
import { observePod, observePods, type ObservedContainer, type ObservedPod } from './observed.js';
import { ensurePauseImage } from './pause.js';
import type { ContainerRuntime, RuntimeContainer } from './runtime.js';
import { computePodStatus, type WaitingReason } from './status.js';

export { AgentError };

/** How the agent sees the rest of k1s. The lead implements it over the store. */
export interface AgentApi {
  /** Every pod on this node (there is one node). */
  listPods(): Pod[];
  /** `cb` is called when any pod is added, changed or removed; returns an unsubscribe function. */
  onChange(cb: () => void): () => void;
  /** Write the pod's status (the implementation skips the write when it is equal). */
  updatePodStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** kubelet reasons: Pulling, Pulled, Failed, BackOff, Created, Started, Killing, SandboxChanged. */
  recordEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface AgentOptions {
  api: AgentApi;
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
}

export interface LogsOptions {
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  since?: number;
  timestamps?: boolean;
}

/** What the agent remembers about one pod between syncs (lost on restart, by design). */
interface PodMemory {
  /** The last pod object seen, to attach events while stopping a deleted pod. */
  pod?: Pod;
  /** Restart back-off per container name. */
  restartBackoff: Map<string, BackoffEntry>;
  /** Image pull back-off per image. */
  pullBackoff: Map<string, BackoffEntry>;
  /** Why each non-running container waits (kubelet's reasonCache). */
  waiting: Map<string, WaitingReason>;
}

interface Worker {
  busy: boolean;
  /** Another sync was asked for while one ran. */
  again: boolean;
  /** `seq` when its last sync ended. */
  lastSyncEnd: number;
  done?: Promise<void>;
}

/** The containers a resync pass saw for one pod, and when it looked. */
interface Snapshot {
  seq: number;
  containers: RuntimeContainer[];
}

const DEFAULT_GRACE_SECONDS = 30;
/** catatonit exits on SIGTERM at once; the bound only matters if the engine is slow. */
const SANDBOX_STOP_SECONDS = 2;

function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's own words are what helps.
  return msg.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
}

function podRef(pod: Pod): PodRef {
  return { uid: pod.metadata.uid ?? '', name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' };
}

function graceOf(pod: Pod | undefined, observed: ObservedPod): number {
  return pod?.spec.terminationGracePeriodSeconds ?? observed.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

/** Kubernetes' $(VAR) expansion in env values, command and args; $$ escapes a dollar. */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) as string) : m;
  });
}

/** A pod's hostname: spec.hostname or the pod name, within the 63 characters a label allows. */
export function podHostname(pod: Pod): string {
  return (pod.spec.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
}

export class Agent {
  /** Resolves once the network and the pause image exist and the first sync is under way. */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;

  private readonly api: AgentApi;
  private readonly runtime: ContainerRuntime;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly resyncMs: number;

  private readonly memory = new Map<string, PodMemory>();
  private readonly workers = new Map<string, Worker>();
  private readonly pulls = new Map<string, Promise<void>>();
  /** Last fingerprint seen per pod uid (see onPodsChanged). */
  private readonly seen = new Map<string, string>();
  /** Orders snapshots against syncs: a snapshot older than a pod's last sync is stale. */
  private seq = 0;
  private changePending = false;
  private resyncRunning = false;
  private stopped = false;

  constructor(private readonly opts: AgentOptions) {
    this.api = opts.api;
    this.runtime = opts.runtime;
    this.log = opts.logger.child({ component: 'agent' });
    this.clock = opts.clock ?? Date.now;
    this.resyncMs = opts.resyncMs ?? 2000;
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
      if (uid && (e.action === 'die' || e.action === 'oom' || e.action === 'destroy')) this.schedule(uid);
    });
    const unsubscribe = this.api.onChange(() => this.onPodsChanged());
    const timer = setInterval(() => this.resync(), this.resyncMs);
    this.resync();
    this.resolveReady();
    this.log.info({ node: this.opts.nodeName }, 'agent started');

    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.stopped = true;
    clearInterval(timer);
    unsubscribe();
    // Let syncs in flight finish: a half-executed step would otherwise wait for the next agent.
    await Promise.allSettled([...this.workers.values()].map((w) => w.done));
    this.log.info('agent stopped');
  }

  // ---- scheduling ----------------------------------------------------------------------------
  //
  // Three triggers: a pod changed (onChange), a container died (Docker event), and the periodic
  // resync. A change only wakes the pods whose spec changed, so our own status writes (which the
  // store also announces) do not feed back into syncs. The resync lists the node's containers once
  // and hands each worker its slice, so an idle node costs one Docker list per period.

  /** What, in a pod object, calls for a sync: not its status (we write that ourselves). */
  private fingerprint(pod: Pod): string {
    return canonicalJSON({ spec: pod.spec, deletion: pod.metadata.deletionTimestamp });
  }

  /** Coalesced to one pass per tick however many changes the store announces. */
  private onPodsChanged(): void {
    if (this.stopped || this.changePending) return;
    this.changePending = true;
    setImmediate(() => {
      this.changePending = false;
      if (this.stopped) return;
      const current = new Set<string>();
      for (const pod of this.api.listPods()) {
        const uid = pod.metadata.uid;
        if (!uid) continue;
        current.add(uid);
        const fp = this.fingerprint(pod);
        if (this.seen.get(uid) !== fp) {
          this.seen.set(uid, fp);
          this.schedule(uid);
        }
      }
      for (const uid of [...this.seen.keys()]) {
        if (!current.has(uid)) {
          this.seen.delete(uid);
          this.schedule(uid);
        }
      }
    });
  }

  /** At most one resync pass runs; a tick that finds one running is skipped. */
  private resync(): void {
    if (this.stopped || this.resyncRunning) return;
    this.resyncRunning = true;
    this.syncAll()
      .catch((err) => this.log.error({ err }, 'resync failed'))
      .finally(() => {
        this.resyncRunning = false;
      });
  }

  /** Every desired pod, every pod the runtime still holds that is not desired, every pod we remember. */
  private async syncAll(): Promise<void> {
    const snapshotSeq = this.seq++;
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
    for (const pod of this.api.listPods()) {
      const uid = pod.metadata.uid;
      if (!uid) continue;
      desired.add(uid);
      this.seen.set(uid, this.fingerprint(pod));
      this.schedule(uid, { seq: snapshotSeq, containers: byUid.get(uid) ?? [] });
    }
    for (const uid of byUid.keys()) if (!desired.has(uid)) this.schedule(uid, { seq: snapshotSeq, containers: byUid.get(uid) ?? [] });
    for (const uid of this.memory.keys()) if (!desired.has(uid) && !byUid.has(uid)) this.schedule(uid);
  }

  /** Run the pod's worker now, or once more after the sync in progress. A snapshot is used only
   * if no sync of this pod ended after it was taken (else it may predate our own changes). */
  private schedule(uid: string, snapshot?: Snapshot): void {
    if (this.stopped) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { busy: false, again: false, lastSyncEnd: -1 };
      this.workers.set(uid, w);
    }
    if (w.busy) {
      w.again = true;
      return;
    }
    const worker = w;
    let containers = snapshot && snapshot.seq > worker.lastSyncEnd ? snapshot.containers : undefined;
    worker.busy = true;
    worker.done = (async () => {
      try {
        do {
          worker.again = false;
          try {
            await this.syncPod(uid, containers);
          } catch (err) {
            this.log.error({ err, uid }, 'pod sync failed');
          }
          containers = undefined;
          worker.lastSyncEnd = this.seq++;
        } while (worker.again && !this.stopped);
      } finally {
        worker.busy = false;
        if (!this.memory.has(uid)) this.workers.delete(uid);
      }
    })();
  }

  /** Only this node's containers: another agent on the same engine owns the rest. */
  private scope(podUid: string): { node: string; podUid: string } {
    return { node: this.opts.nodeName, podUid };
  }

  private findPod(uid: string): Pod | undefined {
    return this.api.listPods().find((p) => p.metadata.uid === uid);
  }

  private memoryOf(uid: string): PodMemory {
    let m = this.memory.get(uid);
    if (!m) {
      m = { restartBackoff: new Map(), pullBackoff: new Map(), waiting: new Map() };
      this.memory.set(uid, m);
    }
    return m;
  }

  // ---- one pod -------------------------------------------------------------------------------

  private async syncPod(uid: string, snapshot?: RuntimeContainer[]): Promise<void> {
    const pod = this.findPod(uid);
    if (!pod) {
      await this.terminatePod(uid, snapshot);
      return;
    }
    const mem = this.memoryOf(uid);
    mem.pod = pod;

    // Step 1: compute.
    let observed = observePod(uid, snapshot ?? (await this.runtime.listContainers(this.scope(uid))));
    const actions = computePodActions(pod, observed, this.clock(), mem.restartBackoff);

    // A brand-new pod shows Pending/ContainerCreating before the (slow) work starts.
    if (!pod.status?.phase && (actions.createSandbox || actions.containersToStart.length)) {
      await this.writeStatus(uid, observed, mem);
    }

    // Steps 2-7: execute; then look again and report.
    if (await this.execute(pod, observed, actions, mem)) {
      observed = observePod(uid, await this.runtime.listContainers(this.scope(uid)));
    }
    await this.writeStatus(uid, observed, mem);
  }

  private async writeStatus(uid: string, observed: ObservedPod, mem: PodMemory): Promise<void> {
    const pod = this.findPod(uid);
    if (!pod) return;
    const status = computePodStatus(pod, observed, { hostIP: this.opts.hostIP, now: this.clock(), waiting: mem.waiting });
    if (canonicalJSON(status) === canonicalJSON(pod.status ?? null)) return;
    await this.api.updatePodStatus(pod, status);
  }

  /** Returns whether anything in the runtime changed. */
  private async execute(pod: Pod, observed: ObservedPod, actions: PodActions, mem: PodMemory): Promise<boolean> {
    let changed = false;
    const grace = graceOf(pod, observed);

    // Step 2: sandbox gone -> say so, and stop everything still running.
    if (actions.createSandbox && observed.sandboxes.length > 0) {
      this.api.recordEvent(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    if (actions.killPod) {
      await this.stopAll(pod, observed, grace);
      changed = true;
    } else {
      // Step 3: kill the containers that must not run (spec changed, duplicates).
      await Promise.all(
        actions.containersToKill.map(async (k) => {
          if (k.name !== SANDBOX_NAME) this.api.recordEvent(pod, 'Normal', 'Killing', k.message);
          await this.runtime.stopContainer(k.id, k.name === SANDBOX_NAME ? SANDBOX_STOP_SECONDS : grace);
        }),
      );
      changed ||= actions.containersToKill.length > 0;
    }

    // Step 4: remove dead containers nobody needs (keeps one dead per name for `logs --previous`).
    for (const r of actions.containersToRemove) await this.runtime.removeContainer(r.id);
    changed ||= actions.containersToRemove.length > 0;

    // Step 5: the sandbox.
    let sandbox = actions.sandboxId ? observed.sandboxes.find((s) => s.id === actions.sandboxId) : undefined;
    if (actions.createSandbox) {
      changed = true;
      const made = await this.createSandbox(pod, actions.sandboxAttempt);
      if (!made) return changed;
      sandbox = { ...made, attempt: actions.sandboxAttempt, state: 'running', createdAt: '' };
    }

    // Step 6: the containers, in spec order.
    if (sandbox?.ip) {
      for (const start of actions.containersToStart) {
        const spec = pod.spec.containers.find((c) => c.name === start.name);
        if (!spec) continue;
        changed = true;
        await this.startContainer(pod, { id: sandbox.id, ip: sandbox.ip }, spec, start, mem);
      }
    }

    // Step 7: those held back by their restart back-off.
    for (const b of actions.backoff) {
      const ref = podRef(pod);
      this.setWaiting(pod, mem, b.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(b.delayMs / 1000)}s restarting failed container=${b.name} pod=${ref.name}_${ref.namespace}(${ref.uid})`,
      }, 'Warning', 'BackOff', `Back-off restarting failed container ${b.name} in pod ${ref.name}_${ref.namespace}(${ref.uid})`);
    }
    return changed;
  }

  /** Stop the app containers (grace period), then the sandbox. */
  private async stopAll(pod: Pod | undefined, observed: ObservedPod, grace: number): Promise<void> {
    await Promise.all(
      observed.containers
        .filter((c) => c.state === 'running')
        .map(async (c) => {
          if (pod) this.api.recordEvent(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
          await this.runtime.stopContainer(c.id, grace);
        }),
    );
    await Promise.all(
      observed.sandboxes.filter((s) => s.state === 'running').map((s) => this.runtime.stopContainer(s.id, SANDBOX_STOP_SECONDS)),
    );
  }

  /** Record why a container waits; an event only when the reason or message is new. */
  private setWaiting(
    pod: Pod,
    mem: PodMemory,
    name: string,
    w: WaitingReason,
    eventType: 'Normal' | 'Warning',
    eventReason: string,
    eventMessage: string,
  ): void {
    const prev = mem.waiting.get(name);
    mem.waiting.set(name, w);
    if (prev?.reason !== w.reason || prev?.message !== w.message) {
      this.api.recordEvent(pod, eventType, eventReason, eventMessage);
    }
  }

  private podDir(uid: string): string {
    return join(this.opts.dataDir, 'pods', uid);
  }

  /** Written before each container creation: cheap, and a wiped data dir must not turn the bind
   * mount source into a directory (Docker creates missing sources as directories). */
  private async writeResolvConf(pod: Pod): Promise<string> {
    const dir = this.podDir(podRef(pod).uid);
    await mkdir(dir, { recursive: true });
    let hostText = '';
    const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
    if (policy === 'Default' || this.opts.dns.nameservers.length === 0) {
      hostText = await readFile(this.opts.hostResolvConfPath ?? '/etc/resolv.conf', 'utf8').catch(() => '');
    }
    const path = join(dir, 'resolv.conf');
    await writeFile(path, resolvConf(pod, this.opts.dns, hostText), { mode: 0o644 });
    return path;
  }

  private async createSandbox(pod: Pod, attempt: number): Promise<{ id: string; ip: string } | undefined> {
    const ref = podRef(pod);
    let id: string | undefined;
    try {
      await this.writeResolvConf(pod);
      id = await this.runtime.createContainer({
        name: containerName(ref, SANDBOX_NAME, attempt),
        image: this.opts.pauseImage,
        labels: {
          ...podLabels(this.opts.nodeName, ref, pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
          [LABEL_CONTAINER_TYPE]: 'sandbox',
          [LABEL_ATTEMPT]: String(attempt),
        },
        hostname: podHostname(pod),
        networkMode: this.opts.network.name,
      });
      await this.runtime.startContainer(id);
      const info = await this.runtime.inspectContainer(id);
      if (!info?.ip) throw new Error(`sandbox ${id.slice(0, 12)} has no address on network ${this.opts.network.name}`);
      await this.runtime.enableHairpin(this.opts.network);
      return { id, ip: info.ip };
    } catch (err) {
      const msg = errorMessage(err);
      this.log.warn({ pod: `${ref.namespace}/${ref.name}`, err: msg }, 'sandbox creation failed');
      this.api.recordEvent(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      if (id) await this.runtime.removeContainer(id).catch(() => undefined);
      return undefined;
    }
  }

  /** Pull per imagePullPolicy, with back-off; false when the image is not (yet) available. */
  private async ensureImage(pod: Pod, spec: Container, mem: PodMemory): Promise<boolean> {
    const image = spec.image;
    const policy = spec.imagePullPolicy ?? defaultPullPolicy(image);
    const present = await this.runtime.imageID(image);
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.api.recordEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return true;
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.setWaiting(pod, mem, spec.name, { reason: 'ErrImageNeverPull', message }, 'Warning', 'ErrImageNeverPull', message);
      return false;
    }
    const now = this.clock();
    const entry = mem.pullBackoff.get(image);
    if (isInBackoffSinceUpdate(entry, now)) {
      const message = `Back-off pulling image "${image}"`;
      this.setWaiting(pod, mem, spec.name, { reason: 'ImagePullBackOff', message }, 'Normal', 'BackOff', message);
      return false;
    }
    this.api.recordEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const began = this.clock();
    try {
      await this.pull(image);
    } catch (err) {
      const msg = errorMessage(err);
      mem.pullBackoff.set(image, nextBackoff(entry, now, this.clock()));
      mem.waiting.set(spec.name, { reason: 'ErrImagePull', message: msg });
      this.api.recordEvent(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.api.recordEvent(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      return false;
    }
    mem.pullBackoff.delete(image);
    const secs = ((this.clock() - began) / 1000).toFixed(3);
    this.api.recordEvent(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s`);
    return true;
  }

  /** One pull per image at a time, shared by every pod that needs it. */
  private pull(image: string): Promise<void> {
    let p = this.pulls.get(image);
    if (!p) {
      p = this.runtime.pullImage(image).finally(() => this.pulls.delete(image));
      this.pulls.set(image, p);
    }
    return p;
  }

  private containerEnv(pod: Pod, spec: Container, podIP: string): { env: string[]; vars: Map<string, string> } {
    const vars = new Map<string, string>();
    for (const e of spec.env ?? []) {
      let value: string | undefined;
      if (e.value !== undefined) value = expandVars(e.value, vars);
      else if (e.valueFrom?.fieldRef) value = this.fieldRef(pod, e.valueFrom.fieldRef.fieldPath, podIP);
      else if (e.valueFrom) {
        // configMapKeyRef / secretKeyRef need objects the AgentApi does not offer yet.
        this.log.warn({ pod: pod.metadata.name, env: e.name }, 'env valueFrom configMap/secret is not supported yet');
      }
      if (value !== undefined) vars.set(e.name, value);
    }
    return { env: [...vars].map(([k, v]) => `${k}=${v}`), vars };
  }

  /** The downward API fields a container can read through env. */
  private fieldRef(pod: Pod, path: string, podIP: string): string | undefined {
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]];
    switch (path) {
      case 'metadata.name':
        return pod.metadata.name;
      case 'metadata.namespace':
        return pod.metadata.namespace ?? 'default';
      case 'metadata.uid':
        return pod.metadata.uid;
      case 'spec.nodeName':
        return pod.spec.nodeName ?? this.opts.nodeName;
      case 'status.podIP':
        return podIP;
      case 'status.hostIP':
        return this.opts.hostIP;
      default:
        return undefined;
    }
  }

  private async startContainer(
    pod: Pod,
    sandbox: { id: string; ip: string },
    spec: Container,
    start: ContainerToStart,
    mem: PodMemory,
  ): Promise<void> {
    const ref = podRef(pod);
    // A restart counts against the container's back-off, whether or not it then succeeds.
    if (start.previousFinishedAt !== undefined) {
      mem.restartBackoff.set(spec.name, nextBackoff(mem.restartBackoff.get(spec.name), start.previousFinishedAt, this.clock()));
    }
    if (!(await this.ensureImage(pod, spec, mem))) return;

    let id: string;
    try {
      const resolvPath = await this.writeResolvConf(pod);
      const { env, vars } = this.containerEnv(pod, spec, sandbox.ip);
      id = await this.runtime.createContainer({
        name: containerName(ref, spec.name, start.attempt),
        image: spec.image,
        labels: {
          ...podLabels(this.opts.nodeName, ref, pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
          [LABEL_CONTAINER_TYPE]: 'container',
          [LABEL_CONTAINER_NAME]: spec.name,
          [LABEL_ATTEMPT]: String(start.attempt),
          [LABEL_HASH]: hashContainer(spec),
        },
        entrypoint: spec.command?.map((s) => expandVars(s, vars)),
        cmd: spec.args?.map((s) => expandVars(s, vars)),
        env,
        workingDir: spec.workingDir,
        openStdin: spec.stdin,
        stdinOnce: spec.stdinOnce,
        tty: spec.tty,
        networkMode: `container:${sandbox.id}`,
        binds: [`${resolvPath}:/etc/resolv.conf`],
      });
    } catch (err) {
      const msg = errorMessage(err);
      mem.waiting.set(spec.name, { reason: 'CreateContainerError', message: msg });
      this.api.recordEvent(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return;
    }
    this.api.recordEvent(pod, 'Normal', 'Created', `Created container ${spec.name}`);
    try {
      await this.runtime.startContainer(id);
    } catch (err) {
      // The container stays, dead with Docker's error: the next sync restarts it with back-off.
      const msg = errorMessage(err);
      mem.waiting.delete(spec.name);
      this.api.recordEvent(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return;
    }
    mem.waiting.delete(spec.name);
    this.api.recordEvent(pod, 'Normal', 'Started', `Started container ${spec.name}`);
  }

  /** The pod is gone from the API: stop (with grace) and remove everything it had, and its files. */
  private async terminatePod(uid: string, snapshot?: RuntimeContainer[]): Promise<void> {
    const mem = this.memory.get(uid);
    const observed = observePod(uid, snapshot ?? (await this.runtime.listContainers(this.scope(uid))));
    if (observed.sandboxes.length || observed.containers.length) {
      this.log.info({ uid, pod: `${observed.namespace}/${observed.name}` }, mem?.pod ? 'removing deleted pod' : 'removing orphan pod');
      await this.stopAll(mem?.pod, observed, graceOf(mem?.pod, observed));
      for (const c of [...observed.containers, ...observed.sandboxes]) await this.runtime.removeContainer(c.id);
    }
    await rm(this.podDir(uid), { recursive: true, force: true });
    this.memory.delete(uid);
  }

  // ---- logs ----------------------------------------------------------------------------------

  /** `kubectl logs`: stdout and stderr of the pod's current (or previous) container. */
  async logs(namespace: string, podName: string, container: string | undefined, opts: LogsOptions = {}): Promise<NodeJS.ReadableStream> {
    const pod = this.api.listPods().find((p) => p.metadata.name === podName && (p.metadata.namespace ?? 'default') === namespace);
    if (!pod?.metadata.uid) throw new AgentError('NotFound', `pods "${podName}" not found`);
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
      this.api.listPods().flatMap((pod) => {
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
    const pod = this.api.listPods().find((p) => p.metadata.name === podName && (p.metadata.namespace ?? 'default') === namespace);
    if (!pod?.metadata.uid) throw new AgentError('NotFound', `pods "${podName}" not found`);
    const observed = observePod(pod.metadata.uid, await this.runtime.listContainers(this.scope(pod.metadata.uid)));
    return pickStreamTarget(pod, observed, want, this.opts.network.subnet);
  }
}
