// The prober manager (pkg/kubelet/prober/prober_manager.go): keeps one worker per probed
// container and probe type in step with the pods the agent syncs, and answers the questions the
// pure pod decisions ask: is this container ready, started, alive?
import type { Pod } from '../../src/api/kinds/pod.js';
import type { Container, Probe } from '../../src/api/podspec/schema.js';
import { ResultsManager, type ResultListener } from './results.js';
import { runProbe, type ExecInContainer } from './runners.js';
import { realScheduler, type ProbeOutcome, type ProbeResult, type ProbeType, type Scheduler } from './types.js';
import { ProbeWorker } from './worker.js';

/** A pod's container as the runtime reports it, for syncPod. */
export interface ProbedContainer {
  name: string;
  /** Docker id. */
  id: string;
  /** RFC 3339 (as Docker reports it) or epoch milliseconds; absent means "now". */
  startedAt?: string | number;
  running: boolean;
}

export interface ProbeManagerOptions {
  /** Runs a command in a container for exec probes; without it exec probes error ("probe errored"). */
  exec?: ExecInContainer;
  /** An event on one of the pod's containers (Unhealthy, ProbeWarning). */
  recordEvent(pod: Pod, containerName: string, type: 'Normal' | 'Warning', reason: string, message: string): void;
  scheduler?: Scheduler;
  /** Replaces the runners (tests): one probe of `probe` on the container. */
  run?: (probe: Probe, container: Container, target: { podIP: string; containerId: string }) => Promise<ProbeOutcome>;
}

/** Why the agent must kill a container a probe gave up on (kuberuntime computePodActions). */
export interface ProbeKill {
  reason: 'LivenessProbe' | 'StartupProbe';
  /** The Killing event's message: `Container web failed liveness probe, will be restarted`. */
  message: string;
  /** The probe's own terminationGracePeriodSeconds, which overrides the pod's for this kill. */
  gracePeriodSeconds?: number;
}

// startup first, so liveness and readiness see whether it has passed in the same sync
const TYPES: readonly ProbeType[] = ['startup', 'liveness', 'readiness'];

interface PodEntry {
  pod: Pod;
  podIP: string;
  /** Container id -> container name, for the readers keyed by id. */
  byId: Map<string, string>;
}

export class ProbeManager {
  readonly results = new ResultsManager();
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly pods = new Map<string, PodEntry>();
  /** Container id -> pod uid. */
  private readonly podOf = new Map<string, string>();
  private readonly scheduler: Scheduler;

  constructor(private readonly opts: ProbeManagerOptions) {
    this.scheduler = opts.scheduler ?? realScheduler;
    // Readiness probes right after the startup probe passes, rather than a period later (the
    // kubelet gets the same effect by triggering readiness workers from every status update).
    this.results.onChange((ch) => {
      if (ch.type !== 'startup' || ch.result !== 'Success') return;
      const entry = this.pods.get(ch.podUid);
      const name = entry?.byId.get(ch.containerId);
      if (name !== undefined) this.workers.get(workerKey(ch.podUid, name, 'readiness'))?.trigger();
    });
  }

  /**
   * Subscribes to result changes (only changes, never repeats): the agent syncs `podUid` again
   * so its status (ready, started) and its actions (kill on a liveness or startup failure) follow.
   */
  onChange(cb: ResultListener): () => void {
    return this.results.onChange(cb);
  }

  /**
   * Brings the pod's workers in step with its containers; call on every sync of a pod that has
   * (or had) containers. A container missing from `containers` has its workers stopped and its
   * results forgotten; a new id for a name resets that name's workers.
   */
  syncPod(pod: Pod, containers: readonly ProbedContainer[], podIP: string): void {
    const uid = pod.metadata.uid ?? '';
    const previous = this.pods.get(uid);
    const entry: PodEntry = { pod, podIP, byId: new Map() };
    this.pods.set(uid, entry);
    for (const id of previous?.byId.keys() ?? []) this.podOf.delete(id);
    for (const c of containers) {
      entry.byId.set(c.id, c.name);
      this.podOf.set(c.id, uid);
    }

    const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
    const wanted = new Set<string>();
    for (const spec of pod.spec.containers) {
      // an exited container may still be listed beside its replacement: probe the running one
      const named = containers.filter((c) => c.name === spec.name);
      const rc = named.find((c) => c.running) ?? named.at(-1);
      if (!rc) continue;
      for (const type of TYPES) {
        const probe = probeOf(spec, type);
        if (!probe) continue;
        const key = workerKey(uid, spec.name, type);
        wanted.add(key);
        let w = this.workers.get(key);
        if (!w) this.workers.set(key, (w = this.newWorker(uid, spec, type, probe)));
        w.update({ id: rc.id, startedAt: this.time(rc.startedAt), running: rc.running }, deleting);
        // UpdatePodStatus: a started, running container not yet ready is probed again on every
        // status update rather than a whole period later (the kubelet's manualTriggerCh), so an
        // app that binds a few milliseconds after its first probe is Ready at the next sync.
        if (type === 'readiness' && rc.running && this.started(rc.id) && this.results.get(rc.id, 'readiness') !== 'Success') w.trigger();
      }
    }
    for (const [key, w] of this.workers) {
      if (key.startsWith(`${uid}/`) && !wanted.has(key)) {
        w.stop();
        this.workers.delete(key);
      }
    }
  }

