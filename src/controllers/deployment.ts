// The Deployment controller (first cut): one ReplicaSet per pod template, named
// <deployment>-<pod-template-hash>. The ReplicaSet of the current template gets spec.replicas;
// every older one is scaled to 0 once the new one is available. Rolling updates
// (maxSurge/maxUnavailable) come later.
import { createHash } from 'node:crypto';
import { NAME_ALPHABET } from '../api/names.js';
import type { Deployment, DeploymentCondition, ReplicaSet } from '../api/types.js';
import { canonicalJSON, deepEqual } from '../store/canonical.js';
import { controllerOf, controllerRef, objectKey, splitKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';
import { rfc3339 } from '../api/time.js';

/** Pure: a short, stable hash of a pod template (the pod-template-hash label's value). */
export function podTemplateHash(template: Deployment['spec']['template']): string {
  const digest = createHash('sha256').update(canonicalJSON(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
}

/** The revision annotation on ReplicaSets and their Deployment (what `kubectl rollout history` lists). */
export const REVISION = 'deployment.kubernetes.io/revision';

export function newReplicaSet(d: Deployment, hash: string): ReplicaSet {
  const tpl = structuredClone(d.spec.template);
  tpl.metadata = { ...tpl.metadata, labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: tpl.metadata.labels,
      annotations: { [REVISION]: '1' },
      ownerReferences: [controllerRef(d)],
    },
    spec: {
      replicas: d.spec.replicas ?? 1,
      minReadySeconds: d.spec.minReadySeconds,
      selector: {
        ...d.spec.selector,
        matchLabels: { ...(d.spec.selector.matchLabels ?? {}), 'pod-template-hash': hash },
      },
      template: tpl,
    },
  };
}

/** Pure: the Deployment's status from its ReplicaSets. */
export function deploymentStatus(d: Deployment, current: ReplicaSet | undefined, all: ReplicaSet[], previous?: Deployment['status'], now = new Date()): Deployment['status'] {
  const sum = (f: (rs: ReplicaSet) => number | undefined) => all.reduce((n, rs) => n + (f(rs) ?? 0), 0);
  const desired = d.spec.replicas ?? 1;
  const available = sum((rs) => rs.status?.availableReplicas);
  const updated = current?.status?.replicas ?? 0;
  const replicas = sum((rs) => rs.status?.replicas);
  const ts = rfc3339(now);
  const cond = (type: DeploymentCondition['type'], ok: boolean, reason: string, message: string): DeploymentCondition => {
    const old = previous?.conditions?.find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const same = old && old.status === status && old.reason === reason && old.message === message;
    return same ? old : { type, status, reason, message, lastUpdateTime: ts, lastTransitionTime: old?.status === status ? old.lastTransitionTime : ts };
  };
  const rsName = current?.metadata.name ?? d.metadata.name;
  const complete = updated === desired && replicas === desired && available === desired;
  return {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(desired - available, 0) || undefined,
    conditions: [
      available >= desired
        ? cond('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : cond('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      complete
        ? cond('Progressing', true, 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
        : cond('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
    ],
  };
}

export class DeploymentController extends QueueController {
  constructor(private readonly ctx: ControllerContext) {
    super('deployment', ctx.logger);
  }

  start(): void {
    const { deployments, replicaSets } = this.ctx.informers;
    this.on(deployments, (_t, d) => this.queue.add(objectKey(d)));
    this.on(replicaSets, (_t, rs) => {
      const ref = controllerOf(rs);
      if (ref?.kind === 'Deployment') this.queue.add(`${rs.metadata.namespace}/${ref.name}`);
    });
    for (const d of deployments.list()) this.queue.add(objectKey(d));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const d = this.ctx.informers.deployments.get(ns, name);
    if (!d) return;
    const owned = this.ctx.informers.replicaSets.list(ns).filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
    const hash = podTemplateHash(d.spec.template);
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const desired = d.spec.replicas ?? 1;

    const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
    const maxOld = Math.max(0, ...owned.filter((rs) => rs !== current).map(revisionOf));

    if (!current && d.spec.paused) {
      // A paused Deployment rolls nothing out: the template change waits for `rollout resume`.
      current = owned.reduce<ReplicaSet | undefined>((a, rs) => (!a || revisionOf(rs) > revisionOf(a) ? rs : a), undefined);
      if (!current) return;
    } else if (!current) {
      const rs = newReplicaSet(d, hash);
      rs.metadata.annotations![REVISION] = String(maxOld + 1);
      current = await this.ctx.client.create(rs);
      this.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to ${desired}`, 'deployment-controller');
    } else if (revisionOf(current) <= maxOld) {
      // An old template back in use (`rollout undo`) becomes the newest revision again.
      current = await this.ctx.client.update({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [REVISION]: String(maxOld + 1) } } });
    }
    if ((current.spec.replicas ?? 1) !== desired) {
      const from = current.spec.replicas ?? 1;
      current = await this.ctx.client.update({ ...current, spec: { ...current.spec, replicas: desired } });
      this.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${desired > from ? 'up' : 'down'} replica set ${current.metadata.name} from ${from} to ${desired}`, 'deployment-controller');
    }
    // The Deployment carries its current revision, as kube's controller sets it.
    const revision = current.metadata.annotations?.[REVISION];
    if (revision && d.metadata.annotations?.[REVISION] !== revision) {
      const latest = this.ctx.informers.deployments.get(ns, name) ?? d;
      await this.ctx.client.update({ ...latest, metadata: { ...latest.metadata, annotations: { ...latest.metadata.annotations, [REVISION]: revision } } });
      return; // the update requeues this Deployment
    }
    // Old ReplicaSets keep serving until the new one is fully available, then go to 0: no
    // downtime on a template change (a surge of up to 100% until rolling updates come).
    const newAvailable = (current.status?.availableReplicas ?? 0) >= desired;
    for (const old of owned) {
      if (!newAvailable || old.metadata.uid === current.metadata.uid || (old.spec.replicas ?? 1) === 0) continue;
      const from = old.spec.replicas ?? 1;
      await this.ctx.client.update({ ...old, spec: { ...old.spec, replicas: 0 } });
      this.ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${old.metadata.name} from ${from} to 0`, 'deployment-controller');
    }

    const all = this.ctx.informers.replicaSets.list(ns).filter((rs) => controllerOf(rs)?.uid === d.metadata.uid);
    const fresh = all.find((rs) => rs.metadata.uid === current!.metadata.uid);
    const status = deploymentStatus(d, fresh, all, d.status);
    if (!deepEqual(status, d.status)) await this.ctx.client.updateStatus({ ...d, status });
  }
}
