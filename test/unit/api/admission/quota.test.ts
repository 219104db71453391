// ResourceQuota: what objects cost (the evaluators), the admission decision with kube's messages,
// the kind's validation and printer cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkQuotas, prettyPrint, type QuotaRequest } from '../../../../src/api/admission/quota-check.js';
import { claimEvaluator, evaluatorFor, objectCountEvaluator, podEvaluator, podIsCharged, serviceEvaluator, sumUsage } from '../../../../src/api/admission/quota-evaluators.js';
import { quotaCells, ResourceQuotaKind } from '../../../../src/api/kinds/resourcequota.js';
import { validateAndDefault } from '../../../../src/api/manifest.js';
import { formatList, parseList } from '../../../../src/api/quantity-exact.js';
import type { ConfigMap, KubeObject, PersistentVolumeClaim, Pod, ResourceQuota, Service } from '../../../../src/api/types.js';

const NOW = new Date('2026-01-01T00:00:00Z');

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
const pod = (name: string, ...containers: Resources[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns' },
  spec: { containers: containers.map((resources, i) => ({ name: `c${i}`, image: 'x', resources })) },
});

const quota = (name: string, hard: Record<string, string>): ResourceQuota => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'ns' }, spec: { hard } });

const usage = (e: typeof podEvaluator, o: KubeObject) => formatList(e.usage(o, NOW));

test('pod usage: requests and limits under their quota names, count/pods always, the rest only while the pod may run', () => {
  const p = pod('p', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } }, { requests: { cpu: '250m' } });
  assert.deepEqual(usage(podEvaluator, p), {
    'count/pods': '1',
    pods: '1',
    cpu: '500m',
    'requests.cpu': '500m',
    'limits.cpu': '500m',
    memory: '64Mi',
    'requests.memory': '64Mi',
    'limits.memory': '128Mi',
  });
  const done = { ...p, status: { phase: 'Succeeded' as const } };
  assert.deepEqual(usage(podEvaluator, done), { 'count/pods': '1' });
});

test('podIsCharged: terminal pods and deletions overdue by their grace period stop counting', () => {
  const p = pod('p', {});
  const cases: Record<string, { mutate: (p: Pod) => void; charged: boolean }> = {
    'a running pod': { mutate: () => {}, charged: true },
    Failed: { mutate: (x) => (x.status = { phase: 'Failed' }), charged: false },
    'being deleted, within its grace': { mutate: (x) => (x.metadata = { ...x.metadata, deletionTimestamp: '2025-12-31T23:59:50Z', deletionGracePeriodSeconds: 30 }), charged: true },
    'being deleted, grace overdue': { mutate: (x) => (x.metadata = { ...x.metadata, deletionTimestamp: '2025-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 }), charged: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    const x = structuredClone(p);
    c.mutate(x);
    assert.equal(podIsCharged(x, NOW), c.charged, name);
  }
});

test('service, claim and object-count usage', () => {
  const svc = (type: string, ports: number): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) } }) as Service;
  assert.deepEqual(usage(serviceEvaluator, svc('ClusterIP', 2)), { 'count/services': '1', services: '1', 'services.nodeports': '0', 'services.loadbalancers': '0' });
  assert.deepEqual(usage(serviceEvaluator, svc('NodePort', 2)), { 'count/services': '1', services: '1', 'services.nodeports': '2', 'services.loadbalancers': '0' });
  assert.deepEqual(usage(serviceEvaluator, svc('LoadBalancer', 1)), { 'count/services': '1', services: '1', 'services.nodeports': '1', 'services.loadbalancers': '1' });
  const pvc: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns' }, spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } };
  assert.deepEqual(usage(claimEvaluator, pvc), {
    persistentvolumeclaims: '1',
    'count/persistentvolumeclaims': '1',
    'requests.storage': '1Gi',
    'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
  });
  assert.deepEqual(usage(objectCountEvaluator('configmaps', ''), {} as ConfigMap), { 'count/configmaps': '1', configmaps: '1' });
  assert.deepEqual(usage(evaluatorFor('deployments', 'apps'), {} as KubeObject), { 'count/deployments.apps': '1' });
  assert.deepEqual(evaluatorFor('deployments', 'apps').matchingResources(['count/deployments.apps', 'pods']), ['count/deployments.apps']);
});

test('sums in kube\'s quantities', () => {
  const pods = [pod('a', { requests: { memory: '64Mi', cpu: '0.5' } }), pod('b', { requests: { memory: '64Mi', cpu: '500m' } }), pod('c', { requests: { memory: '64Mi', cpu: '1' } })];
  const total = formatList(sumUsage(podEvaluator, pods, NOW));
  assert.equal(total['requests.memory'], '192Mi');
  assert.equal(total['requests.cpu'], '2');
  assert.equal(total.pods, '3');
});

