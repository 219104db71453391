// StatefulSet and DaemonSet: the pure decisions as table tests (a fixed clock), the revision
// history, then both controllers over the in-process API server (the test plays the node agent,
// marking pods Running and Ready).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { ControllerRevision, DaemonSet, Node, PersistentVolumeClaim, Pod, StatefulSet } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/client.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { daemonTolerations, planNode, shouldRun, updateBudget } from '../../../src/controllers/daemonset-plan.js';
import { DaemonSetController } from '../../../src/controllers/daemonset.js';
import { Scheduler } from '../../../src/controllers/scheduler.js';
import { hashRevision, newRevision, planUpdateRevision, revisionsToPrune, templateOf } from '../../../src/controllers/history.js';
import { ordinalOf, plan, type Plan } from '../../../src/controllers/statefulset-plan.js';
import { StatefulSetController } from '../../../src/controllers/statefulset.js';
import { silentLogger } from '../../../src/log.js';
import type { InProcessApi } from '../../fixtures/api-server.js';
import { startControllers, until, type ControllerHarness } from '../../fixtures/controller-harness.js';

const NOW = new Date('2026-01-01T00:10:00Z');
const EARLIER = '2026-01-01T00:00:00Z';

function set(mutate?: (s: StatefulSet) => void): StatefulSet {
  const s: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'sts-uid' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
    },
  };
  mutate?.(s);
  return s;
}

function pod(name: string, opts: { ready?: boolean; phase?: string; rev?: string; deleting?: boolean; readySince?: string } = {}): Pod {
  const ready = opts.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: EARLIER,
      labels: { app: 'web', 'controller-revision-hash': opts.rev ?? 'web-new' },
      ...(opts.deleting ? { deletionTimestamp: EARLIER } : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x:1' }], nodeName: 'n1' },
    status: {
      phase: (opts.phase ?? (ready ? 'Running' : 'Pending')) as 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: opts.readySince ?? EARLIER }],
    },
  };
}

const summary = (p: Plan) => ({
  create: p.create.map((c) => `${c.ordinal}:${c.revision}`),
  remove: p.remove.map((r) => `${r.pod.metadata.name}:${r.why}`),
  waiting: p.waiting,
});

test('ordinalOf reads the ordinal of the set’s own pod names only', () => {
  assert.equal(ordinalOf('web', 'web-0'), 0);
  assert.equal(ordinalOf('web', 'web-12'), 12);
  assert.equal(ordinalOf('web', 'web-01'), undefined);
  assert.equal(ordinalOf('web', 'web-x-1'), undefined);
  assert.equal(ordinalOf('web', 'webb-1'), undefined);
});

