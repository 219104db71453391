// Jobs and CronJobs on the real engine, through a real `k1s server` and the real kubectl: a Job
// with completions 5 and parallelism 2 completes with 5 successful pods (never more than 2 at
// once) and `kubectl logs job/X` reads one; an Indexed job's pods see JOB_COMPLETION_INDEX; a
// CronJob `*/1 * * * *` fires within a real minute.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { sleep, waitFor } from './harness.js';
import { engineSuite } from './engine-suite.js';

interface PodList {
  items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[];
}

describe('jobs and cronjobs on the real engine', () => {
  const { kubectl, ok } = engineSuite({ deleteFirst: ['cronjobs,jobs'] });

  test('completions 5, parallelism 2: 5 successful pods, never more than 2 at once; kubectl logs job/X', async () => {
    ok(['apply', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata:
  name: five
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: work
          image: ${BUSYBOX_IMAGE}
          command: [sh, -c, 'echo done by $HOSTNAME; sleep 1']
`);
    let maxActive = 0;
    const started = Date.now();
    for (;;) {
      const pods = JSON.parse(ok(['get', 'pods', '-l', 'job-name=five', '-o', 'json'])) as PodList;
      const active = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      maxActive = Math.max(maxActive, active.length);
      const done = JSON.parse(ok(['get', 'job', 'five', '-o', 'json'])) as { status?: { conditions?: { type: string; status: string }[] } };
      if (done.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')) break;
      assert.ok(Date.now() - started < 120_000, 'the job completes within 2 minutes');
      await sleep(150);
    }
    const elapsed = Date.now() - started;
    const pods = JSON.parse(ok(['get', 'pods', '-l', 'job-name=five', '-o', 'json'])) as PodList;
    assert.equal(pods.items.filter((p) => p.status?.phase === 'Succeeded').length, 5);
    assert.equal(pods.items.length, 5);
    assert.ok(maxActive <= 2, `at most 2 at once (saw ${maxActive})`);
    assert.match(ok(['get', 'job', 'five']), /five\s+Complete\s+5\/5/);
    assert.match(ok(['wait', '--for=condition=complete', 'job/five', '--timeout=5s']), /condition met/);
    assert.match(ok(['logs', 'job/five']), /^done by five-/);
    console.log(`# job five: 5 completions in ${elapsed} ms, at most ${maxActive} pods at once`);
  });

  test('Indexed: each pod sees its JOB_COMPLETION_INDEX', async () => {
    ok(['apply', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata:
  name: indexed
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: work
          image: ${BUSYBOX_IMAGE}
          command: [sh, -c, 'echo index=$JOB_COMPLETION_INDEX']
`);
    ok(['wait', '--for=condition=complete', 'job/indexed', '--timeout=120s']);
    const pods = JSON.parse(ok(['get', 'pods', '-l', 'job-name=indexed', '-o', 'json'])) as PodList;
    const logs = pods.items.map((p) => ok(['logs', p.metadata.name]).trim()).sort();
    assert.deepEqual(logs, ['index=0', 'index=1', 'index=2']);
    assert.match(ok(['get', 'job', 'indexed', '-o', 'jsonpath={.status.completedIndexes}']), /^0-2$/);
  });

  test('a CronJob */1 * * * * fires within a real minute', async () => {
    const created = Date.now();
    ok(['create', 'cronjob', 'tick', `--image=${BUSYBOX_IMAGE}`, '--schedule=*/1 * * * *', '--', 'echo', 'tick']);
    const job = await waitFor(
      'a job of the cronjob',
      () => {
        const names = ok(['get', 'jobs', '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter((n) => n.startsWith('tick-'));
        return names[0];
      },
      75_000,
      500,
    );
    const firedAfter = Date.now() - created;
    assert.match(job, /^tick-\d+$/);
    assert.equal(Number(job.slice(5)) * 60_000 % 60_000, 0);
    assert.ok(firedAfter <= 62_000, `fired ${firedAfter} ms after creation`);
    ok(['wait', '--for=condition=complete', `job/${job}`, '--timeout=60s']);
    await waitFor('lastSuccessfulTime', () => ok(['get', 'cronjob', 'tick', '-o', 'jsonpath={.status.lastSuccessfulTime}']).trim(), 30_000, 500);
    console.log(`# cronjob tick: ${job} created ${firedAfter} ms after the cronjob`);
  });
});
