// The scheduler of a one-node cluster, as kube-scheduler's default profile decides for that node:
// a pod without spec.nodeName (and for the default scheduler) is bound to the node when the node
// takes it: not cordoned, its NoSchedule taints tolerated, the pod's host ports free, and the
// pod's requests within what the node's allocatable leaves after the pods already on it
// (scheduler-fit.ts), its node affinity, pod (anti-)affinity and topology spread constraints met
// (node-affinity.ts, inter-pod-affinity.ts); its PersistentVolumeClaims must allow it too
// (scheduler-volumes.ts).
// A pod that does not fit stays Pending with the condition PodScheduled=False, reason
// Unschedulable, and a FailedScheduling event in kube's words. Like kube's scheduling queue, it is
// tried again when something that could make it fit happens (a pod on the node deleted or
// finished, a pod bound or relabelled there for pods with pod affinity, a namespace relabelled,
// the Node changed, its own spec or claims changed), never sooner than its back-off
// (1 s doubling to 10 s), and at the latest after flushMs (kube: 5 minutes) anyway.
// Pods are decided one at a time, and a pod just bound counts on the node before the informer has
// seen the binding (kube's "assumed" pods), so two pods cannot both take the last of the node.
import type { PersistentVolumeClaim, Pod, PodCondition } from '../api/types.js';
import { ANN } from '../api/storage.js';
import { rfc3339 } from '../api/time.js';
import { deepEqual } from '../store/canonical.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';
import { filterNode, fitErrorMessage, NO_NODES_MESSAGE, occupies, preFilterMessage } from './scheduler-fit.js';
import { checkPodVolumes, claimNamesOf } from './scheduler-volumes.js';

export const DEFAULT_SCHEDULER = 'default-scheduler';

export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SchedulerOptions {
  clock?: SchedulerClock;
  /** an unschedulable pod is tried again after this long even if nothing happened (kube's podMaxInUnschedulablePodsDuration) */
  flushMs?: number;
}

/** kube's pod back-off: 1 s after the first failed attempt, doubling, at most 10 s. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 10_000);
}

/**
 * The pod's conditions with PodScheduled set as given (podutil.UpdatePodCondition), or undefined
 * when it already says so: lastTransitionTime moves only when the status does.
 */
export function withPodScheduled(conditions: readonly PodCondition[] | undefined, want: Pick<PodCondition, 'status' | 'reason' | 'message'>, now: Date): PodCondition[] | undefined {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === 'PodScheduled');
  if (prev && prev.status === want.status && prev.reason === want.reason && prev.message === want.message) return undefined;
  const next: PodCondition = { type: 'PodScheduled', status: want.status };
  if (want.reason) next.reason = want.reason;
  if (want.message) next.message = want.message;
  next.lastTransitionTime = prev && prev.status === want.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  return prev ? list.map((c) => (c === prev ? next : c)) : [...list, next];
}

interface Waiting {
  attempts: number;
  /** when it was last tried (clock ms) */
  last: number;
  timer?: unknown;
}

