// computePodActions: what to do to make the runtime match one pod, as data. Pure (time, the
// back-off memory and the prober's results are inputs), so every rule below is table-tested; the
// agent executes the result in numbered steps. The rules follow kubelet's
// kuberuntime_manager.computePodActions and computeInitContainerActions (SidecarContainers on, as
// in 1.32).
import type { Container, Pod, RestartPolicy } from '../src/api/types.js';
import { isInBackoff, type BackoffEntry } from './backoff.js';
import { hashContainer } from './labels.js';
import { currentContainer, readySandbox, type ObservedContainer, type ObservedPod, type ObservedSandbox } from './observed.js';
import { isStarted, NO_PROBE_RESULTS, type ProbeResults } from './probe-results.js';

/** Why a container is (re)started. */
export type StartReason = 'New' | 'Restart' | 'SpecChanged' | 'SandboxChanged';
/** Why a running container is stopped while the pod lives on. */
export type KillReason = 'SpecChanged' | 'NotInSpec' | 'Duplicate' | 'LivenessProbe' | 'StartupProbe';
/** Why a dead container is deleted. */
export type RemoveReason = 'Superseded' | 'NotStarted' | 'NotInSpec' | 'OldSandbox';

export interface ContainerToStart {
  name: string;
  /** Becomes the attempt label, i.e. the restartCount the status reports. */
  attempt: number;
  reason: StartReason;
  /** When the container this start replaces died (ms): the start counts against its back-off. */
  previousFinishedAt?: number;
}

export interface ContainerToKill {
  id: string;
  name: string;
  reason: KillReason;
  message: string;
}

export interface ContainerToRemove {
  id: string;
  name: string;
  reason: RemoveReason;
}

export interface ContainerInBackoff {
  name: string;
  delayMs: number;
  /** When the restart will be allowed (ms). */
  retryAt: number;
}

export interface PodActions {
  /** Stop every running container of the pod, sandbox included (then maybe start over). */
  killPod: boolean;
  /** Make a new sandbox (the pod's network namespace) before starting containers. */
  createSandbox: boolean;
  /** The ready sandbox to join, when there is one and it is kept. */
  sandboxId?: string;
  /** Attempt of the sandbox to create (or of the current one). */
  sandboxAttempt: number;
  /**
   * spec.initContainers to start, in spec order, before containersToStart: the next init container
   * to run and sidecars to (re)start. If a plain (non-sidecar) one cannot be started, start nothing
   * after it this sync (kubelet returns there).
   */
  initContainersToStart: ContainerToStart[];
  /** spec.containers to start; only once every init container has completed (sidecars: started). */
  containersToStart: ContainerToStart[];
  /** Individual kills; empty when killPod (which stops everything, in terminationStages order). */
  containersToKill: ContainerToKill[];
  /** Dead containers no longer needed: at most one dead container is kept per name. */
  containersToRemove: ContainerToRemove[];
  /** Dead containers (init or app) that the policy restarts, but not yet (CrashLoopBackOff). */
  backoff: ContainerInBackoff[];
}

type Kind = 'init' | 'regular';

const SANDBOX = 'POD';

export function restartPolicyOf(pod: Pod): RestartPolicy {
  return pod.spec.restartPolicy ?? 'Always';
}

/** kubelet's ShouldContainerBeRestarted, for a container that ran and exited. */
export function shouldRestart(policy: RestartPolicy, exitCode: number | undefined): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

/** A native sidecar: an init container that is started in order and then kept running. */
export function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

function succeeded(c: ObservedContainer | undefined): boolean {
  return !!c && c.state === 'exited' && c.exitCode === 0;
}

function finishedAtMs(c: ObservedContainer): number {
  const t = Date.parse(c.finishedAt ?? c.createdAt);
  return Number.isFinite(t) ? t : 0;
}

