// The eviction subresource: the pure decision (kube's eviction.go cases), then the HTTP answer over
// the in-process API server (codes, Status bodies, Retry-After, the budget spent, dry runs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideEviction, MULTIPLE_BUDGETS } from '../../../src/apiserver/eviction.js';
import { byKind } from '../../../src/api/resources.js';
import type { Pod, PodDisruptionBudget } from '../../../src/api/types.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const NOW = new Date('2025-06-01T12:00:00Z');

function pod(mutate: (p: Pod) => void = () => {}): Pod {
  const p = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-a', namespace: 'ns', labels: { app: 'web' }, resourceVersion: '7' },
    spec: { nodeName: 'vm', containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  } as Pod;
  mutate(p);
  return p;
}
function budget(name: string, status: Partial<NonNullable<PodDisruptionBudget['status']>> = {}, spec: PodDisruptionBudget['spec'] = {}): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'ns', generation: 1 },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
    status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, ...status },
  };
}
const unready = (p: Pod) => (p.status!.conditions = [{ type: 'Ready', status: 'False' }]);

type Want = string; // 'delete', 'delete+rv', 'spend:<allowed left>', or '<code> <reason>: <message> | <cause>'
const describe = (d: ReturnType<typeof decideEviction>): Want => {
  if (d.action === 'delete') return d.enforceResourceVersion ? 'delete+rv' : 'delete';
  if (d.action === 'spend') return `spend:${d.status.disruptionsAllowed}`;
  const s = d.error.toStatus();
  return `${s.code} ${s.reason ?? ''}: ${s.message}${s.details?.causes ? ` | ${s.details.causes.map((c) => `${c.reason}: ${c.message}`).join('; ')}` : ''}`;
};

