// computePodStatus: the PodStatus the API shows, from what the runtime holds. Pure and
// deterministic: for an unchanged world it returns the same value (times come from the runtime
// or from the previous status, never from "now" unless something changed), so an idle resync
// writes nothing. The rules follow kubelet's generateAPIPodStatus / getPhase.
import { computePodQOS } from '../src/api/podspec/qos.js';
import { rfc3339 } from '../src/api/time.js';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../src/api/types.js';
import { isRestartableInit, restartPolicyOf, shouldRestart } from './actions.js';
import { readySandbox, type ObservedContainer, type ObservedPod } from './observed.js';
import { isReady, isStarted, NO_PROBE_RESULTS, type ProbeResults } from './probe-results.js';
import { bytesPerStatus, truncateMessage } from './termination-message.js';

/** Why a container that is not running waits (kubelet's reasonCache). */
export type WaitingReasonCode =
  | 'ContainerCreating'
  | 'CrashLoopBackOff'
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'ErrImageNeverPull'
  | 'CreateContainerError'
  | 'CreateContainerConfigError'
  | 'RunContainerError'
  | 'PostStartHookError';

export interface WaitingReason {
  reason: WaitingReasonCode;
  message?: string;
}

export interface StatusContext {
  hostIP: string;
  /** Only used as the transition time of a condition that changes now. */
  now: number;
  /** Per container name: why it is waiting, as the last sync found out. */
  waiting?: ReadonlyMap<string, WaitingReason>;
  /** The prober's latest results: started and ready follow them (none: probes not run yet). */
  probes?: ProbeResults;
}

export function dockerID(id: string): string {
  return `docker://${id}`;
}

/** `maxMessageBytes`: the container's share of the pod's termination message budget. */
function terminatedStateOf(c: ObservedContainer, maxMessageBytes: number): ContainerState {
  const exitCode = c.exitCode ?? 0;
  let reason = exitCode === 0 ? 'Completed' : 'Error';
  if (c.oomKilled) reason = 'OOMKilled';
  else if (c.error && !c.startedAt) reason = 'ContainerCannotRun';
  // the runtime's words, then what the app wrote (convertToKubeContainerStatus)
  const message = [c.error, c.terminationMessage].filter((m) => !!m).join(': ');
  return {
    terminated: {
      exitCode,
      reason,
      message: message ? truncateMessage(message, maxMessageBytes) : undefined,
      startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
      containerID: dockerID(c.id),
    },
  };
}

/** `fallback`: ContainerCreating, or PodInitializing in a pod with init containers (kubelet's default). */
function waitingState(w: WaitingReason | undefined, fallback = 'ContainerCreating'): ContainerState {
  return { waiting: w ? { reason: w.reason, message: w.message } : { reason: fallback } };
}

/**
 * The statuses of one list of containers (kubelet's convertToAPIContainerStatuses plus the prober's
 * UpdatePodStatus). App containers are sorted by name, init containers kept in spec order, as
 * kubelet does. `started`: running and past its startupProbe; `ready`: started and past its
 * readinessProbe, or, for a plain init container, completed.
 */
