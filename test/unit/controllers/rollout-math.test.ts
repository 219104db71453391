// The rollout arithmetic against Kubernetes' own table cases: deployment_util_test.go
// (TestResolveFenceposts, TestNewRSNewReplicas, TestMaxUnavailable), rolling_test.go
// (reconcileNewReplicaSet, reconcileOldReplicaSets, cleanupUnhealthyReplicas,
// scaleDownOldReplicaSetsForRollingUpdate) and sync_test.go TestScale (proportional scaling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from '../../../src/api/types.js';
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  cleanupUnhealthyReplicas,
  isSaturated,
  isScalingEvent,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalScale,
  reconcileNewReplicaSet,
  reconcileOldReplicaSets,
  resolveFenceposts,
  scaleDownOldReplicaSets,
} from '../../../src/controllers/rollout-math.js';

type IntOrString = number | string;

/** kube's test newDeployment: RollingUpdate with maxSurge and maxUnavailable 0 unless given. */
function deployment(replicas: number, surge: IntOrString = 0, unavailable: IntOrString = 0, type: 'RollingUpdate' | 'Recreate' = 'RollingUpdate'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'foo', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { foo: 'bar' } },
      template: { metadata: { labels: { foo: 'bar' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
      strategy: type === 'Recreate' ? { type } : { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  } as Deployment;
}

const T = { newer: '2016-05-20T02:00:00Z', old: '2016-05-20T01:00:00Z', older: '2016-05-20T00:00:00Z' };

/** kube's test rs(): available = replicas unless given. */
function rs(name: string, replicas: number, created = T.old, available = replicas): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: created },
    spec: { replicas, selector: { matchLabels: { foo: 'bar' } }, template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    status: { replicas, availableReplicas: available },
  } as ReplicaSet;
}

test('resolveFenceposts: surge rounds up, unavailable rounds down, both 0 means 1 unavailable', () => {
  const cases: Record<string, { surge: IntOrString; unavailable: IntOrString; desired: number; expected: { surge: number; unavailable: number } | 'error' }> = {
    'everything is good; the defaults of 25% on 4 replicas': { surge: '25%', unavailable: '25%', desired: 4, expected: { surge: 1, unavailable: 1 } },
    '0%/0% of 0': { surge: '0%', unavailable: '0%', desired: 0, expected: { surge: 0, unavailable: 1 } },
    '39%/39% of 10': { surge: '39%', unavailable: '39%', desired: 10, expected: { surge: 4, unavailable: 3 } },
    'a bad surge': { surge: 'oops', unavailable: '39%', desired: 10, expected: 'error' },
    'a bad unavailable': { surge: '55%', unavailable: 'urg', desired: 10, expected: 'error' },
    '25% of 1: a surge of 1, nothing unavailable': { surge: '25%', unavailable: '25%', desired: 1, expected: { surge: 1, unavailable: 0 } },
    'numbers as they are': { surge: 1, unavailable: 0, desired: 10, expected: { surge: 1, unavailable: 0 } },
    'numbers both 0': { surge: 0, unavailable: 0, desired: 10, expected: { surge: 0, unavailable: 1 } },
  };
  for (const [name, c] of Object.entries(cases)) {
    if (c.expected === 'error') assert.throws(() => resolveFenceposts(c.surge, c.unavailable, c.desired), name);
    else assert.deepEqual(resolveFenceposts(c.surge, c.unavailable, c.desired), c.expected, name);
  }
});

