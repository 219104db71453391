// The scheduler's NodeAffinity, InterPodAffinity and PodTopologySpread filters on one node, and the
// DaemonSet's node affinity helpers: table tests after kube-scheduler's own cases
// (nodeaffinity/node_affinity_test.go, interpodaffinity/filtering_test.go,
// podtopologyspread/filtering_test.go), cut to one node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Affinity, Node, Pod } from '../../../src/api/types.js';
import { interPodAffinityFailure, topologySpreadFailure } from '../../../src/controllers/inter-pod-affinity.js';
import { matchesRequiredNodeAffinity, nodeNamesOfAffinity, targetNodeName, withDaemonNodeAffinity } from '../../../src/controllers/node-affinity.js';
import { filterNode, fitErrorMessage, preFilterMessage } from '../../../src/controllers/scheduler-fit.js';

const NODE = 'vm';

function node(labels: Record<string, string> = { 'kubernetes.io/hostname': NODE, zone: 'z1', gen: '5' }): Node {
  const allocatable = { cpu: '2', memory: '4Gi', pods: '110' };
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels }, spec: {}, status: { capacity: allocatable, allocatable } } as Node;
}

function pod(name: string, labels: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}, namespace = 'default'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'c', image: 'x:1' }], ...spec } } as Pod;
}

const on = (p: Pod): Pod => ({ ...p, spec: { ...p.spec, nodeName: NODE } });
const terms = (...t: object[]): Affinity => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: t as never } } });
const expr = (key: string, operator: string, values?: string[]) => ({ key, operator, ...(values ? { values } : {}) });

test('node affinity: nodeSelector AND any one term; within a term everything', () => {
  const cases: Record<string, { spec: Partial<Pod['spec']>; expected: boolean }> = {
    'no constraints: the node fits': { spec: {}, expected: true },
    'nodeSelector matches': { spec: { nodeSelector: { zone: 'z1' } }, expected: true },
    'nodeSelector does not': { spec: { nodeSelector: { zone: 'z2' } }, expected: false },
    'In matches': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z0', 'z1'])] }) }, expected: true },
    'NotIn of a value the node has': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'NotIn', ['z1'])] }) }, expected: false },
    'NotIn of a label the node lacks': { spec: { affinity: terms({ matchExpressions: [expr('disk', 'NotIn', ['ssd'])] }) }, expected: true },
    'Exists / DoesNotExist': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'Exists'), expr('disk', 'DoesNotExist')] }) }, expected: true },
    'Gt: 5 > 4': { spec: { affinity: terms({ matchExpressions: [expr('gen', 'Gt', ['4'])] }) }, expected: true },
    'Lt: 5 < 5 is not': { spec: { affinity: terms({ matchExpressions: [expr('gen', 'Lt', ['5'])] }) }, expected: false },
    'Gt on a label that is no integer': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'Gt', ['1'])] }) }, expected: false },
    'expressions of a term are ANDed': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z1']), expr('gen', 'Gt', ['9'])] }) }, expected: false },
    'terms are ORed': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z2'])] }, { matchExpressions: [expr('gen', 'Gt', ['1'])] }) }, expected: true },
    'an empty term selects nothing': { spec: { affinity: terms({}) }, expected: false },
    'a term that does not parse is skipped, the next may match': {
      spec: { affinity: terms({ matchExpressions: [expr('gen', 'Gt', ['x'])] }, { matchExpressions: [expr('zone', 'Exists')] }) },
      expected: true,
    },
    'matchFields metadata.name In the node': { spec: { affinity: terms({ matchFields: [expr('metadata.name', 'In', [NODE])] }) }, expected: true },
    'matchFields metadata.name NotIn the node': { spec: { affinity: terms({ matchFields: [expr('metadata.name', 'NotIn', [NODE])] }) }, expected: false },
    'fields and expressions of a term are ANDed': { spec: { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z2'])], matchFields: [expr('metadata.name', 'In', [NODE])] }) }, expected: false },
    'nodeSelector and affinity are ANDed': { spec: { nodeSelector: { zone: 'z2' }, affinity: terms({ matchExpressions: [expr('zone', 'Exists')] }) }, expected: false },
    'preferred terms do not filter': {
      spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [expr('zone', 'In', ['z9'])] } }] } } },
      expected: true,
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(matchesRequiredNodeAffinity(pod('p', {}, c.spec), node()), c.expected, name);
});

