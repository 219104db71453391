// The Job controller's pure decisions: planJob (pods to create/delete/release, status,
// conditions, back-off, deadlines, pod failure policy, Indexed mode) and settleUncounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultJob, JOB_TRACKING_FINALIZER, type Job } from '../../../src/api/kinds/job.js';
import type { Pod } from '../../../src/api/types.js';
import { backoffRemaining, formatIndexes, parseIndexes, planJob, podForJob, settleUncounted } from '../../../src/controllers/job-sync.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace('.000', '');

function baseJob(): Job {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'work', namespace: 'default', uid: 'job-uid', creationTimestamp: ago(300) },
    spec: { completions: 5, parallelism: 2, template: { metadata: { labels: { 'job-name': 'work' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
    status: { startTime: ago(300), active: 2, ready: 0, terminating: 0, succeeded: 0, failed: 0, uncountedTerminatedPods: { succeeded: [], failed: [] } },
  } as unknown as Job;
  defaultJob(job);
  return job;
}

let serial = 0;
function pod(state: 'running' | 'succeeded' | 'failed' | 'deleting', opts: { finalizer?: boolean; finishedAgo?: number; exitCode?: number; index?: number; restarts?: number } = {}): Pod {
  const n = ++serial;
  const finished = ago(opts.finishedAgo ?? 60);
  const terminated = state === 'succeeded' || state === 'failed' ? { terminated: { exitCode: opts.exitCode ?? (state === 'failed' ? 1 : 0), finishedAt: finished } } : { running: {} };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `work-${n}`,
      namespace: 'default',
      uid: `pod-${n}`,
      creationTimestamp: ago(200 - n),
      finalizers: opts.finalizer === false ? undefined : [JOB_TRACKING_FINALIZER],
      ...(opts.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.index) } } : {}),
      ...(state === 'deleting' ? { deletionTimestamp: ago(1), deletionGracePeriodSeconds: 30 } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'work', uid: 'job-uid', controller: true }],
    },
    spec: { nodeName: 'node1', containers: [{ name: 'main', image: 'busybox' }] },
    status: {
      phase: state === 'succeeded' ? 'Succeeded' : state === 'failed' ? 'Failed' : 'Running',
      containerStatuses: [{ name: 'main', state: terminated, lastState: {}, ready: state === 'running', restartCount: opts.restarts ?? 0, image: 'busybox', imageID: '' }],
    },
  } as unknown as Pod;
}

interface Expected {
  create?: number | number[];
  remove?: number;
  release?: number;
  conditions?: [string, string][];
  uncounted?: { succeeded: number; failed: number };
  active?: number;
  requeue?: number;
  events?: string[];
  completedIndexes?: string;
}

