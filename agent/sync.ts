// The sync of one pod (kubelet's SyncPod / SyncTerminatingPod / SyncTerminatedPod): compute what
// to do (actions.ts, pure), execute it in numbered steps, then compute the status (status.ts,
// pure) and write it only if it changed. A pod being deleted is stopped with its grace period and
// then deleted for good; a pod gone from the API has whatever is left of it removed.
import { availableParallelism, totalmem } from 'node:os';
import type { Container, Pod } from '../src/api/types.js';
import { canonicalJSON } from '../src/store/canonical.js';
import type { Logger } from '../src/log.js';
import { computePodActions, type ContainerToStart, type PodActions } from './actions.js';
import { nextBackoff, type BackoffEntry } from './backoff.js';
import { containerSettings, sandboxSettings, verifyRunAsNonRoot } from './container-config.js';
import { containerEnv, expandVars } from './env.js';
import { errorMessage, ImageManager } from './image-manager.js';
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_HASH,
  LABEL_HOST_NETWORK_IP,
  LABEL_TERMINATION_MESSAGE_FILE,
  LABEL_TERMINATION_MESSAGE_POLICY,
  SANDBOX_NAME,
  containerName,
  hashContainer,
  podLabels,
  type PodRef,
} from './labels.js';
import { containerSpecOf, MINIMUM_GRACE_PERIOD_SECONDS, runHook, runPreStop, type HookDeps } from './lifecycle.js';
import type { NetworkConfig } from './network.js';
import { credentialsFor, keyringOf, missingSecretsMessage } from './pull-secrets.js';
import type { NodeView } from './node-view.js';
import { observePod, readySandbox, type ObservedContainer, type ObservedPod } from './observed.js';
import type { ProbeResults } from './probe-results.js';
import type { ProbeManager } from './prober/manager.js';
import { terminationStages } from './termination-order.js';
import type { VolumeManager } from './volumes/index.js';
import type { PodFiles } from './pod-files.js';
import type { ContainerRuntime, RuntimeContainer } from './runtime.js';
import { computePodStatus, type WaitingReason } from './status.js';
import { readTerminationMessage } from './termination-message.js';
import { isRuntimeUnavailable } from './runtime-health.js';
import { sandboxRetryWait } from './sandbox-backoff.js';

export const DEFAULT_GRACE_SECONDS = 30;
/** catatonit exits on SIGTERM at once; the bound only matters if the engine is slow. */
const SANDBOX_STOP_SECONDS = 2;

export interface SyncOptions {
  view: NodeView;
  runtime: ContainerRuntime;
  images: ImageManager;
  files: PodFiles;
  volumes: VolumeManager;
  probes: ProbeManager;
  logger: Logger;
  clock: () => number;
  nodeName: string;
  hostIP: string;
  network: NetworkConfig;
  pauseImage: string;
  /** What lifecycle hooks run through (exec in a container, timers); none: exec hooks fail. */
  hooks?: HookDeps;
}

/** What the agent remembers about one pod between syncs (lost on restart, by design). */
interface PodMemory {
  /** The last pod object seen, to attach events while stopping a deleted pod. */
  pod?: Pod;
  /** Restart back-off per container name. */
  restartBackoff: Map<string, BackoffEntry>;
  /** Why each non-running container waits (kubelet's reasonCache). */
  waiting: Map<string, WaitingReason>;
  /** Containers being stopped right now (a shorter grace period may hurry them). */
  stopping: Set<string>;
  /** The last FailedMount message, so it is recorded once, not at every sync. */
  mountError?: string;
  /** The pull secrets last found missing, so FailedToRetrieveImagePullSecret is recorded once. */
  missingPullSecrets?: string;
  /** Termination messages of exited containers by id: read once, they never change. */
  terminationMessages: Map<string, string | undefined>;
  /** When creating its sandbox last failed (sandbox-backoff.ts). */
  sandboxFailedAt?: number;
}

/** Init containers first, as the kubelet lists them. */
function allContainers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

