// Deployment status, conditions, revisions and pruning against Kubernetes' table cases
// (deployment_util_test.go TestDeploymentComplete/Progressing/TimedOut, sync_test.go
// TestDeploymentController_cleanupDeployment), and the ReplicaSet's scale-down order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentCondition, Pod, ReplicaSet } from '../../../src/api/types.js';
import { deploymentComplete, deploymentProgressing, deploymentTimedOut, pausedCondition, rolloutStatus } from '../../../src/controllers/deployment-status.js';
import { CHANGE_CAUSE, newReplicaSetAnnotations, replicaSetsToPrune, REVISION, REVISION_HISTORY } from '../../../src/controllers/deployment-revisions.js';
import { compareForDeletion, isPodAvailable, podsToDelete } from '../../../src/controllers/pod-ranking.js';

type Status = NonNullable<Deployment['status']>;

function deployment(replicas = 5, surge = 0, unavailable = 0, status: Status = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
      progressDeadlineSeconds: 600,
    },
    status,
  } as Deployment;
}

const counts = (replicas: number, updatedReplicas: number, readyReplicas: number, availableReplicas: number): Status => ({ replicas, updatedReplicas, readyReplicas, availableReplicas, observedGeneration: 1 });

test('deploymentComplete (TestDeploymentComplete)', () => {
  // desired, current, updated, available, maxUnavailable, maxSurge
  const cases: Record<string, { args: [number, number, number, number, number, number]; expected: boolean }> = {
    'everything is good; complete': { args: [5, 5, 5, 5, 0, 0], expected: true },
    'min but not all pods available': { args: [5, 5, 5, 4, 1, 0], expected: false },
    'min availability not honored': { args: [5, 5, 5, 3, 1, 0], expected: false },
    'all available but not updated': { args: [5, 5, 4, 5, 0, 0], expected: false },
    'still running old pods': { args: [1, 2, 1, 1, 0, 1], expected: false },
    'a one-replica deployment never comes up': { args: [1, 1, 1, 0, 1, 1], expected: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    const [desired, current, updated, available, mu, ms] = c.args;
    const d = deployment(desired, ms, mu);
    assert.equal(deploymentComplete(d, { replicas: current, updatedReplicas: updated, availableReplicas: available, observedGeneration: 1 }), c.expected, name);
  }
});

test('deploymentProgressing (TestDeploymentProgressing)', () => {
  const cases: Record<string, { old: Status; next: Status; expected: boolean }> = {
    'everything is good; updated pods': { old: counts(10, 4, 4, 4), next: counts(10, 6, 4, 4), expected: true },
    'not progressing': { old: counts(10, 4, 4, 4), next: counts(10, 4, 4, 4), expected: false },
    'old pods removed': { old: counts(10, 4, 6, 6), next: counts(8, 4, 6, 6), expected: true },
    'fewer new pods': { old: counts(10, 7, 3, 3), next: counts(10, 6, 3, 3), expected: false },
    'fewer overall but more new pods': { old: counts(10, 4, 7, 7), next: counts(8, 8, 5, 5), expected: true },
    'more ready pods': { old: counts(10, 10, 9, 8), next: counts(10, 10, 10, 8), expected: true },
    'more available pods': { old: counts(10, 10, 10, 9), next: counts(10, 10, 10, 10), expected: true },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(deploymentProgressing(deployment(10, 0, 0, c.old), c.next), c.expected, name);
});

test('deploymentTimedOut (TestDeploymentTimedOut)', () => {
  const at = (min: number, sec: number) => new Date(Date.UTC(2016, 0, 1, 0, min, sec));
  const withCond = (reason: string, from: Date, pds: number | undefined): [Deployment, Status] => {
    const d = deployment();
    d.spec.progressDeadlineSeconds = pds;
    const s: Status = { conditions: [{ type: 'Progressing', status: 'True', reason, lastUpdateTime: from.toISOString() }] };
    return [d, s];
  };
  const cases: Record<string, { d: [Deployment, Status]; now: Date; expected: boolean }> = {
    'everything is good; 9 s of 10': { d: withCond('', at(1, 11), 10), now: at(1, 20), expected: false },
    'no progressDeadlineSeconds: no timeout': { d: withCond('', at(1, 9), undefined), now: at(1, 20), expected: false },
    '11 s of 10': { d: withCond('', at(1, 9), 10), now: at(1, 20), expected: true },
    'the previous rollout completed': { d: withCond('NewReplicaSetAvailable', at(0, 0), 10), now: at(1, 20), expected: false },
    'already timed out': { d: withCond('ProgressDeadlineExceeded', at(1, 19), 10), now: at(1, 20), expected: true },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(deploymentTimedOut(c.d[0], c.d[1], c.now), c.expected, name);
});

test('rolloutStatus: Progressing moves with progress, turns ProgressDeadlineExceeded after the deadline, NewReplicaSetAvailable when complete', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const later = (s: number) => new Date(t0.getTime() + s * 1000);
  const rs = (name: string, replicas: number, available: number): ReplicaSet =>
    ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas } as ReplicaSet['spec'], status: { replicas, readyReplicas: available, availableReplicas: available } }) as ReplicaSet;
  const cond = (s: Status, type: string) => s.conditions?.find((c) => c.type === type);
  const d = deployment(4, 1, 0);
  d.spec.progressDeadlineSeconds = 10;
  d.status = { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: 'Created new replica set "web-new"', lastUpdateTime: t0.toISOString(), lastTransitionTime: t0.toISOString() }] };
  // a new set of 1 that never becomes available, 4 old serving
  const all = [rs('web-old', 4, 4), rs('web-new', 1, 0)];
  const s1 = rolloutStatus(d, all, all[1], later(1));
  assert.equal(cond(s1, 'Progressing')?.reason, 'ReplicaSetUpdated', 'an updated replica appeared: progress');
  assert.equal(cond(s1, 'Progressing')?.message, 'ReplicaSet "web-new" is progressing.');
  assert.deepEqual([cond(s1, 'Available')?.status, cond(s1, 'Available')?.reason], ['True', 'MinimumReplicasAvailable']);
  assert.equal(s1.unavailableReplicas, 1);
  d.status = s1;
  const s2 = rolloutStatus(d, all, all[1], later(5));
  assert.deepEqual(s2, s1, 'no progress, before the deadline: nothing changes');
  const s3 = rolloutStatus(d, all, all[1], later(12));
  assert.deepEqual([cond(s3, 'Progressing')?.status, cond(s3, 'Progressing')?.reason, cond(s3, 'Progressing')?.message], ['False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-new" has timed out progressing.']);
  // complete
  d.status = s3;
  const done = [rs('web-old', 0, 0), rs('web-new', 4, 4)];
  const s4 = rolloutStatus(d, done, done[1], later(20));
  assert.deepEqual([cond(s4, 'Progressing')?.status, cond(s4, 'Progressing')?.reason, cond(s4, 'Progressing')?.message], ['True', 'NewReplicaSetAvailable', 'ReplicaSet "web-new" has successfully progressed.']);
  assert.equal(s4.unavailableReplicas, 0);
});

