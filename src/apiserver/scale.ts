// The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets, StatefulSets and
// ReplicationControllers: what `kubectl scale` and autoscalers read and write. A write to the Scale changes only spec.replicas of the
// object behind it.
import { badRequest, invalid } from '../api/errors.js';
import { invalidValue } from '../api/field-errors.js';
import type { KubeObject } from '../api/kinds/kind.js';
import { fromLabelSelector, selectorToString } from '../api/labels.js';
import { rcLabelSelector } from '../api/kinds/replicationcontroller.js';
import type { LabelSelector, ReplicationController } from '../api/types.js';

interface Scalable extends KubeObject {
  spec: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: KubeObject['metadata'];
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

export function scaleOf(obj: KubeObject): Scale {
  const o = obj as Scalable;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: o.spec.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorToString(fromLabelSelector(selectorOf(o))) },
  };
}

/** A ReplicationController's selector is a plain label map; the others' a LabelSelector. */
function selectorOf(o: Scalable): LabelSelector {
  if (o.kind === 'ReplicationController') return rcLabelSelector(o as unknown as ReplicationController);
  return o.spec.selector ?? {};
}

/**
 * The object with the replicas a Scale body asks for. The Scale's resourceVersion, when given,
 * is a precondition on the object (the caller passes it on to the update).
 */
export function applyScale(obj: KubeObject, body: unknown): KubeObject {
  const scale = body as Partial<Scale> | undefined;
  if (!scale || typeof scale !== 'object') throw badRequest('the request body must be a Scale object');
  if (scale.kind !== undefined && scale.kind !== 'Scale') throw badRequest(`the kind in the data (${scale.kind}) does not match the expected kind (Scale)`);
  const replicas = scale.spec?.replicas;
  if (replicas === undefined || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', obj.metadata.name, [
      replicas === undefined || !Number.isInteger(replicas)
        ? { path: 'spec.replicas', message: 'Required value' }
        : invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'),
    ]);
  }
  const o = obj as Scalable;
  return {
    ...o,
    metadata: { ...o.metadata, resourceVersion: scale.metadata?.resourceVersion || o.metadata.resourceVersion },
    spec: { ...o.spec, replicas },
  } as KubeObject;
}
