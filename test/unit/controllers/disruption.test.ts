// The disruption controller's arithmetic, table-tested on cases of kube's disruption_test.go
// (TestNoSelector, TestUnavailable, TestIntegerMaxUnavailable(WithScaling), TestReplicaSet,
// TestStatefulSetController, TestTwoControllers, TestUpdateDisruptedPods...), with an injected time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyObject, OwnerReference, Pod, PodDisruptionBudget } from '../../../src/api/types.js';
import { buildDisruptedPodMap, countHealthyPods, DELETION_TIMEOUT_MS, expectedPodCount, failSafeStatus, nextStatus, selectsPod } from '../../../src/controllers/disruption-budget.js';
import { scaleFinder } from '../../../src/controllers/disruption-finders.js';
import { goSelector } from '../../../src/controllers/disruption.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace('.000Z', 'Z');

function owner(kind: string, name: string, uid: string, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid, controller: true };
}
function workload(kind: string, name: string, uid: string, replicas: number, ownerRef?: OwnerReference): AnyObject {
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name, namespace: 'ns', uid, ownerReferences: ownerRef ? [ownerRef] : undefined }, spec: { replicas } } as unknown as AnyObject;
}
function pod(name: string, opts: { ready?: boolean; ref?: OwnerReference; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', labels: opts.labels ?? { app: 'web' }, ownerReferences: opts.ref ? [opts.ref] : undefined, ...(opts.deleting ? { deletionTimestamp: ago(0) } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  } as Pod;
}
function budget(spec: PodDisruptionBudget['spec'], status?: Partial<NonNullable<PodDisruptionBudget['status']>>, generation = 1): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'pdb', namespace: 'ns', generation },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
  };
}

const RS = owner('ReplicaSet', 'rs', 'rs-uid');
const DEP_RS = owner('ReplicaSet', 'dep-rs', 'dep-rs-uid');
const SS = owner('StatefulSet', 'ss', 'ss-uid');
const JOB = owner('Job', 'job', 'job-uid', 'batch/v1');
const RC = owner('ReplicationController', 'rc', 'rc-uid', 'v1');
const OBJECTS = [
  workload('ReplicaSet', 'rs', 'rs-uid', 10),
  workload('Deployment', 'dep', 'dep-uid', 7),
  workload('ReplicaSet', 'dep-rs', 'dep-rs-uid', 99, owner('Deployment', 'dep', 'dep-uid')),
  workload('StatefulSet', 'ss', 'ss-uid', 3),
  workload('Job', 'job', 'job-uid', 1),
  workload('ReplicationController', 'rc', 'rc-uid', 3),
];
const find = scaleFinder((kind, ns, name) => OBJECTS.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name));

/** One sync, as the controller runs it: the status it would write (undefined: none), or the error. */
function sync(pdb: PodDisruptionBudget, pods: Pod[]) {
  const selected = pods.filter((p) => selectsPod(pdb, p));
  const expected = expectedPodCount(pdb, selected, find);
  const { disruptedPods } = buildDisruptedPodMap(selected, pdb, NOW);
  const currentHealthy = countHealthyPods(selected, disruptedPods, NOW);
  return nextStatus(pdb, { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedCount: expected.expectedCount, disruptedPods }, NOW);
}
const counts = (s: ReturnType<typeof sync>) => s && { expected: s.expectedPods, healthy: s.currentHealthy, desired: s.desiredHealthy, allowed: s.disruptionsAllowed };

