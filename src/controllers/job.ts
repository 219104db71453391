// The Job controller (kube's pkg/controller/job): runs a job's pods to completion with the
// decisions of job-sync.ts, tracking every pod with the batch.kubernetes.io/job-tracking
// finalizer until it is counted, then releasing it.
import { JOB_TRACKING_FINALIZER } from '../api/kinds/job.js';
import type { Job, Pod } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf, objectKey, splitKey, type ControllerContext } from './context.js';
import { isJobFinished, planJob, podForJob, settleUncounted, withoutTrackingFinalizer, type JobEvent } from './job-sync.js';
import { QueueController } from './queue.js';

const COMPONENT = 'job-controller';
const notFound = (e: unknown) => (e as { code?: number }).code === 404;

export class JobController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('job', ctx.logger);
  }

  start(): void {
    const { jobs, pods } = this.ctx.informers;
    this.on(jobs, (_t, job) => this.queue.add(objectKey(job)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        const ref = p && controllerOf(p);
        if (ref?.kind === 'Job') this.queue.add(`${p!.metadata.namespace}/${ref.name}`);
      }
    });
    for (const job of jobs.list()) this.queue.add(objectKey(job));
    // pods of jobs deleted while the server was down still hold the finalizer
    for (const pod of pods.list()) {
      const ref = controllerOf(pod);
      if (ref?.kind === 'Job' && pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) this.queue.add(`${pod.metadata.namespace}/${ref.name}`);
    }
  }

  private ownedPods(ns: string, name: string, uid?: string): Pod[] {
    return this.ctx.informers.pods.list(ns).filter((p) => {
      const ref = controllerOf(p);
      return ref?.kind === 'Job' && ref.name === name && (uid === undefined || ref.uid === uid);
    });
  }

  private async release(pod: Pod): Promise<void> {
    if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) return;
    try {
      await this.ctx.client.update(withoutTrackingFinalizer(pod));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  }

  private record(job: Job, events: JobEvent[]): void {
    for (const e of events) this.ctx.events.record(job, e.type, e.reason, e.message, COMPONENT);
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const job = this.ctx.informers.jobs.get(ns, name);
    if (!job) {
      // the job is gone: its pods are no longer tracked (the garbage collector deletes them)
      for (const pod of this.ownedPods(ns, name)) await this.release(pod);
      return;
    }
    // pods of an earlier job of the same name are not this one's: release them too
    for (const pod of this.ownedPods(ns, name).filter((p) => controllerOf(p)!.uid !== job.metadata.uid)) await this.release(pod);

    const pods = this.ownedPods(ns, name, job.metadata.uid);
    const now = this.now();
    const plan = planJob(job, pods, now);
    this.record(job, plan.events);

    // 1. record newly terminated pods as uncounted, and the conditions, before touching the pods
    let current = job;
    if (!isJobFinished(job) && !deepEqual(plan.status, job.status ?? {})) {
      current = await this.ctx.client.updateStatus({ ...job, status: plan.status });
    }
    // 2. pods: delete (finalizer off first, as kube's deleteJobPods), release, create
    for (const pod of plan.remove) {
      await this.release(pod);
      try {
        await this.ctx.client.delete('Pod', ns, pod.metadata.name);
        this.ctx.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    }
    for (const pod of plan.release) await this.release(pod);
    for (const c of plan.create) {
      try {
        const pod = await this.ctx.client.create(podForJob(job, c.index, c.failureCount));
        this.ctx.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
      } catch (e) {
        this.ctx.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`, COMPONENT);
        throw e;
      }
    }
    if (isJobFinished(job)) return;

    // 3. what lost its finalizer is counted; a finish waits for nothing left to count or stop
    const stillTracked = new Set(
      this.ownedPods(ns, name, job.metadata.uid)
        .filter((p) => p.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER))
        .map((p) => p.metadata.uid!),
    );
    // (pods deleted just now count as terminating in the plan's status: the finish waits for them)
    const settled = settleUncounted(current, current.status ?? {}, stillTracked, now);
    if (!deepEqual(settled.status, current.status ?? {})) {
      await this.ctx.client.updateStatus({ ...current, status: settled.status });
      this.record(job, settled.events);
    }
    if (plan.requeueAfterMs !== undefined) this.queue.addAfter(key, plan.requeueAfterMs + 10);
  }
}
