import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { computePodActions, type PodActions } from '../../../agent/actions.js';
import { BACKOFF_INITIAL_MS, type BackoffEntry } from '../../../agent/backoff.js';
import { hashContainer } from '../../../agent/labels.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';
import type { ProbeResults } from '../../../agent/probe-results.js';
import { terminationStages } from '../../../agent/termination-order.js';

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

  'the only container being removed by Docker (docker rm -f): wait for it, the pod is not done': {
    mutate: (f) => {
      f.pod.spec.containers = f.pod.spec.containers.filter((c) => c.name === 'app');
      f.observed.containers = f.observed.containers.filter((c) => c.name === 'app');
      f.observed.containers[0].state = 'unknown';
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

// ---- probe results (app containers) ----

const probeCases: Record<string, { mutate: (f: Fixture, probes: FakeProbes) => void; expected: Partial<PodActions> }> = {
  'no probe results: nothing to do': { mutate: () => {}, expected: {} },

  'liveness failure: killed and restarted (Always)': {
    mutate: (f, p) => {
      f.pod.spec.containers[0].livenessProbe = { httpGet: { port: 8080 } };
      p.liveness.set('app0', 'Failure');
    },
    expected: {
      containersToKill: [{ id: 'app0', name: 'app', reason: 'LivenessProbe', message: 'Container app failed liveness probe, will be restarted' }],
      containersToStart: [{ name: 'app', attempt: 1, reason: 'Restart' }],
    },
  },

  'liveness failure under Never: killed, not restarted': {
    mutate: (f, p) => {
      f.pod.spec.restartPolicy = 'Never';
      f.pod.spec.containers[0].livenessProbe = { httpGet: { port: 8080 } };
      p.liveness.set('app0', 'Failure');
    },
    expected: { containersToKill: [{ id: 'app0', name: 'app', reason: 'LivenessProbe', message: 'Container app failed liveness probe' }] },
  },

  'startup failure: killed and restarted': {
    mutate: (f, p) => {
      f.pod.spec.containers[1].startupProbe = { exec: { command: ['true'] } };
      p.startup.set('side0', 'Failure');
    },
    expected: {
      containersToKill: [{ id: 'side0', name: 'sidecar', reason: 'StartupProbe', message: 'Container sidecar failed startup probe, will be restarted' }],
      containersToStart: [{ name: 'sidecar', attempt: 1, reason: 'Restart' }],
    },
  },

  'a liveness result for a container without a livenessProbe is ignored; Success keeps it': {
    mutate: (f, p) => {
      f.pod.spec.containers[1].livenessProbe = { exec: { command: ['true'] } };
      p.liveness.set('app0', 'Failure');
      p.liveness.set('side0', 'Success');
    },
    expected: {},
  },
};

interface FakeProbes {
  liveness: Map<string, 'Success' | 'Failure'>;
  startup: Map<string, 'Success' | 'Failure'>;
  readiness: Map<string, boolean>;
}

/** The maps as the ProbeResults interface the decisions read. */
function probeResults(p: FakeProbes): ProbeResults {
  return { liveness: (id) => p.liveness.get(id), startup: (id) => p.startup.get(id), readiness: (id) => p.readiness.get(id) };
}

for (const [name, { mutate, expected }] of Object.entries(probeCases)) {
  test(`computePodActions, probes: ${name}`, () => {
    const f = base();
    const p: FakeProbes = { liveness: new Map(), startup: new Map(), readiness: new Map() };
    mutate(f, p);
    const actual = computePodActions(f.pod, f.observed, f.now, f.backoff, probeResults(p));
    assert.deepStrictEqual(actual, { ...nothing, ...expected });
  });
}

// ---- init containers and native sidecars ----

const INIT_NOW = NOW;
/** A pod with a plain init container, a native sidecar, another plain one, and an app container,
 * fully initialized: setup and migrate completed, proxy and app running, in sandbox sb0. */
function initBase(): Fixture & { probes: FakeProbes } {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1234567890' },
    spec: {
      restartPolicy: 'Always',
      initContainers: [
        { name: 'setup', image: 'k1s.local/busybox:1.36', command: ['true'] },
        { name: 'proxy', image: 'k1s.local/busybox:1.36', command: ['sleep', '3600'], restartPolicy: 'Always' },
        { name: 'migrate', image: 'k1s.local/busybox:1.36', command: ['true'] },
      ],
      containers: [{ name: 'app', image: 'k1s.local/busybox:1.36', command: ['httpd', '-f'] }],
    },
  };
  const spec = (name: string) => [...pod.spec.initContainers!, ...pod.spec.containers].find((c) => c.name === name)!;
  const made = (id: string, name: string, createdAgoMs: number, exitCode?: number): ObservedContainer => ({
    id,
    name,
    attempt: 0,
    hash: hashContainer(spec(name)),
    state: exitCode === undefined ? 'running' : 'exited',
    exitCode,
    image: 'k1s.local/busybox:1.36',
    imageID: 'sha256:bb',
    createdAt: ago(createdAgoMs),
    startedAt: ago(createdAgoMs - 500),
    finishedAt: exitCode === undefined ? undefined : ago(createdAgoMs - 1_000),
  });
  return {
    pod,
    observed: {
      uid: 'u-1234567890',
      name: 'web',
      namespace: 'default',
      sandboxes: [{ id: 'sb0', attempt: 0, state: 'running', ip: '10.244.0.2', createdAt: ago(61_000) }],
      // newest first, as observePods sorts them
      containers: [made('app0', 'app', 50_000), made('mig0', 'migrate', 54_000, 0), made('proxy0', 'proxy', 57_000), made('setup0', 'setup', 60_000, 0)],
    },
    now: INIT_NOW,
    backoff: new Map(),
    probes: { liveness: new Map(), startup: new Map(), readiness: new Map() },
  };
}

type InitFixture = ReturnType<typeof initBase>;
const only = (f: InitFixture, ...names: string[]) => {
  f.observed.containers = f.observed.containers.filter((c) => names.includes(c.name));
};
const find = (f: InitFixture, name: string) => f.observed.containers.find((c) => c.name === name)!;
/** The old sandbox died and a new one runs since 10 s: everything observed predates it. */
const newSandbox = (f: InitFixture) => {
  f.observed.sandboxes = [
    { id: 'sb1', attempt: 1, state: 'running', ip: '10.244.0.3', createdAt: ago(10_000) },
    { id: 'sb0', attempt: 0, state: 'exited', createdAt: ago(61_000) },
  ];
  for (const c of f.observed.containers) {
    if (c.state === 'running') Object.assign(c, { state: 'exited', exitCode: 137, finishedAt: ago(20_000) });
  }
};
const initNothing: PodActions = { ...nothing };

const initCases: Record<string, { mutate?: (f: InitFixture) => void; expected: Partial<PodActions> }> = {
  'everything is good; do nothing': { expected: {} },

  'a new sandbox with nothing in it: the first init container starts, and only it': {
    mutate: (f) => only(f),
    expected: { initContainersToStart: [{ name: 'setup', attempt: 0, reason: 'New' }] },
  },

  'the first init container runs: wait for it': {
    mutate: (f) => {
      only(f, 'setup');
      Object.assign(find(f, 'setup'), { state: 'running', exitCode: undefined, finishedAt: undefined });
    },
    expected: {},
  },

  'the first completed: the sidecar after it starts': {
    mutate: (f) => only(f, 'setup'),
    expected: { initContainersToStart: [{ name: 'proxy', attempt: 0, reason: 'New' }] },
  },

  'the sidecar runs (no startupProbe: started): the next init container starts, not waiting for it to end': {
    mutate: (f) => only(f, 'setup', 'proxy'),
    expected: { initContainersToStart: [{ name: 'migrate', attempt: 0, reason: 'New' }] },
  },

  'the sidecar has a startupProbe not passed yet: the next one waits': {
    mutate: (f) => {
      only(f, 'setup', 'proxy');
      f.pod.spec.initContainers![1].startupProbe = { tcpSocket: { port: 15000 } };
    },
    expected: {},
  },

  'the sidecar passed its startupProbe: the next one starts': {
    mutate: (f) => {
      only(f, 'setup', 'proxy');
      f.pod.spec.initContainers![1].startupProbe = { tcpSocket: { port: 15000 } };
      f.probes.startup.set('proxy0', 'Success');
    },
    expected: { initContainersToStart: [{ name: 'migrate', attempt: 0, reason: 'New' }] },
  },

  'the sidecar failed its startupProbe: it is killed and restarted, the next one waits': {
    mutate: (f) => {
      only(f, 'setup', 'proxy');
      f.pod.spec.initContainers![1].startupProbe = { tcpSocket: { port: 15000 } };
      f.probes.startup.set('proxy0', 'Failure');
    },
    expected: {
      containersToKill: [{ id: 'proxy0', name: 'proxy', reason: 'StartupProbe', message: 'Init container proxy failed startup probe' }],
      initContainersToStart: [{ name: 'proxy', attempt: 1, reason: 'Restart' }],
    },
  },

  'every init container done (the sidecar started): the app containers start': {
    mutate: (f) => only(f, 'setup', 'proxy', 'migrate'),
    expected: { containersToStart: [{ name: 'app', attempt: 0, reason: 'New' }] },
  },

  'an init container failed, Always: restarted at once the first time': {
    mutate: (f) => {
      only(f, 'setup');
      find(f, 'setup').exitCode = 1;
    },
    expected: { initContainersToStart: [{ name: 'setup', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 59_000 }] },
  },

  'an init container failed, OnFailure: restarted': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'OnFailure';
      only(f, 'setup');
      find(f, 'setup').exitCode = 1;
    },
    expected: { initContainersToStart: [{ name: 'setup', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 59_000 }] },
  },

  'an init container failed, Never: the pod is killed, nothing starts (Init:Error)': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      only(f, 'setup');
      find(f, 'setup').exitCode = 1;
    },
    expected: { killPod: true },
  },

  'an init container that failed again inside its back-off waits (Init:CrashLoopBackOff)': {
    mutate: (f) => {
      only(f, 'setup');
      Object.assign(find(f, 'setup'), { exitCode: 1, attempt: 2, finishedAt: ago(3_000) });
      f.backoff.set('setup', { delayMs: 20_000, lastUpdate: NOW - 8_000 });
    },
    expected: { backoff: [{ name: 'setup', delayMs: 20_000, retryAt: NOW - 3_000 + 20_000 }] },
  },

  'app containers wait while initialization is in progress, even when missing': {
    mutate: (f) => {
      only(f, 'setup', 'proxy', 'migrate');
      Object.assign(find(f, 'migrate'), { state: 'running', exitCode: undefined, finishedAt: undefined });
    },
    expected: {},
  },

  'a sidecar that exited is restarted whatever the policy (Never), the app keeps running': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      Object.assign(find(f, 'proxy'), { state: 'exited', exitCode: 0, finishedAt: ago(2_000) });
    },
    expected: { initContainersToStart: [{ name: 'proxy', attempt: 1, reason: 'Restart', previousFinishedAt: NOW - 2_000 }] },
  },

  'a sidecar crashing again inside its back-off waits': {
    mutate: (f) => {
      Object.assign(find(f, 'proxy'), { state: 'exited', exitCode: 1, finishedAt: ago(2_000), attempt: 3 });
      f.backoff.set('proxy', { delayMs: 40_000, lastUpdate: NOW - 10_000 });
    },
    expected: { backoff: [{ name: 'proxy', delayMs: 40_000, retryAt: NOW - 2_000 + 40_000 }] },
  },

  'a sidecar whose container was removed after initialization is started again, its count going on': {
    mutate: (f) => {
      only(f, 'setup', 'migrate', 'app');
      f.pod.status = {
        initContainerStatuses: [{ name: 'proxy', state: { running: {} }, lastState: {}, ready: true, restartCount: 2, image: 'i', imageID: 'x', containerID: 'docker://proxy0' }],
      };
    },
    expected: { initContainersToStart: [{ name: 'proxy', attempt: 3, reason: 'Restart' }] },
  },

  'completed init containers removed after initialization are not run again': {
    mutate: (f) => only(f, 'proxy', 'app'),
    expected: {},
  },

  'a sidecar failing its liveness probe is killed and restarted': {
    mutate: (f) => {
      f.pod.spec.initContainers![1].livenessProbe = { exec: { command: ['true'] } };
      f.probes.liveness.set('proxy0', 'Failure');
    },
    expected: {
      containersToKill: [{ id: 'proxy0', name: 'proxy', reason: 'LivenessProbe', message: 'Init container proxy failed liveness probe' }],
      initContainersToStart: [{ name: 'proxy', attempt: 1, reason: 'Restart' }],
    },
  },

  'a sidecar whose spec changed is replaced': {
    mutate: (f) => {
      f.pod.spec.initContainers![1].image = 'k1s.local/busybox:1.37';
    },
    expected: {
      containersToKill: [{ id: 'proxy0', name: 'proxy', reason: 'SpecChanged', message: 'Init container proxy definition changed' }],
      initContainersToStart: [{ name: 'proxy', attempt: 1, reason: 'SpecChanged' }],
    },
  },

  'the app exited for good (Never): the pod is done, its sidecar is not restarted but stopped': {
    mutate: (f) => {
      f.pod.spec.restartPolicy = 'Never';
      Object.assign(find(f, 'app'), { state: 'exited', exitCode: 0, finishedAt: ago(1_000) });
    },
    expected: { killPod: true },
  },

  'an init container created but never started is replaced, same attempt': {
    mutate: (f) => {
      only(f, 'setup');
      Object.assign(find(f, 'setup'), { state: 'created', exitCode: undefined, finishedAt: undefined, startedAt: undefined });
    },
    expected: {
      containersToRemove: [{ id: 'setup0', name: 'setup', reason: 'NotStarted' }],
      initContainersToStart: [{ name: 'setup', attempt: 0, reason: 'New' }],
    },
  },

  'a completed init container keeps its newest instance (what `logs -c` reads); older ones go': {
    mutate: (f) => {
      find(f, 'setup').attempt = 2;
      f.observed.containers.push(
        { ...find(f, 'setup'), id: 'setup-a1', attempt: 1, exitCode: 1, createdAt: ago(59_900) },
        { ...find(f, 'setup'), id: 'setup-a0', attempt: 0, exitCode: 1, createdAt: ago(59_950) },
      );
      f.observed.containers.sort((a, b) => b.attempt - a.attempt || b.createdAt.localeCompare(a.createdAt));
    },
    expected: {
      containersToRemove: [
        { id: 'setup-a1', name: 'setup', reason: 'Superseded' },
        { id: 'setup-a0', name: 'setup', reason: 'Superseded' },
      ],
    },
  },

  'sandbox died: kill everything and start over from the first init container only': {
    mutate: (f) => {
      f.observed.sandboxes[0].state = 'exited';
      f.observed.sandboxes[0].ip = undefined;
    },
    expected: {
      killPod: true,
      createSandbox: true,
      sandboxId: undefined,
      sandboxAttempt: 1,
      initContainersToStart: [{ name: 'setup', attempt: 1, reason: 'SandboxChanged', previousFinishedAt: NOW - 59_000 }],
    },
  },

  'in the new sandbox, init containers that ran in the old one count for nothing: the first starts again': {
    mutate: newSandbox,
    expected: {
      sandboxId: 'sb1',
      sandboxAttempt: 1,
      containersToRemove: [{ id: 'sb0', name: 'POD', reason: 'OldSandbox' }],
      initContainersToStart: [{ name: 'setup', attempt: 1, reason: 'SandboxChanged', previousFinishedAt: NOW - 59_000 }],
    },
  },

  'in the new sandbox, once the first completed again, the sidecar restarts (not the old app)': {
    mutate: (f) => {
      newSandbox(f);
      f.observed.containers.unshift({ ...find(f, 'setup'), id: 'setup1', attempt: 1, createdAt: ago(9_000), finishedAt: ago(8_000) });
    },
    expected: {
      sandboxId: 'sb1',
      sandboxAttempt: 1,
      containersToRemove: [
        { id: 'setup0', name: 'setup', reason: 'Superseded' },
        { id: 'sb0', name: 'POD', reason: 'OldSandbox' },
      ],
      initContainersToStart: [{ name: 'proxy', attempt: 1, reason: 'SandboxChanged', previousFinishedAt: NOW - 20_000 }],
    },
  },

  'a pod being deleted is only stopped': {
    mutate: (f) => {
      f.pod.metadata.deletionTimestamp = ago(1_000);
    },
    expected: { killPod: true },
  },
};