function isTerminalPhase(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * Housekeeping that holds whatever else happens: one running and at most one dead container per
 * name (the dead one is what `logs --previous` reads), nothing for names the spec no longer has,
 * and only the newest sandbox.
 */
function collectGarbage(pod: Pod, observed: ObservedPod, actions: PodActions): void {
  // An init container's last instance is kept like an app container's: it is what `logs -c` reads
  // once it completed (kubelet's pruneInitContainersBeforeStart keeps the newest exited one).
  const specNames = new Set([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name));
  const byName = new Map<string, ObservedContainer[]>();
  for (const c of observed.containers) {
    const list = byName.get(c.name) ?? [];
    list.push(c);
    byName.set(c.name, list);
  }
  for (const [name, list] of byName) {
    if (!specNames.has(name)) {
      for (const c of list) {
        if (c.state === 'running') {
          actions.containersToKill.push({ id: c.id, name, reason: 'NotInSpec', message: `Container ${name} is not in the pod spec` });
        } else {
          actions.containersToRemove.push({ id: c.id, name, reason: 'NotInSpec' });
        }
      }
      continue;
    }
    // list[0] is the current container, handled by the main rules.
    let keptDead = list[0].state === 'exited';
    for (const c of list.slice(1)) {
      if (c.state === 'running') {
        actions.containersToKill.push({ id: c.id, name, reason: 'Duplicate', message: `Container ${name} has a newer instance` });
      } else if (c.state === 'exited' && !keptDead) {
        keptDead = true;
      } else if (c.state !== 'unknown') {
        actions.containersToRemove.push({ id: c.id, name, reason: c.state === 'created' ? 'NotStarted' : 'Superseded' });
      }
    }
  }
  for (const s of observed.sandboxes.slice(1)) {
    if (s.state === 'running') {
      actions.containersToKill.push({ id: s.id, name: SANDBOX, reason: 'Duplicate', message: 'Pod sandbox has a newer instance' });
    } else if (s.state !== 'unknown') {
      actions.containersToRemove.push({ id: s.id, name: SANDBOX, reason: 'OldSandbox' });
    }
  }
}

/** Start `spec` after `current` (if any), unless its restart back-off still holds it. */
function startOrBackoff(
  actions: PodActions,
  pod: Pod,
  spec: Container,
  kind: Kind,
  current: ObservedContainer | undefined,
  reason: StartReason,
  now: number,
  backoff: ReadonlyMap<string, BackoffEntry>,
): void {
  const list = kind === 'init' ? actions.initContainersToStart : actions.containersToStart;
  if (!current) {
    // Its container was removed behind our back (docker rm -f): the reported status still holds
    // its history, so the restart count goes on (kubelet recovers it from its log directory).
    const statuses = kind === 'init' ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
    const reported = statuses?.find((s) => s.name === spec.name);
    if (!reported?.containerID) {
      list.push({ name: spec.name, attempt: 0, reason: 'New' });
      return;
    }
    // An init container is started when the init sequence says so, whatever its last exit.
    const ended = reported.state.terminated;
    if (kind === 'regular' && ended && !shouldRestart(restartPolicyOf(pod), ended.exitCode)) return;
    list.push({ name: spec.name, attempt: reported.restartCount + 1, reason: 'Restart' });
    return;
  }
  if (current.state === 'exited') {
    const finished = finishedAtMs(current);
    const entry = backoff.get(spec.name);
    if (entry && isInBackoff(entry, finished, now)) {
      actions.backoff.push({ name: spec.name, delayMs: entry.delayMs, retryAt: finished + entry.delayMs });
      return;
    }
    list.push({ name: spec.name, attempt: current.attempt + 1, reason, previousFinishedAt: finished });
    return;
  }
  list.push({ name: spec.name, attempt: current.attempt + 1, reason });
}

/** Created but never started (the agent stopped in between): replace it, same attempt. */
function replaceNotStarted(actions: PodActions, kind: Kind, current: ObservedContainer): void {
  actions.containersToRemove.push({ id: current.id, name: current.name, reason: 'NotStarted' });
  (kind === 'init' ? actions.initContainersToStart : actions.containersToStart).push({ name: current.name, attempt: current.attempt, reason: 'New' });
}

/**
 * Made for the current sandbox? A sandbox change starts initialization over (kubelet purges the
 * init containers then); k1s keeps them for their logs and restart counts, and instead ignores,
 * for the init sequence, instances created before the sandbox they would have to run in.
 */
function inSandbox(c: ObservedContainer, sandbox: ObservedSandbox): boolean {
  const made = Date.parse(c.createdAt);
  const since = Date.parse(sandbox.createdAt);
  return !Number.isFinite(made) || !Number.isFinite(since) || made >= since;
}

/**
 * kubelet's findNextInitContainerToRun "done", for a pod whose sandbox is gone: is initialization
 * over, so that a pod with nothing left to run needs no new sandbox?
 */
function initializationDone(pod: Pod, observed: ObservedPod): boolean {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return true;
  if (pod.spec.containers.some((c) => currentContainer(observed, c.name)?.state === 'running')) return true;
  const current = inits.map((c) => currentContainer(observed, c.name));
  if (current.some((c) => c?.state === 'exited' && c.exitCode !== 0)) return false;
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = current[i];
    if (!c) continue;
    if (c.state === 'running') return false;
    if (c.state === 'exited') return i === inits.length - 1;
  }
  return false;
}

