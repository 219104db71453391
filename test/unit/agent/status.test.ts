import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, Pod, PodStatus } from '../../../src/api/types.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';
import { computePodStatus, type WaitingReason } from '../../../agent/status.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const at = (s: string): string => `2026-01-01T00:0${s}.123456789Z`; // Docker's nanosecond times

interface Fixture {
  pod: Pod;
  observed: ObservedPod;
  waiting: Map<string, WaitingReason>;
}

function base(): Fixture {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1' },
    spec: {
      restartPolicy: 'Always',
      containers: [
        { name: 'sidecar', image: 'k1s.local/busybox:1.36' },
        { name: 'app', image: 'k1s.local/busybox:1.36' },
      ],
    },
  };
  const running = (id: string, name: string): ObservedContainer => ({
    id,
    name,
    attempt: 0,
    hash: 'h',
    state: 'running',
    image: 'k1s.local/busybox:1.36',
    imageID: 'sha256:bb',
    createdAt: at('1:00'),
    startedAt: at('1:01'),
  });
  return {
    pod,
    observed: {
      uid: 'u-1',
      name: 'web',
      namespace: 'default',
      sandboxes: [{ id: 'sb0', attempt: 0, state: 'running', ip: '10.244.0.2', createdAt: at('0:59') }],
      containers: [running('app0', 'app'), running('side0', 'sidecar')],
    },
    waiting: new Map(),
  };
}

function die(f: Fixture, name: string, exitCode: number): ObservedContainer {
  const c = f.observed.containers.find((x) => x.name === name)!;
  c.state = 'exited';
  c.exitCode = exitCode;
  c.finishedAt = at('5:00');
  return c;
}

function compute(f: Fixture): PodStatus {
  return computePodStatus(f.pod, f.observed, { hostIP: '192.0.2.2', now: NOW, waiting: f.waiting });
}

/** A one-line picture of a state: running | waiting:Reason | terminated:Reason:code. */
function stateLine(s: ContainerState): string | undefined {
  if (s.running) return 'running';
  if (s.waiting) return `waiting:${s.waiting.reason}`;
  if (s.terminated) return `terminated:${s.terminated.reason}:${s.terminated.exitCode}`;
  return undefined;
}

interface Summary {
  phase?: string;
  podIP?: string;
  ready: string;
  containers: Record<string, { state?: string; last?: string; restartCount: number; ready: boolean }>;
}

function summarize(s: PodStatus): Summary {
  const ready = (s.conditions ?? []).find((c) => c.type === 'Ready');
  return {
    phase: s.phase,
    podIP: s.podIP,
    ready: `${ready?.status}${ready?.reason ? `:${ready.reason}` : ''}`,
    containers: Object.fromEntries(
      (s.containerStatuses ?? []).map((c) => [
        c.name,
        { state: stateLine(c.state), last: stateLine(c.lastState), restartCount: c.restartCount, ready: c.ready },
      ]),
    ),
  };
}

const up = { state: 'running', last: undefined, restartCount: 0, ready: true };
const everythingUp: Summary = { phase: 'Running', podIP: '10.244.0.2', ready: 'True', containers: { app: up, sidecar: up } };

const cases: Record<string, { mutate?: (f: Fixture) => void; expected: Summary }> = {
  'everything is good: Running and Ready': { expected: everythingUp },

  'nothing created yet: Pending, ContainerCreating': {
    mutate: (f) => {
      f.observed.sandboxes = [];
      f.observed.containers = [];
    },
    expected: {
      phase: 'Pending',
      podIP: undefined,
      ready: 'False:ContainersNotReady',
      containers: {
        app: { state: 'waiting:ContainerCreating', last: undefined, restartCount: 0, ready: false },
        sidecar: { state: 'waiting:ContainerCreating', last: undefined, restartCount: 0, ready: false },
      },
    },
  },

  'image cannot be pulled: Pending, ErrImagePull': {
    mutate: (f) => {
      f.observed.containers = f.observed.containers.filter((c) => c.name !== 'app');
      f.waiting.set('app', { reason: 'ErrImagePull', message: 'no such host' });
    },
    expected: {
      ...everythingUp,
      phase: 'Pending',
      ready: 'False:ContainersNotReady',
      containers: { sidecar: up, app: { state: 'waiting:ErrImagePull', last: undefined, restartCount: 0, ready: false } },
    },
  },

  'image pull backing off: ImagePullBackOff': {
    mutate: (f) => {
      f.observed.containers = f.observed.containers.filter((c) => c.name !== 'app');
      f.waiting.set('app', { reason: 'ImagePullBackOff', message: 'Back-off pulling image' });
    },
    expected: {
      ...everythingUp,
      phase: 'Pending',
      ready: 'False:ContainersNotReady',
      containers: { sidecar: up, app: { state: 'waiting:ImagePullBackOff', last: undefined, restartCount: 0, ready: false } },
    },
  },

  'crashed and backing off: CrashLoopBackOff with the crash as lastState; still Running': {
    mutate: (f) => {
      die(f, 'app', 2).attempt = 3;
      f.waiting.set('app', { reason: 'CrashLoopBackOff', message: 'back-off 40s' });
    },
    expected: {
      ...everythingUp,
      ready: 'False:ContainersNotReady',
      containers: { sidecar: up, app: { state: 'waiting:CrashLoopBackOff', last: 'terminated:Error:2', restartCount: 3, ready: false } },
    },
  },

  'restarted: running, restartCount from the attempt, the previous death as lastState': {
    mutate: (f) => {
      const prev = { ...f.observed.containers[0], id: 'app-prev', state: 'exited' as const, exitCode: 137, finishedAt: at('2:00') };
      f.observed.containers[0].attempt = 1;
      f.observed.containers.push(prev);
    },
    expected: { ...everythingUp, containers: { sidecar: up, app: { ...up, last: 'terminated:Error:137', restartCount: 1 } } },
  },

  'Never, all exited 0: Succeeded, Completed, not Ready (PodCompleted)': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 0);
      die(f, 'sidecar', 0);
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: {
      phase: 'Succeeded',
      podIP: undefined,
      ready: 'False:PodCompleted',
      containers: {
        app: { state: 'terminated:Completed:0', last: undefined, restartCount: 0, ready: false },
        sidecar: { state: 'terminated:Completed:0', last: undefined, restartCount: 0, ready: false },
      },
    },
  },

  'Never, one failed: Failed, Error': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 3);
      die(f, 'sidecar', 0);
    },
    expected: {
      phase: 'Failed',
      podIP: '10.244.0.2',
      ready: 'False:PodCompleted',
      containers: {
        app: { state: 'terminated:Error:3', last: undefined, restartCount: 0, ready: false },
        sidecar: { state: 'terminated:Completed:0', last: undefined, restartCount: 0, ready: false },
      },
    },
  },

  'Never, one still running: Running': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 0);
    },
    expected: {
      ...everythingUp,
      ready: 'False:ContainersNotReady',
      containers: { sidecar: up, app: { state: 'terminated:Completed:0', last: undefined, restartCount: 0, ready: false } },
    },
  },

  'OnFailure, all exited, one failed (restarting): Running': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      die(f, 'app', 1);
      die(f, 'sidecar', 0);
    },
    expected: {
      ...everythingUp,
      ready: 'False:ContainersNotReady',
      containers: {
        app: { state: 'terminated:Error:1', last: undefined, restartCount: 0, ready: false },
        sidecar: { state: 'terminated:Completed:0', last: undefined, restartCount: 0, ready: false },
      },
    },
  },

  'OOM killed: reason OOMKilled': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      die(f, 'app', 137).oomKilled = true;
    },
    expected: {
      ...everythingUp,
      ready: 'False:ContainersNotReady',
      containers: { sidecar: up, app: { state: 'terminated:OOMKilled:137', last: undefined, restartCount: 0, ready: false } },
    },
  },

  'a finished pod whose containers were removed keeps its final status': {
    mutate: (f) => {
      f.pod.status = { phase: 'Succeeded', podIP: '10.244.0.9', containerStatuses: [] };
      f.observed.containers = [];
      f.observed.sandboxes = [];
    },
    expected: { phase: 'Succeeded', podIP: '10.244.0.9', ready: 'undefined', containers: {} },
  },
};

