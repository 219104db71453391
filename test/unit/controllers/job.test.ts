// The Job, CronJob and TTL-after-finished controllers over the in-process API server (the real
// registry, informers, finalizers and DELETE path); the test plays the node agent and the clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject, CronJob, Job, Pod } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/client.js';
import type { Informers } from '../../../src/controllers/context.js';
import { CronJobController } from '../../../src/controllers/cronjob.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { GarbageCollector } from '../../../src/controllers/gc.js';
import { JobController } from '../../../src/controllers/job.js';
import { TTLAfterFinishedController } from '../../../src/controllers/ttl-after-finished.js';
import type { InProcessApi } from '../../fixtures/api-server.js';
import { startControllers, until, type ControllerHarness } from '../../fixtures/controller-harness.js';

let h: ControllerHarness;
let api: InProcessApi;
let client: LocalClient;
let informers: Informers;
const recorded: { name: string; reason: string; message: string }[] = [];
let clock = new Date('2026-03-01T10:00:30Z');

before(async () => {
  const events: EventRecorder = { record: (obj: AnyObject, _t, reason, message) => void recorded.push({ name: obj.metadata.name, reason, message }) };
  const now = () => clock;
  h = await startControllers((ctx) => [new JobController(ctx, now), new CronJobController(ctx, now), new TTLAfterFinishedController(ctx, now), new GarbageCollector(ctx)], events);
  ({ api, client, informers } = h);
});
after(() => h.stop());


const podsOf = (job: string) => informers.pods.list('default').filter((p) => p.metadata.ownerReferences?.[0]?.name === job);
const activeOf = (job: string) => podsOf(job).filter((p) => !p.status?.phase || p.status.phase === 'Pending' || p.status.phase === 'Running');
const jobNamed = (name: string) => informers.jobs.get('default', name);
const hasCond = (j: Job | undefined, type: string) => j?.status?.conditions?.some((c) => c.type === type && c.status === 'True');

/** The node agent's part: the pod ran and exited with this code. */
async function finish(pod: Pod, exitCode: number): Promise<void> {
  const at = clock.toISOString();
  await client.updateStatus({
    ...pod,
    status: {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [{ name: 'main', state: { terminated: { exitCode, finishedAt: at } }, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '' }],
    },
  } as Pod);
}

function jobManifest(name: string, spec: Record<string, unknown>) {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } }, ...spec } };
}

test('the API: a job gets its generated selector, labels and defaults; a hand-written selector needs manualSelector', () => {
  const job = api.registry.create(byKind('Job')!, 'default', jobManifest('shape', { suspend: true })) as Job;
  const uid = job.metadata.uid!;
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual(job.spec.template.metadata?.labels, { 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid, 'batch.kubernetes.io/job-name': 'shape', 'job-name': 'shape' });
  assert.deepEqual(job.metadata.labels, job.spec.template.metadata?.labels);
  assert.deepEqual([job.spec.completions, job.spec.parallelism, job.spec.backoffLimit, job.spec.completionMode, job.spec.podReplacementPolicy], [1, 1, 6, 'NonIndexed', 'TerminatingOrFailed']);
  assert.throws(
    () => api.registry.create(byKind('Job')!, 'default', jobManifest('always', { template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } })),
    /spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/,
  );
  assert.throws(
    () => api.registry.create(byKind('Job')!, 'default', jobManifest('sel', { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } })),
    /spec.selector: Invalid value: "a=b": `selector` not auto-generated/,
  );
  const manual = api.registry.create(byKind('Job')!, 'default', jobManifest('manual', { manualSelector: true, suspend: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } })) as Job;
  assert.deepEqual(manual.spec.selector, { matchLabels: { a: 'b' } });
  // the job may be updated (its status, its parallelism) with the generated selector in place
  api.registry.update(byKind('Job')!, 'default', 'shape', { ...job, spec: { ...job.spec, parallelism: 3 } });
  assert.throws(() => api.registry.create(byKind('Job')!, 'default', jobManifest('idx', { completionMode: 'Indexed', completions: undefined, parallelism: 2 })), /spec.completions: Required value: when completion mode is Indexed/);
});