test('StatefulSet plan', () => {
  const all = () => [pod('web-0'), pod('web-1'), pod('web-2')];
  const cases: Record<string, { mutate?: (s: StatefulSet) => void; pods: Pod[]; expected: ReturnType<typeof summary> }> = {
    'everything is good; do nothing': { pods: all(), expected: { create: [], remove: [], waiting: undefined } },
    'OrderedReady: an empty set creates web-0 only and waits for it': {
      pods: [],
      expected: { create: ['0:update'], remove: [], waiting: 'Pod web-0 to be Running and Ready' },
    },
    'OrderedReady: web-1 waits until web-0 is Running and Ready': {
      pods: [pod('web-0', { ready: false })],
      expected: { create: [], remove: [], waiting: 'Pod web-0 to be Running and Ready' },
    },
    'OrderedReady: web-0 ready, web-1 is created': { pods: [pod('web-0')], expected: { create: ['1:update'], remove: [], waiting: 'Pod web-1 to be Running and Ready' } },
    'OrderedReady: minReadySeconds not yet passed holds web-1 back': {
      mutate: (s) => (s.spec.minReadySeconds = 30),
      pods: [pod('web-0', { readySince: '2026-01-01T00:09:50Z' })],
      expected: { create: [], remove: [], waiting: 'Pod web-0 to be Available' },
    },
    'Parallel: everything missing is created at once': {
      mutate: (s) => (s.spec.podManagementPolicy = 'Parallel'),
      pods: [pod('web-1', { ready: false })],
      expected: { create: ['0:update', '2:update'], remove: [], waiting: undefined },
    },
    'a failed pod is deleted to be made again': {
      pods: [pod('web-0'), pod('web-1', { phase: 'Failed', ready: false }), pod('web-2')],
      expected: { create: [], remove: ['web-1:failed'], waiting: 'Pod web-1 to be deleted and recreated' },
    },
    'a pod being deleted is waited for': {
      pods: [pod('web-0'), pod('web-1', { deleting: true }), pod('web-2')],
      expected: { create: [], remove: [], waiting: 'Pod web-1 to terminate prior to scale up' },
    },
    'OrderedReady scale down: the highest ordinal first, one at a time': {
      mutate: (s) => (s.spec.replicas = 1),
      pods: all(),
      expected: { create: [], remove: ['web-2:condemned'], waiting: undefined },
    },
    'OrderedReady scale down waits for the condemned pod ahead to go': {
      mutate: (s) => (s.spec.replicas = 1),
      pods: [pod('web-0'), pod('web-1'), pod('web-2', { deleting: true })],
      expected: { create: [], remove: [], waiting: 'Pod web-2 to terminate prior to scale down' },
    },
    'Parallel scale down: all condemned at once': {
      mutate: (s) => ((s.spec.replicas = 1), (s.spec.podManagementPolicy = 'Parallel')),
      pods: all(),
      expected: { create: [], remove: ['web-2:condemned', 'web-1:condemned'], waiting: undefined },
    },
    'rolling update: the highest old pod goes first': {
      pods: [pod('web-0', { rev: 'web-old' }), pod('web-1', { rev: 'web-old' }), pod('web-2', { rev: 'web-old' })],
      expected: { create: [], remove: ['web-2:update'], waiting: '1 unavailable Pod(s) to become available before updating web-1' },
    },
    'rolling update waits for the updated pod to be ready': {
      pods: [pod('web-0', { rev: 'web-old' }), pod('web-1', { rev: 'web-old' }), pod('web-2', { ready: false })],
      expected: { create: [], remove: [], waiting: 'Pod web-2 to be Running and Ready' },
    },
    'rolling update with maxUnavailable 2': {
      mutate: (s) => (s.spec.updateStrategy!.rollingUpdate!.maxUnavailable = 2),
      pods: [pod('web-0', { rev: 'web-old' }), pod('web-1', { rev: 'web-old' }), pod('web-2', { rev: 'web-old' })],
      expected: { create: [], remove: ['web-2:update', 'web-1:update'], waiting: '2 unavailable Pod(s) to become available before updating web-0' },
    },
    'partition 2: ordinals below it are left alone': {
      mutate: (s) => (s.spec.updateStrategy!.rollingUpdate!.partition = 2),
      pods: [pod('web-0', { rev: 'web-old' }), pod('web-1', { rev: 'web-old' }), pod('web-2')],
      expected: { create: [], remove: [], waiting: undefined },
    },
    'partition: a missing pod below it is made from the current revision': {
      mutate: (s) => ((s.spec.updateStrategy!.rollingUpdate!.partition = 2), (s.spec.podManagementPolicy = 'Parallel')),
      pods: [pod('web-2')],
      expected: { create: ['0:current', '1:current'], remove: [], waiting: undefined },
    },
    'OnDelete: old pods stay until someone deletes them': {
      mutate: (s) => (s.spec.updateStrategy = { type: 'OnDelete' }),
      pods: [pod('web-0', { rev: 'web-old' }), pod('web-1', { rev: 'web-old' }), pod('web-2', { rev: 'web-old' })],
      expected: { create: [], remove: [], waiting: undefined },
    },
    'ordinals.start 5: pods web-5..web-7': {
      mutate: (s) => (s.spec.ordinals = { start: 5 }),
      pods: [pod('web-5'), pod('web-6')],
      expected: { create: ['7:update'], remove: [], waiting: 'Pod web-7 to be Running and Ready' },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = plan({ set: set(c.mutate), pods: c.pods, currentRevision: 'web-old', updateRevision: 'web-new', now: NOW });
    assert.deepEqual(summary(got), c.expected, name);
  }
});

test('history: a template’s revision, its hash, rollback and pruning', () => {
  const s = set((x) => (x.metadata.uid = 'u'));
  const r1 = newRevision(s, 1);
  assert.match(r1.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(r1.metadata.labels!['controller-revision-hash'], r1.metadata.name.slice(4));
  assert.deepEqual(templateOf(r1), s.spec.template);
  assert.equal((r1.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
  assert.equal(hashRevision(r1.data), hashRevision(structuredClone(r1.data)), 'the hash is a function of the data');
  assert.notEqual(hashRevision(r1.data), hashRevision(r1.data, 1), 'a collision count changes it');

  const s2 = set((x) => (x.spec.template.spec.containers[0].image = 'x:2'));
  const cases: Record<string, { revs: ControllerRevision[]; owner: StatefulSet; expected: [string, number] }> = {
    'everything is good (the newest is the template); do nothing': { revs: [r1], owner: s, expected: ['none', 1] },
    'a new template makes revision 2': { revs: [r1], owner: s2, expected: ['create', 2] },
    'back to an older template: that revision becomes the newest (rollback)': { revs: [r1, newRevision(s2, 2)], owner: s, expected: ['renumber', 3] },
    'no history yet: revision 1': { revs: [], owner: s, expected: ['create', 1] },
  };
  for (const [name, c] of Object.entries(cases)) {
    const p = planUpdateRevision(c.owner, c.revs);
    assert.deepEqual([p.action, p.update.revision], c.expected, name);
  }

  const revs = [1, 2, 3, 4].map((n) => ({ ...newRevision(set((x) => (x.spec.template.spec.containers[0].image = `x:${n}`)), n) }));
  const live = pod('web-0', { rev: revs[0].metadata.name });
  assert.deepEqual(
    revisionsToPrune(revs, [live], [revs[3].metadata.name], 1).map((r) => r.revision),
    [2],
    'in use (a live pod’s, the current one) is kept; of the rest the newest 1',
  );
  assert.deepEqual(revisionsToPrune(revs, [], [revs[3].metadata.name], 10), []);
});

function node(mutate?: (n: Node) => void): Node {
  const n = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }, spec: {} } as Node;
  mutate?.(n);
  return n;
}

function daemonSet(mutate?: (d: DaemonSet) => void): DaemonSet {
  const d: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', uid: 'ds-uid', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
  };
  mutate?.(d);
  return d;
}

test('DaemonSet: which nodes run the pod', () => {
  const cases: Record<string, { ds?: (d: DaemonSet) => void; node?: (n: Node) => void; expected: boolean }> = {
    'everything is good; the node runs it': { expected: true },
    'a nodeSelector the node does not match': { ds: (d) => (d.spec.template.spec.nodeSelector = { disk: 'ssd' }), expected: false },
    'a nodeSelector the node matches': { ds: (d) => (d.spec.template.spec.nodeSelector = { disk: 'ssd' }), node: (n) => (n.metadata.labels!.disk = 'ssd'), expected: true },
    'an untolerated NoSchedule taint': { node: (n) => (n.spec!.taints = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), expected: false },
    'the taint tolerated by the template': {
      ds: (d) => (d.spec.template.spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }]),
      node: (n) => (n.spec!.taints = [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]),
      expected: true,
    },
    'a PreferNoSchedule taint does not keep it off': { node: (n) => (n.spec!.taints = [{ key: 'x', effect: 'PreferNoSchedule' }]), expected: true },
    'an unschedulable node still runs daemon pods (their default toleration)': {
      node: (n) => ((n.spec!.unschedulable = true), (n.spec!.taints = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }])),
      expected: true,
    },
    'a not-ready node (NoExecute) still runs them': { node: (n) => (n.spec!.taints = [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), expected: true },
    'a required node affinity the node does not match': {
      ds: (d) => (d.spec.template.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } }),
      expected: false,
    },
    'a required node affinity the node matches': {
      ds: (d) => (d.spec.template.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }] } } }),
      expected: true,
    },
    'a template nodeName of another node': { ds: (d) => (d.spec.template.spec.nodeName = 'elsewhere'), expected: false },
    'a template nodeName of this node': { ds: (d) => (d.spec.template.spec.nodeName = 'n1'), expected: true },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(shouldRun(daemonSet(c.ds), node(c.node)), c.expected, name);
  const hostNet = daemonTolerations(daemonSet((d) => (d.spec.template.spec.hostNetwork = true)));
  assert.ok(hostNet.some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  assert.equal(daemonTolerations(daemonSet((d) => (d.spec.template.spec.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]))).length, 6, 'not added twice');
});

