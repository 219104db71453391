// kubectl rollout's decisions (polymorphichelpers, v1.32) as k1s makes them: status lines per kind,
// the history table, what undo, restart, pause and resume patch. Table tests over one base object per kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../../src/api/types.js';
import { controllerRevisions, historyText, pausePatch, replicaSetRevisions, restartPatch, rfc3339Local, rolloutStatus, undoPlan } from '../../../src/cli/rollout.js';

const tpl = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
const owner = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1', controller: true };

function deployment(mutate: (d: Deployment) => void = () => {}): Deployment {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', generation: 2, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: tpl('x:2') },
    status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
  } as Deployment;
  mutate(d);
  return d;
}

test('rollout status: kubectl lines for a Deployment, in its order of checks', () => {
  const cases: Record<string, { mutate: (d: Deployment) => void; text?: string; done?: boolean; error?: string; revision?: number }> = {
    'everything is rolled out': { mutate: () => {}, text: 'deployment "web" successfully rolled out\n', done: true },
    'the new generation not observed yet': { mutate: (d) => (d.status!.observedGeneration = 1), text: 'Waiting for deployment spec update to be observed...\n', done: false },
    'new replicas being made': { mutate: (d) => (d.status!.updatedReplicas = 1), text: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', done: false },
    'old replicas going': { mutate: (d) => (d.status!.replicas = 5), text: 'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...\n', done: false },
    'updated replicas not available yet': { mutate: (d) => (d.status!.availableReplicas = 1), text: 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n', done: false },
    'the progress deadline passed': {
      mutate: (d) => (d.status!.conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] as never),
      error: 'deployment "web" exceeded its progress deadline',
    },
    'another revision asked for': { mutate: () => {}, revision: 3, error: 'desired revision (3) is different from the running revision (2)' },
    'the revision asked for': { mutate: () => {}, revision: 2, text: 'deployment "web" successfully rolled out\n', done: true },
  };
  for (const [name, c] of Object.entries(cases)) {
    if (c.error) assert.throws(() => rolloutStatus(deployment(c.mutate), c.revision), { message: c.error }, name);
    else assert.deepEqual(rolloutStatus(deployment(c.mutate), c.revision), { text: c.text, done: c.done }, name);
  }
});

test('rollout status: DaemonSet and StatefulSet lines', () => {
  const ds = (status: Partial<NonNullable<DaemonSet['status']>>, type = 'RollingUpdate') =>
    ({ kind: 'DaemonSet', metadata: { name: 'agent', generation: 1 }, spec: { updateStrategy: { type } }, status: { observedGeneration: 1, desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1, ...status } }) as DaemonSet;
  assert.deepEqual(rolloutStatus(ds({})), { text: 'daemon set "agent" successfully rolled out\n', done: true });
  assert.equal(rolloutStatus(ds({ updatedNumberScheduled: 0 })).text, 'Waiting for daemon set "agent" rollout to finish: 0 out of 1 new pods have been updated...\n');
  assert.equal(rolloutStatus(ds({ numberAvailable: 0 })).text, 'Waiting for daemon set "agent" rollout to finish: 0 of 1 updated pods are available...\n');
  assert.equal(rolloutStatus(ds({ observedGeneration: 0 })).text, 'Waiting for daemon set spec update to be observed...\n');
  assert.throws(() => rolloutStatus(ds({}, 'OnDelete')), { message: 'rollout status is only available for RollingUpdate strategy type' });

  const sts = (status: Partial<NonNullable<StatefulSet['status']>>, partition?: number) =>
    ({
      kind: 'StatefulSet',
      metadata: { name: 'db', generation: 1 },
      spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', ...(partition === undefined ? {} : { rollingUpdate: { partition } }) } },
      status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3, currentRevision: 'db-1', updateRevision: 'db-1', ...status },
    }) as StatefulSet;
  assert.deepEqual(rolloutStatus(sts({}, 0)), { text: 'partitioned roll out complete: 3 new pods have been updated...\n', done: true });
  assert.equal(rolloutStatus(sts({ readyReplicas: 1 }, 0)).text, 'Waiting for 2 pods to be ready...\n');
  assert.equal(rolloutStatus(sts({ updatedReplicas: 1 }, 1)).text, 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...\n');
  assert.equal(rolloutStatus(sts({ updateRevision: 'db-2', updatedReplicas: 1 })).text, 'waiting for statefulset rolling update to complete 1 pods at revision db-2...\n');
  assert.deepEqual(rolloutStatus(sts({})), { text: 'statefulset rolling update complete 3 pods at revision db-1...\n', done: true });
  assert.equal(rolloutStatus(sts({ observedGeneration: 0 })).text, 'Waiting for statefulset spec update to be observed...\n');
});

const rs = (revision: number, image: string, extra: Record<string, string> = {}, ownerUid = 'u1'): ReplicaSet =>
  ({
    kind: 'ReplicaSet',
    metadata: { name: `web-${revision}`, annotations: { 'deployment.kubernetes.io/revision': String(revision), ...extra }, ownerReferences: [{ ...owner, uid: ownerUid }] },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { ...tpl(image), metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } } } },
  }) as unknown as ReplicaSet;