/**
 * The init containers in a ready sandbox (kubelet's computeInitContainerActions): plain ones one at
 * a time in spec order, each to exit 0 before the next; sidecars (restartPolicy Always) started in
 * order, the next init container starting once the sidecar is started, and restarted whenever they
 * exit, whatever the pod's restartPolicy. Returns whether the pod is initialized, i.e. its app
 * containers may run. May set killPod (a failed init container under restartPolicy Never).
 */
function computeInitContainerActions(
  pod: Pod,
  observed: ObservedPod,
  sandbox: ObservedSandbox,
  actions: PodActions,
  now: number,
  backoff: ReadonlyMap<string, BackoffEntry>,
  probes: ProbeResults,
): boolean {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return true;
  const policy = restartPolicyOf(pod);

  // An app container created or running means initialization happened (its init containers may
  // have been removed since): only the sidecars still need looking after. An exited one proves
  // nothing: it may be from before a sandbox change.
  let initialized = pod.spec.containers.some((c) => {
    const state = currentContainer(observed, c.name)?.state;
    return state === 'created' || state === 'running';
  });
  // index -> why (undefined: from what its current instance is)
  const toStart = new Map<number, StartReason | undefined>();
  const start = (i: number, reason?: StartReason) => {
    if (!toStart.has(i) || reason) toStart.set(i, reason);
  };
  const kill = (c: ObservedContainer, reason: KillReason, message: string) =>
    actions.containersToKill.push({ id: c.id, name: c.name, reason, message });

  // Backwards from the last init container, as kubelet does: the newest one that ran says where
  // initialization stands, even if earlier ones have been removed since.
  let previouslyInitialized = initialized;
  for (let i = inits.length - 1; i >= 0; i--) {
    const spec = inits[i];
    const sidecar = isRestartableInit(spec);
    const newest = currentContainer(observed, spec.name);
    const current = newest && inSandbox(newest, sandbox) ? newest : undefined;
    if (!current) {
      // A sidecar of an initialized pod whose container is gone: start it again.
      if (previouslyInitialized && sidecar) start(i);
      continue;
    }
    // After initialization only the sidecars are kept running.
    if (previouslyInitialized && !sidecar) continue;

    switch (current.state) {
      case 'created':
        replaceNotStarted(actions, 'init', current);
        break;
      case 'running': {
        if (!sidecar) break; // wait for it to finish
        if (spec.startupProbe && probes.startup(current.id) !== 'Success') {
          if (probes.startup(current.id) === 'Failure') {
            kill(current, 'StartupProbe', `Init container ${spec.name} failed startup probe`);
            start(i, 'Restart');
          }
          break; // not started yet: the next one waits
        }
        // Started: the next init container may begin.
        if (i === inits.length - 1) initialized = true;
        else if (!previouslyInitialized) start(i + 1);
        if (current.hash !== hashContainer(spec)) {
          kill(current, 'SpecChanged', `Init container ${spec.name} definition changed`);
          start(i, 'SpecChanged');
        } else if (spec.livenessProbe && probes.liveness(current.id) === 'Failure') {
          kill(current, 'LivenessProbe', `Init container ${spec.name} failed liveness probe`);
          start(i, 'Restart');
        }
        break;
      }
      case 'exited':
        if (sidecar) {
          start(i);
        } else if (current.exitCode !== 0) {
          if (policy === 'Never') {
            // Initialization failed for good: the pod fails (Init:Error), nothing more starts.
            actions.killPod = true;
            actions.initContainersToStart = [];
            return false;
          }
          start(i);
        } else if (i === inits.length - 1) {
          initialized = true;
        } else {
          start(i + 1);
        }
        break;
      default:
        // 'unknown' (Docker is removing it...): look again next sync.
        break;
    }
    previouslyInitialized = true;
  }
  // Nothing has run in this sandbox yet: begin with the first.
  if (!previouslyInitialized) start(0);

  for (const [i, why] of [...toStart].sort(([a], [b]) => a - b)) {
    const spec = inits[i];
    const newest = currentContainer(observed, spec.name);
    if (newest?.state === 'created' && inSandbox(newest, sandbox)) continue; // replaced above
    const stale = newest && !inSandbox(newest, sandbox);
    const reason: StartReason = why ?? (stale ? 'SandboxChanged' : newest ? 'Restart' : 'New');
    startOrBackoff(actions, pod, spec, 'init', newest, reason, now, backoff);
  }
  return initialized;
}

