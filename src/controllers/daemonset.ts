// The DaemonSet controller (pkg/controller/daemon): one pod of the template on every node that
// should run it (shouldRun). As kube's since ScheduleDaemonSetPods (1.12), it does not bind the
// pod itself: the pod's required node affinity names the node (`matchFields metadata.name In
// [node]`) and the default scheduler binds it there, after its resource and port checks; a pod's
// node is its spec.nodeName once bound, that affinity while Pending. Rolling updates and status; the template's revisions as
// ControllerRevisions, pods labelled with the revision's hash.
import { randomNameSuffix } from '../api/names.js';
import { fromLabelSelector, matches } from '../api/labels.js';
import type { ControllerRevision, DaemonSet, Pod } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf, controllerRef, objectKey, splitKey, type ControllerContext } from './context.js';
import { daemonTolerations, planNode, shouldRun, updateBudget } from './daemonset-plan.js';
import { planUpdateRevision, REVISION_HASH_LABEL, revisionsToPrune } from './history.js';
import { QueueController } from './queue.js';
import { isAvailable } from './statefulset-plan.js';
import { targetNodeName, withDaemonNodeAffinity } from './node-affinity.js';

const COMPONENT = 'daemonset-controller';

/** NewPod + the controller's additions: the node affinity, the default tolerations, the hash and generation labels. */
export function daemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const tpl = ds.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${ds.metadata.name}-${randomNameSuffix()}`,
      namespace: ds.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
      annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
      ownerReferences: [controllerRef(ds)],
    },
    // for the default scheduler to bind to its node (the controller has checked that the node admits it)
    spec: { ...structuredClone(tpl.spec), affinity: withDaemonNodeAffinity(tpl.spec.affinity, nodeName), tolerations: daemonTolerations(ds) },
  };
}

export class DaemonSetController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('daemonset', ctx.logger);
  }

  start(): void {
    const { pods, nodes, daemonSets, controllerRevisions } = this.ctx.informers;
    this.on(daemonSets, (_t, ds) => this.queue.add(objectKey(ds)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        const ref = p && controllerOf(p);
        if (ref?.kind === 'DaemonSet') this.queue.add(`${p!.metadata.namespace}/${ref.name}`);
      }
    });
    // a node's labels or taints changed: every set may want to run there, or not
    this.on(nodes, () => daemonSets.list().forEach((ds) => this.queue.add(objectKey(ds))));
    this.on(controllerRevisions, (_t, r) => {
      const ref = controllerOf(r);
      if (ref?.kind === 'DaemonSet') this.queue.add(`${r.metadata.namespace}/${ref.name}`);
    });
    for (const ds of daemonSets.list()) this.queue.add(objectKey(ds));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const { client, events, informers } = this.ctx;
    const ds = informers.daemonSets.get(ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const now = this.now();
    const selector = fromLabelSelector(ds.spec.selector);
    const pods = informers.pods.list(ns).filter((p) => controllerOf(p)?.uid === ds.metadata.uid && matches(selector, p.metadata.labels ?? {}));

    // revisions: the current template's, made or renumbered as needed
    const owned = (r: ControllerRevision) => controllerOf(r)?.uid === ds.metadata.uid;
    const revisions = informers.controllerRevisions.list(ns).filter(owned);
    const revPlan = planUpdateRevision(ds, revisions, ds.status?.collisionCount);
    let current = revPlan.update;
    if (revPlan.action === 'renumber') current = await client.update(current);
    if (revPlan.action === 'create') current = await client.create(current);
    const hash = current.metadata.labels![REVISION_HASH_LABEL];

    const minReady = ds.spec.minReadySeconds ?? 0;
    const nodes = informers.nodes.list();
    const podsOn = (node: string) => pods.filter((p) => targetNodeName(p) === node);
    const runs = new Map(nodes.map((n) => [n.metadata.name, shouldRun(ds, n)]));
    const desired = [...runs.values()].filter(Boolean).length;
    const availableOn = (node: string) => podsOn(node).some((p) => !p.metadata.deletionTimestamp && isAvailable(p, minReady, now));
    const unavailableNodes = nodes.filter((n) => runs.get(n.metadata.name) && !availableOn(n.metadata.name)).length;
    const budget = updateBudget(ds, desired, unavailableNodes);
    const surging = nodes.filter((n) => {
      const live = podsOn(n.metadata.name).filter((p) => !p.metadata.deletionTimestamp);
      return live.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash) && live.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] !== hash);
    }).length;
    budget.surge = Math.max(0, budget.surge - surging);

    const removed = new Set<Pod>();
    for (const node of nodes) {
      const nodeName = node.metadata.name;
      const step = planNode(ds, runs.get(nodeName)!, podsOn(nodeName), hash, budget, now);
      if (step.create) {
        const pod = await client.create(daemonPod(ds, nodeName, hash));
        events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, COMPONENT);
      }
      for (const pod of step.remove) {
        await client.delete('Pod', ns, pod.metadata.name).catch((e) => {
          if ((e as { code?: number }).code !== 404) throw e;
        });
        removed.add(pod);
        events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, COMPONENT);
      }
    }
    // pods for a node that is not there (any more) are misscheduled too
    for (const pod of pods) {
      if (!pod.metadata.deletionTimestamp && !runs.has(targetNodeName(pod) ?? '') && !removed.has(pod)) {
        await client.delete('Pod', ns, pod.metadata.name).catch(() => {});
        removed.add(pod);
      }
    }

    // status, over the pods as they were at the start of this sync (the next event refreshes it)
    let current_ = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
    for (const node of nodes) {
      const live = podsOn(node.metadata.name).filter((p) => !p.metadata.deletionTimestamp);
      if (!live.length) continue;
      if (!runs.get(node.metadata.name)) {
        misscheduled++;
        continue;
      }
      current_++;
      if (live.some((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) ready++;
      if (live.some((p) => isAvailable(p, minReady, now))) available++;
      if (live.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash)) updated++;
    }
    const status: DaemonSet['status'] = {
      currentNumberScheduled: current_,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
      ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    };
    if (!deepEqual(status, ds.status)) await client.updateStatus({ ...ds, status });

    for (const r of revisionsToPrune([...revisions.filter((r) => r.metadata.name !== current.metadata.name), current], pods, [current.metadata.name], ds.spec.revisionHistoryLimit ?? 10)) {
      await client.delete('ControllerRevision', ns, r.metadata.name).catch(() => {});
    }
    if (minReady && ready > available) this.queue.addAfter(key, minReady * 1000);
  }
}
