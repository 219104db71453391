// CronJob (batch/v1): creates Jobs from its template on a cron schedule
// (pkg/registry/batch/cronjob/strategy.go, pkg/apis/batch/validation).
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, type Errors } from '../field-errors.js';
import { int, bool, objectBase, objectMeta, str } from '../fields.js';
import { formatLabelSelector } from '../label-format.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podSpecFieldTypes, podSpecPatchKeys } from '../podspec/patch-keys.js';
import { containerCells, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { isValidTimeZone, parseSchedule, ScheduleError } from '../cron-schedule.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { jobSpec, validateJob, type Job } from './job.js';

const objectReference = z.strictObject({
  kind: str.optional(),
  namespace: str.optional(),
  name: str.optional(),
  uid: str.optional(),
  apiVersion: str.optional(),
  resourceVersion: str.optional(),
  fieldPath: str.optional(),
});

export const cronJobSchema = z.strictObject({
  ...objectBase('CronJob'),
  spec: z.strictObject({
    schedule: str,
    timeZone: str.optional(),
    startingDeadlineSeconds: int.optional(),
    concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).optional(),
    suspend: bool.optional(),
    jobTemplate: z.strictObject({ metadata: objectMeta.optional(), spec: jobSpec }),
    successfulJobsHistoryLimit: int.optional(),
    failedJobsHistoryLimit: int.optional(),
  }),
  status: z
    .strictObject({
      active: z.array(objectReference).optional(),
      lastScheduleTime: str.optional(),
      lastSuccessfulTime: str.optional(),
    })
    .optional(),
});

export type CronJob = Stored<z.output<typeof cronJobSchema>>;
export type ObjectReference = z.output<typeof objectReference>;

/** SetDefaults_CronJob; the job template gets only the pod template's defaults, as in kube. */
function defaultCronJob(cj: CronJob): void {
  const spec = cj.spec;
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodSpec(spec.jobTemplate.spec.template.spec);
}

/** CronJob names leave room for the 11-character suffix of the jobs they create. */
const MAX_CRONJOB_NAME = 52;

export function validateCronJob(cj: CronJob): Errors {
  const errs: Errors = [];
  const spec = cj.spec;
  if (cj.metadata.name && cj.metadata.name.length > MAX_CRONJOB_NAME) {
    errs.push(invalidValue('metadata.name', cj.metadata.name, `must be no more than ${MAX_CRONJOB_NAME} characters`));
  }
  if (/^\s*(CRON_)?TZ=/.test(spec.schedule)) {
    errs.push(invalidValue('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  } else {
    try {
      parseSchedule(spec.schedule);
    } catch (e) {
      if (!(e instanceof ScheduleError)) throw e;
      errs.push(invalidValue('spec.schedule', spec.schedule, e.message));
    }
  }
  if (spec.timeZone !== undefined && !isValidTimeZone(spec.timeZone)) {
    errs.push(invalidValue('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  nonNegative(errs, 'spec.startingDeadlineSeconds', spec.startingDeadlineSeconds);
  nonNegative(errs, 'spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit);
  nonNegative(errs, 'spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit);
  // ValidateJobTemplateSpec: the job spec's own rules; a selector there is generated per job
  const tpl = spec.jobTemplate;
  if (tpl.spec.selector && tpl.spec.manualSelector !== true) {
    errs.push(invalidValue('spec.jobTemplate.spec.selector', formatLabelSelector(tpl.spec.selector), '`selector` will be auto-generated'));
  }
  const asJob = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: cj.metadata.name }, spec: { ...tpl.spec, selector: tpl.spec.manualSelector ? tpl.spec.selector : undefined } } as Job;
  for (const e of validateJob(asJob)) errs.push({ ...e, path: e.path.replace(/^spec\./, 'spec.jobTemplate.spec.') });
  return errs;
}

export const CronJobKind = defineKind<CronJob>({
  kind: 'CronJob',
  group: 'batch',
  resource: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  schema: cronJobSchema,
  subresources: ['status'],
  generation: true,
  patchMergeKeys: { ...META_PATCH_KEYS, ...podSpecPatchKeys('spec.jobTemplate.spec.template.spec') },
  fieldTypes: { 'spec.jobTemplate.spec.selector': { map: 'atomic' }, ...podSpecFieldTypes('spec.jobTemplate.spec.template.spec') },
  defaults: defaultCronJob,
  validate: validateCronJob,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Schedule', 'string', 'The schedule for running the job.'),
      column('Timezone', 'string', 'The time zone the job is scheduled in.'),
      column('Suspend', 'boolean', 'Whether the job is suspended.'),
      column('Active', 'integer', 'Number of active jobs.'),
      column('Last Schedule', 'string', 'Time since last schedule'),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS,
    ],
    row(cj, now) {
      const suspend = cj.spec.suspend;
      return [
        cj.metadata.name,
        cj.spec.schedule,
        cj.spec.timeZone ?? '<none>',
        suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
        cj.status?.active?.length ?? 0,
        cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : '<none>',
        age(cj.metadata.creationTimestamp, now),
        ...containerCells(cj.spec.jobTemplate.spec.template.spec.containers),
        formatLabelSelector(cj.spec.jobTemplate.spec.selector),
      ];
    },
  },
});
