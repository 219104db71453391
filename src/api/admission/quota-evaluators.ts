// What one object costs against a ResourceQuota (k8s.io/kubernetes/pkg/quota/v1/evaluator/core and
// apiserver's generic object-count evaluator), pure. The admission plugin charges a write by it and
// the quota controller sums it over a namespace for status.used, so both count alike.
import type { KubeObject } from '../kinds/kind.js';
import type { PersistentVolumeClaim } from '../kinds/persistentvolumeclaim.js';
import type { Pod } from '../kinds/pod.js';
import type { Service } from '../kinds/service.js';
import { addLists, parseList, parseQuantity, type Quantity, type QuantityList } from '../quantity-exact.js';
import { podLimits, podRequests } from './pod-resources.js';

export interface Evaluator {
  /** "pods", "deployments.apps" */
  readonly groupResource: string;
  /** Handles: the operations that can change what the object costs */
  handles(op: 'create' | 'update'): boolean;
  /** the quota resource names, of those given, that this kind's objects use */
  matchingResources(names: readonly string[]): string[];
  /** what one object uses (now: when a deleted pod's grace ran out) */
  usage(obj: KubeObject, now: Date): QuantityList;
  /** Constraints: why the object cannot be charged at all under these names (pods without cpu limits under limits.cpu) */
  constraints?(required: readonly string[], obj: KubeObject): string | undefined;
}

const one = (): Quantity => parseQuantity('1');
const count = (n: number): Quantity => parseQuantity(String(n));

/** ObjectCountQuotaResourceNameFor: count/pods, count/deployments.apps */
export function objectCountName(resource: string, group: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** The resource names kube's quota knows by a bare name too (legacyObjectCountAliases). */
const LEGACY_ALIASES: Record<string, string> = { configmaps: 'configmaps', secrets: 'secrets', resourcequotas: 'resourcequotas', replicationcontrollers: 'replicationcontrollers' };

/** generic.NewObjectCountEvaluator: every object in storage counts once, from its create. */
export function objectCountEvaluator(resource: string, group: string): Evaluator {
  const names = [objectCountName(resource, group), ...(group === '' && LEGACY_ALIASES[resource] ? [LEGACY_ALIASES[resource]] : [])];
  return {
    groupResource: group ? `${resource}.${group}` : resource,
    handles: (op) => op === 'create',
    matchingResources: (input) => input.filter((n) => names.includes(n)),
    usage: () => Object.fromEntries(names.map((n) => [n, one()])),
  };
}

// ---- pods

const POD_RESOURCES = ['count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods'];

/** The names whose quota obliges every container to state its own value ("it was a mistake", kube says; kept for compatibility). */
const POD_VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** podComputeUsageHelper: requests and limits under their quota names, and the pod itself. */
function computeUsage(requests: QuantityList, limits: QuantityList): QuantityList {
  const out: QuantityList = { pods: one() };
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r]) {
      out[r] = requests[r];
      out[`requests.${r}`] = requests[r];
    }
    if (limits[r]) out[`limits.${r}`] = limits[r];
  }
  for (const [r, v] of Object.entries(requests)) {
    if (r.startsWith('hugepages-')) {
      out[r] = v;
      out[`requests.${r}`] = v;
    } else if (r.includes('/') && !r.includes('kubernetes.io/')) out[`requests.${r}`] = v; // extended resources
  }
  return out;
}

/**
 * QuotaV1Pod: a pod stops counting (but for count/pods) once it has ended (Succeeded, Failed) or
 * its deletion is overdue by its grace period (a lost node must not block replacements).
 */
export function podIsCharged(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp && deletionGracePeriodSeconds !== undefined) {
    if (now.getTime() > Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000) return false;
  }
  return true;
}