const cases: Record<string, { pdb: PodDisruptionBudget; pods: Pod[]; want: { expected: number; healthy: number; desired: number; allowed: number } }> = {
  'minAvailable 3 of 4 ready pods: one may go (TestUnavailable)': {
    pdb: budget({ minAvailable: 3 }),
    pods: [pod('a'), pod('b'), pod('c'), pod('d')],
    want: { expected: 4, healthy: 4, desired: 3, allowed: 1 },
  },
  'one of them unready: none may go': {
    pdb: budget({ minAvailable: 3 }),
    pods: [pod('a'), pod('b'), pod('c'), pod('d', { ready: false })],
    want: { expected: 4, healthy: 3, desired: 3, allowed: 0 },
  },
  'no selector selects nothing (TestNoSelector)': {
    pdb: { ...budget({ minAvailable: 3 }), spec: { minAvailable: 3 } },
    pods: [pod('a'), pod('b')],
    want: { expected: 0, healthy: 0, desired: 3, allowed: 0 },
  },
  'an empty selector selects every pod of the namespace': {
    pdb: { ...budget({ minAvailable: 1 }), spec: { minAvailable: 1, selector: {} } },
    pods: [pod('a', { labels: { other: 'x' } }), pod('b', { labels: {} })],
    want: { expected: 2, healthy: 2, desired: 1, allowed: 1 },
  },
  'a pod being deleted is not healthy': {
    pdb: budget({ minAvailable: 1 }),
    pods: [pod('a'), pod('b', { deleting: true })],
    want: { expected: 2, healthy: 1, desired: 1, allowed: 0 },
  },
  'minAvailable 20% of a ReplicaSet of 10, one ready (TestReplicaSet)': {
    pdb: budget({ minAvailable: '20%' }),
    pods: [pod('a', { ref: RS })],
    want: { expected: 10, healthy: 1, desired: 2, allowed: 0 },
  },
  'maxUnavailable 2 of a Deployment of 7 (its ReplicaSet counts as the Deployment)': {
    pdb: budget({ maxUnavailable: 2 }),
    pods: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => pod(n, { ref: DEP_RS })),
    want: { expected: 7, healthy: 7, desired: 5, allowed: 2 },
  },
  'maxUnavailable 30% of 7 rounds up to 3': {
    pdb: budget({ maxUnavailable: '30%' }),
    pods: ['a', 'b', 'c', 'd', 'e'].map((n) => pod(n, { ref: DEP_RS })),
    want: { expected: 7, healthy: 5, desired: 4, allowed: 1 },
  },
  'minAvailable 34% of a StatefulSet of 3 (TestStatefulSetController)': {
    pdb: budget({ minAvailable: '34%' }),
    pods: [pod('a', { ref: SS }), pod('b', { ref: SS }), pod('c', { ref: SS })],
    want: { expected: 3, healthy: 3, desired: 2, allowed: 1 },
  },
  'minAvailable 34% of a ReplicationController of 3 (TestReplicationController)': {
    pdb: budget({ minAvailable: '34%' }),
    pods: [pod('a', { ref: RC }), pod('b', { ref: RC }), pod('c', { ref: RC })],
    want: { expected: 3, healthy: 3, desired: 2, allowed: 1 },
  },
  'two controllers are summed, each once (TestTwoControllers)': {
    pdb: budget({ minAvailable: '50%' }),
    pods: [pod('a', { ref: RS }), pod('b', { ref: RS }), pod('c', { ref: SS })],
    want: { expected: 13, healthy: 3, desired: 7, allowed: 0 },
  },
  'unmanaged pods count for nothing when scales are summed: nothing may go (TestIntegerMaxUnavailable)': {
    pdb: budget({ maxUnavailable: 1 }),
    pods: [pod('a'), pod('b')],
    want: { expected: 0, healthy: 2, desired: 0, allowed: 0 },
  },
  'maxUnavailable larger than the scale: desired is 0, not negative': {
    pdb: budget({ maxUnavailable: 5 }),
    pods: [pod('a', { ref: SS })],
    want: { expected: 3, healthy: 1, desired: 0, allowed: 1 },
  },
  'neither minAvailable nor maxUnavailable: nothing is expected': {
    pdb: budget({}),
    pods: [pod('a')],
    want: { expected: 0, healthy: 1, desired: 0, allowed: 0 },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`status: ${name}`, () => assert.deepEqual(counts(sync(c.pdb, c.pods)), c.want));
}