test('maxUnavailable: at most the replicas, 0 for Recreate', () => {
  const cases: Record<string, { d: Deployment; expected: number }> = {
    'everything is good; less than replicas': { d: deployment(10, 1, 5), expected: 5 },
    'equal to replicas': { d: deployment(10, 1, 10), expected: 10 },
    'greater than replicas': { d: deployment(5, 1, 10), expected: 5 },
    'replicas 0': { d: deployment(0, 1, 10), expected: 0 },
    Recreate: { d: deployment(10, 0, 0, 'Recreate'), expected: 0 },
    'less than replicas, percent': { d: deployment(10, 1, '50%'), expected: 5 },
    'equal, percent': { d: deployment(10, 1, '100%'), expected: 10 },
    'greater, percent': { d: deployment(5, 1, '100%'), expected: 5 },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(maxUnavailable(c.d), c.expected, name);
  assert.equal(maxSurge(deployment(10, 0, 0, 'Recreate')), 0, 'no surge for Recreate');
});

test('newRSNewReplicas: up to maxSurge above the total, never past spec.replicas; Recreate takes it all', () => {
  const cases: Record<string, { type: 'RollingUpdate' | 'Recreate'; dep: number; newRS: number; surge: number; expected: number }> = {
    'everything is good; can not scale up - to newRSReplicas': { type: 'RollingUpdate', dep: 1, newRS: 5, surge: 1, expected: 5 },
    'scale up - to depReplicas': { type: 'RollingUpdate', dep: 6, newRS: 2, surge: 10, expected: 6 },
    'recreate - to depReplicas': { type: 'Recreate', dep: 3, newRS: 1, surge: 1, expected: 3 },
  };
  for (const [name, c] of Object.entries(cases)) {
    const d = deployment(c.dep, c.surge, 1, c.type);
    const newRS = rs('new', c.newRS);
    // kube's test passes only a set of 5 as "all"
    assert.equal(newRSNewReplicas(d, [rs('rs5', 5)], newRS), c.expected, name);
  }
});

test('reconcileNewReplicaSet (rolling_test.go)', () => {
  const cases: Record<string, { dep: number; surge: number; old: number; newRS: number; expected: number | undefined }> = {
    'everything is good; maxSurge 0, nothing to add': { dep: 10, surge: 0, old: 10, newRS: 0, expected: undefined },
    'surge 2 above 10 old': { dep: 10, surge: 2, old: 10, newRS: 0, expected: 2 },
    'surge 2 with 5 old': { dep: 10, surge: 2, old: 5, newRS: 0, expected: 7 },
    'already surged': { dep: 10, surge: 2, old: 10, newRS: 2, expected: undefined },
    'above spec.replicas: down to it': { dep: 10, surge: 2, old: 2, newRS: 11, expected: 10 },
  };
  for (const [name, c] of Object.entries(cases)) {
    const newRS = rs('foo-v2', c.newRS);
    const d = deployment(c.dep, c.surge, 0);
    assert.equal(reconcileNewReplicaSet(d, [newRS, rs('foo-v1', c.old)], newRS), c.expected, name);
  }
});

test('reconcileOldReplicaSets: unhealthy pods first, then within maxUnavailable, never for the new set’s unavailable pods', () => {
  // old and new sets: replicas and available (ready) pods, as rolling_test.go's pod lists give them
  const cases: Record<string, { dep: number; unavailable: number; old: number; newRS: number; oldReady: number; newReady: number; expected: number | undefined }> = {
    'everything is good; maxUnavailable 0 still lets one go (both 0 means 1)': { dep: 10, unavailable: 0, old: 10, newRS: 0, oldReady: 10, newReady: 0, expected: 9 },
    'maxUnavailable 2': { dep: 10, unavailable: 2, old: 10, newRS: 0, oldReady: 10, newReady: 0, expected: 8 },
    'unhealthy old pods are cleaned up': { dep: 10, unavailable: 2, old: 10, newRS: 0, oldReady: 8, newReady: 0, expected: 8 },
    'one unhealthy cleaned up and one ready scaled down': { dep: 10, unavailable: 2, old: 10, newRS: 0, oldReady: 9, newReady: 0, expected: 8 },
    "the new set's unavailable pods stop the old from scaling down": { dep: 10, unavailable: 2, old: 8, newRS: 2, oldReady: 8, newReady: 0, expected: undefined },
  };
  for (const [name, c] of Object.entries(cases)) {
    const oldRS = rs('foo-old', c.old, T.old, c.oldReady);
    const newRS = rs('foo-new', c.newRS, T.newer, c.newReady);
    const got = reconcileOldReplicaSets(deployment(c.dep, 0, c.unavailable), [oldRS, newRS], [oldRS], newRS);
    assert.equal(got.get('foo-old'), c.expected, name);
  }
});

test('cleanupUnhealthyReplicas (rolling_test.go)', () => {
  const cases: Record<string, { old: number; ready: number; max: number; cleaned: number }> = {
    'everything is good; 2 unhealthy, at most 1': { old: 10, ready: 8, max: 1, cleaned: 1 },
    '2 unhealthy, at most 3': { old: 10, ready: 8, max: 3, cleaned: 2 },
    'at most 0': { old: 10, ready: 8, max: 0, cleaned: 0 },
    'none unhealthy': { old: 10, ready: 10, max: 3, cleaned: 0 },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = cleanupUnhealthyReplicas([rs('foo-v2', c.old, T.old, c.ready)], c.max);
    assert.equal(c.old - (got.get('foo-v2') ?? c.old), c.cleaned, name);
  }
});

test('scaleDownOldReplicaSets (rolling_test.go scaleDownOldReplicaSetsForRollingUpdate)', () => {
  const cases: Record<string, { unavailable: number; ready: number; old: number; expected: number | undefined }> = {
    'everything is good; maxUnavailable 0 (resolved to 1)': { unavailable: 0, ready: 10, old: 10, expected: 9 },
    'maxUnavailable 2': { unavailable: 2, ready: 10, old: 10, expected: 8 },
    'only 8 available: no scaling': { unavailable: 2, ready: 8, old: 10, expected: undefined },
    'old set already at 0': { unavailable: 2, ready: 10, old: 0, expected: undefined },
    '1 available: no scaling': { unavailable: 2, ready: 1, old: 10, expected: undefined },
  };
  for (const [name, c] of Object.entries(cases)) {
    const oldRS = rs('foo-v2', c.old, T.old, c.ready);
    assert.equal(scaleDownOldReplicaSets(deployment(10, 0, c.unavailable), [oldRS], [oldRS]).get('foo-v2'), c.expected, name);
  }
});

test('proportionalScale (sync_test.go TestScale)', () => {
  const withAnnotations = (set: ReplicaSet, old: Deployment, desired = old.spec.replicas!) => {
    set.metadata.annotations = { [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + maxSurge(old)) };
    return set;
  };
  const updatedTemplate = (n: number) => {
    const d = deployment(n);
    d.spec.template.metadata!.labels!.another = 'label';
    return d;
  };
  const cases: Record<string, { d: Deployment; old: Deployment; newRS?: ReplicaSet; oldRSs: ReplicaSet[]; expectedNew?: number; expectedOld: number[]; desired?: Record<string, number> }> = {
    'everything is good; nothing changed': { d: deployment(10), old: deployment(10), newRS: rs('foo-v1', 10, T.newer), oldRSs: [], expectedNew: 10, expectedOld: [] },
    'normal scaling event: 10 -> 12': { d: deployment(12), old: deployment(10), newRS: rs('foo-v1', 10, T.newer), oldRSs: [], expectedNew: 12, expectedOld: [] },
    'normal scaling event: 10 -> 5': { d: deployment(5), old: deployment(10), newRS: rs('foo-v1', 10, T.newer), oldRSs: [], expectedNew: 5, expectedOld: [] },
    'proportional scaling: 5 -> 10': { d: deployment(10), old: deployment(5), newRS: rs('foo-v2', 2, T.newer), oldRSs: [rs('foo-v1', 3, T.old)], expectedNew: 4, expectedOld: [6] },
    'proportional scaling: 5 -> 3': { d: deployment(3), old: deployment(5), newRS: rs('foo-v2', 2, T.newer), oldRSs: [rs('foo-v1', 3, T.old)], expectedNew: 1, expectedOld: [2] },
    'proportional scaling: 9 -> 4': { d: deployment(4), old: deployment(9), newRS: rs('foo-v2', 8, T.newer), oldRSs: [rs('foo-v1', 1, T.old)], expectedNew: 4, expectedOld: [0] },
    'proportional scaling: 7 -> 10': { d: deployment(10), old: deployment(7), newRS: rs('foo-v3', 2, T.newer), oldRSs: [rs('foo-v2', 3, T.old), rs('foo-v1', 2, T.older)], expectedNew: 3, expectedOld: [4, 3] },
    'proportional scaling: 13 -> 8': { d: deployment(8), old: deployment(13), newRS: rs('foo-v3', 2, T.newer), oldRSs: [rs('foo-v2', 8, T.old), rs('foo-v1', 3, T.older)], expectedNew: 1, expectedOld: [5, 2] },
    'leftover distribution: 3 -> 4 (the newer set grows)': { d: deployment(4), old: deployment(3), newRS: rs('foo-v3', 1, T.newer), oldRSs: [rs('foo-v2', 1, T.old), rs('foo-v1', 1, T.older)], expectedNew: 2, expectedOld: [1, 1] },
    'leftover distribution: 3 -> 2 (the older set shrinks)': { d: deployment(2), old: deployment(3), newRS: rs('foo-v3', 1, T.newer), oldRSs: [rs('foo-v2', 1, T.old), rs('foo-v1', 1, T.older)], expectedNew: 1, expectedOld: [1, 0] },
    'no new set: 4 -> 5, the latest grows first': { d: deployment(5), old: deployment(4), oldRSs: [rs('foo-v2', 2, T.old), rs('foo-v1', 2, T.older)], expectedOld: [3, 2] },
    '6 -> 0': { d: deployment(0), old: deployment(6), newRS: rs('foo-v3', 3, T.newer), oldRSs: [rs('foo-v2', 2, T.old), rs('foo-v1', 1, T.older)], expectedNew: 0, expectedOld: [0, 0] },
    '0 -> 6: the new set takes it all': { d: deployment(6), old: deployment(6), newRS: rs('foo-v3', 0, T.newer), oldRSs: [rs('foo-v2', 0, T.old), rs('foo-v1', 0, T.older)], expectedNew: 6, expectedOld: [0, 0] },
    'a set that missed an update (its annotation says 3)': {
      d: deployment(5),
      old: deployment(5),
      newRS: rs('foo-v3', 2, T.newer),
      oldRSs: [rs('foo-v2', 1, T.old), rs('foo-v1', 1, T.older)],
      expectedNew: 2,
      expectedOld: [2, 1],
      desired: { 'foo-v2': 3 },
    },
    'with surge pods: 10 -> 20': { d: deployment(20, 2), old: deployment(10, 2), newRS: rs('foo-v2', 6, T.newer), oldRSs: [rs('foo-v1', 6, T.old)], expectedNew: 11, expectedOld: [11] },
    'surge and size both change': { d: deployment(50, 6), old: deployment(10, 3), newRS: rs('foo-v2', 5, T.newer), oldRSs: [rs('foo-v1', 8, T.old)], expectedNew: 22, expectedOld: [34] },
    'size and template both change (no new set yet)': { d: updatedTemplate(14), old: deployment(10), oldRSs: [rs('foo-v2', 7, T.newer), rs('foo-v1', 3, T.old)], expectedOld: [10, 4] },
    'a saturated but broken new set does not touch the old pods': { d: deployment(2, 1, 1), old: deployment(2, 1, 1), newRS: rs('foo-v2', 2, T.newer, 0), oldRSs: [rs('foo-v1', 1, T.old)], expectedNew: 2, expectedOld: [1] },
  };
  for (const [name, c] of Object.entries(cases)) {
    for (const set of [c.newRS, ...c.oldRSs]) if (set) withAnnotations(set, c.old, c.desired?.[set.metadata.name]);
    const sizes = proportionalScale(c.d, c.newRS, c.oldRSs);
    const size = (set: ReplicaSet) => sizes.get(set.metadata.name) ?? set.spec.replicas;
    if (c.newRS) assert.equal(size(c.newRS), c.expectedNew, `${name}: new`);
    assert.deepEqual(c.oldRSs.map(size), c.expectedOld, `${name}: old`);
  }
});

test('isSaturated and isScalingEvent', () => {
  const d = deployment(3, 1, 0);
  const full = rs('new', 3, T.newer);
  full.metadata.annotations = { [DESIRED_REPLICAS]: '3' };
  const cases: Record<string, { mutate?: (r: ReplicaSet, d: Deployment) => void; saturated: boolean; scaling: boolean }> = {
    'everything is good; saturated, no resize': { saturated: true, scaling: false },
    'not all available': { mutate: (r) => (r.status!.availableReplicas = 2), saturated: false, scaling: false },
    'the Deployment was resized': { mutate: (_r, dd) => (dd.spec.replicas = 5), saturated: false, scaling: true },
    'no annotation': { mutate: (r) => delete r.metadata.annotations, saturated: false, scaling: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = structuredClone(full);
    const dd = structuredClone(d);
    c.mutate?.(r, dd);
    assert.equal(isSaturated(dd, r), c.saturated, name);
    assert.equal(isScalingEvent(dd, [r]), c.scaling, name);
  }
});
