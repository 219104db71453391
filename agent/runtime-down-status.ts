// A pod's status while the container engine is down: nothing the agent reported can be vouched
// for, so no container is ready and neither is the pod, and the endpoints controller takes it out
// of its Services at once. Kubernetes gets there later and coarser (the node lifecycle controller's
// MarkPodsNotReady flips Ready to False once the Node stops being Ready); k1s does it within the
// second, with the reason and message the kubelet itself gives unready containers. Everything else
// (phase, IPs, container states) is kept: the containers may well still run. Pure.
import { rfc3339 } from '../src/api/time.js';
import type { Pod, PodCondition, PodStatus } from '../src/api/types.js';
import { isRestartableInit } from './actions.js';

function notReady(previous: PodCondition[] | undefined, type: PodCondition['type'], now: number, message: string): PodCondition {
  const prev = previous?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === 'False' && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  return { type, status: 'False', lastTransitionTime, reason: 'ContainersNotReady', message };
}

/** The status to show while the runtime is down; the pod's own status when there is nothing to say
 * (no status yet, or a finished pod, whose status no longer depends on the runtime). */
export function runtimeDownStatus(pod: Pod, now: number): PodStatus | undefined {
  const status = pod.status;
  if (!status || status.phase === 'Succeeded' || status.phase === 'Failed') return status;
  const sidecars = new Set((pod.spec.initContainers ?? []).filter(isRestartableInit).map((c) => c.name));
  // in spec order, sidecars first, as GenerateContainersReadyCondition lists them
  const unready = [...(pod.spec.initContainers ?? []).filter((c) => sidecars.has(c.name)), ...pod.spec.containers].map((c) => c.name);
  const message = `containers with unready status: [${unready.join(' ')}]`;
  const conditions = (status.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' ? notReady(status.conditions, c.type, now, message) : c,
  );
  for (const type of ['Ready', 'ContainersReady'] as const) {
    if (!conditions.some((c) => c.type === type)) conditions.push(notReady(undefined, type, now, message));
  }
  return {
    ...status,
    conditions,
    // a completed plain init container stays ready: it is done, whatever the engine does now
    ...(status.initContainerStatuses
      ? { initContainerStatuses: status.initContainerStatuses.map((s) => (sidecars.has(s.name) ? { ...s, ready: false } : s)) }
      : {}),
    ...(status.containerStatuses ? { containerStatuses: status.containerStatuses.map((s) => ({ ...s, ready: false })) } : {}),
  };
}
