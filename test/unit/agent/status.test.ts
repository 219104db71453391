import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, Pod, PodStatus } from '../../../src/api/types.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';
import { computePodStatus, type WaitingReason } from '../../../agent/status.js';
import type { ProbeResults } from '../../../agent/probe-results.js';

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
    qosClass: 'BestEffort',
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

// ---- init containers, sidecars and probe results ----

interface InitFixture extends Fixture {
  liveness: Map<string, 'Success' | 'Failure'>;
  startup: Map<string, 'Success' | 'Failure'>;
  readiness: Map<string, boolean>;
}

/** setup (plain) completed, proxy (a native sidecar) running, app running: initialized and Ready. */
function initBase(): InitFixture {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1' },
    spec: {
      restartPolicy: 'Always',
      initContainers: [
        { name: 'setup', image: 'k1s.local/busybox:1.36' },
        { name: 'proxy', image: 'k1s.local/busybox:1.36', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'app', image: 'k1s.local/busybox:1.36' }],
    },
  };
  const c = (id: string, name: string, exitCode?: number): ObservedContainer => ({
    id,
    name,
    attempt: 0,
    hash: 'h',
    state: exitCode === undefined ? 'running' : 'exited',
    exitCode,
    image: 'k1s.local/busybox:1.36',
    imageID: 'sha256:bb',
    createdAt: at('1:00'),
    startedAt: at('1:01'),
    finishedAt: exitCode === undefined ? undefined : at('1:02'),
  });
  return {
    pod,
    observed: {
      uid: 'u-1',
      name: 'web',
      namespace: 'default',
      sandboxes: [{ id: 'sb0', attempt: 0, state: 'running', ip: '10.244.0.2', createdAt: at('0:59') }],
      containers: [c('app0', 'app'), c('proxy0', 'proxy'), c('setup0', 'setup', 0)],
    },
    waiting: new Map(),
    liveness: new Map(),
    startup: new Map(),
    readiness: new Map(),
  };
}

interface InitSummary {
  phase?: string;
  initialized: string;
  ready: string;
  init: string[];
  containers: string[];
}

/** A container as one line: name state ready? started? */
const line = (c: { name: string; state: ContainerState; ready: boolean; started?: boolean }) =>
  `${c.name} ${stateLine(c.state)}${c.ready ? ' ready' : ''}${c.started ? ' started' : ''}`;

function initSummary(f: InitFixture): InitSummary {
  const probes: ProbeResults = { liveness: (id) => f.liveness.get(id), startup: (id) => f.startup.get(id), readiness: (id) => f.readiness.get(id) };
  const s = computePodStatus(f.pod, f.observed, { hostIP: '192.0.2.2', now: NOW, waiting: f.waiting, probes });
  const cond = (type: string) => {
    const c = (s.conditions ?? []).find((x) => x.type === type);
    return [c?.status, c?.reason, c?.message].filter(Boolean).join(' ');
  };
  return { phase: s.phase, initialized: cond('Initialized'), ready: cond('Ready'), init: (s.initContainerStatuses ?? []).map(line), containers: (s.containerStatuses ?? []).map(line) };
}

const removeAllBut = (f: InitFixture, ...names: string[]) => {
  f.observed.containers = f.observed.containers.filter((c) => names.includes(c.name));
};

