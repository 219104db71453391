// The resource quota controller (pkg/controller/resourcequota): keeps each ResourceQuota's
// status.hard (a copy of spec.hard) and status.used (what the namespace's objects use of each of
// those resources, by the same evaluators admission charges with), recalculated when the quota or
// any object of its namespace changes, and every five minutes for what changes with time alone
// (a deleted pod stops counting once its grace period is overdue). kubectl get/describe quota
// print this status.
import { evaluatorFor, sumUsage } from '../api/admission/quota-evaluators.js';
import type { KubeObject } from '../api/kinds/kind.js';
import type { ResourceQuota } from '../api/kinds/resourcequota.js';
import { canonicalQuantity, formatQuantity, ZERO, type QuantityList } from '../api/quantity-exact.js';
import { RESOURCES } from '../api/resources.js';
import { deepEqual } from '../store/canonical.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';

/** kube-controller-manager's --resource-quota-sync-period default */
export const QUOTA_RESYNC_MS = 5 * 60 * 1000;

/** The kinds whose objects a quota can count: namespaced, and not Events (the quota plugin ignores them). */
const COUNTED = RESOURCES.filter((r) => r.namespaced && r.kind !== 'Event');

/**
 * Pure: the status a quota should have, given the objects of its namespace by kind. Every hard
 * resource some kind accounts for gets a used value ("0" when nothing uses it); a name no kind
 * accounts for (count/widgets.example.com) has none, as in kube.
 */
export function quotaStatus(quota: ResourceQuota, objectsOf: (kind: string) => readonly KubeObject[], now: Date): { hard: Record<string, string>; used: Record<string, string> } {
  const hardSpec = quota.spec?.hard ?? {};
  const names = Object.keys(hardSpec);
  const hard = Object.fromEntries(names.map((n) => [n, canonicalQuantity(hardSpec[n])]));
  const used: QuantityList = {};
  for (const r of COUNTED) {
    const evaluator = evaluatorFor(r.resource, r.group);
    const matching = evaluator.matchingResources(names);
    if (!matching.length) continue;
    const total = sumUsage(evaluator, objectsOf(r.kind), now);
    for (const n of matching) used[n] = total[n] ?? ZERO;
  }
  return { hard, used: Object.fromEntries(Object.keys(used).sort().map((n) => [n, formatQuantity(used[n])])) };
}

export class ResourceQuotaController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: { resyncMs?: number; now?: () => Date } = {},
  ) {
    super('resourcequota', ctx.logger);
  }

  start(): void {
    const { all } = this.ctx.informers;
    const quotas = all.get('ResourceQuota')!;
    const namespaceChanged = (_t: string, obj: KubeObject) => {
      for (const q of quotas.list(obj.metadata.namespace)) this.queue.add(objectKey(q));
    };
    for (const r of COUNTED) this.on(all.get(r.kind)!, namespaceChanged);
    for (const q of quotas.list()) this.queue.add(objectKey(q));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const quota = this.ctx.informers.all.get('ResourceQuota')!.get(ns, name) as ResourceQuota | undefined;
    if (!quota || quota.metadata.deletionTimestamp) return;
    const now = this.opts.now?.() ?? new Date();
    const status = quotaStatus(quota, (kind) => this.ctx.informers.all.get(kind)!.list(ns), now);
    this.queue.addAfter(key, this.opts.resyncMs ?? QUOTA_RESYNC_MS);
    if (deepEqual(quota.status?.hard ?? {}, status.hard) && deepEqual(quota.status?.used ?? {}, status.used)) return;
    await this.ctx.client.updateStatus<ResourceQuota>({ ...quota, status });
  }
}