test('pausedCondition: DeploymentPaused / DeploymentResumed, a stall is not overwritten', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const withProgressing = (reason: string): Deployment => deployment(1, 0, 0, { conditions: [{ type: 'Progressing', status: 'True', reason } as DeploymentCondition] });
  const cases: Record<string, { d: Deployment; paused: boolean; expected?: [string, string, string] }> = {
    'everything is good; running, not paused: nothing': { d: withProgressing('NewReplicaSetAvailable'), paused: false },
    'pausing': { d: withProgressing('NewReplicaSetAvailable'), paused: true, expected: ['Unknown', 'DeploymentPaused', 'Deployment is paused'] },
    'already shown paused': { d: withProgressing('DeploymentPaused'), paused: true },
    'resuming': { d: withProgressing('DeploymentPaused'), paused: false, expected: ['Unknown', 'DeploymentResumed', 'Deployment is resumed'] },
    'timed out stays': { d: withProgressing('ProgressDeadlineExceeded'), paused: true },
  };
  for (const [name, c] of Object.entries(cases)) {
    c.d.spec.paused = c.paused;
    const got = pausedCondition(c.d, now);
    assert.deepEqual(got && [got.status, got.reason, got.message], c.expected, name);
  }
});

test('replicaSetsToPrune (TestDeploymentController_cleanupDeployment)', () => {
  const rs = (name: string, spec: number, status: number, rev: number, deleting = false): ReplicaSet =>
    ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, annotations: { [REVISION]: String(rev) }, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
      spec: { replicas: spec },
      status: { replicas: status },
    }) as unknown as ReplicaSet;
  const cases: Record<string, { sets: ReplicaSet[]; limit?: number; expected: string[] }> = {
    'everything is good; within the limit': { sets: [rs('a', 0, 0, 1)], limit: 10, expected: [] },
    'limit 1 of 3: the two oldest revisions': { sets: [rs('c', 0, 0, 3), rs('a', 0, 0, 1), rs('b', 0, 0, 2)], limit: 1, expected: ['a', 'b'] },
    'only sets with no pods, spec and status': { sets: [rs('a', 0, 0, 1), rs('b', 0, 1, 2), rs('c', 1, 0, 3), rs('d', 1, 1, 4)], limit: 0, expected: ['a'] },
    'limit 0, all empty': { sets: [rs('a', 0, 0, 1), rs('b', 0, 0, 2)], limit: 0, expected: ['a', 'b'] },
    'limit 0, all with pods': { sets: [rs('a', 1, 1, 1), rs('b', 1, 1, 2)], limit: 0, expected: [] },
    'already being deleted': { sets: [rs('a', 0, 0, 1, true)], limit: 0, expected: [] },
    'no limit': { sets: [rs('a', 0, 0, 1), rs('b', 0, 0, 2)], limit: undefined, expected: [] },
  };
  for (const [name, c] of Object.entries(cases)) {
    const d = deployment();
    d.spec.revisionHistoryLimit = c.limit;
    assert.deepEqual(replicaSetsToPrune(d, c.sets).map((r) => r.metadata.name), c.expected, name);
  }
});