test('completions 5, parallelism 2: five successful pods, never more than 2 at once; Complete after SuccessCriteriaMet', async () => {
  await client.create(jobManifest('five', { completions: 5, parallelism: 2 }) as unknown as Job);
  let maxActive = 0;
  let finished = 0;
  while (finished < 5) {
    const active = await until('an active pod', () => activeOf('five').length > 0 && activeOf('five'));
    maxActive = Math.max(maxActive, active.length);
    assert.ok(active.every((p) => p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 'pods are tracked with the finalizer');
    await finish(active[0], 0);
    finished++;
    await until('the success counted', () => (jobNamed('five')?.status?.succeeded ?? 0) === finished && !(jobNamed('five')?.status?.uncountedTerminatedPods?.succeeded ?? []).length);
    maxActive = Math.max(maxActive, activeOf('five').length);
  }
  const job = await until('Complete', () => hasCond(jobNamed('five'), 'Complete') && jobNamed('five'));
  assert.equal(maxActive, 2);
  assert.deepEqual(job.status?.conditions?.map((c) => [c.type, c.reason]), [['SuccessCriteriaMet', 'CompletionsReached'], ['Complete', 'CompletionsReached']]);
  assert.equal(job.status?.succeeded, 5);
  assert.equal(job.status?.active, 0);
  assert.ok(job.status?.completionTime);
  assert.equal(podsOf('five').length, 5);
  assert.ok(podsOf('five').every((p) => !p.metadata.finalizers?.length), 'every pod released');
  assert.equal(recorded.filter((e) => e.name === 'five' && e.reason === 'SuccessfulCreate').length, 5);
  assert.ok(recorded.some((e) => e.name === 'five' && e.reason === 'Completed' && e.message === 'Job completed'));
});

test('backoffLimit 1: the second failure fails the job (BackoffLimitExceeded), the retry waited for the back-off', async () => {
  await client.create(jobManifest('flaky', { backoffLimit: 1 }) as unknown as Job);
  const first = await until('the first pod', () => activeOf('flaky')[0]);
  await finish(first, 1);
  await until('counted', () => jobNamed('flaky')?.status?.failed === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(activeOf('flaky').length, 0, 'no replacement during the 10s back-off');
  clock = new Date(clock.getTime() + 11_000);
  // a job event wakes the controller (the real one waits on its timer)
  await client.patch('Job', 'default', 'flaky', { metadata: { annotations: { poke: '1' } } });
  const second = await until('the retry', () => activeOf('flaky')[0]);
  await finish(second, 1);
  const job = await until('Failed', () => hasCond(jobNamed('flaky'), 'Failed') && jobNamed('flaky'));
  assert.deepEqual(job.status?.conditions?.map((c) => [c.type, c.reason, c.message]), [
    ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
    ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
  ]);
  assert.equal(job.status?.failed, 2);
  assert.ok(recorded.some((e) => e.name === 'flaky' && e.reason === 'BackoffLimitExceeded'));
});

test('Indexed: each index once, JOB_COMPLETION_INDEX from the annotation; completedIndexes', async () => {
  await client.create(jobManifest('idx', { completionMode: 'Indexed', completions: 3, parallelism: 3 }) as unknown as Job);
  const pods = await until('three pods', () => activeOf('idx').length === 3 && activeOf('idx'));
  const indexes = pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  assert.equal(pods[0].spec.containers[0].env?.[0].name, 'JOB_COMPLETION_INDEX');
  for (const p of pods) await finish(p, 0);
  const job = await until('Complete', () => hasCond(jobNamed('idx'), 'Complete') && jobNamed('idx'));
  assert.equal(job.status?.completedIndexes, '0-2');
  assert.equal(job.status?.succeeded, 3);
});

test('ttlSecondsAfterFinished: the finished job is deleted, its pods with it', async () => {
  await client.create(jobManifest('short', { ttlSecondsAfterFinished: 30 }) as unknown as Job);
  await finish(await until('the pod', () => activeOf('short')[0]), 0);
  await until('Complete', () => hasCond(jobNamed('short'), 'Complete'));
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(jobNamed('short'), 'kept until the TTL has passed');
  clock = new Date(clock.getTime() + 31_000);
  await client.patch('Job', 'default', 'short', { metadata: { annotations: { poke: '1' } } });
  await until('the job deleted', () => !jobNamed('short'));
  await until('its pod collected', () => podsOf('short').length === 0);
});

test('a deleted job releases its pods, and the garbage collector removes them', async () => {
  await client.create(jobManifest('gone', { parallelism: 2, completions: 2 }) as unknown as Job);
  await until('two pods', () => activeOf('gone').length === 2);
  await client.delete('Job', 'default', 'gone');
  await until('pods gone', () => podsOf('gone').length === 0);
});

test('CronJob: fires on schedule with kube job names, at most one catch-up run, history limits', async () => {
  const cj = (await client.create({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick' },
    spec: { schedule: '*/1 * * * *', successfulJobsHistoryLimit: 1, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } } },
  } as unknown as CronJob)) as CronJob;
  assert.deepEqual([cj.spec.concurrencyPolicy, cj.spec.suspend, cj.spec.failedJobsHistoryLimit], ['Allow', false, 1]);
  // the registry stamps creation with the real time; the controller's clock starts there
  const created = Date.parse(cj.metadata.creationTimestamp!);
  const minute = (k: number) => (Math.floor(created / 60_000) + k) * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000', '');
  clock = new Date(created);
  await client.patch('CronJob', 'default', 'tick', { metadata: { annotations: { poke: '0' } } });
  await new Promise((r) => setTimeout(r, 30));
  const owned = () => informers.jobs.list('default').filter((j) => j.metadata.ownerReferences?.[0]?.name === 'tick');
  assert.equal(owned().length, 0, 'nothing before the first scheduled minute');

  clock = new Date(minute(1) + 5000);
  await client.patch('CronJob', 'default', 'tick', { metadata: { annotations: { poke: '1' } } });
  const name = `tick-${minute(1) / 60_000}`;
  const job = await until('the first job', () => jobNamed(name));
  assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], iso(minute(1)));
  const current = () => informers.cronJobs.get('default', 'tick');
  const withActive = await until('active', () => (current()?.status?.active?.length ?? 0) > 0 && current());
  assert.equal(withActive.status?.lastScheduleTime, iso(minute(1)));

  // the job completes; ten minutes pass (a server restart): only the latest schedule runs
  await finish(await until('its pod', () => activeOf(name)[0]), 0);
  await until('complete', () => hasCond(jobNamed(name), 'Complete'));
  clock = new Date(minute(11) + 10_000);
  await client.patch('CronJob', 'default', 'tick', { metadata: { annotations: { poke: '2' } } });
  const latest = `tick-${minute(11) / 60_000}`;
  await until('the catch-up job', () => jobNamed(latest));
  assert.deepEqual(owned().map((j) => j.metadata.name).sort(), [name, latest].sort(), 'one catch-up run, not ten');
  await finish(await until('its pod', () => activeOf(latest)[0]), 0);
  // successfulJobsHistoryLimit 1: the older finished job goes
  await until('history trimmed', () => owned().length === 1 && owned()[0].metadata.name === latest);
  const final = await until('lastSuccessfulTime', () => (current()?.status?.lastSuccessfulTime && !current()?.status?.active ? current() : undefined));
  assert.ok(final.status?.lastSuccessfulTime);
  assert.ok(recorded.some((e) => e.name === 'tick' && e.reason === 'SawCompletedJob'));
  assert.ok(recorded.some((e) => e.name === 'tick' && e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${name}`));
  assert.ok(recorded.some((e) => e.name === 'tick' && e.reason === 'SuccessfulCreate' && e.message === `Created job ${latest}`));
});