test('node affinity PreFilter: the nodes named by metadata.name, per term, ORed', () => {
  const names = (a: Affinity) => {
    const s = nodeNamesOfAffinity(pod('p', {}, { affinity: a }));
    return s && [...s].sort();
  };
  assert.equal(names({}), undefined);
  assert.deepEqual(names(terms({ matchFields: [expr('metadata.name', 'In', ['a', 'b'])] })), ['a', 'b']);
  assert.deepEqual(names(terms({ matchFields: [expr('metadata.name', 'In', ['a', 'b']), expr('metadata.name', 'In', ['b', 'c'])] })), ['b'], 'ANDed within a term');
  assert.deepEqual(names(terms({ matchFields: [expr('metadata.name', 'In', ['a'])] }, { matchFields: [expr('metadata.name', 'In', ['c'])] })), ['a', 'c'], 'ORed across terms');
  assert.equal(names(terms({ matchFields: [expr('metadata.name', 'In', ['a'])] }, { matchExpressions: [expr('zone', 'Exists')] })), undefined, 'a term without names lets all through');
  assert.deepEqual(names(terms({ matchFields: [expr('metadata.name', 'In', ['a']), expr('metadata.name', 'In', ['b'])] })), [], 'conflict');
});

test('filterNode and preFilterMessage: the FailedScheduling words of node affinity', () => {
  const msg = (p: Pod) => preFilterMessage(p) ?? (filterNode(p, node(), []) ? fitErrorMessage([filterNode(p, node(), [])!]) : undefined);
  assert.equal(msg(pod('p', {}, { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z1'])] }) })), undefined);
  assert.equal(
    msg(pod('p', {}, { affinity: terms({ matchExpressions: [expr('zone', 'In', ['z2'])] }) })),
    "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
  );
  assert.equal(
    msg(pod('p', {}, { affinity: terms({ matchFields: [expr('metadata.name', 'In', ['other'])] }) })),
    "0/1 nodes are available: 1 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
  );
  assert.equal(
    msg(pod('p', {}, { affinity: terms({ matchFields: [expr('metadata.name', 'In', ['a']), expr('metadata.name', 'In', ['b'])] }) })),
    '0/1 nodes are available: pod affinity terms conflict. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
});

test('DaemonSet helpers: the target node, and the affinity that pins a pod to it', () => {
  const pinned = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [NODE] }] }] };
  const pref = [{ weight: 1, preference: { matchExpressions: [expr('zone', 'In', ['z1'])] } }];
  const cases: Record<string, { affinity?: Affinity; expected: Affinity }> = {
    'no affinity': { expected: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pinned } } },
    'pod anti-affinity is kept': {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }] } },
      expected: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }] }, nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pinned } },
    },
    'preferred terms are kept': {
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: pref } },
      expected: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: pref, requiredDuringSchedulingIgnoredDuringExecution: pinned } },
    },
    'required terms, a name field among them, are replaced': {
      affinity: terms({ matchExpressions: [expr('zone', 'Exists')], matchFields: [expr('metadata.name', 'In', ['old'])] }, { matchExpressions: [expr('gen', 'Gt', ['1'])] }),
      expected: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pinned } },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const before = structuredClone(c.affinity);
    assert.deepEqual(withDaemonNodeAffinity(c.affinity, NODE), c.expected, name);
    assert.deepEqual(c.affinity, before, `${name}: the template is not changed`);
  }
  assert.equal(targetNodeName(pod('p', {}, { affinity: withDaemonNodeAffinity(undefined, 'n7') })), 'n7', 'Pending: the node of the affinity');
  assert.equal(targetNodeName(pod('p', {}, { nodeName: 'n8', affinity: withDaemonNodeAffinity(undefined, 'n7') })), 'n8', 'bound: spec.nodeName');
  assert.equal(targetNodeName(pod('p')), undefined);
});