test('status: an up-to-date budget is not written again; a new generation is', () => {
  const first = sync(budget({ minAvailable: 3 }), [pod('a'), pod('b'), pod('c'), pod('d')])!;
  assert.deepEqual(first.conditions, [{ type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: '2025-06-01T12:00:00Z', reason: 'SufficientPods', message: '' }]);
  assert.equal(first.observedGeneration, 1);
  const settled = { ...budget({ minAvailable: 3 }), status: first };
  assert.equal(sync(settled, [pod('a'), pod('b'), pod('c'), pod('d')]), undefined);
  const changed = { ...settled, metadata: { ...settled.metadata, generation: 2 }, spec: { ...settled.spec, minAvailable: 4 } };
  const next = sync(changed, [pod('a'), pod('b'), pod('c'), pod('d')])!;
  assert.deepEqual([next.observedGeneration, next.disruptionsAllowed, next.conditions?.[0]?.status, next.conditions?.[0]?.reason, next.conditions?.[0]?.observedGeneration], [2, 0, 'False', 'InsufficientPods', 2]);
  assert.equal(next.conditions?.[0]?.lastTransitionTime, '2025-06-01T12:00:00Z');
});

test('errors: a controller that cannot be found, a kind without /scale, a kind k1s does not serve', () => {
  assert.throws(() => sync(budget({ minAvailable: '50%' }), [pod('a', { ref: owner('ReplicaSet', 'gone', 'x') })]), /^Error: found no controllers for pod "a"$/);
  assert.throws(() => sync(budget({ maxUnavailable: 1 }), [pod('a', { ref: JOB })]), /^Error: jobs.batch does not implement the scale subresource$/);
  assert.throws(() => sync(budget({ maxUnavailable: 1 }), [pod('a', { ref: owner('Widget', 'w', 'w', 'example.com/v1') })]), /^Error: no matches for kind "Widget" in version "example.com\/v1"$/);
  // an integer minAvailable needs no scale at all
  assert.deepEqual(counts(sync(budget({ minAvailable: 1 }), [pod('a', { ref: JOB })])), { expected: 1, healthy: 1, desired: 1, allowed: 0 });
});

test('failSafe: nothing may go, the condition says why, the counts stay', () => {
  const pdb = budget({ maxUnavailable: 1 }, { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, observedGeneration: 1 });
  const s = failSafeStatus(pdb, 'jobs.batch does not implement the scale subresource', NOW);
  assert.deepEqual(s, {
    disruptionsAllowed: 0,
    currentHealthy: 3,
    desiredHealthy: 1,
    expectedPods: 3,
    observedGeneration: 1,
    conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: '2025-06-01T12:00:00Z', reason: 'SyncFailed', message: 'jobs.batch does not implement the scale subresource' }],
  });
});

test('disruptedPods: awaited evictions are not healthy until they expire after 2 minutes (TestUpdateDisruptedPods)', () => {
  const pdb = budget({ minAvailable: 1 }, { disruptedPods: { a: ago(60_000), b: ago(DELETION_TIMEOUT_MS + 1000), c: ago(1000), gone: ago(1000) } });
  const pods = [pod('a'), pod('b'), pod('c', { deleting: true }), pod('d')];
  const map = buildDisruptedPodMap(pods, pdb, NOW);
  // a: still awaited; b: expired (event NotDeleted); c: being deleted now; gone: no such pod
  assert.deepEqual(map.disruptedPods, { a: ago(60_000) });
  assert.deepEqual(map.notDeleted.map((p) => p.metadata.name), ['b']);
  assert.equal(map.recheckAt?.toISOString(), new Date(NOW.getTime() - 60_000 + DELETION_TIMEOUT_MS).toISOString());
  assert.equal(countHealthyPods(pods, map.disruptedPods, NOW), 2); // b and d
  const s = nextStatus(pdb, { currentHealthy: 2, desiredHealthy: 1, expectedCount: 4, disruptedPods: map.disruptedPods }, NOW)!;
  assert.deepEqual([s.disruptionsAllowed, s.disruptedPods], [1, { a: ago(60_000) }]);
  // once every entry is gone the field is left out, as kube's omitempty map
  assert.equal(nextStatus(pdb, { currentHealthy: 2, desiredHealthy: 1, expectedCount: 4, disruptedPods: {} }, NOW)!.disruptedPods, undefined);
});

test("the UnmanagedPods event names the selector as Go's %v prints it", () => {
  assert.equal(goSelector({ matchLabels: { b: '2', a: '1' } }), '&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{},}');
  assert.equal(goSelector(undefined), 'nil');
});
