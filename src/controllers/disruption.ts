// The disruption controller (kube-controller-manager's pkg/controller/disruption): keeps each
// PodDisruptionBudget's status (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed,
// disruptedPods, observedGeneration, the DisruptionAllowed condition) from the pods it selects and
// their controllers' scale, so the eviction handler can spend disruptionsAllowed. A budget is
// synced when it or a pod it selects changes, and again when an awaited eviction (disruptedPods)
// expires. A budget that cannot be computed allows no disruption (SyncFailed), as kube's failSafe.
// Decisions are disruption-budget.ts's and disruption-finders.ts's; this file reads and writes.
import type { LabelSelector, Pod, PodDisruptionBudget } from '../api/types.js';
import { objectKey, splitKey, type ControllerContext } from './context.js';
import { buildDisruptedPodMap, countHealthyPods, expectedPodCount, failSafeStatus, nextStatus, selectsPod } from './disruption-budget.js';
import { scaleFinder, type Lookup } from './disruption-finders.js';
import { QueueController } from './queue.js';

const COMPONENT = 'controllermanager';

export class DisruptionController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('disruption', ctx.logger);
  }

  start(): void {
    const { podDisruptionBudgets: pdbs, pods } = this.ctx.informers;
    this.on(pdbs, (_t, pdb) => this.queue.add(objectKey(pdb)));
    this.on(pods, (_t, pod, old) => {
      // the budgets the pod is in now, and those it was in before a label change
      for (const p of old ? [pod, old] : [pod]) for (const pdb of this.budgetsOf(p)) this.queue.add(objectKey(pdb));
    });
    for (const pdb of pdbs.list()) this.queue.add(objectKey(pdb));
  }

  private budgetsOf(pod: Pod): PodDisruptionBudget[] {
    return this.ctx.informers.podDisruptionBudgets.list(pod.metadata.namespace).filter((pdb) => selectsPod(pdb, pod));
  }

  private readonly lookup: Lookup = (kind, ns, name) => this.ctx.informers.all.get(kind)?.get(ns, name);

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const pdb = this.ctx.informers.podDisruptionBudgets.get(ns, name);
    if (!pdb) return;
    const now = this.now();
    try {
      await this.trySync(key, pdb, now);
    } catch (e) {
      // a conflict is retried as it is; anything else first takes the budget to zero
      if ((e as { code?: number }).code === 409) throw e;
      this.ctx.logger.warn({ pdb: key, err: (e as Error).message }, 'failed to sync PodDisruptionBudget');
      await this.ctx.client.updateStatus<PodDisruptionBudget>({ ...pdb, status: failSafeStatus(pdb, (e as Error).message, now) });
      throw e;
    }
  }

  private async trySync(key: string, pdb: PodDisruptionBudget, now: Date): Promise<void> {
    const pods = this.ctx.informers.pods.list(pdb.metadata.namespace).filter((p) => selectsPod(pdb, p));
    if (pods.length === 0) this.ctx.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found', COMPONENT);
    let expected;
    try {
      expected = expectedPodCount(pdb, pods, scaleFinder(this.lookup));
    } catch (e) {
      this.ctx.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(e as Error).message}`, COMPONENT);
      throw e;
    }
    if (expected.unmanagedPods.length) {
      this.ctx.events.record(
        pdb,
        'Warning',
        'UnmanagedPods',
        'Pods selected by this PodDisruptionBudget (selector: ' +
          goSelector(pdb.spec?.selector) +
          ') were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
        COMPONENT,
      );
    }
    const { disruptedPods, recheckAt, notDeleted } = buildDisruptedPodMap(pods, pdb, now);
    for (const pod of notDeleted) {
      // kube's message names the namespace twice (pdb.Namespace, pdb.Namespace): kept as it is
      this.ctx.events.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.namespace} to be deleted but it wasn't`, COMPONENT);
    }
    const currentHealthy = countHealthyPods(pods, disruptedPods, now);
    const status = nextStatus(pdb, { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedCount: expected.expectedCount, disruptedPods }, now);
    if (status) await this.ctx.client.updateStatus<PodDisruptionBudget>({ ...pdb, status });
    if (recheckAt) this.queue.addAfter(key, Math.max(0, recheckAt.getTime() - now.getTime()) + 50);
  }
}

/** A *metav1.LabelSelector as Go's %v prints it (its generated String()), for kube's event text. */
export function goSelector(sel: LabelSelector | undefined): string {
  if (!sel) return 'nil';
  const labels = Object.keys(sel.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${sel.matchLabels![k]},`)
    .join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
