// The StatefulSet controller (pkg/controller/statefulset): keeps a set's revisions
// (ControllerRevisions), its claims (one PersistentVolumeClaim per claim template and ordinal,
// <template>-<set>-<ordinal>) and its pods (<set>-<ordinal>, hostname and subdomain giving them
// a DNS name under the governing Service), as statefulset-plan.ts decides, and its status.
import { fromLabelSelector, matches } from '../api/labels.js';
import type { ControllerRevision, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet } from '../api/types.js';
import { templateWithClaims } from '../api/kinds/statefulset.js';
import { deepEqual } from '../store/canonical.js';
import { controllerOf, controllerRef, objectKey, splitKey, type ControllerContext } from './context.js';
import { planUpdateRevision, REVISION_HASH_LABEL, revisionsToPrune, templateOf } from './history.js';
import { QueueController } from './queue.js';
import { ordinalOf, plan, POD_INDEX_LABEL, POD_NAME_LABEL, podName, statusCounts } from './statefulset-plan.js';

const COMPONENT = 'statefulset-controller';

export const claimName = (template: string, setName: string, ordinal: number) => `${template}-${setName}-${ordinal}`;

/** newStatefulSetPod: the pod of one ordinal, from a template (the current or the update revision's). */
export function statefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = podName(set.metadata.name, ordinal);
  const tpl = templateWithClaims({ ...set, spec: { ...set.spec, template } }, (t) => claimName(t, set.metadata.name, ordinal));
  const spec = tpl.spec;
  // identity: the hostname is the pod's name, the subdomain the governing Service (updateIdentity)
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revision },
      annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
      ownerReferences: [controllerRef(set)],
    },
    spec,
  };
}

/** The claims of one ordinal, as getPersistentVolumeClaims makes them. */
export function statefulSetClaims(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const selectorLabels = set.spec.selector.matchLabels ?? {};
  return (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t.metadata.name!, set.metadata.name, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata.labels ?? {}), ...selectorLabels },
      annotations: t.metadata.annotations ? { ...t.metadata.annotations } : undefined,
      // whenDeleted: Delete makes the set the claim's owner, so that deleting the set removes it
      ownerReferences: set.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete' ? [controllerRef(set)] : undefined,
    },
    spec: structuredClone(t.spec),
  }));
}

export class StatefulSetController extends QueueController {
  constructor(
    private readonly ctx: ControllerContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    super('statefulset', ctx.logger);
  }

  private get sets() {
    return this.ctx.informers.statefulSets;
  }
  private get revisions() {
    return this.ctx.informers.controllerRevisions;
  }

