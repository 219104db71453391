// The Node's status as the kubelet's setters build it, and the loop that writes it only when it
// changed or every 5 minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../src/log.js';
import {
  binarySI,
  desiredNodeStatus,
  memAvailableOf,
  nodeResources,
  shouldReportNodeStatus,
  type HostFacts,
  type HostSample,
  type NodeCondition,
  type NodeStatus,
} from '../../../agent/node-status.js';
import { NodeStatusReporter } from '../../../agent/node-status-reporter.js';

const GiB = 1024 ** 3;
const facts: HostFacts = {
  name: 'box',
  addresses: ['192.168.1.5'],
  cpus: 2,
  memoryBytes: 16393220 * 1024,
  ephemeralStorageBytes: 101430960 * 1024,
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  architecture: 'amd64',
  machineID: 'm',
  bootID: 'b',
  containerRuntimeVersion: 'docker://20.10.24',
  kubeletVersion: 'v1.32.0-k1s.0.1.0',
  podCIDR: '10.244.0.0/16',
};
const ample: HostSample = { memoryAvailableBytes: 8 * GiB, nodefsAvailableBytes: 50 * GiB, nodefsInodes: 1_000_000, nodefsInodesFree: 900_000 };

test('binarySI prints bytes as resource.Quantity prints a BinarySI value', () => {
  const cases: Record<string, [number, string]> = {
    'small: plain': [1000, '1000'],
    'kibibytes': [16393220 * 1024, '16393220Ki'],
    'exact gibibytes': [4 * GiB, '4Gi'],
    'not a multiple of 1024: plain bytes': [93478772582, '93478772582'],
    'zero': [0, '0'],
  };
  for (const [name, [n, want]] of Object.entries(cases)) assert.equal(binarySI(n), want, name);
});

test('nodeResources: allocatable is capacity less the hard eviction thresholds', () => {
  assert.deepEqual(nodeResources(facts), {
    capacity: { cpu: '2', 'ephemeral-storage': '101430960Ki', memory: '16393220Ki', pods: '110' },
    // memory less 100Mi; ephemeral-storage less int64(10% of it)
    // (103865303040 - 10386530304 = 93478772736 bytes, a whole number of Ki)
    allocatable: { cpu: '2', 'ephemeral-storage': '91287864Ki', memory: '16290820Ki', pods: '110' },
  });
});

test('memAvailableOf reads MemAvailable', () => {
  assert.equal(memAvailableOf('MemTotal:  2048 kB\nMemFree:  10 kB\nMemAvailable:   1024 kB\n'), 1024 * 1024);
  assert.equal(memAvailableOf('MemTotal:  2048 kB\nMemFree:  10 kB\n'), 10 * 1024);
});

const T0 = '2026-01-01T00:00:00Z';
const NOW = '2026-01-01T00:10:00Z';
const cond = (type: string, status: 'True' | 'False', reason: string, message: string, transition = NOW): NodeCondition => ({
  type,
  status,
  lastHeartbeatTime: NOW,
  lastTransitionTime: transition,
  reason,
  message,
});
const GOOD = [
  cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', T0),
  cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', T0),
  cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', T0),
  cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', T0),
];