export const podEvaluator: Evaluator = {
  groupResource: 'pods',
  handles: (op) => op === 'create',
  matchingResources: (input) => input.filter((n) => POD_RESOURCES.includes(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || isExtendedRequestName(n)),
  usage(obj, now) {
    const pod = obj as Pod;
    // count/pods tracks every pod in storage; the rest only pods that still run or may
    const usage: QuantityList = { 'count/pods': one() };
    if (!podIsCharged(pod, now)) return usage;
    return addLists(usage, computeUsage(podRequests(pod.spec), podLimits(pod.spec)));
  },
  constraints(required, obj) {
    const pod = obj as Pod;
    const needed = required.filter((n) => POD_VALIDATION_SET.includes(n));
    const missing = new Map<string, Set<string>>();
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
      const has = computeUsage(parseList(c.resources?.requests), parseList(c.resources?.limits));
      for (const n of needed) if (!(n in has)) (missing.get(n) ?? missing.set(n, new Set()).get(n)!).add(c.name);
    }
    if (!missing.size) return undefined;
    const parts = [...missing.keys()].sort().map((n) => `${n} for: ${[...missing.get(n)!].sort().join(',')}`);
    return `must specify ${parts.join('; ')}`;
  },
};

/** isExtendedResourceNameForQuota: requests.<domain>/<name> outside kubernetes.io */
function isExtendedRequestName(n: string): boolean {
  return n.startsWith('requests.') && n.includes('/') && !n.includes('kubernetes.io/');
}

// ---- services

const SERVICE_RESOURCES = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

export const serviceEvaluator: Evaluator = {
  groupResource: 'services',
  // a Service's type can change, and with it the node ports and load balancers it takes
  handles: () => true,
  matchingResources: (input) => input.filter((n) => SERVICE_RESOURCES.includes(n)),
  usage(obj) {
    const svc = obj as Service;
    const ports = svc.spec.ports?.length ?? 0;
    const type = svc.spec.type ?? 'ClusterIP';
    let nodePorts = 0;
    if (type === 'NodePort') nodePorts = ports;
    if (type === 'LoadBalancer') {
      const allocate = (svc.spec as { allocateLoadBalancerNodePorts?: boolean }).allocateLoadBalancerNodePorts;
      nodePorts = allocate === false ? (svc.spec.ports ?? []).filter((p) => p.nodePort).length : ports;
    }
    return {
      'count/services': one(),
      services: one(),
      'services.nodeports': count(nodePorts),
      'services.loadbalancers': count(type === 'LoadBalancer' ? 1 : 0),
    };
  },
};

// ---- persistent volume claims

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'];

function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec.storageClassName ?? pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

export const claimEvaluator: Evaluator = {
  groupResource: 'persistentvolumeclaims',
  // a bound claim may grow
  handles: () => true,
  matchingResources: (input) =>
    input.filter((n) => PVC_RESOURCES.includes(n) || (n.includes(STORAGE_CLASS_SUFFIX) && ['persistentvolumeclaims', 'requests.storage'].includes(n.split(STORAGE_CLASS_SUFFIX)[1]))),
  usage(obj) {
    const pvc = obj as PersistentVolumeClaim;
    const usage: QuantityList = { persistentvolumeclaims: one(), 'count/persistentvolumeclaims': one() };
    const cls = claimClass(pvc);
    if (cls) usage[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = one();
    const storage = pvc.spec.resources?.requests?.storage;
    if (storage !== undefined) {
      usage['requests.storage'] = parseQuantity(storage);
      if (cls) usage[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = parseQuantity(storage);
    }
    return usage;
  },
};

/** The evaluator of a kind; kinds without their own count their objects. */
export function evaluatorFor(resource: string, group: string): Evaluator {
  if (group === '' && resource === 'pods') return podEvaluator;
  if (group === '' && resource === 'services') return serviceEvaluator;
  if (group === '' && resource === 'persistentvolumeclaims') return claimEvaluator;
  return objectCountEvaluator(resource, group);
}

/** What objects of one kind use together (generic.CalculateUsageStats without scopes). */
export function sumUsage(evaluator: Evaluator, objects: readonly KubeObject[], now: Date): QuantityList {
  let total: QuantityList = {};
  for (const o of objects) total = addLists(total, evaluator.usage(o, now));
  return total;
}
