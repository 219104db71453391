import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { computePodActions, type PodActions } from '../../../agent/actions.js';
import { BACKOFF_INITIAL_MS, type BackoffEntry } from '../../../agent/backoff.js';
import { hashContainer } from '../../../agent/labels.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

interface Fixture {
  pod: Pod;
  observed: ObservedPod;
  now: number;
  backoff: Map<string, BackoffEntry>;
}

/** One healthy pod: a ready sandbox and both containers running their current spec. */
function base(): Fixture {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1234567890' },
    spec: {
      restartPolicy: 'Always',
      containers: [
        { name: 'app', image: 'k1s.local/busybox:1.36', command: ['httpd', '-f', '-p', '8080', '-h', '/www'] },
        { name: 'sidecar', image: 'k1s.local/busybox:1.36', command: ['sleep', '3600'] },
      ],
    },
  };
  const running = (id: string, name: string, attempt = 0): ObservedContainer => ({
    id,
    name,
    attempt,
    hash: hashContainer(pod.spec.containers.find((c) => c.name === name)!),
    state: 'running',
    image: 'k1s.local/busybox:1.36',
    imageID: 'sha256:bb',
    createdAt: ago(60_000),
    startedAt: ago(59_000),
  });
  return {
    pod,
    observed: {
      uid: 'u-1234567890',
      name: 'web',
      namespace: 'default',
      sandboxes: [{ id: 'sb0', attempt: 0, state: 'running', ip: '10.244.0.2', createdAt: ago(61_000) }],
      containers: [running('app0', 'app'), running('side0', 'sidecar')],
    },
    now: NOW,
    backoff: new Map(),
  };
}

const nothing: PodActions = {
  killPod: false,
  createSandbox: false,
  sandboxId: 'sb0',
  sandboxAttempt: 0,
  initContainersToStart: [],
  containersToStart: [],
  containersToKill: [],
  containersToRemove: [],
  backoff: [],
};

/** The fixture's container `name` (newest) becomes a dead one. */
function die(f: Fixture, name: string, exitCode: number, finishedAgoMs = 1_000): ObservedContainer {
  const c = f.observed.containers.find((x) => x.name === name)!;
  c.state = 'exited';
  c.exitCode = exitCode;
  c.finishedAt = ago(finishedAgoMs);
  return c;
}

function dead(name: string, id: string, attempt: number, exitCode = 1, finishedAgoMs = 30_000): ObservedContainer {
  return { id, name, attempt, hash: 'old', state: 'exited', exitCode, image: 'i', imageID: 'sha256:bb', createdAt: ago(finishedAgoMs + 5_000), startedAt: ago(finishedAgoMs + 4_000), finishedAt: ago(finishedAgoMs) };
}

/** Keep containers newest first, as observePods does. */
function sortContainers(f: Fixture): void {
  f.observed.containers.sort((a, b) => b.attempt - a.attempt || b.createdAt.localeCompare(a.createdAt));
}

