// The CronJob controller (kube's pkg/controller/cronjob, v2): starts the Jobs of a CronJob's
// schedule with the decisions of cronjob-sync.ts, and wakes up at the next scheduled time. After a
// server restart the missed schedules are found from status.lastScheduleTime: at most one runs.
import type { CronJob, Job } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf, objectKey, splitKey, type ControllerContext } from './context.js';
import { jobRef, planCronJob } from './cronjob-sync.js';
import { QueueController } from './queue.js';

const COMPONENT = 'cronjob-controller';
const code = (e: unknown) => (e as { code?: number }).code;

export class CronJobController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('cronjob', ctx.logger);
  }

  start(): void {
    const { cronJobs, jobs } = this.ctx.informers;
    this.on(cronJobs, (type, cj) => {
      if (type !== 'DELETED') this.queue.add(objectKey(cj));
    });
    this.on(jobs, (_t, job, old) => {
      for (const j of [job, old]) {
        const ref = j && controllerOf(j);
        if (ref?.kind === 'CronJob') this.queue.add(`${j!.metadata.namespace}/${ref.name}`);
      }
    });
    for (const cj of cronJobs.list()) this.queue.add(objectKey(cj));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const cj = this.ctx.informers.cronJobs.get(ns, name);
    if (!cj) return;
    const jobs = this.ctx.informers.jobs.list(ns).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const plan = planCronJob(cj, jobs, this.now());
    for (const e of plan.events) this.ctx.events.record(cj, e.type, e.reason, e.message, COMPONENT);

    for (const job of plan.remove) {
      try {
        await this.ctx.client.delete('Job', ns, job.metadata.name, { propagationPolicy: 'Background' });
        this.ctx.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`, COMPONENT);
      } catch (e) {
        if (code(e) !== 404) throw e;
      }
    }
    const status = plan.status;
    if (plan.create) {
      let created: Job | undefined;
      try {
        created = await this.ctx.client.create(plan.create.job);
        this.ctx.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`, COMPONENT);
      } catch (e) {
        if (code(e) !== 409) {
          this.ctx.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`, COMPONENT);
          throw e;
        }
        // made by an earlier sync whose status write was lost: ours if we own it
        const existing = this.ctx.informers.jobs.get(ns, plan.create.job.metadata.name);
        if (existing && controllerOf(existing)?.uid === cj.metadata.uid) created = existing;
        else status.lastScheduleTime = cj.status?.lastScheduleTime;
      }
      if (created) status.active = [...(status.active ?? []), jobRef(created)];
    }
    if (!deepEqual(status, cj.status ?? {})) await this.ctx.client.updateStatus<CronJob>({ ...cj, status });
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs + 100);
  }
}