export class Scheduler extends QueueController {
  private readonly clock: SchedulerClock;
  private readonly flushMs: number;
  /** unschedulable pods by key, waiting for a reason to try again */
  private readonly waiting = new Map<string, Waiting>();
  /** pods this scheduler bound that the informer has not shown bound yet */
  private readonly assumed = new Map<string, Pod>();
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly nodeName: string,
    opts: SchedulerOptions = {},
  ) {
    super('scheduler', ctx.logger);
    this.clock = opts.clock ?? realClock;
    this.flushMs = opts.flushMs ?? 5 * 60_000;
  }

  start(): void {
    const { pods, nodes, persistentVolumeClaims } = this.ctx.informers;
    this.on(pods, (type, pod, old) => {
      const key = objectKey(pod);
      if (type === 'DELETED' || pod.spec.nodeName) {
        this.assumed.delete(key);
        this.forget(key);
        // a pod leaving the node, or finishing on it, frees its share of it
        const freed = type === 'DELETED' ? occupies(pod, this.nodeName) : !!old && occupies(old, this.nodeName) && !occupies(pod, this.nodeName);
        if (freed) this.retryWaiting();
        else if (type !== 'DELETED' && occupies(pod, this.nodeName)) {
          // a pod arriving on the node is what a pod with pod affinity waits for; one relabelled
          // there may match, or stop matching, anybody's terms
          if (!old || !occupies(old, this.nodeName)) this.retryWaiting(hasPodAffinity);
          else if (!deepEqual(old.metadata.labels, pod.metadata.labels)) this.retryWaiting();
        }
        return;
      }
      if (!this.isOurs(pod)) return;
      const w = this.waiting.get(key);
      // an unschedulable pod's own status writes (ours) are no reason to try again; a new spec is
      if (w && old && deepEqual(old.spec, pod.spec)) return;
      if (w) this.retryAfterBackoff(key, w);
      else this.queue.add(key);
    });
    this.on(nodes, (type, node, old) => {
      if (node.metadata.name !== this.nodeName || type === 'DELETED') return;
      // heartbeats change nothing a pod's fit depends on
      if (type === 'MODIFIED' && old && deepEqual(old.spec, node.spec) && deepEqual(old.status?.allocatable, node.status?.allocatable)) return;
      this.retryWaiting();
    });
    // a namespace's labels are what pod affinity terms' namespaceSelector matches
    this.on(this.ctx.informers.namespaces, (_t, ns, old) => {
      if (!old || !deepEqual(old.metadata.labels, ns.metadata.labels)) this.retryWaiting();
    });
    // a claim that binds (or appears) may let a waiting pod through
    this.on(persistentVolumeClaims, (_t, claim) => {
      for (const pod of pods.list(claim.metadata.namespace)) {
        if (!unbound(pod) || !claimNamesOf(pod).includes(claim.metadata.name)) continue;
        const key = objectKey(pod);
        const w = this.waiting.get(key);
        if (w) this.retryAfterBackoff(key, w);
        else this.queue.add(key);
      }
    });
    for (const pod of pods.list()) if (unbound(pod) && this.isOurs(pod)) this.queue.add(objectKey(pod));
  }

  override stop(): void {
    super.stop();
    for (const key of [...this.waiting.keys()]) this.forget(key);
  }

  /** A pod for another scheduler (spec.schedulerName) is left to it, as kube-scheduler does. */
  private isOurs(pod: Pod): boolean {
    return (pod.spec.schedulerName ?? DEFAULT_SCHEDULER) === DEFAULT_SCHEDULER;
  }

  /** One pod at a time: a decision must see the bindings before it. */
  protected sync(key: string): Promise<void> {
    const run = this.turn.then(() => this.schedule(key));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async schedule(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const { pods, nodes, persistentVolumeClaims, storageClasses } = this.ctx.informers;
    const pod = pods.get(ns, name);
    if (!pod || !unbound(pod) || !this.isOurs(pod)) {
      this.forget(key);
      return;
    }
    const node = nodes.get(undefined, this.nodeName);
    if (!node) return this.unschedulable(key, pod, NO_NODES_MESSAGE);
    const preFilter = preFilterMessage(pod);
    if (preFilter) return this.unschedulable(key, pod, preFilter);
    const volumes = checkPodVolumes(pod, (claim) => persistentVolumeClaims.get(ns, claim), storageClasses.list(), this.nodeName);
    if (!volumes.ok && volumes.message) return this.unschedulable(key, pod, volumes.message);
    const nsLabels = (namespace: string) => this.ctx.informers.namespaces.get(undefined, namespace)?.metadata.labels;
    const failure = filterNode(pod, node, this.podsOnNode(key), nsLabels);
    if (failure) return this.unschedulable(key, pod, fitErrorMessage([failure]));
    if (!volumes.ok) {
      // WaitForFirstConsumer: tell the claims the node; their binding queues the pod again
      for (const claim of volumes.select) {
        const annotations = { ...claim.metadata.annotations, [ANN.selectedNode]: this.nodeName };
        await this.ctx.client.update<PersistentVolumeClaim>({ ...claim, metadata: { ...claim.metadata, annotations } });
      }
      return;
    }
    const bound = await this.ctx.client.update<Pod>({ ...pod, spec: { ...pod.spec, nodeName: this.nodeName } });
    this.assumed.set(key, bound);
    this.forget(key);
    this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${this.nodeName}`, DEFAULT_SCHEDULER);
    // The binding subresource sets PodScheduled=True with the node; here it replaces a False left
    // by earlier attempts, so the pod does not say Unschedulable until the node agent reports.
    const conditions = bound.status?.conditions?.some((c) => c.type === 'PodScheduled') ? withPodScheduled(bound.status?.conditions, { status: 'True' }, new Date(this.clock.now())) : undefined;
    if (conditions) await this.ctx.client.updateStatus<Pod>({ ...bound, status: { ...bound.status, conditions } }).catch(() => undefined);
  }

  /** The pods that occupy the node, with those just bound here that the informer has not caught up with. */
  private podsOnNode(except: string): Pod[] {
    const pods = this.ctx.informers.pods;
    const out = pods.list().filter((p) => occupies(p, this.nodeName) && objectKey(p) !== except);
    for (const [key, p] of this.assumed) {
      const [ns, name] = splitKey(key);
      if (key !== except && pods.get(ns, name) && !pods.get(ns, name)!.spec.nodeName && occupies(p, this.nodeName)) out.push(p);
    }
    return out;
  }

  private async unschedulable(key: string, pod: Pod, message: string): Promise<void> {
    const w = this.waiting.get(key) ?? { attempts: 0, last: 0 };
    w.attempts++;
    w.last = this.clock.now();
    this.waiting.set(key, w);
    this.after(key, w, this.flushMs);
    this.ctx.logger.debug({ pod: key, message }, 'pod is unschedulable');
    this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, DEFAULT_SCHEDULER);
    const conditions = withPodScheduled(pod.status?.conditions, { status: 'False', reason: 'Unschedulable', message }, new Date(w.last));
    if (conditions) await this.ctx.client.updateStatus<Pod>({ ...pod, status: { ...pod.status, conditions } });
  }

  /** Something changed that could make the waiting pods (those `which` picks) fit: each is tried once its back-off is over. */
  private retryWaiting(which?: (pod: Pod) => boolean): void {
    for (const [key, w] of this.waiting) {
      const [ns, name] = splitKey(key);
      const pod = which && this.ctx.informers.pods.get(ns, name);
      if (!which || (pod && which(pod))) this.retryAfterBackoff(key, w);
    }
  }

  private retryAfterBackoff(key: string, w: Waiting): void {
    this.after(key, w, Math.max(0, w.last + backoffMs(w.attempts) - this.clock.now()));
  }

  /** (Re)arms the pod's one timer: it is queued in ms. */
  private after(key: string, w: Waiting, ms: number): void {
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    w.timer = this.clock.setTimeout(() => {
      w.timer = undefined;
      this.queue.add(key);
    }, ms);
  }

  private forget(key: string): void {
    const w = this.waiting.get(key);
    if (w?.timer !== undefined) this.clock.clearTimeout(w.timer);
    this.waiting.delete(key);
  }
}

/** A pod whose fit depends on the pods on the node: required pod affinity (anti-affinity only ever gets worse with more pods). */
function hasPodAffinity(pod: Pod): boolean {
  return !!pod.spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

/** A pod to bind: no node yet, and not being deleted (the scheduler skips those, as kube's does). */
function unbound(pod: Pod): boolean {
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp;
}
