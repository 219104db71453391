// Job (batch/v1): runs pods of its template to completion (pkg/registry/batch/job/strategy.go,
// pkg/apis/batch/validation, pkg/apis/batch/v1/defaults.go). The selector and the pods' labels
// are generated from the job's uid unless spec.manualSelector says otherwise.
import { z } from 'zod';
import { age, humanDuration } from '../age.js';
import { invalidValue, nonNegative, required, unsupported, type Errors } from '../field-errors.js';
import { bool, conditionStatus, int, labelSelector, objectBase, str, stringList } from '../fields.js';
import { formatLabelSelector } from '../label-format.js';
import { fromLabelSelector, matches } from '../labels.js';
import { validateAnnotations, validateLabels, validateLabelSelector } from '../meta-validation.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validatePodSpec } from '../podspec/validation.js';
import { containerCells, POD_TEMPLATE_WORKLOAD, WORKLOAD_WIDE_COLUMNS } from '../podspec/workload.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

/** The labels kube puts on a job's pods (and, defaulted from the template, on the job). */
export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name',
  /** on the pods of an Indexed job, as the annotation below */
  completionIndex: 'batch.kubernetes.io/job-completion-index',
} as const;
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** the job controller's finalizer on every pod it creates, until it has counted the pod */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** how many times an index failed before this pod (backoffLimitPerIndex) */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';

const podFailurePolicyRule = z.strictObject({
  action: z.enum(['FailJob', 'FailIndex', 'Ignore', 'Count']),
  onExitCodes: z
    .strictObject({
      containerName: str.optional(),
      operator: z.enum(['In', 'NotIn']),
      values: z.array(int),
    })
    .optional(),
  onPodConditions: z.array(z.strictObject({ type: str, status: conditionStatus.optional() })).optional(),
});

export const jobSpec = z.strictObject({
  parallelism: int.optional(),
  completions: int.optional(),
  activeDeadlineSeconds: int.optional(),
  podFailurePolicy: z.strictObject({ rules: z.array(podFailurePolicyRule) }).optional(),
  backoffLimit: int.optional(),
  backoffLimitPerIndex: int.optional(),
  maxFailedIndexes: int.optional(),
  selector: labelSelector.optional(),
  manualSelector: bool.optional(),
  template: podTemplateSpec,
  ttlSecondsAfterFinished: int.optional(),
  completionMode: z.enum(['NonIndexed', 'Indexed']).optional(),
  suspend: bool.optional(),
  podReplacementPolicy: z.enum(['TerminatingOrFailed', 'Failed']).optional(),
});

export const jobConditionType = z.enum(['Suspended', 'Complete', 'Failed', 'FailureTarget', 'SuccessCriteriaMet']);

export const jobStatus = z.strictObject({
  conditions: z
    .array(
      z.strictObject({
        type: jobConditionType,
        status: conditionStatus,
        lastProbeTime: str.optional(),
        lastTransitionTime: str.optional(),
        reason: str.optional(),
        message: str.optional(),
      }),
    )
    .optional(),
  startTime: str.optional(),
  completionTime: str.optional(),
  active: int.optional(),
  succeeded: int.optional(),
  failed: int.optional(),
  terminating: int.optional(),
  ready: int.optional(),
  completedIndexes: str.optional(),
  failedIndexes: str.optional(),
  uncountedTerminatedPods: z.strictObject({ succeeded: stringList.optional(), failed: stringList.optional() }).optional(),
});

export const jobSchema = z.strictObject({
  ...objectBase('Job'),
  spec: jobSpec,
  status: jobStatus.optional(),
});

export type Job = Stored<z.output<typeof jobSchema>>;
export type JobSpec = Job['spec'];
export type JobStatus = NonNullable<Job['status']>;
export type JobCondition = NonNullable<JobStatus['conditions']>[number];
export type PodFailurePolicyRule = z.output<typeof podFailurePolicyRule>;

/** SetDefaults_Job (the pod template's defaults included). */
export function defaultJob(job: Job): void {
  const spec = job.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) for (const c of rule.onPodConditions ?? []) c.status ??= 'True';
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodSpec(spec.template.spec);
}

/** The selector and labels a job gets when it does not pick its own (generateSelector). */
export function generatedSelectorLabels(job: { metadata: { name: string; uid?: string } }): Record<string, string> {
  const uid = job.metadata.uid ?? '';
  return {
    [JOB_LABELS.controllerUid]: uid,
    [JOB_LABELS.legacyControllerUid]: uid,
    [JOB_LABELS.jobName]: job.metadata.name,
    [JOB_LABELS.legacyJobName]: job.metadata.name,
  };
}