test('DaemonSet: what to do on a node', () => {
  const p = (name: string, o: Parameters<typeof pod>[1] = {}) => pod(name, { rev: 'h-new', ...o });
  const show = (r: ReturnType<typeof planNode>) => ({ create: r.create, remove: r.remove.map((x) => x.metadata.name) });
  const cases: Record<string, { ds?: (d: DaemonSet) => void; run?: boolean; pods: Pod[]; budget?: { unavailable: number; surge: number }; expected: ReturnType<typeof show> }> = {
    'everything is good; do nothing': { pods: [p('a')], expected: { create: false, remove: [] } },
    'no pod: create one': { pods: [], expected: { create: true, remove: [] } },
    'a pod still terminating: wait before replacing it': { pods: [p('a', { deleting: true })], expected: { create: false, remove: [] } },
    'two pods: the younger goes': { pods: [p('a'), { ...p('b'), metadata: { ...p('b').metadata, creationTimestamp: '2026-01-01T00:05:00Z' } }], expected: { create: false, remove: ['b'] } },
    'a failed pod is deleted and replaced': { pods: [p('a', { phase: 'Failed', ready: false })], expected: { create: true, remove: ['a'] } },
    'the node should not run it: delete': { run: false, pods: [p('a')], expected: { create: false, remove: ['a'] } },
    'an old pod with budget: delete it (maxUnavailable)': { pods: [p('a', { rev: 'h-old' })], expected: { create: false, remove: ['a'] } },
    'an old pod, no budget: keep it': { pods: [p('a', { rev: 'h-old' })], budget: { unavailable: 0, surge: 0 }, expected: { create: false, remove: [] } },
    'an old pod that is not available is replaced regardless': { pods: [p('a', { rev: 'h-old', ready: false })], budget: { unavailable: 0, surge: 0 }, expected: { create: false, remove: ['a'] } },
    'maxSurge: the new pod first': { pods: [p('a', { rev: 'h-old' })], budget: { unavailable: 0, surge: 1 }, expected: { create: true, remove: [] } },
    'maxSurge: the old goes once the new is available': { pods: [p('a', { rev: 'h-old' }), p('b')], expected: { create: false, remove: ['a'] } },
    'maxSurge: not while the new one is not ready': { pods: [p('a', { rev: 'h-old' }), p('b', { ready: false })], expected: { create: false, remove: [] } },
    'OnDelete: an old pod stays': { ds: (d) => (d.spec.updateStrategy = { type: 'OnDelete' }), pods: [p('a', { rev: 'h-old' })], expected: { create: false, remove: [] } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = planNode(daemonSet(c.ds), c.run ?? true, c.pods, 'h-new', c.budget ?? { unavailable: 1, surge: 0 }, NOW);
    assert.deepEqual(show(got), c.expected, name);
  }
  assert.deepEqual(updateBudget(daemonSet(), 1, 0), { unavailable: 1, surge: 0 });
  assert.deepEqual(updateBudget(daemonSet(), 1, 1), { unavailable: 0, surge: 0 }, 'one node already down uses the budget');
  assert.deepEqual(updateBudget(daemonSet((d) => (d.spec.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: '100%' })), 1, 0), { unavailable: 0, surge: 1 });
});