  /** The pod is gone (deleted, or no longer this node's): stop its workers, forget its results. */
  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (key.startsWith(`${uid}/`)) {
        w.stop();
        this.workers.delete(key);
      }
    }
    const entry = this.pods.get(uid);
    for (const id of entry?.byId.keys() ?? []) {
      this.podOf.delete(id);
      this.results.remove(id);
    }
    this.pods.delete(uid);
  }

  /** Stops every worker (agent shutdown). */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  /** Startup probe passed, or the container has none (status.containerStatuses[].started). */
  started(containerId: string): boolean {
    const r = this.results.get(containerId, 'startup');
    if (r !== undefined) return r === 'Success';
    return !this.hasWorker(containerId, 'startup');
  }

  /**
   * Ready as the kubelet judges it (UpdatePodStatus): started, and the readiness probe passed or
   * there is none. The caller still requires the container to be running.
   */
  readiness(containerId: string): boolean {
    if (!this.started(containerId)) return false;
    const r = this.results.get(containerId, 'readiness');
    if (r !== undefined) return r === 'Success';
    return !this.hasWorker(containerId, 'readiness');
  }

  /** The liveness result; Success when there is no liveness probe. */
  liveness(containerId: string): ProbeResult {
    return this.results.get(containerId, 'liveness') ?? 'Success';
  }

  /**
   * Whether a running container must be killed because a probe gave up on it, and the Killing
   * event's words. Only for running containers: an exited container also reads as failed.
   */
  probeKill(containerId: string): ProbeKill | undefined {
    const uid = this.podOf.get(containerId);
    const entry = uid === undefined ? undefined : this.pods.get(uid);
    const name = entry?.byId.get(containerId);
    if (!entry || name === undefined) return undefined;
    const spec = entry.pod.spec.containers.find((c) => c.name === name);
    const willRestart = entry.pod.spec.restartPolicy !== 'Never';
    for (const type of ['liveness', 'startup'] as const) {
      if (this.results.get(containerId, type) !== 'Failure') continue;
      return {
        reason: type === 'liveness' ? 'LivenessProbe' : 'StartupProbe',
        message: probeKillMessage(name, type, willRestart),
        gracePeriodSeconds: spec ? probeOf(spec, type)?.terminationGracePeriodSeconds : undefined,
      };
    }
    return undefined;
  }

  private hasWorker(containerId: string, type: ProbeType): boolean {
    const uid = this.podOf.get(containerId);
    const name = uid === undefined ? undefined : this.pods.get(uid)?.byId.get(containerId);
    return name !== undefined && this.workers.has(workerKey(uid!, name, type));
  }

  private time(t: string | number | undefined): number {
    if (typeof t === 'number') return t;
    const ms = t ? Date.parse(t) : NaN;
    return Number.isNaN(ms) ? this.scheduler.now() : ms;
  }

  private newWorker(uid: string, spec: Container, type: ProbeType, probe: Probe): ProbeWorker {
    const run = this.opts.run ?? ((p: Probe, c: Container, target: { podIP: string; containerId: string }) => runProbe(p, c, target, { exec: this.opts.exec }));
    return new ProbeWorker(uid, type, probe, {
      scheduler: this.scheduler,
      results: this.results,
      run: (containerId) => run(probe, spec, { podIP: this.pods.get(uid)?.podIP ?? '', containerId }),
      started: (containerId) => this.started(containerId),
      recordEvent: (evType, reason, message) => {
        const pod = this.pods.get(uid)?.pod;
        if (pod) this.opts.recordEvent(pod, spec.name, evType, reason, message);
      },
    });
  }
}

/** kuberuntime's words: `Container web failed liveness probe, will be restarted`. */
export function probeKillMessage(containerName: string, type: 'liveness' | 'startup', willRestart: boolean): string {
  const message = `Container ${containerName} failed ${type} probe`;
  return willRestart ? `${message}, will be restarted` : message;
}

function probeOf(c: Container, type: ProbeType): Probe | undefined {
  return type === 'readiness' ? c.readinessProbe : type === 'liveness' ? c.livenessProbe : c.startupProbe;
}

function workerKey(uid: string, name: string, type: ProbeType): string {
  return `${uid}/${name}/${type}`;
}