const sel = (labels: Record<string, string>) => ({ matchLabels: labels });
const affine = (...t: object[]): Partial<Pod['spec']> => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t as never } } });
const antiAffine = (...t: object[]): Partial<Pod['spec']> => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: t as never } } });
const HOST = 'kubernetes.io/hostname';

test('inter-pod affinity on one node', () => {
  const nsLabels = (ns: string) => ({ team: ns === 'other' ? 'a' : 'b' }) as Record<string, string>;
  type Case = { pod: Pod; onNode?: Pod[]; node?: Node; expected?: string };
  const AFF = "node(s) didn't match pod affinity rules";
  const ANTI = "node(s) didn't match pod anti-affinity rules";
  const EXISTING = "node(s) didn't satisfy existing pods anti-affinity rules";
  const cases: Record<string, Case> = {
    'no affinity; nothing to check': { pod: pod('p'), onNode: [on(pod('db', { app: 'db' }))] },
    'affinity to a pod that is there': { pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })), onNode: [on(pod('db', { app: 'db' }))] },
    'affinity to a pod that is not there': { pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })), onNode: [on(pod('web', { app: 'web' }))], expected: AFF },
    'affinity by a topologyKey the node lacks': { pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: 'rack' })), onNode: [on(pod('db', { app: 'db' }))], expected: AFF },
    'the first pod of a self-affine group': { pod: pod('p', { app: 'db' }, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })) },
    'but not on a node without the topologyKey': { pod: pod('p', { app: 'db' }, affine({ labelSelector: sel({ app: 'db' }), topologyKey: 'rack' })), expected: AFF },
    'a pod that does not match its own terms is no first pod': { pod: pod('p', { app: 'web' }, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })), expected: AFF },
    'the matching pod is in another namespace': {
      pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })),
      onNode: [on(pod('db', { app: 'db' }, {}, 'other'))],
      expected: AFF,
    },
    'namespaces name it': { pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST, namespaces: ['other'] })), onNode: [on(pod('db', { app: 'db' }, {}, 'other'))] },
    'a namespaceSelector matches its namespace': {
      pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST, namespaceSelector: sel({ team: 'a' }) })),
      onNode: [on(pod('db', { app: 'db' }, {}, 'other'))],
    },
    'an empty namespaceSelector is every namespace': { pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST, namespaceSelector: {} })), onNode: [on(pod('db', { app: 'db' }, {}, 'other'))] },
    'no labelSelector matches no pod': { pod: pod('p', {}, affine({ topologyKey: HOST })), onNode: [on(pod('db', { app: 'db' }))], expected: AFF },
    'an existing pod must match all the terms': {
      pod: pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST }, { labelSelector: sel({ tier: 'x' }), topologyKey: 'zone' })),
      onNode: [on(pod('db', { app: 'db' })), on(pod('x', { tier: 'x' }))],
      expected: AFF,
    },
    'anti-affinity to a pod that is there': { pod: pod('p', {}, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })), onNode: [on(pod('w', { app: 'web' }))], expected: ANTI },
    'anti-affinity by a key the node lacks: no conflict': { pod: pod('p', {}, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: 'rack' })), onNode: [on(pod('w', { app: 'web' }))] },
    'anti-affinity to itself, alone on the node': { pod: pod('p', { app: 'web' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })) },
    'the second replica of a self-anti-affine Deployment': {
      pod: pod('p2', { app: 'web' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })),
      onNode: [on(pod('p1', { app: 'web' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })))],
      expected: ANTI,
    },
    'symmetry: an existing pod does not want this one': { pod: pod('p', { app: 'web' }), onNode: [on(pod('db', { app: 'db' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: 'zone' })))], expected: EXISTING },
    "symmetry: the existing pod's namespaceSelector sees this pod's namespace labels": {
      pod: pod('p', { app: 'web' }),
      onNode: [on(pod('db', { app: 'db' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST, namespaceSelector: sel({ team: 'b' }) }), 'other'))],
      expected: EXISTING,
    },
    "symmetry: the existing pod's term is for its own namespace": { pod: pod('p', { app: 'web' }), onNode: [on(pod('db', { app: 'db' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST }), 'other'))] },
    "symmetry: the existing pod's key is not on the node": { pod: pod('p', { app: 'web' }), onNode: [on(pod('db', { app: 'db' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: 'rack' })))] },
    'affinity is checked before anti-affinity': {
      pod: pod('p', {}, { affinity: { podAffinity: affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST }).affinity!.podAffinity, podAntiAffinity: antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST }).affinity!.podAntiAffinity } }),
      onNode: [on(pod('w', { app: 'web' }))],
      expected: AFF,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = interPodAffinityFailure(c.pod, c.node ?? node(), c.onNode ?? [], nsLabels);
    assert.deepEqual(got?.reasons[0], c.expected, name);
  }
});

