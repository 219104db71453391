// The Job and CronJob kind modules: validation (table), defaults, and kubectl's printer cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronJobKind, validateCronJob, type CronJob } from '../../../src/api/kinds/cronjob.js';
import { defaultJob, JobKind, validateJob, type Job } from '../../../src/api/kinds/job.js';

function baseJob(): Job {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'work', namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
  } as unknown as Job;
  defaultJob(job);
  return job;
}

test('validateJob: table', () => {
  const cases: Record<string, { mutate?: (j: Job) => void; expected: string[] }> = {
    'everything is good; no errors': { expected: [] },
    'restartPolicy Always': { mutate: (j) => (j.spec.template.spec.restartPolicy = 'Always'), expected: ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'] },
    'negative backoffLimit': { mutate: (j) => (j.spec.backoffLimit = -1), expected: ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'] },
    'Indexed without completions': {
      mutate: (j) => ((j.spec.completionMode = 'Indexed'), delete j.spec.completions),
      expected: ['spec.completions: Required value: when completion mode is Indexed'],
    },
    'backoffLimitPerIndex on a NonIndexed job': { mutate: (j) => (j.spec.backoffLimitPerIndex = 1), expected: ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'] },
    'podFailurePolicy needs restartPolicy Never and podReplacementPolicy Failed': {
      mutate: (j) => {
        j.spec.template.spec.restartPolicy = 'OnFailure';
        j.spec.podFailurePolicy = { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] };
      },
      expected: ['spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"', 'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'],
    },
    'podFailurePolicy: In with 0, unordered, FailIndex without backoffLimitPerIndex, unknown container': {
      mutate: (j) => {
        j.spec.podReplacementPolicy = 'Failed';
        j.spec.podFailurePolicy = {
          rules: [
            { action: 'Count', onExitCodes: { operator: 'In', values: [0] } },
            { action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [3, 2] } },
            { action: 'FailIndex', onExitCodes: { containerName: 'nope', operator: 'In', values: [5] } },
          ],
        };
      },
      expected: [
        'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
        'spec.podFailurePolicy.rules[1].onExitCodes.values: Invalid value: [3,2]: must be ordered',
        'spec.podFailurePolicy.rules[2].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
        'spec.podFailurePolicy.rules[2].onExitCodes.containerName: Invalid value: "nope": must be one of the container or initContainer names in the pod template',
      ],
    },
    'a selector without manualSelector': {
      mutate: (j) => (j.spec.selector = { matchLabels: { a: 'b' } }),
      expected: ['spec.selector: Invalid value: "a=b": `selector` not auto-generated', 'spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`'],
    },
    'manualSelector not matching the template': {
      mutate: (j) => ((j.spec.manualSelector = true), (j.spec.selector = { matchLabels: { a: 'b' } })),
      expected: ['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`'],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const job = baseJob();
    c.mutate?.(job);
    const got = validateJob(job).map((e) => `${e.path}: ${e.message}`).sort();
    assert.deepEqual(got, [...c.expected].sort(), name);
  }
});

function baseCronJob(): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default' },
    spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } },
  } as unknown as CronJob;
}

test('validateCronJob: table', () => {
  const cases: Record<string, { mutate?: (c: CronJob) => void; expected: string[] }> = {
    'everything is good; no errors': { expected: [] },
    'a bad schedule': { mutate: (c) => (c.spec.schedule = '* * *'), expected: ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *'] },
    'TZ in the schedule': { mutate: (c) => (c.spec.schedule = 'TZ=UTC 0 * * * *'), expected: ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'] },
    'an unknown zone': { mutate: (c) => (c.spec.timeZone = 'Nowhere/Land'), expected: ['spec.timeZone: Invalid value: "Nowhere/Land": unknown time zone Nowhere/Land'] },
    'a known zone': { mutate: (c) => (c.spec.timeZone = 'America/Sao_Paulo'), expected: [] },
    'a name too long for its jobs': { mutate: (c) => (c.metadata.name = 'x'.repeat(53)), expected: [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`] },
    'the job template restarting Always': {
      mutate: (c) => (c.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
      expected: ['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"'],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const cj = baseCronJob();
    c.mutate?.(cj);
    const got = validateCronJob(cj).map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(got, c.expected, name);
  }
});

test('printer rows as kubectl prints them', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const job = baseJob();
  job.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  const row = (j: Job) => JobKind.printer.row(j, now).slice(0, 5);
  assert.deepEqual(row(job), ['work', 'Running', '0/1', '', '10m']);
  job.status = { startTime: '2026-01-01T00:00:05Z', completionTime: '2026-01-01T00:00:47Z', succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
  assert.deepEqual(row(job), ['work', 'Complete', '1/1', '42s', '10m']);
  job.spec.completions = undefined;
  job.spec.parallelism = 3;
  job.status = { startTime: '2026-01-01T00:00:00Z', conditions: [{ type: 'Suspended', status: 'True' }] };
  assert.deepEqual(row(job), ['work', 'Suspended', '0/1 of 3', '10m', '10m']);
  assert.deepEqual(JobKind.printer.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Status', 'Completions', 'Duration', 'Age']);

  const cj = baseCronJob();
  cj.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  CronJobKind.defaults!(cj);
  assert.deepEqual(CronJobKind.printer.row(cj, now).slice(0, 7), ['tick', '@hourly', '<none>', 'False', 0, '<none>', '10m']);
  cj.spec.timeZone = 'Europe/Paris';
  cj.status = { active: [{ name: 'a' }], lastScheduleTime: '2026-01-01T00:09:00Z' };
  assert.deepEqual(CronJobKind.printer.row(cj, now).slice(0, 7), ['tick', '@hourly', 'Europe/Paris', 'False', 1, '60s', '10m']);
  assert.deepEqual(CronJobKind.printer.columns.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']);
  assert.deepEqual([CronJobKind.shortNames, CronJobKind.categories, JobKind.categories], [['cj'], ['all'], ['all']]);
  assert.deepEqual([cj.spec.concurrencyPolicy, cj.spec.successfulJobsHistoryLimit, cj.spec.failedJobsHistoryLimit], ['Allow', 3, 1]);
});