for (const [name, { mutate, expected }] of Object.entries(initCases)) {
  test(`computePodActions, init containers: ${name}`, () => {
    const f = initBase();
    mutate?.(f);
    const actual = computePodActions(f.pod, f.observed, f.now, f.backoff, probeResults(f.probes));
    assert.deepStrictEqual(actual, { ...initNothing, ...expected });
  });
}

test('terminationStages: app containers first, then the sidecars last-started-first', () => {
  const f = initBase();
  f.pod.spec.initContainers!.push({ name: 'logs', image: 'k1s.local/busybox:1.36', restartPolicy: 'Always' });
  f.observed.containers.unshift({ ...find(f, 'proxy'), id: 'logs0', name: 'logs' });
  const ids = (stages: ObservedContainer[][]) => stages.map((s) => s.map((c) => c.id));
  assert.deepStrictEqual(ids(terminationStages(f.pod, f.observed)), [['app0'], ['logs0'], ['proxy0']]);
  // without the pod object (deleted while the agent was down) nothing tells sidecars apart: one stage
  assert.deepStrictEqual(ids(terminationStages(undefined, f.observed)), [['logs0', 'app0', 'proxy0']]);
  // a plain init container still running is stopped with the app containers
  Object.assign(find(f, 'migrate'), { state: 'running' });
  assert.deepStrictEqual(ids(terminationStages(f.pod, f.observed)), [['app0', 'mig0'], ['logs0'], ['proxy0']]);
});