test('the admission decision, in kube\'s words', () => {
  const stored = [pod('a', { requests: { cpu: '500m' }, limits: { cpu: '1' } }), pod('b', { requests: { cpu: '250m' }, limits: { cpu: '1' } })];
  const req = (over: Partial<QuotaRequest>): QuotaRequest => ({
    op: 'create',
    obj: pod('new', { requests: { cpu: '300m' }, limits: { cpu: '1' } }),
    evaluator: podEvaluator,
    quotas: [],
    used: () => sumUsage(podEvaluator, stored, NOW),
    now: NOW,
    ...over,
  });
  const cases: Record<string, { req: QuotaRequest; expected: string | undefined }> = {
    'no quota: nothing to check': { req: req({}), expected: undefined },
    'within every quota': { req: req({ quotas: [quota('q', { pods: '3', 'requests.cpu': '2' })] }), expected: undefined },
    'the last pod slot is taken': {
      req: req({ quotas: [quota('q', { pods: '2' })] }),
      expected: 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    },
    'cpu beyond the quota, with its sum in canonical form': {
      req: req({ quotas: [quota('compute', { 'requests.cpu': '1000m', pods: '10' })] }),
      expected: 'exceeded quota: compute, requested: requests.cpu=300m, used: requests.cpu=750m, limited: requests.cpu=1',
    },
    'several resources exceeded at once, names sorted': {
      req: req({ quotas: [quota('q', { pods: '2', 'limits.cpu': '2' })] }),
      expected: 'exceeded quota: q, requested: limits.cpu=1,pods=1, used: limits.cpu=2,pods=2, limited: limits.cpu=2,pods=2',
    },
    'the first exceeded quota by name': {
      req: req({ quotas: [quota('z', { pods: '2' }), quota('a', { 'limits.cpu': '2' })] }),
      expected: 'exceeded quota: a, requested: limits.cpu=1, used: limits.cpu=2, limited: limits.cpu=2',
    },
    'a container without what a compute quota limits': {
      req: req({ quotas: [quota('compute', { 'limits.memory': '1Gi', 'requests.cpu': '2' })], obj: pod('new', { requests: { cpu: '1' } }, {}) }),
      expected: 'failed quota: compute: must specify limits.memory for: c0,c1; requests.cpu for: c1',
    },
    'a quota on something else does not concern pods': { req: req({ quotas: [quota('q', { services: '0' })] }), expected: undefined },
    'pods are charged on create only': { req: req({ op: 'update', old: stored[0], quotas: [quota('q', { pods: '2' })] }), expected: undefined },
    'an update charges only what it adds': {
      req: req({
        op: 'update',
        evaluator: claimEvaluator,
        obj: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns' }, spec: { resources: { requests: { storage: '3Gi' } } } } as KubeObject,
        old: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns' }, spec: { resources: { requests: { storage: '1Gi' } } } } as KubeObject,
        quotas: [quota('storage', { 'requests.storage': '4Gi', persistentvolumeclaims: '1' })],
        used: () => parseList({ 'requests.storage': '3Gi', persistentvolumeclaims: '1' }),
      }),
      expected: 'exceeded quota: storage, requested: requests.storage=2Gi, used: requests.storage=3Gi, limited: requests.storage=4Gi',
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(checkQuotas(c.req), c.expected, name);
});

test('prettyPrint sorts names and prints canonical quantities', () => {
  assert.equal(prettyPrint(parseList({ pods: '1', 'limits.memory': '1024Mi', 'count/secrets': '2' })), 'count/secrets=2,limits.memory=1Gi,pods=1');
});

test('ResourceQuota validation: quota resource names, non-negative, whole counts', () => {
  const errorsOf = (hard: Record<string, string>) => {
    const r = validateAndDefault(quota('q', hard));
    return r.ok ? [] : r.errors;
  };
  assert.deepEqual(errorsOf({ pods: '10', 'requests.cpu': '500m', 'count/deployments.apps': '2', 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi' }), []);
  assert.deepEqual(errorsOf({ pods: '1.5' }), [{ path: 'spec.hard[pods]', message: 'Invalid value: "1.5": must be an integer' }]);
  assert.deepEqual(errorsOf({ 'requests.cpu': '-1' }), [{ path: 'spec.hard[requests.cpu]', message: 'Invalid value: "-1": must be greater than or equal to 0' }]);
  assert.deepEqual(errorsOf({ 'count/pods': '0.5' }), [{ path: 'spec.hard[count/pods]', message: 'Invalid value: "0.5": must be an integer' }]);
  assert.deepEqual(errorsOf({ storage: '1Gi' }), [{ path: 'spec.hard[storage]', message: 'Invalid value: "storage": must be a standard resource for quota' }]);
  assert.deepEqual(errorsOf({ widgets: '1' }), [
    { path: 'spec.hard[widgets]', message: 'Invalid value: "widgets": must be a standard resource type or fully qualified' },
    { path: 'spec.hard[widgets]', message: 'Invalid value: "widgets": must be a standard resource for quota' },
  ]);
});

test('printer: NAME AGE REQUEST LIMIT, limits.* apart, used/hard from the status in canonical form', () => {
  assert.deepEqual(ResourceQuotaKind.printer.columns.map((c) => c.name), ['Name', 'Age', 'Request', 'Limit']);
  const rq = { ...quota('q', {}), status: { hard: { pods: '2', 'limits.cpu': '2', 'requests.memory': '1Gi' }, used: { pods: '1', 'limits.cpu': '1500m' } } };
  assert.deepEqual(quotaCells(rq), { request: 'pods: 1/2, requests.memory: 0/1Gi', limit: 'limits.cpu: 1500m/2' });
  assert.deepEqual(quotaCells(quota('fresh', { pods: '1' })), { request: '', limit: '' }, 'nothing until the controller has written status.hard');
});