function statusesOf(pod: Pod, specs: Container[], kind: 'init' | 'regular', observed: ObservedPod, ctx: StatusContext): ContainerStatus[] {
  const probes = ctx.probes ?? NO_PROBE_RESULTS;
  const fallback = (pod.spec.initContainers?.length ?? 0) > 0 ? 'PodInitializing' : 'ContainerCreating';
  const maxMessage = bytesPerStatus(pod.spec.containers.length + (pod.spec.initContainers?.length ?? 0));
  const terminatedState = (c: ObservedContainer) => terminatedStateOf(c, maxMessage);
  const statuses = specs.map((spec): ContainerStatus => {
    const all = observed.containers.filter((c) => c.name === spec.name);
    const current = all[0];
    const waiting = ctx.waiting?.get(spec.name);
    if (!current) {
      return { name: spec.name, state: waitingState(waiting, fallback), lastState: {}, ready: false, restartCount: 0, image: spec.image, imageID: '', started: false };
    }
    const previousDead = all.slice(1).find((c) => c.state === 'exited');
    const base = {
      name: spec.name,
      restartCount: current.attempt,
      image: spec.image,
      imageID: current.imageID ? dockerID(current.imageID) : '',
      containerID: dockerID(current.id),
    };
    switch (current.state) {
      case 'running': {
        const started = isStarted(spec, current.id, probes);
        // a plain init container is ready only once it completed
        const ready = (kind === 'regular' || isRestartableInit(spec)) && isReady(spec, current.id, probes);
        return {
          ...base,
          state: { running: { startedAt: current.startedAt ? rfc3339(current.startedAt) : undefined } },
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready,
          started,
        };
      }
      case 'exited': {
        // A completed plain init container is done for good: terminated and ready, never waiting.
        const completedInit = kind === 'init' && !isRestartableInit(spec) && current.exitCode === 0;
        // Dead and about to be restarted (back-off, image trouble): waiting, with the death as
        // lastState. Dead for good, or not yet looked at: terminated.
        if (waiting && !completedInit) {
          return { ...base, state: waitingState(waiting), lastState: terminatedState(current), ready: false, started: false };
        }
        return {
          ...base,
          state: terminatedState(current),
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready: completedInit,
          started: false,
        };
      }
      default:
        return {
          ...base,
          state: waitingState(waiting, fallback),
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready: false,
          started: false,
        };
    }
  });
  if (kind === 'init') return statuses;
  // kubelet sorts container statuses by name.
  return statuses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function computeContainerStatuses(pod: Pod, observed: ObservedPod, ctx: StatusContext): ContainerStatus[] {
  return statusesOf(pod, pod.spec.containers, 'regular', observed, ctx);
}

/** status.initContainerStatuses, in spec order (empty for a pod without init containers). */
export function computeInitContainerStatuses(pod: Pod, observed: ObservedPod, ctx: StatusContext): ContainerStatus[] {
  return statusesOf(pod, pod.spec.initContainers ?? [], 'init', observed, ctx);
}

/** kubelet's HasAnyRegularContainerStarted: an app container running or terminated. */
function anyAppContainerStarted(statuses: ContainerStatus[]): boolean {
  return statuses.some((s) => s.state.running || s.state.terminated);
}

/** kubelet's getPhase: init containers keep a pod Pending until they are done (sidecars: started). */
export function computePhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[] = []): PodPhase {
  const policy = restartPolicyOf(pod);
  let pendingInit = 0;
  let failedInit = 0;
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const spec of pod.spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === spec.name);
    if (isRestartableInit(spec)) {
      // a sidecar counts with the app containers once it runs; a dead one does not count at all
      if (!s) unknown++;
      else if (s.state.running) {
        if (!s.started) pendingInit++;
        running++;
      } else if (s.state.terminated) {
        // restarting
      } else if (s.state.waiting) {
        if (!s.lastState.terminated) {
          pendingInit++;
          waiting++;
        }
      } else {
        pendingInit++;
        unknown++;
      }
      continue;
    }
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting && s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  for (const spec of pod.spec.containers) {
    const s = statuses.find((x) => x.name === spec.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  // Still initializing, unless the app containers already ran (a sidecar restarting later does not
  // send a pod back to Pending).
  if ((pendingInit > 0 && !anyAppContainerStarted(statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (policy === 'Always') return 'Running'; // all restarting
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running'; // OnFailure, restarting the failed ones
  }
  return 'Pending';
}

function condition(
  previous: PodCondition[] | undefined,
  type: PodCondition['type'],
  ok: boolean,
  now: number,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = previous?.find((c) => c.type === type);
  // The transition time moves only when the status does: no churn while nothing changes.
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  const c: PodCondition = { type, status, lastTransitionTime };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

export function computePodStatus(pod: Pod, observed: ObservedPod, ctx: StatusContext): PodStatus {
  const previous = pod.status;
  const terminal = previous?.phase === 'Succeeded' || previous?.phase === 'Failed';
  // A finished pod whose containers are gone (removed by hand) keeps the status it ended with.
  if (terminal && previous && observed.containers.length === 0) return previous;

  const initContainerStatuses = computeInitContainerStatuses(pod, observed, ctx);
  const containerStatuses = computeContainerStatuses(pod, observed, ctx);
  const phase = terminal && previous?.phase ? previous.phase : computePhase(pod, containerStatuses, initContainerStatuses);
  const done = phase === 'Succeeded' || phase === 'Failed';

  const sandbox = readySandbox(observed);
  const podIP = sandbox?.ip ?? previous?.podIP;
  const firstSandbox = observed.sandboxes[observed.sandboxes.length - 1];
  const startTime = previous?.startTime ?? (firstSandbox ? rfc3339(firstSandbox.createdAt) : rfc3339(ctx.now));

  // kubelet's GeneratePodInitializedCondition: every init container completed (a sidecar: started),
  // or an app container already ran.
  const inits = pod.spec.initContainers ?? [];
  const initStatus = (name: string) => initContainerStatuses.find((s) => s.name === name);
  const incomplete = inits
    .filter((c) => (isRestartableInit(c) ? !initStatus(c.name)?.started : !initStatus(c.name)?.ready))
    .map((c) => c.name);
  const initialized = incomplete.length === 0 || phase === 'Succeeded' || anyAppContainerStarted(containerStatuses);

  // GenerateContainersReadyCondition: the sidecars, then the app containers, in spec order.
  const readyOf = (name: string, list: ContainerStatus[]) => list.find((s) => s.name === name)?.ready === true;
  const unready = [
    ...inits.filter((c) => isRestartableInit(c) && !readyOf(c.name, initContainerStatuses)).map((c) => c.name),
    ...pod.spec.containers.filter((c) => !readyOf(c.name, containerStatuses)).map((c) => c.name),
  ];
  const allReady = unready.length === 0 && containerStatuses.length > 0;
  const readyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const prevConditions = previous?.conditions;
  const conditions: PodCondition[] = [
    condition(prevConditions, 'PodReadyToStartContainers', !!sandbox, ctx.now),
    condition(prevConditions, 'Initialized', initialized, ctx.now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`),
    condition(prevConditions, 'Ready', allReady && !done, ctx.now, readyReason, readyMessage),
    condition(prevConditions, 'ContainersReady', allReady && !done, ctx.now, readyReason, readyMessage),
    condition(prevConditions, 'PodScheduled', true, ctx.now),
    // shared with the API server (an eviction's DisruptionTarget): kept as the kubelet keeps it
    ...(prevConditions ?? []).filter((c) => c.type === 'DisruptionTarget'),
  ];

  return {
    phase,
    conditions,
    hostIP: ctx.hostIP,
    podIP,
    podIPs: podIP ? [{ ip: podIP }] : undefined,
    startTime,
    ...(inits.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses,
    // set by the API server at creation and immutable: the kubelet carries it over
    qosClass: previous?.qosClass ?? computePodQOS(pod.spec),
  };
}

/** Would the runtime restart this (dead) container? Exposed for logs and the agent. A sidecar
 * always is; a plain init container only if it failed (and the policy is not Never). */
export function willRestart(pod: Pod, c: ObservedContainer): boolean {
  if (c.state !== 'exited') return false;
  const init = pod.spec.initContainers?.find((s) => s.name === c.name);
  if (init && isRestartableInit(init)) return true;
  if (init && c.exitCode === 0) return false;
  return shouldRestart(restartPolicyOf(pod), c.exitCode);
}
