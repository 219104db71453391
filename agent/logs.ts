// Which container `kubectl logs` means. Pure; the wording of the errors is the API server's, so
// kubectl users see what they know.
import type { Pod } from '../src/api/types.js';
import type { ObservedPod } from './observed.js';
import { willRestart } from './status.js';

export type AgentErrorCode = 'NotFound' | 'BadRequest';

/** An error the API layer can map to an HTTP status (NotFound 404, BadRequest 400). */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export function resolveContainerName(pod: Pod, container: string | undefined): string {
  const names = pod.spec.containers.map((c) => c.name);
  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (container === undefined || container === '') {
    if (names.length === 1) return names[0];
    const init = initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : '';
    throw new AgentError('BadRequest', `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]${init}`);
  }
  if (!names.includes(container) && !initNames.includes(container)) {
    throw new AgentError('BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`);
  }
  return container;
}

/**
 * The container id whose logs are wanted. Like kubelet: the current container, or with
 * `previous` the last terminated one; a container waiting to restart after a crash shows the
 * logs of that crash either way.
 */
export function pickLogContainer(pod: Pod, observed: ObservedPod, name: string, previous: boolean): string {
  const all = observed.containers.filter((c) => c.name === name);
  const current = all[0];
  const podName = pod.metadata.name;
  if (previous) {
    const prev = current && willRestart(pod, current) ? current : all.slice(1).find((c) => c.state === 'exited');
    if (!prev) throw new AgentError('BadRequest', `previous terminated container "${name}" in pod "${podName}" not found`);
    return prev.id;
  }
  if (!current || (current.state === 'created' && all.length === 1)) {
    throw new AgentError('BadRequest', `container "${name}" in pod "${podName}" is waiting to start: ContainerCreating`);
  }
  return current.id;
}
