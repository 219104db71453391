// The TTL-after-finished controller (kube's pkg/controller/ttlafterfinished): a finished Job
// (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted that many seconds after it
// finished, its pods with it (the garbage collector's cascade).
import type { Job } from '../api/types.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';

/** When the job finished: the Complete/Failed condition's transition (completionTime for Complete). */
export function finishTime(job: Job): number | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** Pure: undefined (nothing to do), 0 (delete now) or the ms left until it expires. */
export function ttlRemaining(job: Job, now: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata.deletionTimestamp) return undefined;
  const finished = finishTime(job);
  if (finished === undefined) return undefined;
  return Math.max(0, finished + ttl * 1000 - now);
}

export class TTLAfterFinishedController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('ttl-after-finished', ctx.logger);
  }

  start(): void {
    const { jobs } = this.ctx.informers;
    this.on(jobs, (type, job) => {
      if (type !== 'DELETED') this.queue.add(objectKey(job));
    });
    for (const job of jobs.list()) this.queue.add(objectKey(job));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const job = this.ctx.informers.jobs.get(ns, name);
    if (!job) return;
    const left = ttlRemaining(job, this.now().getTime());
    if (left === undefined) return;
    if (left > 0) {
      this.queue.addAfter(key, left + 10);
      return;
    }
    try {
      // kube deletes with propagationPolicy Foreground; k1s' garbage collector cascades in the background
      await this.ctx.client.delete('Job', ns, name, { preconditions: { uid: job.metadata.uid } });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
  }
}
