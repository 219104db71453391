// Real kubectl and Jobs/CronJobs against the API server with the Job and CronJob controllers (no
// Docker: the test plays the node agent, finishing pods). kubectl create job / cronjob /
// job --from=cronjob, get jobs,cronjobs tables, wait --for=condition=complete, and the errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Pod } from '../../src/api/types.js';
import { LocalClient } from '../../src/client/client.js';
import { createInformers, type Informers } from '../../src/controllers/context.js';
import { CronJobController } from '../../src/controllers/cronjob.js';
import type { EventRecorder } from '../../src/controllers/events.js';
import { JobController } from '../../src/controllers/job.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

async function until<T>(check: () => T | undefined | false): Promise<T> {
  for (const deadline = Date.now() + 10_000; ; ) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kubectl with Jobs and CronJobs', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let client: LocalClient;
  let informers: Informers;
  const stops: (() => void)[] = [];
  const ok = (args: string[], input?: string) => h.ok(args, input);

  before(async () => {
    h = await startApi();
    client = new LocalClient(h.registry);
    informers = createInformers(client);
    informers.all.forEach((inf) => inf.start());
    const events = { record: () => {} } as unknown as EventRecorder;
    const ctx = { client, informers, logger: silentLogger, events };
    for (const c of [new JobController(ctx), new CronJobController(ctx)]) {
      c.start();
      stops.push(() => c.stop());
    }
  });
  after(async () => {
    stops.forEach((s) => s());
    informers?.all.forEach((inf) => inf.close());
    await h?.stop();
  });

  /** the node agent's part: every running pod of the job exits 0 */
  async function succeedPods(job: string): Promise<void> {
    const pods = await until(() => {
      const ps = informers.pods.list('default').filter((p) => p.metadata.labels?.['job-name'] === job && !p.status?.phase);
      return ps.length > 0 && ps;
    });
    for (const p of pods) {
      await client.updateStatus({
        ...p,
        status: { phase: 'Succeeded', containerStatuses: [{ name: p.spec.containers[0].name, state: { terminated: { exitCode: 0, finishedAt: new Date().toISOString() } }, lastState: {}, ready: false, restartCount: 0, image: 'x', imageID: '' }] },
      } as Pod);
    }
  }

  test('kubectl create job, get jobs (table), wait --for=condition=complete', async () => {
    assert.match(await ok(['create', 'job', 'hello', '--image=busybox', '--', 'echo', 'hi']), /job.batch\/hello created/);
    const yaml = JSON.parse(await ok(['get', 'job', 'hello', '-o', 'json'])) as Job;
    assert.equal(yaml.spec.template.spec.restartPolicy, 'Never');
    assert.equal(yaml.metadata.labels?.['job-name'], 'hello');
    const waiting = h.kubectl(['wait', '--for=condition=complete', 'job/hello', '--timeout=20s']);
    await succeedPods('hello');
    const waited = await waiting;
    assert.equal(waited.status, 0, waited.stderr);
    assert.match(waited.stdout, /job.batch\/hello condition met/);
    const table = await ok(['get', 'jobs']);
    assert.match(table.split('\n')[0], /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    assert.match(table, /hello\s+Complete\s+1\/1\s+\d+s\s+\d+s/);
  });

  test('kubectl create cronjob, get cronjobs / cj, create job --from=cronjob', async () => {
    assert.match(await ok(['create', 'cronjob', 'nightly', '--image=busybox', '--schedule=0 3 * * *', '--', 'date']), /cronjob.batch\/nightly created/);
    const table = await ok(['get', 'cj']);
    assert.match(table.split('\n')[0], /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    assert.match(table, /nightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s/);
    assert.match(await ok(['create', 'job', 'now', '--from=cronjob/nightly']), /job.batch\/now created/);
    const job = JSON.parse(await ok(['get', 'job', 'now', '-o', 'json'])) as Job;
    assert.equal(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences?.[0]?.kind, 'CronJob');
    const both = await ok(['get', 'jobs,cronjobs']);
    assert.match(both, /job.batch\/now/);
    assert.match(both, /cronjob.batch\/nightly/);
    assert.match(await ok(['get', 'all']), /cronjob.batch\/nightly/);
  });

  test('refused: a bad schedule, an unknown time zone, restartPolicy Always', async () => {
    const bad = await h.fails(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=61 * * * *']);
    assert.match(bad, /spec.schedule: Invalid value: "61 \* \* \* \*"/);
    const tz = await h.fails(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tz' }, spec: { schedule: '@daily', timeZone: 'Mars/Base', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } } }));
    assert.match(tz, /spec.timeZone: Invalid value: "Mars\/Base": unknown time zone Mars\/Base/);
    const always = await h.fails(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'always' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } }));
    assert.match(always, /spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
  });

  test('kubectl apply of a Job twice: unchanged (the generated selector does not trip validation)', async () => {
    const manifest = JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'applied' }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    assert.match(await ok(['apply', '-f', '-'], manifest), /job.batch\/applied created/);
    assert.match(await ok(['apply', '-f', '-'], manifest), /job.batch\/applied unchanged/);
    assert.match(await ok(['apply', '--server-side', '-f', '-'], manifest), /job.batch\/applied serverside-applied/);
    assert.match(await ok(['get', 'job', 'applied']), /applied\s+Suspended\s+0\/1/);
  });

  test('kubectl apply --prune prunes a Job labelled for it (Job and CronJob resolve in the prune mappings)', async () => {
    const job = JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'stale', labels: { app: 'prune' } }, spec: { suspend: true, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } });
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', labels: { app: 'prune' } }, data: { a: '1' } });
    await ok(['apply', '-f', '-'], job);
    const allow = ['--prune-allowlist=core/v1/ConfigMap', '--prune-allowlist=batch/v1/Job', '--prune-allowlist=batch/v1/CronJob'];
    const out = await ok(['apply', '--prune', '-l', 'app=prune', ...allow, '-f', '-'], cm);
    assert.match(out, /job.batch\/stale pruned/);
  });
});