const cases: Record<string, { pod?: Pod; pdbs: PodDisruptionBudget[]; rvGiven?: boolean; want: Want }> = {
  'a ready pod, a budget with room: spent': { pdbs: [budget('web')], want: 'spend:0' },
  'no budget: deleted, no precondition': { pdbs: [], want: 'delete' },
  'a budget selecting other pods is no budget': { pdbs: [budget('other', {}, { selector: { matchLabels: { app: 'db' } } })], want: 'delete' },
  'a budget without a selector selects nothing': { pdbs: [{ ...budget('nil'), spec: { minAvailable: 2 } }], want: 'delete' },
  'a Pending pod disrupts nothing: deleted, with its resourceVersion': { pod: pod((p) => (p.status!.phase = 'Pending')), pdbs: [budget('web', { disruptionsAllowed: 0 })], want: 'delete+rv' },
  'a pod without a phase yet is Pending': { pod: pod((p) => delete p.status!.phase), pdbs: [budget('web', { disruptionsAllowed: 0 })], want: 'delete+rv' },
  'a Succeeded pod: deleted, no precondition needed': { pod: pod((p) => (p.status!.phase = 'Succeeded')), pdbs: [budget('web', { disruptionsAllowed: 0 })], want: 'delete' },
  'a Failed pod': { pod: pod((p) => (p.status!.phase = 'Failed')), pdbs: [budget('web', { disruptionsAllowed: 0 })], want: 'delete' },
  'a pod being deleted already': { pod: pod((p) => (p.metadata.deletionTimestamp = '2025-06-01T11:59:00Z')), pdbs: [budget('web', { disruptionsAllowed: 0 })], want: 'delete' },
  'a Pending pod whose eviction names its own resourceVersion keeps it': { pod: pod((p) => (p.status!.phase = 'Pending')), pdbs: [], rvGiven: true, want: 'delete' },
  'two budgets: 500 with no reason': { pdbs: [budget('a'), budget('b')], want: `500 : ${MULTIPLE_BUDGETS}` },
  'no disruption allowed: 429 with the DisruptionBudget cause': {
    pdbs: [budget('web', { disruptionsAllowed: 0, currentHealthy: 2 })],
    want: "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. | DisruptionBudget: The disruption budget web needs 2 healthy pods and has 2 currently",
  },
  'a budget its controller has not seen yet: 429, still being processed': {
    pdbs: [{ ...budget('web'), metadata: { name: 'web', namespace: 'ns', generation: 2 } }],
    want: "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. | DisruptionBudget: The disruption budget web is still being processed by the server.",
  },
  'a negative budget: 403': { pdbs: [budget('web', { disruptionsAllowed: -1 })], want: '403 Forbidden: poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative' },
  'too many evictions unconfirmed: 403': {
    pdbs: [budget('web', { disruptedPods: Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, '2025-06-01T11:59:00Z'])) })],
    want: '403 Forbidden: poddisruptionbudget.policy "web" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller',
  },
  'an unready pod while the healthy ones suffice: deleted without spending (IfHealthyBudget)': { pod: pod(unready), pdbs: [budget('web', { disruptionsAllowed: 0, currentHealthy: 2 })], want: 'delete+rv' },
  'an unready pod when they do not: the budget decides': {
    pod: pod(unready),
    pdbs: [budget('web', { disruptionsAllowed: 0, currentHealthy: 1 })],
    want: "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. | DisruptionBudget: The disruption budget web needs 2 healthy pods and has 1 currently",
  },
  'an unready pod under AlwaysAllow: deleted whatever the budget': { pod: pod(unready), pdbs: [budget('web', { disruptionsAllowed: 0, currentHealthy: 0 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' })], want: 'delete+rv' },
  'a ready pod under AlwaysAllow is guarded as ever': { pdbs: [budget('web', { disruptionsAllowed: 0, currentHealthy: 2 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' })], want: "429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. | DisruptionBudget: The disruption budget web needs 2 healthy pods and has 2 currently" },
};

for (const [name, c] of Object.entries(cases)) {
  test(`decision: ${name}`, () => assert.equal(describe(decideEviction({ pod: c.pod ?? pod(), pdbs: c.pdbs, resourceVersionGiven: c.rvGiven ?? false, now: NOW })), c.want));
}

test('decision: spending records the pod in disruptedPods and, at zero, turns the condition to InsufficientPods', () => {
  const pdb = budget('web', { disruptedPods: { old: '2025-06-01T11:59:00Z' }, conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '2025-06-01T11:00:00Z', observedGeneration: 1 }] });
  const d = decideEviction({ pod: pod(), pdbs: [pdb], resourceVersionGiven: false, now: NOW });
  assert.equal(d.action, 'spend');
  if (d.action !== 'spend') return;
  assert.deepEqual(d.status.disruptedPods, { old: '2025-06-01T11:59:00Z', 'web-a': '2025-06-01T12:00:00Z' });
  assert.deepEqual(d.status.conditions, [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: '2025-06-01T12:00:00Z', reason: 'InsufficientPods', message: '' }]);
  // with room left over the condition is left as it is
  const roomy = decideEviction({ pod: pod(), pdbs: [budget('web', { disruptionsAllowed: 3 })], resourceVersionGiven: false, now: NOW });
  assert.deepEqual(roomy.action === 'spend' && [roomy.status.disruptionsAllowed, roomy.status.conditions], [2, undefined]);
});

// ---- over HTTP ----

const TOKEN = 'test-token';
let api: InProcessApi;
const POD = byKind('Pod')!;
const PDB = byKind('PodDisruptionBudget')!;

before(async () => {
  api = await startInProcessApi({ token: TOKEN });
});
after(() => api.stop());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(api.base + path, { method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}
const evictionPath = (name: string) => `/api/v1/namespaces/default/pods/${name}/eviction`;
const eviction = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, ...extra });

function runningPod(name: string, labels = { app: 'web' }): void {
  api.registry.create(POD, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: 'vm', terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'i:1' }] } });
  const p = api.registry.get<Pod>(POD, 'default', name);
  api.registry.update(POD, 'default', name, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
}
function budgetWith(name: string, selector: Record<string, string>, status: NonNullable<PodDisruptionBudget['status']>): void {
  api.registry.create(PDB, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: selector } } });
  const pdb = api.registry.get<PodDisruptionBudget>(PDB, 'default', name);
  api.registry.update(PDB, 'default', name, { ...pdb, status }, { subresource: 'status' });
}

