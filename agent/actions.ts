// computePodActions: what to do to make the runtime match one pod, as data. Pure (time and the
// back-off memory are inputs), so every rule below is table-tested; the agent executes the result
// in numbered steps. The rules follow kubelet's kuberuntime_manager.computePodActions.
import type { Container, Pod, RestartPolicy } from '../src/api/types.js';
import { isInBackoff, type BackoffEntry } from './backoff.js';
import { hashContainer } from './labels.js';
import { currentContainer, readySandbox, type ObservedContainer, type ObservedPod } from './observed.js';

/** Why a container is (re)started. */
export type StartReason = 'New' | 'Restart' | 'SpecChanged' | 'SandboxChanged';
/** Why a running container is stopped while the pod lives on. */
export type KillReason = 'SpecChanged' | 'NotInSpec' | 'Duplicate';
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
  containersToStart: ContainerToStart[];
  /** Individual kills; empty when killPod (which stops everything). */
  containersToKill: ContainerToKill[];
  /** Dead containers no longer needed: at most one dead container is kept per name. */
  containersToRemove: ContainerToRemove[];
  /** Dead containers that the policy restarts, but not yet (CrashLoopBackOff). */
  backoff: ContainerInBackoff[];
}

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
  const specNames = new Set(pod.spec.containers.map((c) => c.name));
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
  current: ObservedContainer | undefined,
  reason: StartReason,
  now: number,
  backoff: ReadonlyMap<string, BackoffEntry>,
): void {
  if (!current) {
    // Its container was removed behind our back (docker rm -f): the reported status still holds
    // its history, so the restart count goes on (kubelet recovers it from its log directory).
    const reported = pod.status?.containerStatuses?.find((s) => s.name === spec.name);
    if (!reported?.containerID) {
      actions.containersToStart.push({ name: spec.name, attempt: 0, reason: 'New' });
      return;
    }
    const ended = reported.state.terminated;
    if (ended && !shouldRestart(restartPolicyOf(pod), ended.exitCode)) return;
    actions.containersToStart.push({ name: spec.name, attempt: reported.restartCount + 1, reason: 'Restart' });
    return;
  }
  if (current.state === 'exited') {
    const finished = finishedAtMs(current);
    const entry = backoff.get(spec.name);
    if (entry && isInBackoff(entry, finished, now)) {
      actions.backoff.push({ name: spec.name, delayMs: entry.delayMs, retryAt: finished + entry.delayMs });
      return;
    }
    actions.containersToStart.push({ name: spec.name, attempt: current.attempt + 1, reason, previousFinishedAt: finished });
    return;
  }
  actions.containersToStart.push({ name: spec.name, attempt: current.attempt + 1, reason });
}

export function computePodActions(
  pod: Pod,
  observed: ObservedPod,
  now: number,
  backoff: ReadonlyMap<string, BackoffEntry> = new Map(),
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
    containersToStart: [],
    containersToKill: [],
    containersToRemove: [],
    backoff: [],
  };

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
      if (wanted.length === 0) {
        actions.killPod = anyRunning;
      } else {
        actions.killPod = anyRunning;
        actions.createSandbox = true;
        actions.sandboxId = undefined;
        actions.sandboxAttempt = newest ? newest.attempt + 1 : 0;
        for (const spec of wanted) {
          startOrBackoff(actions, pod, spec, currentContainer(observed, spec.name), 'SandboxChanged', now, backoff);
        }
      }
    }
    if (actions.killPod) actions.containersToKill = [];
    return actions;
  }

  let keep = 0;
  for (const spec of pod.spec.containers) {
    const current = currentContainer(observed, spec.name);
    if (!current) {
      startOrBackoff(actions, pod, spec, undefined, 'New', now, backoff);
    } else if (current.state === 'running') {
      if (current.hash !== hashContainer(spec)) {
        // The spec changed under a running container: replace it whatever the restart policy.
        actions.containersToKill.push({
          id: current.id,
          name: spec.name,
          reason: 'SpecChanged',
          message: `Container ${spec.name} definition changed, will be restarted`,
        });
        actions.containersToStart.push({ name: spec.name, attempt: current.attempt + 1, reason: 'SpecChanged' });
      } else {
        keep++;
      }
    } else if (current.state === 'created') {
      // Created but never started (the agent stopped in between): replace it, same attempt.
      actions.containersToRemove.push({ id: current.id, name: spec.name, reason: 'NotStarted' });
      actions.containersToStart.push({ name: spec.name, attempt: current.attempt, reason: 'New' });
    } else if (current.state === 'exited' && shouldRestart(policy, current.exitCode)) {
      startOrBackoff(actions, pod, spec, current, 'Restart', now, backoff);
    }
    // 'unknown' (Docker is removing it...): look again next sync.
  }

  // Nothing runs and nothing will: the pod is done, stop its sandbox.
  if (keep === 0 && actions.containersToStart.length === 0 && actions.backoff.length === 0) {
    actions.killPod = anyRunning;
    if (actions.killPod) actions.containersToKill = [];
  }
  return actions;
}