test('rollout history: the REVISION table, sorted, change causes, only what the owner controls', () => {
  const revs = replicaSetRevisions(deployment(), [rs(2, 'x:2', { 'kubernetes.io/change-cause': 'v2' }), rs(1, 'x:1'), rs(9, 'x:9', {}, 'someone-else')]);
  assert.equal(historyText(revs), 'REVISION  CHANGE-CAUSE\n1         <none>\n2         v2\n');
  assert.equal(historyText([]), 'No rollout history found.');
  assert.throws(() => historyText(revs, 5), { message: 'unable to find the specified revision' });
  assert.match(historyText(revs, 2), /^Pod Template:\n {2}Labels:\tapp=web\n\tpod-template-hash=h2\n {2}Annotations:\tkubernetes.io\/change-cause: v2\n/);
});

test('rollout undo: a Deployment gets the revision’s template (no hash label) and its annotations back', () => {
  const revs = replicaSetRevisions(deployment(), [rs(1, 'x:1', { 'kubernetes.io/change-cause': 'v1', 'deployment.kubernetes.io/desired-replicas': '3' }), rs(2, 'x:2')]);
  const d = deployment((x) => (x.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = '{}'));
  assert.deepEqual(undoPlan(d, revs), {
    patchType: 'json',
    patch: [
      { op: 'replace', path: '/spec/template', value: tpl('x:1') },
      { op: 'replace', path: '/metadata/annotations', value: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'v1' } },
    ],
  });
  assert.deepEqual(undoPlan(d, revs, 2), { skip: 'skipped rollback (current template already matches revision 2)' });
  assert.throws(() => undoPlan(d, revs, 7), { message: 'unable to find specified revision 7 in history' });
  assert.throws(() => undoPlan(d, revs, -1), { message: 'unable to find specified revision -1 in history' });
  assert.throws(() => undoPlan(d, [revs[1]]), { message: 'no rollout history found for deployment "web"' });
  assert.throws(() => undoPlan(deployment((x) => (x.spec.paused = true)), revs), { message: "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again" });
});

test('rollout undo: a DaemonSet or StatefulSet sends the revision’s data as a strategic merge patch', () => {
  const data = (image: string) => ({ spec: { template: { ...tpl(image), $patch: 'replace' } } });
  const cr = (revision: number, image: string): ControllerRevision => ({ kind: 'ControllerRevision', metadata: { name: `db-${revision}`, ownerReferences: [owner] }, revision, data: data(image) }) as unknown as ControllerRevision;
  const sts = { kind: 'StatefulSet', metadata: { name: 'db', uid: 'u1' }, spec: { template: tpl('x:2') } } as unknown as StatefulSet;
  const revs = controllerRevisions(sts, [cr(2, 'x:2'), cr(1, 'x:1')]);
  assert.equal(historyText(revs), 'REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n');
  assert.deepEqual(undoPlan(sts, revs), { patchType: 'strategic', patch: data('x:1') });
  assert.deepEqual(undoPlan(sts, revs, 2), { skip: 'skipped rollback (current template already matches revision 2)' });
  assert.throws(() => undoPlan(sts, [revs[0]]), { message: 'no last revision to roll back to' });
});

test('rollout restart, pause, resume', () => {
  const now = new Date('2026-03-04T05:06:07Z');
  const at = rfc3339Local(now);
  assert.match(at, /^2026-03-0[34]T\d\d:\d\d:07(Z|[+-]\d\d:\d\d)$/);
  assert.deepEqual(restartPatch(deployment(), now), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } });
  assert.equal(restartPatch(deployment((d) => (d.spec.template.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': at })), now), undefined, 'twice in one second: no patch');
  assert.throws(() => restartPatch(deployment((d) => (d.spec.paused = true)), now), { message: "can't restart paused deployment (run rollout resume first)" });
  assert.deepEqual(pausePatch(deployment(), true), { spec: { paused: true } });
  assert.throws(() => pausePatch(deployment((d) => (d.spec.paused = true)), true), { message: 'is already paused' });
  assert.deepEqual(pausePatch(deployment((d) => (d.spec.paused = true)), false), { spec: { paused: false } });
  assert.throws(() => pausePatch(deployment(), false), { message: 'is not paused' });
  assert.throws(() => pausePatch({ kind: 'DaemonSet' } as DaemonSet, true), { message: 'pausing is not supported' });
});