export function computePodActions(
  pod: Pod,
  observed: ObservedPod,
  now: number,
  backoff: ReadonlyMap<string, BackoffEntry> = new Map(),
  probes: ProbeResults = NO_PROBE_RESULTS,
): PodActions {
  const policy = restartPolicyOf(pod);
  const newest = observed.sandboxes[0];
  const ready = readySandbox(observed);
  const anyRunning =
    observed.sandboxes.some((s) => s.state === 'running') || observed.containers.some((c) => c.state === 'running');
  const actions: PodActions = {
    killPod: false,
    createSandbox: false,
    sandboxId: ready?.id,
    sandboxAttempt: newest?.attempt ?? 0,
    initContainersToStart: [],
    containersToStart: [],
    containersToKill: [],
    containersToRemove: [],
    backoff: [],
  };
  const inits = pod.spec.initContainers ?? [];

  // A pod being deleted, or one that finished for good, is only ever stopped; its dead
  // containers stay for `logs` until the pod object goes away.
  if (pod.metadata.deletionTimestamp || isTerminalPhase(pod)) {
    actions.killPod = anyRunning;
    return actions;
  }

  collectGarbage(pod, observed, actions);

  if (!ready) {
    // No usable network namespace: everything starts over in a new sandbox (kubelet's
    // "SandboxChanged"), except what the restart policy says is done.
    if (policy === 'Never' && newest && observed.containers.length > 0) {
      actions.killPod = anyRunning;
    } else {
      const wanted = pod.spec.containers.filter(
        (c) => !(policy === 'OnFailure' && succeeded(currentContainer(observed, c.name))),
      );
      if (wanted.length === 0 && initializationDone(pod, observed)) {
        actions.killPod = anyRunning;
      } else {
        actions.killPod = anyRunning;
        actions.createSandbox = true;
        actions.sandboxId = undefined;
        actions.sandboxAttempt = newest ? newest.attempt + 1 : 0;
        if (inits.length > 0) {
          // Initialization starts over, from the first init container; the rest follow, sync by sync.
          startOrBackoff(actions, pod, inits[0], 'init', currentContainer(observed, inits[0].name), 'SandboxChanged', now, backoff);
        } else {
          for (const spec of wanted) {
            startOrBackoff(actions, pod, spec, 'regular', currentContainer(observed, spec.name), 'SandboxChanged', now, backoff);
          }
        }
      }
    }
    if (actions.killPod) actions.containersToKill = [];
    return actions;
  }

  const initialized = computeInitContainerActions(pod, observed, ready, actions, now, backoff, probes);
  if (actions.killPod) {
    actions.containersToKill = [];
    return actions;
  }
  // Initialization still in progress: the app containers wait.
  if (!initialized) return actions;

  let keep = 0;
  let appBackoff = 0;
  for (const spec of pod.spec.containers) {
    const current = currentContainer(observed, spec.name);
    if (!current) {
      startOrBackoff(actions, pod, spec, 'regular', undefined, 'New', now, backoff);
    } else if (current.state === 'running') {
      let reason: KillReason;
      let message: string;
      // The spec changed under a running container: replace it whatever the restart policy.
      let restart = true;
      if (current.hash !== hashContainer(spec)) {
        reason = 'SpecChanged';
        message = `Container ${spec.name} definition changed`;
      } else if (spec.livenessProbe && probes.liveness(current.id) === 'Failure') {
        reason = 'LivenessProbe';
        message = `Container ${spec.name} failed liveness probe`;
        restart = policy !== 'Never';
      } else if (spec.startupProbe && probes.startup(current.id) === 'Failure') {
        reason = 'StartupProbe';
        message = `Container ${spec.name} failed startup probe`;
        restart = policy !== 'Never';
      } else {
        keep++;
        continue;
      }
      if (restart) {
        message += ', will be restarted';
        actions.containersToStart.push({ name: spec.name, attempt: current.attempt + 1, reason: reason === 'SpecChanged' ? 'SpecChanged' : 'Restart' });
      }
      actions.containersToKill.push({ id: current.id, name: spec.name, reason, message });
    } else if (current.state === 'created') {
      replaceNotStarted(actions, 'regular', current);
    } else if (current.state === 'exited' && shouldRestart(policy, current.exitCode)) {
      const held = actions.backoff.length;
      startOrBackoff(actions, pod, spec, 'regular', current, 'Restart', now, backoff);
      appBackoff += actions.backoff.length - held;
    } else if (current.state === 'unknown') {
      // Docker is removing it (docker rm -f) or it is between states: look again next sync,
      // and do not take the pod for done meanwhile.
      keep++;
    }
  }

  // Nothing runs and nothing will: the pod is done, stop its sandbox. Sidecars do not keep a pod
  // alive: they are not restarted then, and killPod stops them (after the app containers).
  if (keep === 0 && actions.containersToStart.length === 0 && appBackoff === 0) {
    actions.killPod = anyRunning;
    actions.initContainersToStart = [];
    actions.backoff = [];
    if (actions.killPod) actions.containersToKill = [];
  }
  return actions;
}