test('planJob: table', () => {
  const cases: Record<string, { mutate?: (j: Job) => void; pods: () => Pod[]; expected: Expected }> = {
    'everything is good (2 running of 5, parallelism 2); do nothing': {
      pods: () => [pod('running'), pod('running')],
      expected: { create: 0, remove: 0, release: 0, conditions: [], active: 2 },
    },
    'a new job starts parallelism pods': { mutate: (j) => delete j.status, pods: () => [], expected: { create: 2, active: 2 } },
    'never more than the completions left': {
      mutate: (j) => (j.status!.succeeded = 4),
      pods: () => [],
      expected: { create: 1, active: 1 },
    },
    'a new success is recorded as uncounted and its finalizer released, and replaced': {
      pods: () => [pod('running'), pod('succeeded')],
      expected: { create: 1, release: 1, uncounted: { succeeded: 1, failed: 0 }, active: 2 },
    },
    'a success counted already is not counted again': {
      mutate: (j) => (j.status!.succeeded = 1),
      pods: () => [pod('running'), pod('succeeded', { finalizer: false })],
      expected: { create: 1, release: 0, uncounted: { succeeded: 0, failed: 0 } },
    },
    'a failure is counted and the replacement waits out the 10s back-off': {
      pods: () => [pod('running'), pod('failed', { finishedAgo: 4 })],
      expected: { create: 0, release: 1, uncounted: { succeeded: 0, failed: 1 }, requeue: 6000 },
    },
    'after the back-off the failed pod is replaced': {
      pods: () => [pod('running'), pod('failed', { finishedAgo: 11 })],
      expected: { create: 1, uncounted: { succeeded: 0, failed: 1 } },
    },
    'a deleted running pod counts as failed (TerminatingOrFailed) and is replaced': {
      pods: () => [pod('running'), pod('deleting')],
      expected: { create: 1, release: 1, uncounted: { succeeded: 0, failed: 1 }, active: 2 },
    },
    'podReplacementPolicy Failed: a terminating pod is waited for, not replaced': {
      mutate: (j) => (j.spec.podReplacementPolicy = 'Failed'),
      pods: () => [pod('running'), pod('deleting')],
      expected: { create: 0, release: 0, uncounted: { succeeded: 0, failed: 0 }, active: 1 },
    },
    'failures beyond backoffLimit: FailureTarget, the running pods deleted and counted': {
      mutate: (j) => ((j.spec.backoffLimit = 1), (j.status!.failed = 1)),
      pods: () => [pod('running'), pod('failed', { finalizer: true })],
      expected: { create: 0, remove: 1, conditions: [['FailureTarget', 'BackoffLimitExceeded']], uncounted: { succeeded: 0, failed: 2 }, active: 0 },
    },
    'OnFailure: container restarts count against backoffLimit': {
      mutate: (j) => ((j.spec.template.spec.restartPolicy = 'OnFailure'), (j.spec.backoffLimit = 2)),
      pods: () => [pod('running', { restarts: 1 }), pod('running', { restarts: 1 })],
      expected: { remove: 2, conditions: [['FailureTarget', 'BackoffLimitExceeded']] },
    },
    'activeDeadlineSeconds passed: DeadlineExceeded': {
      mutate: (j) => (j.spec.activeDeadlineSeconds = 100),
      pods: () => [pod('running'), pod('running')],
      expected: { create: 0, remove: 2, conditions: [['FailureTarget', 'DeadlineExceeded']] },
    },
    'activeDeadlineSeconds ahead: look again then': {
      mutate: (j) => (j.spec.activeDeadlineSeconds = 400),
      pods: () => [pod('running'), pod('running')],
      expected: { create: 0, remove: 0, requeue: 100_000 },
    },
    'suspended: the running pods go, not counted; Suspended condition': {
      mutate: (j) => (j.spec.suspend = true),
      pods: () => [pod('running'), pod('running')],
      expected: { create: 0, remove: 2, conditions: [['Suspended', 'JobSuspended']], uncounted: { succeeded: 0, failed: 0 }, events: ['Suspended'] },
    },
    'resumed: Suspended False, startTime reset': {
      mutate: (j) => (j.status!.conditions = [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }]),
      pods: () => [],
      expected: { create: 2, conditions: [['Suspended', 'JobResumed']], events: ['Resumed'] },
    },
    'the last completion: SuccessCriteriaMet': {
      mutate: (j) => (j.status!.succeeded = 4),
      pods: () => [pod('succeeded')],
      expected: { create: 0, conditions: [['SuccessCriteriaMet', 'CompletionsReached']], uncounted: { succeeded: 1, failed: 0 }, active: 0 },
    },
    'without completions: the first success ends it once nothing runs': {
      mutate: (j) => delete j.spec.completions,
      pods: () => [pod('succeeded')],
      expected: { create: 0, conditions: [['SuccessCriteriaMet', 'CompletionsReached']] },
    },
    'pod failure policy FailJob on exit code 42': {
      mutate: (j) => (j.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] }),
      pods: () => [pod('running'), pod('failed', { exitCode: 42 })],
      expected: { remove: 1, conditions: [['FailureTarget', 'PodFailurePolicy']] },
    },
    'pod failure policy Ignore: not counted, replaced at once': {
      mutate: (j) => (j.spec.podFailurePolicy = { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } }] }),
      pods: () => [pod('running'), pod('failed', { exitCode: 3, finishedAgo: 1 })],
      expected: { create: 1, release: 1, uncounted: { succeeded: 0, failed: 0 } },
    },
    'Indexed: the lowest free indexes, done ones skipped': {
      mutate: (j) => ((j.spec.completionMode = 'Indexed'), (j.status!.completedIndexes = '0,2')),
      pods: () => [pod('running', { index: 1 })],
      expected: { create: [3], completedIndexes: '0,2' },
    },
    'Indexed: a success adds its index': {
      mutate: (j) => ((j.spec.completionMode = 'Indexed'), (j.status!.completedIndexes = '0-2')),
      pods: () => [pod('succeeded', { index: 3 }), pod('running', { index: 4 })],
      expected: { create: 0, release: 1, completedIndexes: '0-3', uncounted: { succeeded: 0, failed: 0 } },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    serial = 0;
    const job = baseJob();
    c.mutate?.(job);
    const plan = planJob(job, c.pods(), NOW);
    const e = c.expected;
    const got: Expected = {};
    if (e.create !== undefined) got.create = Array.isArray(e.create) ? plan.create.map((x) => x.index!) : plan.create.length;
    if (e.remove !== undefined) got.remove = plan.remove.length;
    if (e.release !== undefined) got.release = plan.release.length;
    if (e.conditions !== undefined) got.conditions = (plan.status.conditions ?? []).map((x) => [x.type, x.reason!]);
    if (e.uncounted !== undefined) got.uncounted = { succeeded: plan.status.uncountedTerminatedPods?.succeeded?.length ?? 0, failed: plan.status.uncountedTerminatedPods?.failed?.length ?? 0 };
    if (e.active !== undefined) got.active = plan.status.active;
    if (e.requeue !== undefined) got.requeue = plan.requeueAfterMs;
    if (e.events !== undefined) got.events = plan.events.map((x) => x.reason);
    if (e.completedIndexes !== undefined) got.completedIndexes = plan.status.completedIndexes;
    assert.deepEqual(got, e, name);
  }
});