// ---- the controllers over the in-process API server ----

let h: ControllerHarness;
let api: InProcessApi;
let client: LocalClient;
const recorded: string[] = [];

before(async () => {
  const events = { record: (_o: unknown, _t: string, reason: string, message: string) => recorded.push(`${reason}: ${message}`) } as unknown as EventRecorder;
  h = await startControllers((ctx) => [new StatefulSetController(ctx), new DaemonSetController(ctx)], events);
  ({ api, client } = h);
});
after(() => h.stop());


const r = (kind: string) => byKind(kind)!;
const podsOf = (prefix: string) => (api.registry.list(r('Pod'), 'default').items as Pod[]).filter((p) => p.metadata.name.startsWith(prefix));

/** The node agent's part: the pod runs and is ready. */
function markReady(name: string): void {
  const p = api.registry.get(r('Pod'), 'default', name) as Pod;
  const status = { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] };
  api.registry.update(r('Pod'), 'default', name, { ...p, status }, { subresource: 'status' });
}

test('StatefulSet controller: ordered start, identity, claims, status, scale down, rolling update', async () => {
  const s = set((x) => {
    delete x.metadata.uid;
    x.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
    x.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }];
  });
  api.registry.create(r('StatefulSet'), 'default', s);
  const web0 = await until('web-0', () => podsOf('web-').find((p) => p.metadata.name === 'web-0'));
  assert.equal(web0.spec.hostname, 'web-0');
  assert.equal(web0.spec.subdomain, 'web');
  assert.equal(web0.metadata.labels!['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.equal(web0.metadata.labels!['apps.kubernetes.io/pod-index'], '0');
  assert.deepEqual(web0.spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-web-0' });
  const claim = api.registry.get(r('PersistentVolumeClaim'), 'default', 'data-web-0') as PersistentVolumeClaim;
  assert.deepEqual(claim.metadata.labels, { app: 'web' });
  assert.equal(claim.metadata.ownerReferences, undefined, 'Retain: the claim outlives the set');

  await new Promise((res) => setTimeout(res, 50));
  assert.equal(podsOf('web-').length, 1, 'web-1 waits for web-0 to be Ready');
  markReady('web-0');
  await until('web-1', () => podsOf('web-').length === 2);
  markReady('web-1');
  await until('web-2', () => podsOf('web-').length === 3);
  markReady('web-2');
  const st = await until('status', () => {
    const got = api.registry.get(r('StatefulSet'), 'default', 'web') as StatefulSet;
    return got.status?.readyReplicas === 3 && got.status;
  });
  assert.equal(st.replicas, 3);
  assert.equal(st.currentRevision, st.updateRevision);
  assert.equal(podsOf('web-')[0].metadata.labels!['controller-revision-hash'], st.updateRevision);
  const revs = api.registry.list(r('ControllerRevision'), 'default').items as ControllerRevision[];
  assert.deepEqual(revs.map((x) => [x.metadata.name, x.revision]), [[st.updateRevision, 1]]);
  assert.ok(recorded.includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'), recorded.join('\n'));
  assert.ok(recorded.includes('SuccessfulCreate: create Claim data-web-0 Pod web-0 in StatefulSet web success'));

  // scale down to 1: web-2 goes first, then web-1 (unbound pods are deleted at once, not gracefully)
  const cur = api.registry.get(r('StatefulSet'), 'default', 'web') as StatefulSet;
  const seen: string[] = [];
  const unwatch = api.registry.watch(r('Pod'), 'default', {}, (ev) => {
    if (ev.type === 'DELETED') seen.push((ev.object as Pod).metadata.name);
  });
  api.registry.update(r('StatefulSet'), 'default', 'web', { ...cur, spec: { ...cur.spec, replicas: 1 } });
  await until('one pod left', () => podsOf('web-').length === 1);
  unwatch();
  assert.deepEqual(seen.filter((n) => n !== 'web-0'), ['web-2', 'web-1']);
  assert.ok(api.registry.get(r('PersistentVolumeClaim'), 'default', 'data-web-2'), 'whenScaled Retain keeps the claim');

  // a new image: web-0 is replaced by a pod of revision 2
  const cur2 = api.registry.get(r('StatefulSet'), 'default', 'web') as StatefulSet;
  const tpl = structuredClone(cur2.spec.template);
  tpl.spec.containers[0].image = 'x:2';
  api.registry.update(r('StatefulSet'), 'default', 'web', { ...cur2, spec: { ...cur2.spec, template: tpl } });
  const new0 = await until('web-0 again, updated', () => podsOf('web-0').find((p) => p.spec.containers[0].image === 'x:2'));
  markReady('web-0');
  const st2 = await until('rollout complete', () => {
    const got = api.registry.get(r('StatefulSet'), 'default', 'web') as StatefulSet;
    return got.status?.currentRevision === got.status?.updateRevision && got.status?.updatedReplicas === 1 && got.status?.readyReplicas === 1 && got.status;
  });
  assert.equal(new0.metadata.labels!['controller-revision-hash'], st2.updateRevision);
  assert.deepEqual((api.registry.list(r('ControllerRevision'), 'default').items as ControllerRevision[]).map((x) => x.revision).sort(), [1, 2]);
});

test('DaemonSet controller: one pod for the node (its node affinity), bound by the scheduler, with the default tolerations; status', async (t) => {
  const n1 = api.registry.create(r('Node'), undefined, node()) as Node;
  api.registry.update(r('Node'), undefined, 'n1', { ...n1, status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } }, { subresource: 'status' });
  const ds = daemonSet((d) => (d.spec.template.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'NotIn', values: ['windows'] }] }] } } }));
  api.registry.create(r('DaemonSet'), 'default', { ...ds, metadata: { name: 'agent' } });
  const created = await until('the daemon pod', () => podsOf('agent-')[0]);
  // the controller does not bind it: the scheduler does, by the affinity that replaced the template's
  assert.equal(created.spec.nodeName, undefined);
  assert.deepEqual(created.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } });
  assert.ok(created.spec.tolerations?.some((t) => t.key === 'node.kubernetes.io/unschedulable'));
  // a pending daemon pod counts on the node its affinity names
  await until('status while Pending', () => (api.registry.get(r('DaemonSet'), 'default', 'agent') as DaemonSet).status?.currentNumberScheduled === 1);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(podsOf('agent-').length, 1, 'no second pod while the first is Pending');
  const scheduler = new Scheduler({ client, informers: h.informers, logger: silentLogger, events: { record: (_o: unknown, _t: string, reason: string, message: string) => recorded.push(`${reason}: ${message}`) } as unknown as EventRecorder }, 'n1');
  scheduler.start();
  t.after(() => scheduler.stop());
  const p = await until('bound by the scheduler', () => podsOf('agent-').find((x) => x.spec.nodeName === 'n1'));
  assert.equal(p.metadata.name, created.metadata.name);
  markReady(p.metadata.name);
  const st = await until('status', () => {
    const got = api.registry.get(r('DaemonSet'), 'default', 'agent') as DaemonSet;
    return got.status?.numberReady === 1 && got.status;
  });
  assert.deepEqual(
    { d: st.desiredNumberScheduled, c: st.currentNumberScheduled, u: st.updatedNumberScheduled, a: st.numberAvailable, m: st.numberMisscheduled },
    { d: 1, c: 1, u: 1, a: 1, m: 0 },
  );
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(podsOf('agent-').length, 1, 'one pod per node');
});