const initCases: Record<string, { mutate?: (f: InitFixture) => void; expected: InitSummary }> = {
  'everything is good: Running, Initialized, Ready; completed init containers are ready, not started': {
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'True',
      init: ['setup terminated:Completed:0 ready', 'proxy running ready started'],
      containers: ['app running ready started'],
    },
  },

  'nothing ran yet: Pending, everything PodInitializing': {
    mutate: (f) => removeAllBut(f),
    expected: {
      phase: 'Pending',
      initialized: 'False ContainersNotInitialized containers with incomplete status: [setup proxy]',
      ready: 'False ContainersNotReady containers with unready status: [proxy app]',
      init: ['setup waiting:PodInitializing', 'proxy waiting:PodInitializing'],
      containers: ['app waiting:PodInitializing'],
    },
  },

  'the first init container runs: Pending, started but not ready': {
    mutate: (f) => {
      removeAllBut(f, 'setup');
      Object.assign(f.observed.containers[0], { state: 'running', exitCode: undefined });
    },
    expected: {
      phase: 'Pending',
      initialized: 'False ContainersNotInitialized containers with incomplete status: [setup proxy]',
      ready: 'False ContainersNotReady containers with unready status: [proxy app]',
      init: ['setup running started', 'proxy waiting:PodInitializing'],
      containers: ['app waiting:PodInitializing'],
    },
  },

  'an init container failed, Never: Failed': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      removeAllBut(f, 'setup');
      f.observed.containers[0].exitCode = 1;
    },
    expected: {
      phase: 'Failed',
      initialized: 'False ContainersNotInitialized containers with incomplete status: [setup proxy]',
      ready: 'False PodCompleted',
      init: ['setup terminated:Error:1', 'proxy waiting:PodInitializing'],
      containers: ['app waiting:PodInitializing'],
    },
  },

  'an init container crash-looping (Always): Pending, waiting with the crash as lastState': {
    mutate: (f) => {
      removeAllBut(f, 'setup');
      Object.assign(f.observed.containers[0], { exitCode: 1, attempt: 2 });
      f.waiting.set('setup', { reason: 'CrashLoopBackOff', message: 'back-off 20s' });
    },
    expected: {
      phase: 'Pending',
      initialized: 'False ContainersNotInitialized containers with incomplete status: [setup proxy]',
      ready: 'False ContainersNotReady containers with unready status: [proxy app]',
      init: ['setup waiting:CrashLoopBackOff', 'proxy waiting:PodInitializing'],
      containers: ['app waiting:PodInitializing'],
    },
  },

  'a sidecar before its startupProbe passed is not started: initialization waits for it': {
    mutate: (f) => {
      removeAllBut(f, 'setup', 'proxy');
      f.pod.spec.initContainers![1].startupProbe = { tcpSocket: { port: 15000 } };
    },
    expected: {
      phase: 'Pending',
      initialized: 'False ContainersNotInitialized containers with incomplete status: [proxy]',
      ready: 'False ContainersNotReady containers with unready status: [proxy app]',
      init: ['setup terminated:Completed:0 ready', 'proxy running'],
      containers: ['app waiting:PodInitializing'],
    },
  },

  'a sidecar that is not ready makes the pod not ready': {
    mutate: (f) => {
      f.pod.spec.initContainers![1].readinessProbe = { tcpSocket: { port: 15000 } };
      f.readiness.set('proxy0', false);
    },
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'False ContainersNotReady containers with unready status: [proxy]',
      init: ['setup terminated:Completed:0 ready', 'proxy running started'],
      containers: ['app running ready started'],
    },
  },

  'an app container with a readinessProbe not probed yet is not ready; once it passes, it is': {
    mutate: (f) => {
      f.pod.spec.containers[0].readinessProbe = { httpGet: { port: 8080 } };
    },
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'False ContainersNotReady containers with unready status: [app]',
      init: ['setup terminated:Completed:0 ready', 'proxy running ready started'],
      containers: ['app running started'],
    },
  },

  'an app container with a startupProbe not passed yet is neither started nor ready': {
    mutate: (f) => {
      f.pod.spec.containers[0].startupProbe = { httpGet: { port: 8080 } };
      f.pod.spec.containers[0].readinessProbe = { httpGet: { port: 8080 } };
      f.readiness.set('app0', true);
    },
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'False ContainersNotReady containers with unready status: [app]',
      init: ['setup terminated:Completed:0 ready', 'proxy running ready started'],
      containers: ['app running'],
    },
  },

  'startup and readiness passed: started and ready': {
    mutate: (f) => {
      f.pod.spec.containers[0].startupProbe = { httpGet: { port: 8080 } };
      f.pod.spec.containers[0].readinessProbe = { httpGet: { port: 8080 } };
      f.startup.set('app0', 'Success');
      f.readiness.set('app0', true);
    },
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'True',
      init: ['setup terminated:Completed:0 ready', 'proxy running ready started'],
      containers: ['app running ready started'],
    },
  },

  'a sidecar restarting after the app started does not send the pod back to Pending': {
    mutate: (f) => {
      Object.assign(f.observed.containers.find((c) => c.name === 'proxy')!, { state: 'exited', exitCode: 1 });
      f.waiting.set('proxy', { reason: 'CrashLoopBackOff' });
    },
    expected: {
      phase: 'Running',
      initialized: 'True',
      ready: 'False ContainersNotReady containers with unready status: [proxy]',
      init: ['setup terminated:Completed:0 ready', 'proxy waiting:CrashLoopBackOff'],
      containers: ['app running ready started'],
    },
  },

  'Never: the app completed and the sidecar was stopped: Succeeded': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      for (const c of f.observed.containers.filter((x) => x.state === 'running')) Object.assign(c, { state: 'exited', exitCode: c.name === 'app' ? 0 : 137 });
    },
    expected: {
      phase: 'Succeeded',
      initialized: 'True',
      ready: 'False PodCompleted',
      init: ['setup terminated:Completed:0 ready', 'proxy terminated:Error:137'],
      containers: ['app terminated:Completed:0'],
    },
  },
};

for (const [name, { mutate, expected }] of Object.entries(initCases)) {
  test(`computePodStatus, init containers: ${name}`, () => {
    const f = initBase();
    mutate?.(f);
    assert.deepStrictEqual(initSummary(f), expected);
  });
}

test('computePodStatus: a pod without init containers has no initContainerStatuses', () => {
  assert.equal(compute(base()).initContainerStatuses, undefined);
});