/** PrepareForCreate: status cleared by the registry; the selector and template labels generated. */
function prepareJobForCreate(job: Job): void {
  if (job.spec.manualSelector !== true) {
    const tpl = (job.spec.template.metadata ??= {});
    tpl.labels = { ...(tpl.labels ?? {}), ...generatedSelectorLabels(job) };
    job.spec.selector = { matchLabels: { [JOB_LABELS.controllerUid]: job.metadata.uid! } };
  }
  // SetDefaults_Job copies the template's labels onto a job that has none (kube does so when the
  // object is decoded, so they include the generated ones).
  if (!Object.keys(job.metadata.labels ?? {}).length && job.spec.template.metadata?.labels) {
    job.metadata.labels = { ...job.spec.template.metadata.labels };
  }
}

const MAX_INDEXED = 100_000;

function validatePodFailurePolicy(spec: JobSpec, errs: Errors): void {
  const policy = spec.podFailurePolicy;
  if (!policy) return;
  const path = 'spec.podFailurePolicy.rules';
  if (spec.template.spec.restartPolicy !== 'Never') {
    errs.push(invalidValue('spec.template.spec.restartPolicy', spec.template.spec.restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  if (policy.rules.length > 20) errs.push({ path, message: `Too many: ${policy.rules.length}: must have at most 20 items` });
  const containers = new Set([...spec.template.spec.containers, ...(spec.template.spec.initContainers ?? [])].map((c) => c.name));
  policy.rules.forEach((rule, i) => {
    const rp = `${path}[${i}]`;
    if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
      errs.push(invalidValue(`${rp}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
    }
    if (rule.onExitCodes && rule.onPodConditions) errs.push(invalidValue(rp, 'specifying both OnExitCodes and OnPodConditions is not supported', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!rule.onExitCodes && !rule.onPodConditions) errs.push(invalidValue(rp, 'specifying one of OnExitCodes and OnPodConditions is required', 'specifying one of OnExitCodes and OnPodConditions is required'));
    const ec = rule.onExitCodes;
    if (ec) {
      if (ec.containerName !== undefined && !containers.has(ec.containerName)) {
        errs.push(invalidValue(`${rp}.onExitCodes.containerName`, ec.containerName, 'must be one of the container or initContainer names in the pod template'));
      }
      if (!ec.values.length) errs.push(required(`${rp}.onExitCodes.values`, 'at least one value is required'));
      let prev: number | undefined;
      ec.values.forEach((v, j) => {
        const vp = `${rp}.onExitCodes.values[${j}]`;
        if (ec.operator === 'In' && v === 0) errs.push(invalidValue(vp, v, 'must not be 0 for the In operator'));
        if (prev !== undefined && prev === v) errs.push({ path: vp, message: `Duplicate value: ${v}` });
        else if (prev !== undefined && prev > v) errs.push(invalidValue(`${rp}.onExitCodes.values`, ec.values, 'must be ordered'));
        prev = v;
      });
      if (ec.values.length > 255) errs.push({ path: `${rp}.onExitCodes.values`, message: `Too many: ${ec.values.length}: must have at most 255 items` });
    }
    (rule.onPodConditions ?? []).forEach((c, j) => {
      if (!c.type) errs.push(required(`${rp}.onPodConditions[${j}].type`));
    });
  });
}

/** ValidateJob (ValidateJobSpec and ValidateGeneratedSelector) before the selector is generated. */
export function validateJob(job: Job): Errors {
  const errs: Errors = [];
  const spec = job.spec;
  nonNegative(errs, 'spec.parallelism', spec.parallelism);
  nonNegative(errs, 'spec.completions', spec.completions);
  nonNegative(errs, 'spec.activeDeadlineSeconds', spec.activeDeadlineSeconds);
  nonNegative(errs, 'spec.backoffLimit', spec.backoffLimit);
  nonNegative(errs, 'spec.backoffLimitPerIndex', spec.backoffLimitPerIndex);
  nonNegative(errs, 'spec.maxFailedIndexes', spec.maxFailedIndexes);
  nonNegative(errs, 'spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished);
  if (spec.completionMode === 'Indexed') {
    if (spec.completions === undefined) errs.push(required('spec.completions', 'when completion mode is Indexed'));
    else if (spec.completions > MAX_INDEXED) errs.push(invalidValue('spec.completions', spec.completions, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
    if ((spec.parallelism ?? 0) > MAX_INDEXED) errs.push(invalidValue('spec.parallelism', spec.parallelism, `must be less than or equal to ${MAX_INDEXED} when completion mode is Indexed`));
  } else {
    if (spec.backoffLimitPerIndex !== undefined) errs.push(invalidValue('spec.backoffLimitPerIndex', spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (spec.maxFailedIndexes !== undefined) errs.push(invalidValue('spec.maxFailedIndexes', spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined) {
    errs.push(required('spec.backoffLimitPerIndex', 'when maxFailedIndexes is specified'));
  }
  const restart = spec.template.spec.restartPolicy;
  if (restart !== 'OnFailure' && restart !== 'Never') errs.push(unsupported('spec.template.spec.restartPolicy', restart, ['OnFailure', 'Never']));
  if (spec.podReplacementPolicy === 'TerminatingOrFailed' && spec.podFailurePolicy) {
    errs.push(unsupported('spec.podReplacementPolicy', spec.podReplacementPolicy, ['Failed']));
  }
  validatePodFailurePolicy(spec, errs);

  const labels = spec.template.metadata?.labels ?? {};
  errs.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(spec.template.metadata?.annotations, 'spec.template.metadata.annotations'));
  if (spec.manualSelector === true) {
    if (!spec.selector) errs.push(required('spec.selector'));
  } else if (spec.selector) {
    // ValidateGeneratedSelector: a selector the user wrote needs manualSelector
    const generated = { matchLabels: { [JOB_LABELS.controllerUid]: job.metadata.uid ?? '' } };
    if (!job.metadata.uid || !deepEqual(spec.selector, generated)) {
      errs.push(invalidValue('spec.selector', formatLabelSelector(spec.selector), '`selector` not auto-generated'));
    }
  }
  if (spec.selector) {
    const selErrs = validateLabelSelector(spec.selector, 'spec.selector');
    errs.push(...selErrs);
    const empty = !Object.keys(spec.selector.matchLabels ?? {}).length && !(spec.selector.matchExpressions ?? []).length;
    if (empty) errs.push(invalidValue('spec.selector', spec.selector, 'empty selector is invalid for job'));
    else if (!selErrs.length && !matches(fromLabelSelector(spec.selector), labels)) {
      errs.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    }
  }
  // not passed as a workload template: a job's pods must not restart Always
  errs.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
  return errs;
}

/** ValidateJobUpdate: what may not change (the template only while the job is suspended, as kube allows for scheduling directives; here all of it). */
function validateJobUpdate(next: Job, prev: Job): Errors {
  const errs: Errors = [];
  if (!deepEqual(next.spec.selector, prev.spec.selector)) errs.push(invalidValue('spec.selector', next.spec.selector, 'field is immutable'));
  if (!deepEqual(next.spec.template, prev.spec.template)) errs.push(invalidValue('spec.template', next.spec.template, 'field is immutable'));
  if (next.spec.completionMode !== prev.spec.completionMode) errs.push(invalidValue('spec.completionMode', next.spec.completionMode, 'field is immutable'));
  if (!deepEqual(next.spec.podFailurePolicy, prev.spec.podFailurePolicy)) errs.push(invalidValue('spec.podFailurePolicy', next.spec.podFailurePolicy, 'field is immutable'));
  if (next.spec.backoffLimitPerIndex !== prev.spec.backoffLimitPerIndex) errs.push(invalidValue('spec.backoffLimitPerIndex', next.spec.backoffLimitPerIndex, 'field is immutable'));
  if (next.spec.manualSelector !== prev.spec.manualSelector) errs.push(invalidValue('spec.manualSelector', next.spec.manualSelector, 'field is immutable'));
  // completions may change only with parallelism, for an Indexed job (elastic indexed jobs)
  if (next.spec.completions !== prev.spec.completions) {
    if (next.spec.completionMode !== 'Indexed') errs.push(invalidValue('spec.completions', next.spec.completions, 'field is immutable'));
    else if (next.spec.completions !== next.spec.parallelism) errs.push(invalidValue('spec.completions', next.spec.completions, 'can only be modified in tandem with spec.parallelism'));
  }
  if (prev.status?.startTime && next.spec.activeDeadlineSeconds !== prev.spec.activeDeadlineSeconds && !prev.spec.suspend) {
    // kube allows it only while the job is suspended or not yet started
    if (prev.spec.activeDeadlineSeconds !== undefined) errs.push(invalidValue('spec.activeDeadlineSeconds', next.spec.activeDeadlineSeconds, 'field is immutable'));
  }
  return errs;
}

/** The job's status column, as kubectl's printJob picks it. */
export function jobStatusCell(job: Job): string {
  const has = (type: JobCondition['type']) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCompletionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDurationCell(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

export const JobKind = defineKind<Job>({
  kind: 'Job',
  group: 'batch',
  resource: 'jobs',
  singular: 'job',
  namespaced: true,
  shortNames: [],
  categories: ['all'],
  schema: jobSchema,
  subresources: ['status'],
  fieldSelectors: ['status.successful'],
  generation: true,
  ...POD_TEMPLATE_WORKLOAD,
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  prepareForCreate: prepareJobForCreate,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'Status of the job.'),
      column('Completions', 'string', 'The completion status of the job as NN/MM.'),
      column('Duration', 'string', 'Time required to complete the job.'),
      AGE_COLUMN,
      ...WORKLOAD_WIDE_COLUMNS,
    ],
    row(job, now) {
      return [
        job.metadata.name,
        jobStatusCell(job),
        jobCompletionsCell(job),
        jobDurationCell(job, now),
        age(job.metadata.creationTimestamp, now),
        ...containerCells(job.spec.template.spec.containers),
        formatLabelSelector(job.spec.selector),
      ];
    },
  },
});