  start(): void {
    const { pods } = this.ctx.informers;
    this.on(this.sets, (_t, s) => this.queue.add(objectKey(s)));
    this.on(pods, (_t, pod, old) => {
      for (const p of [pod, old]) {
        const ref = p && controllerOf(p);
        if (ref?.kind === 'StatefulSet') this.queue.add(`${p!.metadata.namespace}/${ref.name}`);
      }
    });
    this.on(this.revisions, (_t, r) => {
      const ref = controllerOf(r);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${r.metadata.namespace}/${ref.name}`);
    });
    for (const s of this.sets.list()) this.queue.add(objectKey(s));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const set = this.sets.get(ns, name);
    if (!set || set.metadata.deletionTimestamp) return; // the garbage collector removes its pods
    const now = this.now();
    const { client, events } = this.ctx;
    const selector = fromLabelSelector(set.spec.selector);
    const pods = this.ctx.informers.pods
      .list(ns)
      .filter((p) => controllerOf(p)?.uid === set.metadata.uid && matches(selector, p.metadata.labels ?? {}) && ordinalOf(name, p.metadata.name) !== undefined);
    const owned = (r: ControllerRevision) => controllerOf(r)?.uid === set.metadata.uid;
    let revisions = this.revisions.list(ns).filter(owned);

    // the update revision: the template as it is now
    let collisionCount = set.status?.collisionCount ?? 0;
    const revPlan = planUpdateRevision(set, revisions, collisionCount);
    let update = revPlan.update;
    if (revPlan.action === 'renumber') update = await client.update(update);
    if (revPlan.action === 'create') {
      try {
        update = await client.create(update);
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
        // a revision of that name with other data: a hash collision; the next name differs
        collisionCount++;
        await client.updateStatus({ ...set, status: { ...(set.status ?? { replicas: 0 }), collisionCount } });
        return;
      }
    }
    revisions = [...revisions.filter((r) => r.metadata.name !== update.metadata.name), update];
    const currentName = set.status?.currentRevision && revisions.some((r) => r.metadata.name === set.status!.currentRevision) ? set.status.currentRevision : update.metadata.name;
    const current = revisions.find((r) => r.metadata.name === currentName)!;
    const updateName = update.metadata.name;

    const decision = plan({ set, pods, currentRevision: currentName, updateRevision: updateName, now });
    for (const { ordinal, revision } of decision.create) {
      await this.createClaims(set, ordinal);
      const template = revision === 'current' ? (templateOf(current) ?? set.spec.template) : set.spec.template;
      const pod = await client.create(statefulSetPod(set, template, ordinal, revision === 'current' ? currentName : updateName));
      events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata.name} in StatefulSet ${name} successful`, COMPONENT);
    }
    for (const { pod, why } of decision.remove) {
      await client.delete('Pod', ns, pod.metadata.name).catch((e) => {
        if ((e as { code?: number }).code !== 404) throw e;
      });
      events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`, COMPONENT);
      if (why === 'condemned' && set.spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') await this.releaseClaims(set, pod);
    }

    // status; a rolling update is complete when every pod is updated and ready
    const counts = statusCounts(pods.filter((p) => !decision.remove.some((r) => r.pod === p)), currentName, updateName, set.spec.minReadySeconds ?? 0, now);
    let currentRevision = currentName;
    let currentReplicas = counts.currentReplicas;
    const replicas = set.spec.replicas ?? 1;
    if (set.spec.updateStrategy?.type !== 'OnDelete' && counts.updatedReplicas === replicas && counts.readyReplicas === replicas && counts.replicas === replicas) {
      currentRevision = updateName;
      currentReplicas = counts.updatedReplicas;
    }
    const status: StatefulSet['status'] = {
      observedGeneration: set.metadata.generation,
      replicas: counts.replicas,
      readyReplicas: counts.readyReplicas,
      currentReplicas,
      updatedReplicas: counts.updatedReplicas,
      availableReplicas: counts.availableReplicas,
      currentRevision,
      updateRevision: updateName,
      collisionCount,
    };
    if (!deepEqual(status, set.status)) await client.updateStatus({ ...set, status });

    // history: keep revisionHistoryLimit revisions besides the ones in use
    for (const r of revisionsToPrune(revisions, pods, [currentRevision, updateName], set.spec.revisionHistoryLimit ?? 10)) {
      await client.delete('ControllerRevision', ns, r.metadata.name).catch(() => {});
    }
    if (decision.waiting) this.ctx.logger.debug({ statefulset: key, waiting: decision.waiting }, 'StatefulSet is waiting');
    // minReadySeconds: look again once the pods become available
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady && counts.readyReplicas > counts.availableReplicas) this.queue.addAfter(key, minReady * 1000);
  }

  private async createClaims(set: StatefulSet, ordinal: number): Promise<void> {
    const pvcs = this.ctx.informers.persistentVolumeClaims;
    for (const claim of statefulSetClaims(set, ordinal)) {
      if (pvcs.get(claim.metadata.namespace, claim.metadata.name)) continue;
      try {
        await this.ctx.client.create(claim);
        this.ctx.events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${podName(set.metadata.name, ordinal)} in StatefulSet ${set.metadata.name} success`, COMPONENT);
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e; // made meanwhile: fine
      }
    }
  }

  /** whenScaled: Delete: the condemned pod becomes its claims' owner, so they go with it. */
  private async releaseClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const ordinal = ordinalOf(set.metadata.name, pod.metadata.name)!;
    for (const claim of statefulSetClaims(set, ordinal)) {
      const stored = this.ctx.informers.persistentVolumeClaims.get(claim.metadata.namespace, claim.metadata.name);
      if (!stored || !pod.metadata.uid) continue;
      const refs = (stored.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid);
      if (refs.some((r) => r.uid === pod.metadata.uid)) continue;
      refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid });
      await this.ctx.client.update({ ...stored, metadata: { ...stored.metadata, ownerReferences: refs } });
    }
  }
}

