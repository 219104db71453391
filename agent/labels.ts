// Labels and names on every container k1s creates. The labels are the agent's only memory of
// what it made: a restarted agent rebuilds its whole view of the node from them (adoption),
// and `k1s cleanup` finds everything of ours by `io.k1s.managed=true`.
import { createHash } from 'node:crypto';
import type { Container } from '../src/api/types.js';
import { canonicalJSON } from '../src/store/canonical.js';

export const LABEL_MANAGED = 'io.k1s.managed';
/** The agent (node) that owns the container: two agents on one engine (a test next to a server)
 * must never adopt or garbage-collect each other's pods. */
export const LABEL_NODE = 'io.k1s.node';
export const LABEL_POD_UID = 'io.k1s.pod.uid';
export const LABEL_POD_NAME = 'io.k1s.pod.name';
export const LABEL_POD_NAMESPACE = 'io.k1s.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.k1s.container.name';
export const LABEL_CONTAINER_TYPE = 'io.k1s.container.type';
export const LABEL_ATTEMPT = 'io.k1s.container.attempt';
export const LABEL_HASH = 'io.k1s.container.hash';
/** Kept on every container so a pod deleted while the agent was down still gets its grace period. */
export const LABEL_GRACE = 'io.k1s.pod.terminationGracePeriod';

/** The host file bind-mounted at the container's terminationMessagePath, and the policy to read it
 * with: the agent reads the message from there once the container has exited, even after a restart. */
export const LABEL_TERMINATION_MESSAGE_FILE = 'io.k1s.container.terminationMessageFile';
export const LABEL_TERMINATION_MESSAGE_POLICY = 'io.k1s.container.terminationMessagePolicy';

/** On a sandbox in the host's network namespace: the pod's IP (the node's), which Docker does not report. */
export const LABEL_HOST_NETWORK_IP = 'io.k1s.pod.hostNetworkIP';

export type ContainerType = 'sandbox' | 'container';

/** The pseudo container name kubelet gives the infra container, in names only. */
export const SANDBOX_NAME = 'POD';

export interface PodRef {
  uid: string;
  name: string;
  namespace: string;
}

export function podLabels(node: string, pod: PodRef, graceSeconds: number): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_NODE]: node,
    [LABEL_POD_UID]: pod.uid,
    [LABEL_POD_NAME]: pod.name,
    [LABEL_POD_NAMESPACE]: pod.namespace,
    [LABEL_GRACE]: String(graceSeconds),
  };
}

/** kubelet's naming: k1s_<container>_<pod>_<ns>_<uid8>_<attempt>; unique per attempt so that
 * the previous (dead) container can live next to the new one. */
export function containerName(pod: PodRef, container: string, attempt: number): string {
  return `k1s_${container}_${pod.name}_${pod.namespace}_${pod.uid.slice(0, 8)}_${attempt}`;
}

/** Hash of the fields that, when changed, require a new container (as kubelet's HashContainer).
 * Resources are left out: we do not enforce them yet, so a change must not restart anything. */
export function hashContainer(c: Container): string {
  const relevant = {
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    env: c.env,
    ports: c.ports,
    stdin: c.stdin,
    stdinOnce: c.stdinOnce,
    tty: c.tty,
  };
  return createHash('sha256').update(canonicalJSON(relevant)).digest('hex').slice(0, 16);
}
