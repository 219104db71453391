// The CronJob controller's decisions, pure (kube's pkg/controller/cronjob: syncCronJob,
// mostRecentScheduleTime, cleanupFinishedJobs): given a CronJob, the Jobs it owns and the time,
// which job to start (at most one: the latest missed schedule), which to delete, the status and
// the events, and when to look again.
import { formatInZone, mostRecentScheduleTime, nextTime, parseSchedule, ScheduleError, isValidTimeZone } from '../api/cron-schedule.js';
import { rfc3339 } from '../api/time.js';
import type { CronJob, Job, ObjectReference } from '../api/types.js';
import type { JobEvent } from './job-sync.js';

/** the annotation kube puts on a CronJob's jobs: their scheduled time, in the CronJob's zone */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobPlan {
  /** the job to create, with its scheduled time (ms) */
  create?: { job: Job; scheduledTime: number };
  /** jobs to delete: Replace's running ones, and finished ones beyond the history limits */
  remove: Job[];
  /** the status after this sync (the created job's reference is added once it exists) */
  status: NonNullable<CronJob['status']>;
  events: JobEvent[];
  requeueAfterMs?: number;
}

/** Complete or Failed, and which */
export function jobFinishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>` */
export function jobNameFor(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledTime / 60_000)}`;
}

/** getJobFromTemplate2 */
export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const tpl = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledTime),
      namespace: cj.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      annotations: { ...(tpl.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledTime, cj.spec.timeZone ?? 'UTC') },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(tpl.spec),
  };
}

export function jobRef(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

/** Go's RFC1123Z, for MissSchedule's message */
function rfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** `jobs` are the Jobs whose controller is this CronJob. */
export function planCronJob(cj: CronJob, jobs: Job[], nowDate: Date): CronJobPlan {
  const now = nowDate.getTime();
  const events: JobEvent[] = [];
  const prev = cj.status ?? {};
  const status: CronJobPlan['status'] = { ...prev };
  const plan: CronJobPlan = { remove: [], status, events };
  const byUid = new Map(jobs.map((j) => [j.metadata.uid, j]));

  // 1. The active list: finished jobs leave it, missing ones too, running ones it forgot join it.
  let active = [...(prev.active ?? [])];
  for (const job of jobs) {
    const done = jobFinishedType(job);
    const listed = active.some((r) => r.uid === job.metadata.uid);
    if (!done && !listed) active.push(jobRef(job));
    if (done && listed) {
      active = active.filter((r) => r.uid !== job.metadata.uid);
      events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job.metadata.name}, condition: ${done}` });
    }
    if (done === 'Complete' && job.status?.completionTime) {
      if (!status.lastSuccessfulTime || Date.parse(job.status.completionTime) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = job.status.completionTime;
    }
  }
  for (const ref of [...active]) {
    if (!byUid.has(ref.uid)) {
      active = active.filter((r) => r !== ref);
      events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` });
    }
  }
  status.active = active.length ? active : undefined;

  // 2. History: the oldest finished jobs beyond the limits go.
  const byStart = (a: Job, b: Job) => (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? '');
  for (const [type, limit] of [['Complete', cj.spec.successfulJobsHistoryLimit], ['Failed', cj.spec.failedJobsHistoryLimit]] as const) {
    if (limit === undefined) continue;
    const finished = jobs.filter((j) => jobFinishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStart);
    plan.remove.push(...finished.slice(0, Math.max(0, finished.length - limit)));
  }

  if (cj.metadata.deletionTimestamp) return plan;
  const tz = cj.spec.timeZone ?? 'UTC';
  if (cj.spec.timeZone !== undefined && !isValidTimeZone(cj.spec.timeZone)) {
    events.push({ type: 'Warning', reason: 'UnknownTimeZone', message: `invalid timeZone: "${cj.spec.timeZone}": unknown time zone ${cj.spec.timeZone}` });
    return plan;
  }
  let schedule;
  try {
    schedule = parseSchedule(cj.spec.schedule);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    events.push({ type: 'Warning', reason: 'UnparseableSchedule', message: `unparseable schedule: "${cj.spec.schedule}" : ${e.message}` });
    return plan;
  }
  const next = nextTime(schedule, now, tz);
  plan.requeueAfterMs = next === undefined ? undefined : next - now;
  if (cj.spec.suspend) return plan;

  // 3. The latest schedule missed since the last one run (or since creation), if still in time.
  let earliest = Date.parse(prev.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
  const sds = cj.spec.startingDeadlineSeconds;
  if (sds !== undefined && now - sds * 1000 > earliest) earliest = now - sds * 1000;
  const { mostRecent, missed } = mostRecentScheduleTime(schedule, earliest, now, tz);
  if (missed > 100) {
    events.push({ type: 'Warning', reason: 'TooManyMissedTimes', message: `too many missed start times: ${missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew` });
  }
  if (mostRecent === undefined) return plan;
  if (sds !== undefined && mostRecent + sds * 1000 < now) {
    events.push({ type: 'Warning', reason: 'MissSchedule', message: `Missed scheduled time to start a job: ${rfc1123z(mostRecent)}` });
    return plan;
  }
  const name = jobNameFor(cj, mostRecent);
  if (active.some((r) => r.name === name) || jobs.some((j) => j.metadata.name === name)) return plan;
  if (cj.spec.concurrencyPolicy === 'Forbid' && active.length) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return plan;
  }
  if (cj.spec.concurrencyPolicy === 'Replace') {
    for (const ref of active) {
      const job = byUid.get(ref.uid);
      if (job) plan.remove.push(job);
    }
    status.active = undefined;
  }
  plan.create = { job: jobFromTemplate(cj, mostRecent), scheduledTime: mostRecent };
  status.lastScheduleTime = rfc3339(mostRecent);
  return plan;
}
