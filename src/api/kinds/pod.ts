// Pod (core/v1): the spec is the user's (only images may change, and nodeName once, by the
// scheduler), the status is the node agent's.
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden, invalidValue, type Errors } from '../field-errors.js';
import { objectBase } from '../fields.js';
import { defaultPodResourceRequests, defaultPodSpec } from '../podspec/defaults.js';
import { podSpecFieldTypes, podSpecPatchKeys } from '../podspec/patch-keys.js';
import { computePodQOS } from '../podspec/qos.js';
import { podSpec, podStatus, type Container, type ContainerStatus, type PodSpec } from '../podspec/schema.js';
import { validatePodSpec } from '../podspec/validation.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const podSchema = z.strictObject({ ...objectBase('Pod'), spec: podSpec, status: podStatus.optional() });

export type Pod = Stored<z.output<typeof podSchema>>;

/** kubectl's "native sidecar": an init container with restartPolicy Always. */
function isSidecar(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** What kubectl shows in a pod's STATUS column, with READY and RESTARTS computed alongside (printers.go printPod). */
export function podSummary(pod: Pod, now: Date): { ready: string; status: string; restarts: string } {
  const phase = pod.status?.phase ?? 'Pending';
  let reason: string = pod.status?.reason || phase;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = new Map((pod.spec.initContainers ?? []).map((c) => [c.name, c]));
  // sidecars count as containers of the pod (READY 2/2 for one app container and one sidecar)
  const total = pod.spec.containers.length + [...initSpecs.values()].filter(isSidecar).length;
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  const finishedAt = (c: ContainerStatus): number => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0;

  // Init containers in spec order: the first that has not completed (or, for a sidecar, started) says
  // how far initialization got.
  let initializing = false;
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const sidecar = isSidecar(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) reason = terminated.reason ? `Init:${terminated.reason}` : `Init:ExitCode:${terminated.exitCode}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.size}`;
    initializing = true;
    break;
  }

  const initialized = (pod.status?.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    // once the app containers run, only the sidecars' restarts still count beside theirs
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = pod.status?.containerStatuses ?? [];
    // kubectl walks the statuses backwards, so the first container's reason wins
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = `ExitCode:${terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (pod.metadata.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) {
    restartsText = `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${total}`, status: reason, restarts: restartsText };
}

/**
 * The pod strategy's CheckGracefulDelete: the grace asked for, else the pod's own
 * terminationGracePeriodSeconds (30 by default). A pod no node runs (never scheduled) or whose
 * containers have all ended has nothing to stop, so it goes at once.
 */
export function podGracePeriod(pod: Pod, requestedSeconds: number | undefined): number {
  if (!pod.spec.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requestedSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return grace < 0 ? 1 : grace;
}

/** SetDefaults_PodSpec, then SetDefaults_Pod (which templates do not get): a limit without a request requests the limit. */
function defaultPod(pod: Pod): void {
  defaultPodSpec(pod.spec);
  defaultPodResourceRequests(pod.spec);
}

export const PodKind = defineKind<Pod>({
  kind: 'Pod',
  group: '',
  resource: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  schema: podSchema,
  subresources: ['status', 'log', 'exec', 'attach', 'portforward', 'eviction'],
  fieldSelectors: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    ...podSpecPatchKeys('spec'),
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
  },
  fieldTypes: { ...podSpecFieldTypes('spec'), 'status.podIPs': { list: 'map', keys: ['ip'] } },
  defaults: defaultPod,
  validate: (pod) => validatePodSpec(pod.spec, 'spec'),
  validateUpdate(next, prev): Errors {
    const before = prev.spec;
    // Undo the changes that are allowed (each container's and init container's image; a first
    // nodeName, which is the scheduler's binding) and what is left must be unchanged.
    const undone: PodSpec = {
      ...next.spec,
      containers: next.spec.containers.map((c, i) => ({ ...c, image: before.containers[i]?.image ?? c.image })),
      ...(next.spec.initContainers
        ? { initContainers: next.spec.initContainers.map((c, i) => ({ ...c, image: before.initContainers?.[i]?.image ?? c.image })) }
        : {}),
      nodeName: before.nodeName ? next.spec.nodeName : undefined,
    };
    if (deepEqual(undone, before)) return [];
    return [forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image` (and `spec.nodeName` while unset)')];
  },
  prepareForCreate(pod) {
    // As the pod strategy's PrepareForCreate: the class is decided once, from the spec as created
    // (after defaulting), and kept for the pod's life. (kube also sets phase Pending here; k1s's
    // node agent takes a pod without a phase as brand new, so the phase is left to it.)
    pod.status = { qosClass: computePodQOS(pod.spec) };
  },
  prepareForStatusUpdate(next, prev) {
    // A status writer that does not know the class (k1s's node agent, old kubelets) keeps it.
    if (next.status && !next.status.qosClass && prev.status?.qosClass) next.status.qosClass = prev.status.qosClass;
    if (!next.status && prev.status?.qosClass) next.status = { qosClass: prev.status.qosClass };
  },
  validateStatusUpdate(next, prev): Errors {
    // ValidatePodStatusUpdate (v1.32, kubernetes#127744): the class never changes once set.
    const before = prev.status?.qosClass;
    const after = next.status?.qosClass;
    return after === before ? [] : [invalidValue('status.qosClass', after ?? '', 'field is immutable')];
  },
  prepareForUpdate(next, prev) {
    // Re-applying a pod's manifest does not unbind it: the binding is the scheduler's field.
    if (!next.spec.nodeName) next.spec.nodeName = prev.spec.nodeName;
  },
  gracefulDelete: podGracePeriod,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'string', 'The aggregate status of the containers in this pod.'),
      column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE_COLUMN,
      column('IP', 'string', 'IP address allocated to the pod.', 1),
      column('Node', 'string', 'Name of the node where the pod is scheduled.', 1),
      column('Nominated Node', 'string', 'Name of the node where the pod is nominated.', 1),
      column('Readiness Gates', 'string', 'Pod Readiness Gates.', 1),
    ],
    row(pod, now) {
      const s = podSummary(pod, now);
      const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
      const node = pod.spec.nodeName || '<none>';
      return [pod.metadata.name, s.ready, s.status, s.restarts, age(pod.metadata.creationTimestamp, now), ip, node, '<none>', '<none>'];
    },
  },
});
