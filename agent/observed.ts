// What the runtime holds for one pod, read back from container labels: the input of the pure
// decisions (actions.ts, status.ts). Pure.
import {
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_GRACE,
  LABEL_HASH,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_TERMINATION_MESSAGE_FILE,
  LABEL_TERMINATION_MESSAGE_POLICY,
} from './labels.js';
import type { RuntimeContainer, RuntimeState } from './runtime.js';

export interface ObservedSandbox {
  id: string;
  attempt: number;
  state: RuntimeState;
  ip?: string;
  createdAt: string;
}

/** A runtime container read back as one of the pod's containers. */
export interface ObservedContainer
  extends Pick<RuntimeContainer, 'id' | 'state' | 'image' | 'imageID' | 'createdAt' | 'startedAt' | 'finishedAt' | 'exitCode' | 'oomKilled' | 'error'> {
  /** The pod's container name (from the label), not Docker's. */
  name: string;
  attempt: number;
  hash: string;
  /** Host file holding what the app writes at its terminationMessagePath (from the labels). */
  terminationMessageFile?: string;
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  /** Once exited: the message read from that file or the logs (termination-message.ts), filled
   * in by the sync, which reads files; the status shows it as the terminated state's message. */
  terminationMessage?: string;
}

export interface ObservedPod {
  uid: string;
  name: string;
  namespace: string;
  /** From the labels: the grace period to use even when the pod object is gone. */
  gracePeriodSeconds?: number;
  /** Newest first. */
  sandboxes: ObservedSandbox[];
  /** All app containers, every attempt, newest first. */
  containers: ObservedContainer[];
}

export function emptyObservedPod(uid: string, name = '', namespace = ''): ObservedPod {
  return { uid, name, namespace, sandboxes: [], containers: [] };
}

function attemptOf(c: RuntimeContainer): number {
  const n = Number(c.labels[LABEL_ATTEMPT]);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Newest first: higher attempt, then later creation (two containers of one attempt only exist
 * after a crash between create and start). */
function newestFirst<T extends { attempt: number; createdAt: string }>(a: T, b: T): number {
  return b.attempt - a.attempt || b.createdAt.localeCompare(a.createdAt);
}

/** Group k1s containers by pod uid. */
export function observePods(containers: RuntimeContainer[]): Map<string, ObservedPod> {
  const pods = new Map<string, ObservedPod>();
  for (const c of containers) {
    const uid = c.labels[LABEL_POD_UID];
    if (!uid) continue;
    let pod = pods.get(uid);
    if (!pod) {
      pod = emptyObservedPod(uid, c.labels[LABEL_POD_NAME] ?? '', c.labels[LABEL_POD_NAMESPACE] ?? '');
      pods.set(uid, pod);
    }
    const grace = Number(c.labels[LABEL_GRACE]);
    if (c.labels[LABEL_GRACE] !== undefined && Number.isFinite(grace)) pod.gracePeriodSeconds = grace;
    if (c.labels[LABEL_CONTAINER_TYPE] === 'sandbox') {
      pod.sandboxes.push({ id: c.id, attempt: attemptOf(c), state: c.state, ip: c.ip, createdAt: c.createdAt });
    } else {
      pod.containers.push({
        id: c.id,
        name: c.labels[LABEL_CONTAINER_NAME] ?? '',
        attempt: attemptOf(c),
        hash: c.labels[LABEL_HASH] ?? '',
        state: c.state,
        image: c.image,
        imageID: c.imageID,
        createdAt: c.createdAt,
        startedAt: c.startedAt,
        finishedAt: c.finishedAt,
        exitCode: c.exitCode,
        oomKilled: c.oomKilled,
        error: c.error,
        terminationMessageFile: c.labels[LABEL_TERMINATION_MESSAGE_FILE] || undefined,
        terminationMessagePolicy: c.labels[LABEL_TERMINATION_MESSAGE_POLICY] === 'FallbackToLogsOnError' ? 'FallbackToLogsOnError' : c.labels[LABEL_TERMINATION_MESSAGE_FILE] ? 'File' : undefined,
      });
    }
  }
  for (const pod of pods.values()) {
    pod.sandboxes.sort(newestFirst);
    pod.containers.sort(newestFirst);
  }
  return pods;
}

export function observePod(uid: string, containers: RuntimeContainer[]): ObservedPod {
  return observePods(containers).get(uid) ?? emptyObservedPod(uid);
}

/** The newest container for a name (the "current" one), if any. */
export function currentContainer(observed: ObservedPod, name: string): ObservedContainer | undefined {
  return observed.containers.find((c) => c.name === name);
}

/** A sandbox that app containers can join: the newest one, running, with an address. */
export function readySandbox(observed: ObservedPod): ObservedSandbox | undefined {
  const s = observed.sandboxes[0];
  return s && s.state === 'running' && s.ip ? s : undefined;
}