test('desiredNodeStatus: conditions', () => {
  const previous = desiredNodeStatus({ facts, sample: ample, runtime: { up: true } }, undefined, T0);
  const cases: Record<string, { sample?: Partial<HostSample>; up?: boolean; pidFraction?: number; expected: (c: NodeCondition[]) => void }> = {
    'everything is good; only the heartbeats move': { expected: () => {} },
    'memory.available under 100Mi: MemoryPressure': {
      sample: { memoryAvailableBytes: 99 * 1024 ** 2 },
      expected: (c) => (c[0] = cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')),
    },
    'exactly 100Mi is no pressure': { sample: { memoryAvailableBytes: 100 * 1024 ** 2 }, expected: () => {} },
    'nodefs.available under 10%: DiskPressure': {
      sample: { nodefsAvailableBytes: 9 * GiB },
      expected: (c) => (c[1] = cond('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')),
    },
    'nodefs.inodesFree under 5%: DiskPressure': {
      sample: { nodefsInodesFree: 40_000 },
      expected: (c) => (c[1] = cond('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')),
    },
    'few pids but no pid threshold (kube has none by default): no PIDPressure': { sample: { pidMax: 1000, pidsAvailable: 10 }, expected: () => {} },
    'few pids under a pid.available threshold: PIDPressure': {
      sample: { pidMax: 1000, pidsAvailable: 10 },
      pidFraction: 0.1,
      expected: (c) => (c[2] = cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')),
    },
    'the runtime is down: Ready False, the kubelet\'s words': {
      up: false,
      expected: (c) => (c[3] = cond('Ready', 'False', 'KubeletNotReady', 'container runtime is down')),
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const status = desiredNodeStatus(
      { facts, sample: { ...ample, ...c.sample }, runtime: { up: c.up ?? true }, thresholds: c.pidFraction ? { memoryAvailableBytes: 100 * 1024 ** 2, nodefsAvailableFraction: 0.1, nodefsInodesFreeFraction: 0.05, pidAvailableFraction: c.pidFraction } : undefined },
      previous,
      NOW,
    );
    const want = structuredClone(GOOD);
    c.expected(want);
    assert.deepEqual(status.conditions, want, name);
  }
});

test('shouldReportNodeStatus: a change, or 5 minutes', () => {
  const stored = desiredNodeStatus({ facts, sample: ample, runtime: { up: true } }, undefined, T0);
  const later = (s: Partial<HostSample> = {}, up = true) => desiredNodeStatus({ facts, sample: { ...ample, ...s }, runtime: { up } }, stored, NOW);
  const t0 = Date.parse(T0);
  const cases: Record<string, { desired: NodeStatus; last: number | undefined; now: number; expected: boolean }> = {
    'nothing changed, 10 s later: no write': { desired: later(), last: t0, now: t0 + 10_000, expected: false },
    'free memory moved but no threshold crossed: no write': { desired: later({ memoryAvailableBytes: 3 * GiB }), last: t0, now: t0 + 10_000, expected: false },
    'nothing changed, 5 minutes later: write (the heartbeat)': { desired: later(), last: t0, now: t0 + 300_000, expected: true },
    'never reported: write': { desired: later(), last: undefined, now: t0, expected: true },
    'the runtime went down: write at once': { desired: later({}, false), last: t0, now: t0 + 1_000, expected: true },
    'memory pressure: write at once': { desired: later({ memoryAvailableBytes: 1 }), last: t0, now: t0 + 1_000, expected: true },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(shouldReportNodeStatus(stored, c.desired, c.last, c.now), c.expected, name);
});

test('NodeStatusReporter: an idle node is written once per 5 minutes; a runtime outage at once', async () => {
  let now = Date.parse(T0);
  let stored: NodeStatus = desiredNodeStatus({ facts, sample: ample, runtime: { up: true } }, undefined, T0);
  const writes: string[] = [];
  let up = true;
  const reporter = new NodeStatusReporter({
    facts,
    sample: () => ample,
    runtime: () => ({ up }),
    read: () => stored,
    write: (s) => {
      stored = s;
      writes.push(new Date(now).toISOString());
    },
    logger: silentLogger,
    clock: () => now,
  });
  reporter.reported(now);
  for (let i = 0; i < 60; i++) {
    now += 10_000;
    await reporter.update();
  }
  assert.deepEqual(writes, ['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z'], '10 minutes idle: two writes');
  assert.equal(stored.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime, '2026-01-01T00:10:00Z');
  assert.equal(stored.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime, T0);

  now += 1_000;
  up = false;
  assert.equal(await reporter.update(), true);
  const ready = stored.conditions?.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason, ready?.message, ready?.lastTransitionTime], ['False', 'KubeletNotReady', 'container runtime is down', '2026-01-01T00:10:01Z']);
  now += 10_000;
  assert.equal(await reporter.update(), false, 'still down: nothing new to write');
});