const cases: Record<string, { mutate?: (f: Fixture) => void; expected: Partial<PodActions> }> = {
  'everything is good; do nothing': { expected: {} },

  'a dead container kept for logs --previous is not touched': {
    mutate: (f) => {
      f.observed.containers.find((c) => c.name === 'app')!.attempt = 1;
      f.observed.containers.push(dead('app', 'app-old', 0));
      sortContainers(f);
    },
    expected: {},
  },

  'new pod: create the sandbox and start every container': {
    mutate: (f) => {
      f.observed.sandboxes = [];
      f.observed.containers = [];
    },
    expected: {
      createSandbox: true,
      sandboxId: undefined,
      containersToStart: [
        { name: 'app', attempt: 0, reason: 'New' },
        { name: 'sidecar', attempt: 0, reason: 'New' },
      ],
    },
  },

  'sandbox died: kill everything and start over in a new sandbox': {
    mutate: (f) => {
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: {
      killPod: true,
      createSandbox: true,
      sandboxId: undefined,
      sandboxAttempt: 1,
      containersToStart: [
        { name: 'app', attempt: 1, reason: 'SandboxChanged' },
        { name: 'sidecar', attempt: 1, reason: 'SandboxChanged' },
      ],
    },
  },

  'sandbox running without an address is not ready either': {
    mutate: (f) => {
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: {
      killPod: true,
      createSandbox: true,
      sandboxId: undefined,
      sandboxAttempt: 1,
      containersToStart: [
        { name: 'app', attempt: 1, reason: 'SandboxChanged' },
        { name: 'sidecar', attempt: 1, reason: 'SandboxChanged' },
      ],
    },
  },

  'sandbox created but never started: replace it': {
    mutate: (f) => {
      f.observed.sandboxes[0].state = 'created';
      f.observed.containers = [];
    },
    expected: {
      createSandbox: true,
      sandboxId: undefined,
      sandboxAttempt: 1,
      containersToStart: [
        { name: 'app', attempt: 0, reason: 'New' },
        { name: 'sidecar', attempt: 0, reason: 'New' },
      ],
    },
  },

  'Always: a container that exited restarts at once the first time': {
    mutate: (f) => void die(f, 'app', 0),
    expected: { containersToStart: [{ name: 'app', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 1_000 }] },
  },

  'a container that crashed again inside its back-off waits (CrashLoopBackOff)': {
    mutate: (f) => {
      die(f, 'app', 1, 3_000);
      f.backoff.set('app', { delayMs: BACKOFF_INITIAL_MS, lastUpdate: NOW - 8_000 });
    },
    expected: { backoff: [{ name: 'app', delayMs: BACKOFF_INITIAL_MS, retryAt: NOW - 3_000 + BACKOFF_INITIAL_MS }] },
  },

  'back-off over: restart': {
    mutate: (f) => {
      die(f, 'app', 1, 21_000);
      f.backoff.set('app', { delayMs: 20_000, lastUpdate: NOW - 25_000 });
    },
    expected: { containersToStart: [{ name: 'app', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 21_000 }] },
  },

  'back-off forgotten after the container ran 10 minutes': {
    mutate: (f) => {
      die(f, 'app', 1, 1_000);
      f.backoff.set('app', { delayMs: 300_000, lastUpdate: NOW - 11 * 60_000 });
    },
    expected: { containersToStart: [{ name: 'app', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 1_000 }] },
  },

  'OnFailure: exit 0 is left alone': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      die(f, 'app', 0);
    },
    expected: {},
  },

  'OnFailure: exit 1 restarts': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      die(f, 'app', 1);
    },
    expected: { containersToStart: [{ name: 'app', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 1_000 }] },
  },

  'Never: a failed container is left alone while another runs': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 1);
    },
    expected: {},
  },

  'Never: every container exited, so stop the sandbox': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 0);
      die(f, 'sidecar', 0);
    },
    expected: { killPod: true },
  },

  'Never: a completed pod whose sandbox is stopped needs nothing': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 0);
      die(f, 'sidecar', 1);
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: { sandboxId: undefined },
  },

  'Never: sandbox died under running containers: stop them, do not recreate': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: { killPod: true, sandboxId: undefined },
  },

  'OnFailure: sandbox gone, only the failed container starts over': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      die(f, 'app', 0);
      die(f, 'sidecar', 1);
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: {
      createSandbox: true,
      sandboxId: undefined,
      sandboxAttempt: 1,
      containersToStart: [{ name: 'sidecar', attempt: 1, reason: 'SandboxChanged', previousFinishedAt: NOW - 1_000 }],
    },
  },

  'OnFailure: sandbox gone and everything succeeded: nothing to do': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      die(f, 'app', 0);
      die(f, 'sidecar', 0);
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: { sandboxId: undefined },
  },

  'spec changed under a running container: kill it and start the new spec': {
    mutate: (f) => {
      f.pod.spec.containers[0].image = 'k1s.local/busybox:1.37';
    },
    expected: {
      containersToKill: [{ id: 'app0', name: 'app', reason: 'SpecChanged', message: 'Container app definition changed, will be restarted' }],
      containersToStart: [{ name: 'app', attempt: 1, reason: 'SpecChanged' }],
    },
  },

  'restart: older dead containers are removed, the newest dead one is kept': {
    mutate: (f) => {
      die(f, 'app', 1, 40_000).attempt = 2;
      f.observed.containers.push(dead('app', 'app-a1', 1, 1, 60_000), dead('app', 'app-a0', 0, 1, 90_000));
      sortContainers(f);
    },
    expected: {
      containersToStart: [{ name: 'app', attempt: 3, reason: 'Restart', previousFinishedAt: NOW - 40_000 }],
      containersToRemove: [
        { id: 'app-a1', name: 'app', reason: 'Superseded' },
        { id: 'app-a0', name: 'app', reason: 'Superseded' },
      ],
    },
  },

  'created but never started (agent stopped in between): replace it, same attempt': {
    mutate: (f) => {
      const c = f.observed.containers.find((x) => x.name === 'sidecar')!;
      c.state = 'created';
      c.attempt = 2;
    },
    expected: {
      containersToRemove: [{ id: 'side0', name: 'sidecar', reason: 'NotStarted' }],
      containersToStart: [{ name: 'sidecar', attempt: 2, reason: 'New' }],
    },
  },

  'two running instances of one container: the older is killed': {
    mutate: (f) => {
      const older = { ...f.observed.containers[0], id: 'app-older', attempt: 0 };
      f.observed.containers[0].attempt = 1;
      f.observed.containers.push(older);
      sortContainers(f);
    },
    expected: { containersToKill: [{ id: 'app-older', name: 'app', reason: 'Duplicate', message: 'Container app has a newer instance' }] },
  },

  'containers whose name left the spec are killed (running) or removed (dead)': {
    mutate: (f) => {
      f.observed.containers.push(
        { ...f.observed.containers[0], id: 'ghost-run', name: 'ghost' },
        dead('ghost2', 'ghost-dead', 0),
      );
    },
    expected: {
      containersToKill: [{ id: 'ghost-run', name: 'ghost', reason: 'NotInSpec', message: 'Container ghost is not in the pod spec' }],
      containersToRemove: [{ id: 'ghost-dead', name: 'ghost2', reason: 'NotInSpec' }],
    },
  },

  'an older sandbox is removed once dead': {
    mutate: (f) => {
      f.observed.sandboxes[0].attempt = 1;
      f.observed.sandboxes.push({ id: 'sb-old', attempt: 0, state: 'exited', createdAt: ago(200_000) });
    },
    expected: { sandboxAttempt: 1, containersToRemove: [{ id: 'sb-old', name: 'POD', reason: 'OldSandbox' }] },
  },

  'a container removed behind our back (docker rm -f) continues its restart count': {
    mutate: (f) => {
      f.observed.containers = f.observed.containers.filter((c) => c.name !== 'app');
      f.pod.status = {
        containerStatuses: [
          { name: 'app', state: { running: {} }, lastState: {}, ready: true, restartCount: 4, image: 'i', imageID: 'x', containerID: 'docker://app0' },
        ],
      };
    },
    expected: { containersToStart: [{ name: 'app', attempt: 5, reason: 'Restart' }] },
  },

  'Never: a completed container removed behind our back is not started again': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      f.observed.containers = f.observed.containers.filter((c) => c.name !== 'app');
      f.pod.status = {
        containerStatuses: [
          { name: 'app', state: { terminated: { exitCode: 0 } }, lastState: {}, ready: false, restartCount: 0, image: 'i', imageID: 'x', containerID: 'docker://app0' },
        ],
      };
    },
    expected: {},
  },

  'a pod being deleted is stopped and nothing starts': {
    mutate: (f) => {
      f.pod.metadata.deletionTimestamp = '2026-01-01T00:09:00Z';
      die(f, 'app', 1);
    },
    expected: { killPod: true },
  },

  'a pod that finished for good is never started again': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      f.pod.status = { phase: 'Succeeded' };
      f.observed.sandboxes = [];
      f.observed.containers = [];
    },
    expected: { sandboxId: undefined },
  },
};

for (const [name, { mutate, expected }] of Object.entries(cases)) {
  test(`computePodActions: ${name}`, () => {
    const f = base();
    mutate?.(f);
    const actual = computePodActions(f.pod, f.observed, f.now, f.backoff);
    assert.deepStrictEqual(actual, { ...nothing, ...expected });
  });
}