test('http: an allowed eviction spends the budget, marks the pod and deletes it gracefully; 201 Success', async () => {
  runningPod('a1');
  budgetWith('pa', { app: 'web' }, { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
  const dry = await call('POST', evictionPath('a1') + '?dryRun=All', eviction('a1'));
  assert.deepEqual([dry.status, dry.body.status], [201, 'Success']);
  assert.equal(api.registry.get<PodDisruptionBudget>(PDB, 'default', 'pa').status?.disruptionsAllowed, 1, 'a dry run spends nothing');
  assert.equal(api.registry.get<Pod>(POD, 'default', 'a1').metadata.deletionTimestamp, undefined);

  const r = await call('POST', evictionPath('a1'), eviction('a1', { deleteOptions: { gracePeriodSeconds: 3 } }));
  assert.deepEqual([r.status, r.body], [201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }]);
  const pdb = api.registry.get<PodDisruptionBudget>(PDB, 'default', 'pa');
  assert.equal(pdb.status?.disruptionsAllowed, 0);
  assert.deepEqual(Object.keys(pdb.status?.disruptedPods ?? {}), ['a1']);
  const pod = api.registry.get<Pod>(POD, 'default', 'a1');
  assert.equal(pod.metadata.deletionGracePeriodSeconds, 3, "the eviction's grace period");
  assert.deepEqual(
    pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget'),
    { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.lastTransitionTime },
  );
});

test('http: refused by the budget: 429 TooManyRequests with the cause; still processing also says Retry-After', async () => {
  runningPod('b1', { app: 'b' });
  budgetWith('pb', { app: 'b' }, { observedGeneration: 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
  const r = await call('POST', evictionPath('b1'), eviction('b1'));
  assert.equal(r.status, 429);
  assert.equal(r.retryAfter, null);
  assert.deepEqual(r.body, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget pb needs 1 healthy pods and has 1 currently' }] },
    code: 429,
  });
  const pdb = api.registry.get<PodDisruptionBudget>(PDB, 'default', 'pb');
  api.registry.update(PDB, 'default', 'pb', { ...pdb, spec: { ...pdb.spec, minAvailable: 0 } });
  const pending = await call('POST', evictionPath('b1'), eviction('b1'));
  assert.deepEqual([pending.status, pending.retryAfter, pending.body.details.retryAfterSeconds], [429, '10', 10]);
  assert.equal(api.registry.get<Pod>(POD, 'default', 'b1').metadata.deletionTimestamp, undefined, 'the pod stays');
});

test('http: two budgets: 500 without a reason; bad bodies: 400; a missing pod: 404; GET: 405', async () => {
  runningPod('c1', { app: 'c' });
  budgetWith('pc1', { app: 'c' }, { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 });
  budgetWith('pc2', { app: 'c' }, { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 });
  const two = await call('POST', evictionPath('c1'), eviction('c1'));
  assert.deepEqual([two.status, two.body.reason, two.body.message], [500, undefined, MULTIPLE_BUDGETS]);
  assert.deepEqual([(await call('POST', evictionPath('c1'), eviction('other'))).body.message], ['name in URL does not match name in Eviction object']);
  const unknown = await call('POST', evictionPath('c1'), eviction('c1', { spec: {} }));
  assert.deepEqual([unknown.status, unknown.body.message], [400, 'Eviction in version "v1" cannot be handled as a Eviction: strict decoding error: unknown field "spec"']);
  assert.equal((await call('POST', evictionPath('c1'), { ...eviction('c1'), apiVersion: 'policy/v2' })).status, 400);
  assert.equal((await call('POST', evictionPath('nope'), eviction('nope'))).status, 404);
  assert.equal((await call('GET', evictionPath('c1'))).status, 405);
  // policy/v1beta1 Evictions are still taken, as kube's AcceptsGroupVersion
  api.registry.delete(PDB, 'default', 'pc2');
  assert.equal((await call('POST', evictionPath('c1'), { ...eviction('c1'), apiVersion: 'policy/v1beta1' })).status, 201);
});
