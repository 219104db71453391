// The terminated state's message: read from the container's file (its last 4 KiB), from the tail
// of its logs with FallbackToLogsOnError, joined to the runtime's own words, and cut to the
// container's share of the pod's 12 KiB in the status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';
import { computePodStatus } from '../../../agent/status.js';
import { readTerminationMessage, type TerminationSources } from '../../../agent/termination-message.js';

function exited(mutate: (c: ObservedContainer) => void = () => {}): ObservedContainer {
  const c: ObservedContainer = {
    id: 'c1',
    name: 'app',
    attempt: 0,
    hash: 'h',
    state: 'exited',
    image: 'i',
    imageID: 'sha256:1',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:01Z',
    finishedAt: '2026-01-01T00:00:05Z',
    exitCode: 1,
    terminationMessageFile: '/pods/u/containers/app/abcd',
    terminationMessagePolicy: 'File',
  };
  mutate(c);
  return c;
}

/** Files and logs from tables; `reads` records what was read. */
function sources(files: Record<string, string | Error>, logs: string, reads: string[]): TerminationSources {
  return {
    async readTail(path, max) {
      reads.push(`file ${path} ${max}`);
      const f = files[path];
      if (f instanceof Error) throw f;
      if (f === undefined) return undefined;
      const b = Buffer.from(f);
      return b.subarray(Math.max(0, b.length - max));
    },
    async logsTail(id, lines) {
      reads.push(`logs ${id} ${lines}`);
      return Buffer.from(logs);
    },
  };
}

const FILE = '/pods/u/containers/app/abcd';
const cases: Record<string, { mutate?: (c: ObservedContainer) => void; files?: Record<string, string | Error>; logs?: string; expected: string | undefined; reads: string[] }> = {
  'the file says it: the message': { files: { [FILE]: 'disk full' }, expected: 'disk full', reads: [`file ${FILE} 4096`] },
  'a running container: nothing read': { mutate: (c) => (c.state = 'running'), expected: undefined, reads: [] },
  'an empty file with policy File: no message, no logs read': { files: { [FILE]: '' }, logs: 'boom', expected: undefined, reads: [`file ${FILE} 4096`] },
  'only the last 4 KiB of a longer file': { files: { [FILE]: `${'x'.repeat(5000)}END` }, expected: `${'x'.repeat(4093)}END`, reads: [`file ${FILE} 4096`] },
  'FallbackToLogsOnError, empty file, exit 1: the logs (80 lines, last 2 KiB)': {
    mutate: (c) => (c.terminationMessagePolicy = 'FallbackToLogsOnError'),
    files: { [FILE]: '' },
    logs: `${'y'.repeat(3000)}\npanic: nil map\n`,
    expected: `${'y'.repeat(2048 - 16)}\npanic: nil map\n`,
    reads: [`file ${FILE} 4096`, 'logs c1 80'],
  },
  'FallbackToLogsOnError and the file says something: the file wins': {
    mutate: (c) => (c.terminationMessagePolicy = 'FallbackToLogsOnError'),
    files: { [FILE]: 'from file' },
    logs: 'from logs',
    expected: 'from file',
    reads: [`file ${FILE} 4096`],
  },
  'FallbackToLogsOnError and exit 0: no logs': {
    mutate: (c) => {
      c.terminationMessagePolicy = 'FallbackToLogsOnError';
      c.exitCode = 0;
    },
    files: { [FILE]: '' },
    logs: 'bye',
    expected: undefined,
    reads: [`file ${FILE} 4096`],
  },
  'FallbackToLogsOnError, a container that could not run: no logs (ContainerCannotRun)': {
    mutate: (c) => {
      c.terminationMessagePolicy = 'FallbackToLogsOnError';
      c.error = 'exec: "nope": executable file not found in $PATH';
      c.startedAt = undefined;
    },
    files: { [FILE]: '' },
    logs: 'never',
    expected: undefined,
    reads: [`file ${FILE} 4096`],
  },
  'FallbackToLogsOnError, the file is gone: the logs': {
    mutate: (c) => (c.terminationMessagePolicy = 'FallbackToLogsOnError'),
    logs: 'last words',
    expected: 'last words',
    reads: [`file ${FILE} 4096`, 'logs c1 80'],
  },
  'the file cannot be read: kube says so in the message': {
    files: { [FILE]: new Error('EACCES: permission denied') },
    expected: `Error on reading termination log ${FILE}: EACCES: permission denied`,
    reads: [`file ${FILE} 4096`],
  },
  'no file (terminationMessagePath empty), FallbackToLogsOnError: the logs': {
    mutate: (c) => {
      c.terminationMessageFile = undefined;
      c.terminationMessagePolicy = 'FallbackToLogsOnError';
    },
    logs: 'only logs',
    expected: 'only logs',
    reads: ['logs c1 80'],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`termination message: ${name}`, async () => {
    const reads: string[] = [];
    const got = await readTerminationMessage(exited(c.mutate), sources(c.files ?? {}, c.logs ?? '', reads));
    assert.equal(got, c.expected);
    assert.deepEqual(reads, c.reads);
  });
}

function podWith(containers: number): { pod: Pod; observed: ObservedPod } {
  const names = Array.from({ length: containers }, (_, i) => `c${i}`);
  return {
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy: 'Never', containers: names.map((name) => ({ name, image: 'i' })) } },
    observed: { uid: 'u', name: 'p', namespace: 'default', sandboxes: [], containers: names.map((name) => exited((c) => ((c.name = name), (c.id = name)))) },
  };
}

test('status: the terminated state carries the message, after the runtime error when there is one', () => {
  const { pod, observed } = podWith(2);
  observed.containers[0].terminationMessage = 'disk full';
  observed.containers[1].error = 'runtime says';
  observed.containers[1].terminationMessage = 'app says';
  const s = computePodStatus(pod, observed, { hostIP: '192.0.2.1', now: 0 });
  assert.equal(s.containerStatuses?.find((c) => c.name === 'c0')?.state.terminated?.message, 'disk full');
  assert.equal(s.containerStatuses?.find((c) => c.name === 'c1')?.state.terminated?.message, 'runtime says: app says');
});

test('status: a restarted container keeps the previous attempt message in lastState', () => {
  const { pod, observed } = podWith(1);
  pod.spec.restartPolicy = 'Always';
  observed.containers[0].terminationMessage = 'first death';
  observed.containers.unshift({ ...observed.containers[0], id: 'c0b', attempt: 1, state: 'running', exitCode: undefined, finishedAt: undefined, terminationMessage: undefined });
  const s = computePodStatus(pod, observed, { hostIP: '192.0.2.1', now: 0 });
  assert.ok(s.containerStatuses?.[0].state.running);
  assert.equal(s.containerStatuses?.[0].lastState.terminated?.message, 'first death');
});

test('status: the pod shares 12 KiB of messages evenly between its containers', () => {
  const { pod, observed } = podWith(4);
  for (const c of observed.containers) c.terminationMessage = 'z'.repeat(4096);
  const s = computePodStatus(pod, observed, { hostIP: '192.0.2.1', now: 0 });
  for (const c of s.containerStatuses ?? []) assert.equal(c.state.terminated?.message?.length, 3072);
});
