// Jobs and CronJobs on the real engine, through a real `k1s server` and the real kubectl: a Job
// with completions 5 and parallelism 2 completes with 5 successful pods (never more than 2 at
// once) and `kubectl logs job/X` reads one; an Indexed job's pods see JOB_COMPLETION_INDEX; a
// CronJob `*/1 * * * *` fires within a real minute.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureTestImages } from '../fixtures/images.js';
import { ROOT, ServerHarness, sleep, waitFor } from './harness.js';
import { startFakeUpstream } from './upstream.js';

interface PodList {
  items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[];
}

describe('jobs and cronjobs on the real engine', () => {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;

  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync('kubectl', ['--kubeconfig', h.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 180_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const ok = (args: string[], input?: string) => {
    const r = kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    await ensureTestImages(docker);
    upstream = await startFakeUpstream({});
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
    await h.start();
  });

  after(async () => {
    if (h) {
      kubectl(['delete', 'cronjobs,jobs', '--all']);
      kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force']);
      await waitFor('the pods to be removed', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 60_000).catch(() => undefined);
      await h.stop();
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]);
      h.removeDataDir();
    }
    await upstream?.stop();
  });

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
