// The CronJob controller's pure decision (planCronJob) with an injected clock: when a job starts,
// its name, concurrency policies, suspend, startingDeadlineSeconds, missed schedules after a
// restart (one catch-up run; more than 100 missed -> TooManyMissedTimes), the active list and
// the history limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from '../../../src/api/types.js';
import { jobNameFor, planCronJob } from '../../../src/controllers/cronjob-sync.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const min = (m: number, s = 0) => T0 + m * 60_000 + s * 1000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');

function baseCronJob(): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default', uid: 'cj-uid', creationTimestamp: iso(min(0, 10)) },
    spec: {
      schedule: '*/5 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
    },
    status: { lastScheduleTime: iso(min(5)) },
  } as unknown as CronJob;
}

function job(name: string, state: 'running' | 'Complete' | 'Failed', startMin = 0): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: iso(min(startMin)), ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'cj-uid', controller: true }] },
    spec: { template: { spec: { containers: [] } } },
    status: {
      startTime: iso(min(startMin)),
      ...(state === 'running' ? {} : { conditions: [{ type: state, status: 'True' }], ...(state === 'Complete' ? { completionTime: iso(min(startMin, 30)) } : {}) }),
    },
  } as unknown as Job;
}
const ref = (j: Job) => ({ kind: 'Job', namespace: 'default', name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1' });

interface Expected {
  create?: string | null;
  remove?: string[];
  active?: string[];
  events?: string[];
  lastScheduleTime?: string;
  requeueAfterMs?: number;
}

test('planCronJob: table', () => {
  const cases: Record<string, { mutate?: (cj: CronJob) => void; jobs?: Job[]; now: number; expected: Expected }> = {
    'everything is good (ran at :05, now :07); do nothing but wait for :10': {
      now: min(7),
      expected: { create: null, remove: [], events: [], requeueAfterMs: 3 * 60_000 },
    },
    'on time: start the :10 job, named by its minute, and record it': {
      now: min(10, 2),
      expected: { create: jobNameFor(baseCronJob(), min(10)), lastScheduleTime: iso(min(10)), events: [] },
    },
    'after a restart, 6 schedules missed: only the latest runs': {
      now: min(35, 1),
      expected: { create: `tick-${min(35) / 60_000}`, lastScheduleTime: iso(min(35)), events: [] },
    },
    'more than 100 missed: TooManyMissedTimes, and the latest still runs': {
      mutate: (cj) => (cj.spec.schedule = '* * * * *'),
      now: min(300, 1),
      expected: { create: `tick-${min(300) / 60_000}`, events: ['TooManyMissedTimes'] },
    },
    'startingDeadlineSeconds bounds the count: not too many then': {
      mutate: (cj) => ((cj.spec.schedule = '* * * * *'), (cj.spec.startingDeadlineSeconds = 120)),
      now: min(300, 1),
      expected: { create: `tick-${min(300) / 60_000}`, events: [] },
    },
    'past startingDeadlineSeconds: the :10 schedule is out of the window, nothing runs': {
      mutate: (cj) => (cj.spec.startingDeadlineSeconds = 30),
      now: min(10, 45),
      expected: { create: null, events: [] },
    },
    'within startingDeadlineSeconds: it runs late': {
      mutate: (cj) => (cj.spec.startingDeadlineSeconds = 60),
      now: min(10, 45),
      expected: { create: `tick-${min(10) / 60_000}`, events: [] },
    },
    'never ran: counted from creation': {
      mutate: (cj) => delete cj.status,
      now: min(5, 1),
      expected: { create: `tick-${min(5) / 60_000}` },
    },
    'suspended: nothing starts': { mutate: (cj) => (cj.spec.suspend = true), now: min(10, 2), expected: { create: null } },
    'Forbid with a job running: JobAlreadyActive': {
      mutate: (cj) => ((cj.spec.concurrencyPolicy = 'Forbid'), (cj.status!.active = [ref(job('tick-a', 'running'))])),
      jobs: [job('tick-a', 'running')],
      now: min(10, 2),
      expected: { create: null, events: ['JobAlreadyActive'], active: ['tick-a'] },
    },
    'Replace with a job running: it goes, the new one starts': {
      mutate: (cj) => ((cj.spec.concurrencyPolicy = 'Replace'), (cj.status!.active = [ref(job('tick-a', 'running'))])),
      jobs: [job('tick-a', 'running')],
      now: min(10, 2),
      expected: { create: `tick-${min(10) / 60_000}`, remove: ['tick-a'], active: [] },
    },
    'Allow with a job running: both run': {
      mutate: (cj) => (cj.status!.active = [ref(job('tick-a', 'running'))]),
      jobs: [job('tick-a', 'running')],
      now: min(10, 2),
      expected: { create: `tick-${min(10) / 60_000}`, active: ['tick-a'] },
    },
    'a finished job leaves the active list: SawCompletedJob': {
      mutate: (cj) => (cj.status!.active = [ref(job('tick-a', 'Complete'))]),
      jobs: [job('tick-a', 'Complete')],
      now: min(7),
      expected: { create: null, active: [], events: ['SawCompletedJob'] },
    },
    'a job gone from the store leaves it: MissingJob': {
      mutate: (cj) => (cj.status!.active = [ref(job('tick-a', 'running'))]),
      now: min(7),
      expected: { create: null, active: [], events: ['MissingJob'] },
    },
    'history: beyond 3 successful and 1 failed, the oldest go': {
      jobs: [job('s1', 'Complete', 1), job('s2', 'Complete', 2), job('s3', 'Complete', 3), job('s4', 'Complete', 4), job('f1', 'Failed', 1), job('f2', 'Failed', 2)],
      now: min(7),
      expected: { create: null, remove: ['s1', 'f1'] },
    },
    'the job of that minute exists already: not again': {
      jobs: [job(`tick-${min(10) / 60_000}`, 'Complete', 10)],
      mutate: (cj) => (cj.status!.lastScheduleTime = iso(min(5))),
      now: min(10, 2),
      expected: { create: null },
    },
    'a bad time zone: UnknownTimeZone': { mutate: (cj) => (cj.spec.timeZone = 'Nowhere/Land'), now: min(10, 2), expected: { create: null, events: ['UnknownTimeZone'] } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const cj = baseCronJob();
    c.mutate?.(cj);
    const plan = planCronJob(cj, c.jobs ?? [], new Date(c.now));
    const e = c.expected;
    const got: Expected = {};
    if (e.create !== undefined) got.create = plan.create?.job.metadata.name ?? null;
    if (e.remove !== undefined) got.remove = plan.remove.map((j) => j.metadata.name);
    if (e.active !== undefined) got.active = (plan.status.active ?? []).map((r) => r.name!);
    if (e.events !== undefined) got.events = plan.events.map((x) => x.reason);
    if (e.lastScheduleTime !== undefined) got.lastScheduleTime = plan.status.lastScheduleTime;
    if (e.requeueAfterMs !== undefined) got.requeueAfterMs = plan.requeueAfterMs;
    assert.deepEqual(got, e, name);
  }
});

test('the job a CronJob creates: its template, owner, and the scheduled time in its zone', () => {
  const cj = baseCronJob();
  cj.spec.timeZone = 'Europe/Paris';
  cj.spec.schedule = '0 11 * * *';
  cj.status = { lastScheduleTime: '2026-02-28T10:00:00Z' };
  const plan = planCronJob(cj, [], new Date('2026-03-01T10:00:05Z'));
  const job = plan.create!.job;
  assert.equal(job.metadata.name, `tick-${Date.parse('2026-03-01T10:00:00Z') / 60_000}`);
  assert.deepEqual(job.metadata.labels, { team: 'a' });
  assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-03-01T11:00:00+01:00');
  assert.deepEqual(job.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
  assert.equal(plan.status.lastScheduleTime, '2026-03-01T10:00:00Z');
});