export function podRef(pod: Pod): PodRef {
  return { uid: pod.metadata.uid ?? '', name: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default' };
}

/** A pod's hostname: spec.hostname or the pod name, within the 63 characters a label allows. */
export function podHostname(pod: Pod): string {
  return (pod.spec.hostname ?? pod.metadata.name).slice(0, 63).replace(/[-.]+$/, '');
}

/** The grace period a stop gets: the deletion's (it may only shrink), else the spec's. */
export function gracePeriodOf(pod: Pod | undefined, observed: ObservedPod): number {
  return pod?.metadata.deletionGracePeriodSeconds ?? pod?.spec.terminationGracePeriodSeconds ?? observed.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
}

/** What a quiet pod's next resync compares: the pod object's version and its containers' states. */
function quietKey(pod: Pod, containers: RuntimeContainer[]): string {
  const states = containers.map((c) => `${c.id}:${c.state}`).sort();
  return `${pod.metadata.resourceVersion ?? ''}|${states.join(',')}`;
}

export class PodSyncer {
  private readonly memory = new Map<string, PodMemory>();
  /** Per pod uid: the quietKey of a sync that found nothing to do. */
  private readonly quiet = new Map<string, string>();
  private readonly log: Logger;
  private readonly cpus = availableParallelism();
  private readonly memoryBytes = totalmem();

  constructor(private readonly o: SyncOptions) {
    this.log = o.logger;
  }

  /** Whether the agent still holds anything for this pod (its worker must then stay). */
  remembers(uid: string): boolean {
    return this.memory.has(uid);
  }

  remembered(): string[] {
    return [...this.memory.keys()];
  }

  /** Pods with files on disk (a pod deleted while the agent was down leaves them behind). */
  podsWithFiles(): Promise<string[]> {
    return this.o.volumes.podDirs();
  }

  /** Only this node's containers: another agent on the same engine owns the rest. */
  private async list(uid: string): Promise<RuntimeContainer[]> {
    return this.o.runtime.listContainers({ node: this.o.nodeName, podUid: uid });
  }

  private memoryOf(uid: string): PodMemory {
    let m = this.memory.get(uid);
    if (!m) {
      m = { restartBackoff: new Map(), waiting: new Map(), stopping: new Set(), terminationMessages: new Map() };
      this.memory.set(uid, m);
    }
    return m;
  }

  async sync(uid: string, snapshot?: RuntimeContainer[]): Promise<void> {
    this.quiet.delete(uid);
    const pod = this.o.view.pod(uid);
    if (!pod) {
      await this.removePod(uid, snapshot);
      return;
    }
    const mem = this.memoryOf(uid);
    mem.pod = pod;
    const listed = snapshot ?? (await this.list(uid));
    let observed = observePod(uid, listed);
    this.syncProbes(pod, observed);
    if (pod.metadata.deletionTimestamp) {
      await this.terminate(pod, observed, mem);
      return;
    }

    // Step 1: compute.
    const actions = computePodActions(pod, observed, this.o.clock(), mem.restartBackoff, this.probeResults);
    const starts = actions.createSandbox || actions.containersToStart.length > 0 || actions.initContainersToStart.length > 0;
    const idle = !starts && !actions.killPod && !actions.containersToKill.length && !actions.containersToRemove.length && !actions.backoff.length;

    // A brand-new pod shows Pending/ContainerCreating before the (slow) work starts.
    if (!pod.status?.phase && starts) await this.writeStatus(uid, observed, mem);

    // The volumes, before anything starts (kubelet's WaitForAttachAndMount), and at every sync so
    // a changed ConfigMap or Secret reaches the mounted files.
    const volumes = await this.o.volumes.setUp(pod);
    if (!volumes.ok) {
      this.volumeFailed(pod, mem, volumes);
      actions.createSandbox = false;
      actions.containersToStart = [];
      actions.initContainersToStart = [];
    } else {
      mem.mountError = undefined;
    }
    // A sandbox that failed to be created is tried again after the pod worker's back-off.
    if (actions.createSandbox && sandboxRetryWait(mem.sandboxFailedAt, this.o.clock()) > 0) {
      actions.createSandbox = false;
      actions.containersToStart = [];
      actions.initContainersToStart = [];
    }

    // Steps 2-7: execute; then look again and report.
    const mounts = volumes.ok ? volumes.mounts : () => [];
    const changed = await this.execute(pod, observed, actions, mem, mounts);
    if (changed) observed = observePod(uid, await this.list(uid));
    this.syncProbes(pod, observed);
    const wrote = await this.writeStatus(uid, observed, mem);
    if (idle && !wrote && volumes.ok && mem.waiting.size === 0) this.quiet.set(uid, quietKey(pod, listed));
  }

  /** The prober's results as the pure decisions read them. */
  private readonly probeResults: ProbeResults = {
    liveness: (id) => this.o.probes.results.get(id, 'liveness'),
    startup: (id) => this.o.probes.results.get(id, 'startup'),
    readiness: (id) => {
      const r = this.o.probes.results.get(id, 'readiness');
      return r === undefined ? undefined : r === 'Success';
    },
  };

  /** Probe workers follow the pod's current containers. */
  private syncProbes(pod: Pod, observed: ObservedPod): void {
    const current = new Map<string, ObservedContainer>();
    for (const c of observed.containers) if (!current.has(c.name)) current.set(c.name, c);
    const containers = [...current.values()].map((c) => ({ name: c.name, id: c.id, startedAt: c.startedAt, running: c.state === 'running' }));
    this.o.probes.syncPod(pod, containers, readySandbox(observed)?.ip ?? '');
  }

  /** FailedMount (the pod waits in ContainerCreating) or a bad subPath (CreateContainerConfigError). */
  private volumeFailed(pod: Pod, mem: PodMemory, failure: { reason: 'FailedMount' | 'CreateContainerConfigError'; message: string }): void {
    if (failure.reason === 'CreateContainerConfigError') {
      for (const c of allContainers(pod)) mem.waiting.set(c.name, { reason: 'CreateContainerConfigError', message: failure.message });
    }
    if (mem.mountError === failure.message) return;
    mem.mountError = failure.message;
    this.o.view.recordEvent(pod, 'Warning', failure.reason === 'FailedMount' ? 'FailedMount' : 'Failed', failure.reason === 'FailedMount' ? failure.message : `Error: ${failure.message}`);
  }

  /**
   * A shorter grace period arrived while the pod's containers are being stopped (a second delete,
   * a force delete's grace 0): stop them again with it, but never under the kubelet's minimum of
   * 2 s (killContainer's minimumGracePeriodInSeconds), as kube's docs promise a force-deleted pod.
   */
  hurry(uid: string, graceSeconds: number): void {
    const mem = this.memory.get(uid);
    const grace = Math.max(MINIMUM_GRACE_PERIOD_SECONDS, graceSeconds);
    for (const id of mem?.stopping ?? []) void this.o.runtime.stopContainer(id, grace).catch(() => undefined);
  }

  /** Returns whether the status changed (and was written). */
  private async writeStatus(uid: string, observed: ObservedPod, mem: PodMemory): Promise<boolean> {
    const pod = this.o.view.pod(uid);
    if (!pod) return false;
    await this.readTerminationMessages(observed, mem);
    const status = computePodStatus(pod, observed, { hostIP: this.o.hostIP, now: this.o.clock(), waiting: mem.waiting, probes: this.probeResults });
    if (canonicalJSON(status) === canonicalJSON(pod.status ?? null)) return false;
    await this.o.view.updatePodStatus(pod, status);
    return true;
  }

  /**
   * Whether a resync may pass this pod by: its last sync had nothing to do and nothing pending
   * (no back-off, no waiting container), and neither the pod object nor its containers changed
   * since. Anything else that matters (a probe result, a ConfigMap, a Docker event) schedules
   * the pod directly. This keeps an idle node's resync to one Docker list.
   */
  isQuiet(pod: Pod, containers: RuntimeContainer[]): boolean {
    return this.quiet.get(podRef(pod).uid) === quietKey(pod, containers);
  }

  /** The messages of the exited containers (a side effect: files and logs), into `observed`. */
  private async readTerminationMessages(observed: ObservedPod, mem: PodMemory): Promise<void> {
    const sources = {
      readTail: (path: string, max: number) => this.o.files.readTail(path, max),
      logsTail: async (id: string, lines: number) => {
        const chunks: Buffer[] = [];
        for await (const chunk of await this.o.runtime.logs(id, { tailLines: lines })) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks);
      },
    };
    for (const c of observed.containers) {
      if (c.state !== 'exited') continue;
      if (!mem.terminationMessages.has(c.id)) mem.terminationMessages.set(c.id, await readTerminationMessage(c, sources));
      c.terminationMessage = mem.terminationMessages.get(c.id);
    }
    // forget the containers gone
    const ids = new Set(observed.containers.map((c) => c.id));
    for (const id of mem.terminationMessages.keys()) if (!ids.has(id)) mem.terminationMessages.delete(id);
  }

  /** Returns whether anything in the runtime changed. */
  private async execute(pod: Pod, observed: ObservedPod, actions: PodActions, mem: PodMemory, mounts: (container: string) => string[]): Promise<boolean> {
    let changed = false;
    const grace = gracePeriodOf(pod, observed);

    // Step 2: sandbox gone -> say so, and stop everything still running.
    if (actions.createSandbox && observed.sandboxes.length > 0) {
      this.o.view.recordEvent(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    }
    // Step 3: kill the pod, or the containers that must not run (spec changed, duplicates).
    if (actions.killPod) {
      await this.stopAll(pod, observed, grace, mem);
      changed = true;
    } else if (actions.containersToKill.length) {
      const podIP = readySandbox(observed)?.ip ?? '';
      await Promise.all(
        actions.containersToKill.map(async (k) => {
          if (k.name === SANDBOX_NAME) return this.o.runtime.stopContainer(k.id, SANDBOX_STOP_SECONDS);
          this.o.view.recordEvent(pod, 'Normal', 'Killing', k.message);
          // the preStop hook runs whatever the reason (spec change, liveness), inside the grace period
          const used = await this.preStop(pod, { id: k.id, name: k.name }, grace, podIP);
          await this.o.runtime.stopContainer(k.id, used === undefined ? grace : Math.max(MINIMUM_GRACE_PERIOD_SECONDS, grace - used));
        }),
      );
      changed = true;
    }

    // Step 4: remove dead containers nobody needs (keeps one dead per name for `logs --previous`).
    for (const r of actions.containersToRemove) await this.o.runtime.removeContainer(r.id);
    changed ||= actions.containersToRemove.length > 0;

    // Step 5: the sandbox.
    let sandbox = actions.sandboxId ? observed.sandboxes.find((s) => s.id === actions.sandboxId) : undefined;
    if (actions.createSandbox) {
      changed = true;
      const made = await this.createSandbox(pod, actions.sandboxAttempt);
      mem.sandboxFailedAt = made ? undefined : this.o.clock();
      if (!made) return changed;
      sandbox = { ...made, attempt: actions.sandboxAttempt, state: 'running', createdAt: '' };
    }

    // Step 6: the init containers, then the app containers, in spec order; a pod deleted
    // meanwhile stops being built. A plain init container that fails to start holds the rest.
    if (sandbox?.ip) {
      const target = { id: sandbox.id, ip: sandbox.ip };
      for (const start of actions.initContainersToStart) {
        const spec = pod.spec.initContainers?.find((c) => c.name === start.name);
        if (!spec || this.isBeingDeleted(pod)) break;
        changed = true;
        const started = await this.startContainer(pod, target, spec, start, mem, mounts(spec.name));
        if (!started && spec.restartPolicy !== 'Always') break;
      }
      for (const start of actions.containersToStart) {
        const spec = pod.spec.containers.find((c) => c.name === start.name);
        if (!spec) continue;
        if (this.isBeingDeleted(pod)) break;
        changed = true;
        await this.startContainer(pod, target, spec, start, mem, mounts(spec.name));
      }
    }

    // Step 7: those held back by their restart back-off.
    for (const b of actions.backoff) {
      const ref = podRef(pod);
      this.setWaiting(pod, mem, b.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(b.delayMs / 1000)}s restarting failed container=${b.name} pod=${ref.name}_${ref.namespace}(${ref.uid})`,
      }, { type: 'Warning', reason: 'BackOff', message: `Back-off restarting failed container ${b.name} in pod ${ref.name}_${ref.namespace}(${ref.uid})` });
    }
    return changed;
  }

  /** The pod object is gone or marked for deletion since this sync began. */
  private isBeingDeleted(pod: Pod): boolean {
    const now = this.o.view.pod(podRef(pod).uid);
    return !now || !!now.metadata.deletionTimestamp;
  }

  /** Stop the containers stage by stage (app containers, then the sidecars, last started
   * first: termination-order.ts), each with the grace period left, then the sandbox. */
  private async stopAll(pod: Pod | undefined, observed: ObservedPod, grace: number, mem: PodMemory | undefined): Promise<void> {
    const deadline = this.o.clock() + grace * 1000;
    const stages = terminationStages(pod, observed);
    // Every container's preStop hook starts at once (kube's killContainer runs its hook, then waits
    // for the container's turn); each stage is stopped once its own hooks are done.
    const podIP = readySandbox(observed)?.ip ?? '';
    const hooks = new Map(stages.flat().map((c) => [c.id, this.preStop(pod, c, grace, podIP)]));
    for (const stage of stages) {
      await Promise.all(
        stage.map(async (c) => {
          if (pod) this.o.view.recordEvent(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
          mem?.stopping.add(c.id);
          try {
            const hooked = (await hooks.get(c.id)) !== undefined;
            // after a hook, the container still gets kube's minimum to handle SIGTERM
            const left = Math.max(hooked ? MINIMUM_GRACE_PERIOD_SECONDS : 0, Math.ceil((deadline - this.o.clock()) / 1000));
            await this.o.runtime.stopContainer(c.id, left);
          } finally {
            mem?.stopping.delete(c.id);
          }
        }),
      );
    }
    await Promise.all(
      observed.sandboxes.filter((s) => s.state === 'running').map((s) => this.o.runtime.stopContainer(s.id, SANDBOX_STOP_SECONDS)),
    );
  }

  /**
   * The container's preStop hook, if it has one and there is a grace period to run it in; resolves
   * to the whole seconds it used (undefined: no hook ran). A failure is an event, and the stop goes on.
   */
  private async preStop(pod: Pod | undefined, c: { id: string; name: string }, grace: number, podIP: string): Promise<number | undefined> {
    const spec = containerSpecOf(pod, c.name);
    const handler = spec?.lifecycle?.preStop;
    if (!pod || !spec || !handler || grace <= 0) return undefined;
    return runPreStop(handler, pod, spec, { containerId: c.id, podIP }, grace, this.o.hooks ?? {}, (message) => {
      this.log.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: c.name, err: message }, 'PreStop hook failed');
      // the hook's output may hold secrets: kube keeps it out of the event
      this.o.view.recordEvent(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed');
    });
  }

  /** Terminating (deletionTimestamp set): stop everything with the deletion's grace period,
   * report the final container states, then delete the pod object for good (the kubelet's last word). */
  private async terminate(pod: Pod, observed: ObservedPod, mem: PodMemory): Promise<void> {
    const uid = podRef(pod).uid;
    const running = observed.containers.some((c) => c.state === 'running') || observed.sandboxes.some((s) => s.state === 'running');
    if (running) {
      await this.stopAll(pod, observed, gracePeriodOf(pod, observed), mem);
      observed = observePod(uid, await this.list(uid));
    }
    await this.writeStatus(uid, observed, mem);
    const current = this.o.view.pod(uid);
    if (current) await this.o.view.deletePod(current);
  }

  /** Record why a container waits; an event only when the reason or message is new. */
  private setWaiting(
    pod: Pod,
    mem: PodMemory,
    name: string,
    w: WaitingReason,
    event?: { type: 'Normal' | 'Warning'; reason: string; message: string },
  ): void {
    const prev = mem.waiting.get(name);
    mem.waiting.set(name, w);
    if (event && (prev?.reason !== w.reason || prev?.message !== w.message)) {
      this.o.view.recordEvent(pod, event.type, event.reason, event.message);
    }
  }

  private async createSandbox(pod: Pod, attempt: number): Promise<{ id: string; ip: string } | undefined> {
    const ref = podRef(pod);
    const sandbox = sandboxSettings(pod);
    let id: string | undefined;
    try {
      await this.o.files.writeResolvConf(pod);
      id = await this.o.runtime.createContainer({
        name: containerName(ref, SANDBOX_NAME, attempt),
        image: this.o.pauseImage,
        labels: {
          ...podLabels(this.o.nodeName, ref, pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
          [LABEL_CONTAINER_TYPE]: 'sandbox',
          [LABEL_ATTEMPT]: String(attempt),
          ...(sandbox.hostNetwork ? { [LABEL_HOST_NETWORK_IP]: this.o.hostIP } : {}),
        },
        hostname: podHostname(pod),
        networkMode: sandbox.hostNetwork ? 'host' : this.o.network.name,
        portBindings: Object.keys(sandbox.portBindings).length ? sandbox.portBindings : undefined,
        ipcMode: sandbox.ipcMode,
      });
      await this.o.runtime.startContainer(id);
      // on the host's network the pod's IP is the node's
      if (sandbox.hostNetwork) return { id, ip: this.o.hostIP };
      const info = await this.o.runtime.inspectContainer(id);
      if (!info?.ip) throw new Error(`sandbox ${id.slice(0, 12)} has no address on network ${this.o.network.name}`);
      await this.o.runtime.enableHairpin(this.o.network);
      return { id, ip: info.ip };
    } catch (err) {
      // no engine to talk to: the agent's runtime health takes it from here (no event, no back-off)
      if (isRuntimeUnavailable(err)) throw err;
      const msg = errorMessage(err);
      this.log.warn({ pod: `${ref.namespace}/${ref.name}`, err: msg }, 'sandbox creation failed');
      this.o.view.recordEvent(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${msg}`);
      if (id) await this.o.runtime.removeContainer(id).catch(() => undefined);
      return undefined;
    }
  }

  /** Returns whether the container was started. */
  private async startContainer(
    pod: Pod,
    sandbox: { id: string; ip: string },
    spec: Container,
    start: ContainerToStart,
    mem: PodMemory,
    mounts: string[],
  ): Promise<boolean> {
    const ref = podRef(pod);
    // A restart counts against the container's back-off, whether or not it then succeeds.
    if (start.previousFinishedAt !== undefined) {
      mem.restartBackoff.set(spec.name, nextBackoff(mem.restartBackoff.get(spec.name), start.previousFinishedAt, this.o.clock()));
    }
    const image = await this.o.images.ensure(pod, spec, this.pullCredentials(pod, spec, mem));
    if (!image.ok) {
      this.setWaiting(pod, mem, spec.name, image.waiting, image.event);
      return false;
    }
    const env = containerEnv(pod, spec, {
      configMap: (ns, name) => this.o.view.configMap(ns, name),
      secret: (ns, name) => this.o.view.secret(ns, name),
      services: (ns) => this.o.view.services(ns),
      podIP: sandbox.ip,
      hostIP: this.o.hostIP,
      nodeName: this.o.nodeName,
      nodeCPUCores: this.cpus,
      nodeMemoryBytes: this.memoryBytes,
    });
    const configError = env.ok ? await this.nonRootError(pod, spec) : env.message;
    if (configError !== undefined || !env.ok) {
      // kubelet: CreateContainerConfigError, an event each time the sync fails on it
      const message = configError ?? '';
      this.setWaiting(pod, mem, spec.name, { reason: 'CreateContainerConfigError', message });
      this.o.view.recordEvent(pod, 'Warning', 'Failed', `Error: ${message}`);
      return false;
    }
    if (this.isBeingDeleted(pod)) return false;

    let id: string;
    try {
      const resolvPath = await this.o.files.writeResolvConf(pod);
      // a fresh file per attempt, bind-mounted where the app writes its termination message
      const messagePath = spec.terminationMessagePath ? await this.o.files.createTerminationMessageFile(ref.uid, spec.name) : undefined;
      id = await this.o.runtime.createContainer({
        name: containerName(ref, spec.name, start.attempt),
        image: spec.image,
        labels: {
          ...podLabels(this.o.nodeName, ref, pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS),
          [LABEL_CONTAINER_TYPE]: 'container',
          [LABEL_CONTAINER_NAME]: spec.name,
          [LABEL_ATTEMPT]: String(start.attempt),
          [LABEL_HASH]: hashContainer(spec),
          ...(messagePath
            ? { [LABEL_TERMINATION_MESSAGE_FILE]: messagePath, [LABEL_TERMINATION_MESSAGE_POLICY]: spec.terminationMessagePolicy ?? 'File' }
            : {}),
        },
        entrypoint: spec.command?.map((s) => expandVars(s, env.vars)),
        cmd: spec.args?.map((s) => expandVars(s, env.vars)),
        env: env.env,
        workingDir: spec.workingDir,
        openStdin: spec.stdin,
        stdinOnce: spec.stdinOnce,
        tty: spec.tty,
        networkMode: `container:${sandbox.id}`,
        binds: [`${resolvPath}:/etc/resolv.conf`, ...mounts, ...(messagePath ? [`${messagePath}:${spec.terminationMessagePath}`] : [])],
        settings: containerSettings(pod, spec, sandbox.id, this.memoryBytes),
      });
    } catch (err) {
      const msg = errorMessage(err);
      mem.waiting.set(spec.name, { reason: 'CreateContainerError', message: msg });
      this.o.view.recordEvent(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return false;
    }
    this.o.view.recordEvent(pod, 'Normal', 'Created', `Created container ${spec.name}`);
    try {
      await this.o.runtime.startContainer(id);
    } catch (err) {
      // The container stays, dead with Docker's error: the next sync restarts it with back-off.
      const msg = errorMessage(err);
      mem.waiting.delete(spec.name);
      this.o.view.recordEvent(pod, 'Warning', 'Failed', `Error: ${msg}`);
      return false;
    }
    mem.waiting.delete(spec.name);
    this.o.view.recordEvent(pod, 'Normal', 'Started', `Started container ${spec.name}`);
    return this.postStart(pod, spec, { containerId: id, podIP: sandbox.ip }, mem);
  }

  /**
   * startContainer's step 4: the postStart hook, waited for (the container shows Running only
   * after it). A failure kills the container (its preStop hook runs too) and leaves it waiting
   * with PostStartHookError until its policy restarts it.
   */
  private async postStart(pod: Pod, spec: Container, target: { containerId: string; podIP: string }, mem: PodMemory): Promise<boolean> {
    const handler = spec.lifecycle?.postStart;
    if (!handler) return true;
    const r = await runHook(handler, pod, spec, target, this.o.hooks ?? {});
    if (r.ok) return true;
    const ref = podRef(pod);
    this.log.warn({ pod: `${ref.namespace}/${ref.name}`, container: spec.name, err: r.message }, 'PostStartHook failed');
    // the hook's output may hold secrets: kube keeps it out of the event
    this.o.view.recordEvent(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed');
    this.o.view.recordEvent(pod, 'Normal', 'Killing', 'FailedPostStartHook');
    const grace = pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    const used = await this.preStop(pod, { id: target.containerId, name: spec.name }, grace, target.podIP);
    await this.o.runtime.stopContainer(target.containerId, used === undefined ? grace : Math.max(MINIMUM_GRACE_PERIOD_SECONDS, grace - used));
    mem.waiting.set(spec.name, { reason: 'PostStartHookError', message: r.message });
    return false;
  }

  /** getPullSecretsForPod, then the keyring's match for this image; a secret that cannot be read
   * is an event (once) and the pull goes on without it. */
  private pullCredentials(pod: Pod, spec: Container, mem: PodMemory) {
    const ns = pod.metadata.namespace ?? 'default';
    const found = [];
    const missing: string[] = [];
    // an empty name passed validation in old clusters: ignored, as kube does
    for (const ref of pod.spec.imagePullSecrets ?? []) {
      if (!ref.name) continue;
      const s = this.o.view.secret(ns, ref.name);
      if (s) found.push(s);
      else missing.push(ref.name);
    }
    const text = missing.join(', ');
    if (missing.length && mem.missingPullSecrets !== text) this.o.view.recordEvent(pod, 'Warning', 'FailedToRetrieveImagePullSecret', missingSecretsMessage(missing));
    mem.missingPullSecrets = text;
    return credentialsFor(spec.image, keyringOf(found));
  }

  /** runAsNonRoot needs the image's user when runAsUser does not say. */
  private async nonRootError(pod: Pod, spec: Container): Promise<string | undefined> {
    if (!(spec.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot)) return undefined;
    return verifyRunAsNonRoot(pod, spec, (await this.o.runtime.imageUser(spec.image)) ?? '');
  }

  /** The pod is gone from the API: stop (with grace) and remove everything it had, and its files. */
  private async removePod(uid: string, snapshot?: RuntimeContainer[]): Promise<void> {
    const mem = this.memory.get(uid);
    const observed = observePod(uid, snapshot ?? (await this.list(uid)));
    if (observed.sandboxes.length || observed.containers.length) {
      this.log.info({ uid, pod: `${observed.namespace}/${observed.name}` }, mem?.pod ? 'removing deleted pod' : 'removing orphan pod');
      await this.stopAll(mem?.pod, observed, gracePeriodOf(mem?.pod, observed), mem);
      for (const c of [...observed.containers, ...observed.sandboxes]) await this.o.runtime.removeContainer(c.id);
    }
    this.quiet.delete(uid);
    this.o.probes.removePod(uid);
    await this.o.volumes.tearDown(uid);
    this.o.images.forget(uid);
    this.memory.delete(uid);
  }
}