test('newReplicaSetAnnotations: the change-cause is copied, kubectl/controller ones are not, a rollback keeps the old revision in revision-history', () => {
  const d = deployment();
  d.metadata.annotations = { [CHANGE_CAUSE]: 'image to 1.1', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION]: '7' };
  const set = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-x', annotations: { [REVISION]: '1' } }, spec: {} } as unknown as ReplicaSet;
  assert.deepEqual(newReplicaSetAnnotations(d, set, 3), { [REVISION]: '3', [REVISION_HISTORY]: '1', [CHANGE_CAUSE]: 'image to 1.1' });
  set.metadata.annotations = { [REVISION]: '3', [REVISION_HISTORY]: '1', [CHANGE_CAUSE]: 'image to 1.1' };
  assert.equal(newReplicaSetAnnotations(d, set, 3), undefined, 'everything is good: nothing to change');
  assert.deepEqual(newReplicaSetAnnotations(d, set, 5)?.[REVISION_HISTORY], '1,3');
});

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; restarts?: number; cost?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, uid: name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', annotations: o.cost ? { 'controller.kubernetes.io/pod-deletion-cost': o.cost } : undefined },
    spec: { nodeName: o.node ?? 'n1', containers: [{ name: 'c', image: 'x:1' }] },
    status: {
      phase: (o.phase ?? 'Running') as 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2026-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 } as never],
    },
  } as Pod;
}

test('compareForDeletion (ActivePodsWithRanks): who goes first', () => {
  const now = new Date('2026-01-02T00:00:00Z');
  const cases: Record<string, { first: Pod; second: Pod }> = {
    'everything is good; a younger ready pod before an older one (different powers of two)': { first: pod('b', { readySince: '2026-01-01T23:59:00Z' }), second: pod('a', { readySince: '2026-01-01T00:00:00Z' }) },
    'unassigned first': { first: pod('b', { node: '' }), second: pod('a') },
    'pending before running': { first: pod('b', { phase: 'Pending' }), second: pod('a') },
    'not ready before ready': { first: pod('b', { ready: false }), second: pod('a') },
    'lower deletion cost first': { first: pod('b', { cost: '-5' }), second: pod('a') },
    'more restarts first': { first: pod('b', { restarts: 3 }), second: pod('a') },
    'ready about as long (the same power of two): by uid': { first: pod('a', { readySince: '2026-01-01T23:59:01Z' }), second: pod('b', { readySince: '2026-01-01T23:59:00Z' }) },
  };
  for (const [name, c] of Object.entries(cases)) {
    assert.ok(compareForDeletion(c.first, c.second, () => 1, now) < 0, name);
    assert.ok(compareForDeletion(c.second, c.first, () => 1, now) > 0, `${name} (reversed)`);
  }
  const crowded = podsToDelete([pod('a', { node: 'n1' }), pod('b', { node: 'n2' })], [pod('a', { node: 'n1' }), pod('b', { node: 'n2' }), pod('c', { node: 'n2' })], 1, now);
  assert.deepEqual(crowded.map((p) => p.metadata.name), ['b'], 'the pod doubled up on a node goes first');
});

test('isPodAvailable: ready for minReadySeconds', () => {
  const now = new Date('2026-01-01T00:00:10Z');
  const p = pod('a', { readySince: '2026-01-01T00:00:05Z' });
  assert.equal(isPodAvailable(p, 0, now), true, 'everything is good; no minReadySeconds');
  assert.equal(isPodAvailable(p, 5, now), true, 'exactly 5 s');
  assert.equal(isPodAvailable(p, 6, now), false, 'not yet');
  assert.equal(isPodAvailable(pod('b', { ready: false }), 0, now), false, 'not ready');
});
