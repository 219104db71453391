// In which order a pod's running containers are stopped when the whole pod is (killPod: deletion,
// a finished pod, a sandbox change). kubelet's terminationOrdering (SidecarContainers): the app
// containers (and a plain init container still running) first, all at once; then the native
// sidecars, last started first, each once everything started after it has exited, so a proxy or a
// log shipper outlives what it serves. The sandbox goes last of all. Pure.
import type { Pod } from '../src/api/types.js';
import type { ObservedContainer, ObservedPod } from './observed.js';

/**
 * Stages of running containers: stop every container of a stage (in parallel, each with the grace
 * period left), wait for them to exit, then go on to the next stage. Without the pod object (it is
 * gone from the API) or without sidecars there is a single stage.
 */
export function terminationStages(pod: Pod | undefined, observed: ObservedPod): ObservedContainer[][] {
  const running = observed.containers.filter((c) => c.state === 'running');
  const sidecars = (pod?.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  const later: ObservedContainer[][] = [];
  for (const name of [...sidecars].reverse()) {
    const stage = running.filter((c) => c.name === name);
    if (stage.length) later.push(stage);
  }
  const sidecarNames = new Set(sidecars);
  const first = running.filter((c) => !sidecarNames.has(c.name));
  return [first, ...later].filter((s) => s.length > 0);
}