test('inter-pod affinity through the scheduler: kube words and preemption', () => {
  const web = (n: string) => pod(n, { app: 'web' }, antiAffine({ labelSelector: sel({ app: 'web' }), topologyKey: HOST }));
  const failure = filterNode(web('p2'), node(), [on(web('p1'))]);
  assert.equal(
    fitErrorMessage([failure!]),
    "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
  );
  const affinity = filterNode(pod('p', {}, affine({ labelSelector: sel({ app: 'db' }), topologyKey: HOST })), node(), []);
  assert.equal(fitErrorMessage([affinity!]), "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  // resources are looked at first, as kube's filter order has it
  assert.deepEqual(filterNode({ ...web('p2'), spec: { ...web('p2').spec, containers: [{ name: 'c', image: 'x:1', resources: { requests: { cpu: '3' } } }] } }, node(), [on(web('p1'))])?.reasons, ['Insufficient cpu']);
});

test('topology spread on one node', () => {
  const spread = (c: object) => ({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: sel({ app: 'web' }), ...c }] as never });
  const replicas = (n: number) => Array.from({ length: n }, (_, i) => on(pod(`w${i}`, { app: 'web' })));
  const SPREAD = "node(s) didn't match pod topology spread constraints";
  const cases: Record<string, { pod: Pod; onNode?: Pod[]; expected?: string }> = {
    'one domain: always within maxSkew': { pod: pod('p', { app: 'web' }, spread({})), onNode: replicas(5) },
    'a key the node lacks': { pod: pod('p', { app: 'web' }, spread({ topologyKey: 'rack' })), expected: `${SPREAD} (missing required label)` },
    'ScheduleAnyway only scores': { pod: pod('p', { app: 'web' }, spread({ topologyKey: 'rack', whenUnsatisfiable: 'ScheduleAnyway' })) },
    'minDomains 2 with one domain: the global minimum is 0': { pod: pod('p', { app: 'web' }, spread({ minDomains: 2, maxSkew: 2 })), onNode: replicas(1) },
    'so the third matching pod is too many': { pod: pod('p', { app: 'web' }, spread({ minDomains: 2, maxSkew: 2 })), onNode: replicas(2), expected: SPREAD },
    'a pod that does not match the selector adds nothing': { pod: pod('p', { app: 'db' }, spread({ minDomains: 2, maxSkew: 2 })), onNode: replicas(2) },
    'terminating pods are not counted': {
      pod: pod('p', { app: 'web' }, spread({ minDomains: 2, maxSkew: 2 })),
      onNode: replicas(2).map((p, i) => (i ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } } : p)),
    },
    'matchLabelKeys narrow the selector to the pod’s own value': {
      pod: pod('p', { app: 'web', 'pod-template-hash': 'new' }, spread({ minDomains: 2, maxSkew: 1, matchLabelKeys: ['pod-template-hash'] })),
      onNode: replicas(3),
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(topologySpreadFailure(c.pod, node(), c.onNode ?? [])?.reasons[0], c.expected, name);
});