test('settleUncounted: released pods move to the counters; the final condition waits for nothing left', () => {
  const job = baseJob();
  const cond = (type: string, reason: string) => ({ type, status: 'True', reason, message: 'm' }) as never;
  const cases: Record<string, { status: Partial<Job['status'] & object>; tracked: string[]; expected: { succeeded: number; failed: number; uncounted: object; conditions: string[]; completionTime?: boolean } }> = {
    'everything is good (nothing uncounted); do nothing': {
      status: { succeeded: 1, failed: 0, uncountedTerminatedPods: {} },
      tracked: [],
      expected: { succeeded: 1, failed: 0, uncounted: {}, conditions: [] },
    },
    'released: counted': {
      status: { succeeded: 1, failed: 0, uncountedTerminatedPods: { succeeded: ['a'], failed: ['b'] } },
      tracked: [],
      expected: { succeeded: 2, failed: 1, uncounted: {}, conditions: [] },
    },
    'still holding the finalizer: stays uncounted': {
      status: { succeeded: 1, failed: 0, uncountedTerminatedPods: { succeeded: ['a'], failed: ['b'] } },
      tracked: ['b'],
      expected: { succeeded: 2, failed: 0, uncounted: { failed: ['b'] }, conditions: [] },
    },
    'SuccessCriteriaMet and nothing left: Complete with completionTime': {
      status: { succeeded: 4, failed: 0, active: 0, terminating: 0, uncountedTerminatedPods: { succeeded: ['a'] }, conditions: [cond('SuccessCriteriaMet', 'CompletionsReached')] },
      tracked: [],
      expected: { succeeded: 5, failed: 0, uncounted: {}, conditions: ['SuccessCriteriaMet', 'Complete'], completionTime: true },
    },
    'FailureTarget with a pod still terminating: not Failed yet': {
      status: { succeeded: 0, failed: 3, active: 0, terminating: 1, uncountedTerminatedPods: {}, conditions: [cond('FailureTarget', 'BackoffLimitExceeded')] },
      tracked: [],
      expected: { succeeded: 0, failed: 3, uncounted: {}, conditions: ['FailureTarget'] },
    },
    'FailureTarget, all stopped: Failed': {
      status: { succeeded: 0, failed: 3, active: 0, terminating: 0, uncountedTerminatedPods: {}, conditions: [cond('FailureTarget', 'BackoffLimitExceeded')] },
      tracked: [],
      expected: { succeeded: 0, failed: 3, uncounted: {}, conditions: ['FailureTarget', 'Failed'] },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const { status } = settleUncounted(job, c.status as never, new Set(c.tracked), NOW);
    const got = {
      succeeded: status.succeeded,
      failed: status.failed,
      uncounted: status.uncountedTerminatedPods,
      conditions: (status.conditions ?? []).map((x) => x.type),
      ...(status.completionTime ? { completionTime: true } : {}),
    };
    assert.deepEqual(got, c.expected, name);
  }
});

test('back-off: 10s doubling per failure, at most 10 minutes, less the time since', () => {
  assert.equal(backoffRemaining(0, undefined, 0), 0);
  assert.equal(backoffRemaining(1, 0, 4000), 6000);
  assert.equal(backoffRemaining(3, 0, 0), 40_000);
  assert.equal(backoffRemaining(20, 0, 0), 600_000);
  assert.equal(backoffRemaining(1, 0, 10_001), 0);
});

test('completed indexes: parse and format as kube writes them', () => {
  assert.equal(formatIndexes([5, 0, 1, 2, 7, 8]), '0-2,5,7-8');
  assert.deepEqual([...parseIndexes('0-2,5,7-8', 8)], [0, 1, 2, 5, 7]);
  assert.equal(formatIndexes([]), '');
});

test('podForJob: Indexed pods get the index annotation, label, hostname and the env var from the downward API; every pod the finalizer', () => {
  const job = baseJob();
  job.spec.completionMode = 'Indexed';
  const p = podForJob(job, 3);
  assert.equal(p.metadata.generateName, 'work-3-');
  assert.equal(p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '3');
  assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '3');
  assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
  assert.equal(p.spec.hostname, 'work-3');
  assert.deepEqual(p.spec.containers[0].env, [
    { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
  ]);
  assert.equal(podForJob(baseJob(), undefined).metadata.generateName, 'work-');
  assert.equal(podForJob(baseJob(), undefined).spec.containers[0].env, undefined);
});
