// runtimeDownStatus: what a pod's status says while the engine is away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeDownStatus } from '../../../agent/runtime-down-status.js';
import type { Pod } from '../../../src/api/types.js';

const T0 = '2026-01-01T00:00:00Z';
const NOW = Date.parse('2026-01-01T00:05:00Z');

function base(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      initContainers: [
        { name: 'setup', image: 'i' },
        { name: 'proxy', image: 'i', restartPolicy: 'Always' },
      ],
      containers: [
        { name: 'app', image: 'i' },
        { name: 'log', image: 'i' },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.244.0.2',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: T0 },
        { type: 'Initialized', status: 'True', lastTransitionTime: T0 },
        { type: 'Ready', status: 'True', lastTransitionTime: T0 },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: T0 },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: T0 },
      ],
      initContainerStatuses: [
        { name: 'setup', ready: true, restartCount: 0, image: 'i', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {} },
        { name: 'proxy', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt: T0 } }, lastState: {}, started: true },
      ],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt: T0 } }, lastState: {}, started: true },
        { name: 'log', ready: true, restartCount: 0, image: 'i', imageID: '', state: { running: { startedAt: T0 } }, lastState: {}, started: true },
      ],
    },
  };
}

const NOT_READY = { status: 'False', lastTransitionTime: '2026-01-01T00:05:00Z', reason: 'ContainersNotReady', message: 'containers with unready status: [proxy app log]' };

test('runtimeDownStatus', () => {
  const cases: Record<string, { mutate: (p: Pod) => void; expected: (p: Pod) => void }> = {
    'a ready pod: Ready and ContainersReady False, no container ready but a completed init container; the rest kept': {
      mutate: () => {},
      expected: (p) => {
        const s = p.status!;
        s.conditions![2] = { type: 'Ready', ...NOT_READY } as never;
        s.conditions![3] = { type: 'ContainersReady', ...NOT_READY } as never;
        s.initContainerStatuses![1].ready = false;
        s.containerStatuses!.forEach((c) => (c.ready = false));
      },
    },
    'already not ready: the transition time is kept': {
      mutate: (p) => {
        const s = p.status!;
        for (const i of [2, 3]) s.conditions![i] = { ...s.conditions![i], ...NOT_READY, lastTransitionTime: T0 } as never;
        s.initContainerStatuses![1].ready = false;
        s.containerStatuses!.forEach((c) => (c.ready = false));
      },
      expected: () => {},
    },
    'a finished pod keeps its status': {
      mutate: (p) => (p.status!.phase = 'Succeeded'),
      expected: () => {},
    },
    'a pod without a status yet has none': {
      mutate: (p) => delete p.status,
      expected: () => {},
    },
    'a pod without conditions gets the two': {
      mutate: (p) => {
        delete p.status!.conditions;
        delete p.status!.initContainerStatuses;
        delete p.status!.containerStatuses;
      },
      expected: (p) => {
        p.status!.conditions = [{ type: 'Ready', ...NOT_READY } as never, { type: 'ContainersReady', ...NOT_READY } as never];
      },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const pod = base();
    c.mutate(pod);
    const want = structuredClone(pod);
    c.expected(want);
    assert.deepEqual(runtimeDownStatus(pod, NOW), want.status, name);
  }
});