for (const [name, { mutate, expected }] of Object.entries(cases)) {
  test(`computePodStatus: ${name}`, () => {
    const f = base();
    mutate?.(f);
    assert.deepStrictEqual(summarize(compute(f)), expected);
  });
}

test('computePodStatus: the full status of a healthy pod', () => {
  const s = compute(base());
  const t = '2026-01-01T00:10:00Z';
  assert.deepStrictEqual(s, {
    phase: 'Running',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: t },
      { type: 'Initialized', status: 'True', lastTransitionTime: t },
      { type: 'Ready', status: 'True', lastTransitionTime: t },
      { type: 'ContainersReady', status: 'True', lastTransitionTime: t },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
    ],
    hostIP: '192.0.2.2',
    podIP: '10.244.0.2',
    podIPs: [{ ip: '10.244.0.2' }],
    startTime: '2026-01-01T00:00:59Z',
    containerStatuses: [
      {
        name: 'app',
        restartCount: 0,
        image: 'k1s.local/busybox:1.36',
        imageID: 'docker://sha256:bb',
        containerID: 'docker://app0',
        state: { running: { startedAt: '2026-01-01T00:01:01Z' } },
        lastState: {},
        ready: true,
        started: true,
      },
      {
        name: 'sidecar',
        restartCount: 0,
        image: 'k1s.local/busybox:1.36',
        imageID: 'docker://sha256:bb',
        containerID: 'docker://side0',
        state: { running: { startedAt: '2026-01-01T00:01:01Z' } },
        lastState: {},
        ready: true,
        started: true,
      },
    ],
  });
});

test('computePodStatus: an unchanged world gives the same status later (no churn)', () => {
  const f = base();
  const first = compute(f);
  f.pod.status = first;
  const later = computePodStatus(f.pod, f.observed, { hostIP: '192.0.2.2', now: NOW + 3_600_000, waiting: f.waiting });
  assert.deepStrictEqual(later, first);
});

test('computePodStatus: a condition that flips gets a new transition time, the others keep theirs', () => {
  const f = base();
  f.pod.status = compute(f);
  die(f, 'app', 1);
  const later = computePodStatus(f.pod, f.observed, { hostIP: '192.0.2.2', now: NOW + 60_000, waiting: f.waiting });
  const byType = Object.fromEntries((later.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(byType.Ready.status, 'False');
  assert.equal(byType.Ready.lastTransitionTime, '2026-01-01T00:11:00Z');
  assert.equal(byType.Ready.message, 'containers with unready status: [app]');
  assert.equal(byType.PodScheduled.lastTransitionTime, '2026-01-01T00:10:00Z');
  assert.equal(later.startTime, f.pod.status.startTime);
});

test('computePodStatus: a start failure (executable not found) is ContainerCannotRun', () => {
  const f = base();
  f.pod.spec.restartPolicy = 'Never';
  const c = die(f, 'app', 127);
  c.startedAt = undefined;
  c.error = 'exec: "nope": executable file not found in $PATH';
  const s = compute(f).containerStatuses!.find((x) => x.name === 'app')!;
  assert.equal(s.state.terminated?.reason, 'ContainerCannotRun');
  assert.equal(s.state.terminated?.message, c.error);
});
