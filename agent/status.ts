// computePodStatus: the PodStatus the API shows, from what the runtime holds. Pure and
// deterministic: for an unchanged world it returns the same value (times come from the runtime
// or from the previous status, never from "now" unless something changed), so an idle resync
// writes nothing. The rules follow kubelet's generateAPIPodStatus / getPhase.
import { rfc3339 } from '../src/api/time.js';
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodPhase, PodStatus } from '../src/api/types.js';
import { restartPolicyOf, shouldRestart } from './actions.js';
import { readySandbox, type ObservedContainer, type ObservedPod } from './observed.js';

/** Why a container that is not running waits (kubelet's reasonCache). */
export type WaitingReasonCode =
  | 'ContainerCreating'
  | 'CrashLoopBackOff'
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'ErrImageNeverPull'
  | 'CreateContainerError'
  | 'CreateContainerConfigError'
  | 'RunContainerError';

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
}

export function dockerID(id: string): string {
  return `docker://${id}`;
}

function terminatedState(c: ObservedContainer): ContainerState {
  const exitCode = c.exitCode ?? 0;
  let reason = exitCode === 0 ? 'Completed' : 'Error';
  if (c.oomKilled) reason = 'OOMKilled';
  else if (c.error && !c.startedAt) reason = 'ContainerCannotRun';
  return {
    terminated: {
      exitCode,
      reason,
      message: c.error,
      startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
      containerID: dockerID(c.id),
    },
  };
}

function waitingState(w: WaitingReason | undefined): ContainerState {
  return { waiting: w ? { reason: w.reason, message: w.message } : { reason: 'ContainerCreating' } };
}

export function computeContainerStatuses(pod: Pod, observed: ObservedPod, ctx: StatusContext): ContainerStatus[] {
  const statuses = pod.spec.containers.map((spec): ContainerStatus => {
    const all = observed.containers.filter((c) => c.name === spec.name);
    const current = all[0];
    const waiting = ctx.waiting?.get(spec.name);
    if (!current) {
      return { name: spec.name, state: waitingState(waiting), lastState: {}, ready: false, restartCount: 0, image: spec.image, imageID: '', started: false };
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
      case 'running':
        return {
          ...base,
          state: { running: { startedAt: current.startedAt ? rfc3339(current.startedAt) : undefined } },
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready: true,
          started: true,
        };
      case 'exited':
        // Dead and about to be restarted (back-off, image trouble): waiting, with the death as
        // lastState. Dead for good, or not yet looked at: terminated.
        if (waiting) {
          return { ...base, state: waitingState(waiting), lastState: terminatedState(current), ready: false, started: false };
        }
        return {
          ...base,
          state: terminatedState(current),
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready: false,
          started: false,
        };
      default:
        return {
          ...base,
          state: waitingState(waiting),
          lastState: previousDead ? terminatedState(previousDead) : {},
          ready: false,
          started: false,
        };
    }
  });
  // kubelet sorts container statuses by name.
  return statuses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** kubelet's getPhase. */
export function computePhase(pod: Pod, statuses: ContainerStatus[]): PodPhase {
  const policy = restartPolicyOf(pod);
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
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
  const total = pod.spec.containers.length;
  if (waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (stopped === total && total > 0) {
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

  const containerStatuses = computeContainerStatuses(pod, observed, ctx);
  const phase = terminal && previous?.phase ? previous.phase : computePhase(pod, containerStatuses);
  const done = phase === 'Succeeded' || phase === 'Failed';

  const sandbox = readySandbox(observed);
  const podIP = sandbox?.ip ?? previous?.podIP;
  const firstSandbox = observed.sandboxes[observed.sandboxes.length - 1];
  const startTime = previous?.startTime ?? (firstSandbox ? rfc3339(firstSandbox.createdAt) : rfc3339(ctx.now));

  const unready = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const allReady = unready.length === 0 && containerStatuses.length > 0;
  const readyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = done ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const prevConditions = previous?.conditions;
  const conditions: PodCondition[] = [
    condition(prevConditions, 'PodReadyToStartContainers', !!sandbox, ctx.now),
    condition(prevConditions, 'Initialized', true, ctx.now),
    condition(prevConditions, 'Ready', allReady && !done, ctx.now, readyReason, readyMessage),
    condition(prevConditions, 'ContainersReady', allReady && !done, ctx.now, readyReason, readyMessage),
    condition(prevConditions, 'PodScheduled', true, ctx.now),
  ];

  return {
    phase,
    conditions,
    hostIP: ctx.hostIP,
    podIP,
    podIPs: podIP ? [{ ip: podIP }] : undefined,
    startTime,
    containerStatuses,
  };
}

/** Would the runtime restart this (dead) container? Exposed for logs and the agent. */
export function willRestart(pod: Pod, c: ObservedContainer): boolean {
  return c.state === 'exited' && shouldRestart(restartPolicyOf(pod), c.exitCode);
}
