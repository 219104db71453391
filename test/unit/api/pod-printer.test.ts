// The pod's kubectl STATUS / READY / RESTARTS (printers.go printPod), with init containers and
// native sidecars: one base fixture, a table of cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podSummary } from '../../../src/api/kinds/pod.js';
import type { ContainerStatus, Pod } from '../../../src/api/types.js';

const NOW = new Date('2025-01-10T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

const status = (name: string, patch: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  state: { running: { startedAt: ago(100) } },
  lastState: {},
  ready: true,
  started: true,
  restartCount: 0,
  image: 'k1s/busybox:1.36',
  imageID: 'docker://sha256:bb',
  ...patch,
});
const completed = { state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: true, started: false };
const initializing = { state: { waiting: { reason: 'PodInitializing' } }, ready: false, started: false };

/** setup (plain) completed, proxy (a native sidecar) started and ready, web running: initialized. */
function base(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(3600) },
    spec: {
      initContainers: [
        { name: 'setup', image: 'k1s/busybox:1.36' },
        { name: 'proxy', image: 'k1s/busybox:1.36', restartPolicy: 'Always' },
      ],
      containers: [{ name: 'web', image: 'k1s/busybox:1.36' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      initContainerStatuses: [status('setup', completed), status('proxy')],
      containerStatuses: [status('web')],
    },
  };
}

/** While initializing: the Initialized condition is False and the app container waits. */
function initializingPod(p: Pod): void {
  p.status!.phase = 'Pending';
  p.status!.conditions = [{ type: 'Initialized', status: 'False' }, { type: 'Ready', status: 'False' }];
  p.status!.containerStatuses = [status('web', initializing)];
}

const cases: Record<string, { mutate?: (p: Pod) => void; expected: { ready: string; status: string; restarts: string } }> = {
  'everything is good: Running, the sidecar counts in READY': { expected: { ready: '2/2', status: 'Running', restarts: '0' } },

  'nothing ran yet: Init:0/2': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [status('setup', initializing), status('proxy', initializing)];
    },
    expected: { ready: '0/2', status: 'Init:0/2', restarts: '0' },
  },

  'the first init container runs: Init:0/2': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [status('setup', { ready: false }), status('proxy', initializing)];
    },
    expected: { ready: '0/2', status: 'Init:0/2', restarts: '0' },
  },

  'the sidecar runs but is not started yet: Init:1/2': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [status('setup', completed), status('proxy', { started: false, ready: false })];
    },
    expected: { ready: '0/2', status: 'Init:1/2', restarts: '0' },
  },

  'an init container failed: Init:Error': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.phase = 'Failed';
      p.status!.initContainerStatuses = [status('setup', { state: { terminated: { exitCode: 1, reason: 'Error' } }, ready: false }), status('proxy', initializing)];
    },
    expected: { ready: '0/2', status: 'Init:Error', restarts: '0' },
  },

  'an init container failed without a reason: Init:ExitCode:3': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [status('setup', { state: { terminated: { exitCode: 3 } }, ready: false }), status('proxy', initializing)];
    },
    expected: { ready: '0/2', status: 'Init:ExitCode:3', restarts: '0' },
  },

  'an init container crash-looping: Init:CrashLoopBackOff, its restarts counted': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [
        status('setup', { state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(120) } }, ready: false, restartCount: 3 }),
        status('proxy', initializing),
      ];
    },
    expected: { ready: '0/2', status: 'Init:CrashLoopBackOff', restarts: '3 (2m ago)' },
  },

  'an init container image cannot be pulled: Init:ErrImagePull': {
    mutate: (p) => {
      initializingPod(p);
      p.status!.initContainerStatuses = [status('setup', { state: { waiting: { reason: 'ErrImagePull' } }, ready: false }), status('proxy', initializing)];
    },
    expected: { ready: '0/2', status: 'Init:ErrImagePull', restarts: '0' },
  },

  'initialized, the app container being created: PodInitializing': {
    mutate: (p) => {
      p.status!.phase = 'Pending';
      p.status!.conditions = [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }];
      p.status!.containerStatuses = [status('web', initializing)];
    },
    expected: { ready: '1/2', status: 'PodInitializing', restarts: '0' },
  },

  'a sidecar that is not ready: READY 1/2, still Running': {
    mutate: (p) => {
      p.status!.initContainerStatuses![1] = status('proxy', { ready: false });
    },
    expected: { ready: '1/2', status: 'Running', restarts: '0' },
  },

  'a sidecar crash-looping after initialization: Init:CrashLoopBackOff (as kubectl shows), only sidecar and app restarts count': {
    mutate: (p) => {
      p.status!.initContainerStatuses![1] = status('proxy', {
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(60) } },
        ready: false,
        started: false,
        restartCount: 2,
      });
    },
    expected: { ready: '1/2', status: 'Init:CrashLoopBackOff', restarts: '2 (60s ago)' },
  },

  'being deleted: Terminating': {
    mutate: (p) => {
      p.metadata.deletionTimestamp = ago(5);
    },
    expected: { ready: '2/2', status: 'Terminating', restarts: '0' },
  },

  'a pod without init containers is unchanged: READY counts its containers': {
    mutate: (p) => {
      delete p.spec.initContainers;
      delete p.status!.initContainerStatuses;
    },
    expected: { ready: '1/1', status: 'Running', restarts: '0' },
  },
};

for (const [name, { mutate, expected }] of Object.entries(cases)) {
  test(`podSummary: ${name}`, () => {
    const p = base();
    mutate?.(p);
    assert.deepStrictEqual(podSummary(p, NOW), expected);
  });
}
