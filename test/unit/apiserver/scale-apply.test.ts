// Server-side apply, updates and patches through /scale, over raw HTTP against the in-process API
// server, in the steps of kube's test/integration/apiserver/apply/scale_test.go
// (TestScaleAllResources, TestScaleUpdateOnlyStatus): who owns the parent's spec.replicas after
// each write, conflicts with the parent's appliers, --force, co-ownership. And the pure ScaleHandler
// conversions, table-tested.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { toParentEntries, toScaleEntries } from '../../../src/api/managed-fields/scale.js';
import type { ManagedFieldsEntry } from '../../../src/api/fields.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const TOKEN = 'test-token';
let api: InProcessApi;
before(async () => {
  api = await startInProcessApi({ token: TOKEN });
});
after(() => api.stop());

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(api.base + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';

const valid = (kind: string) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'test' },
  spec: {
    replicas: 1,
    ...(kind === 'StatefulSet' ? { serviceName: 'test' } : {}),
    selector: { matchLabels: { app: 'nginx' } },
    template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
  },
});

const scaleBody = (replicas: number) => JSON.stringify({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'test', namespace: 'default' }, spec: { replicas } });

/** The managers whose entries own spec.replicas, sorted. */
function replicasOwners(obj: any): string[] {
  return (obj.metadata.managedFields as ManagedFieldsEntry[])
    .filter((e) => (e.fieldsV1 as any)?.['f:spec']?.['f:replicas'] !== undefined)
    .map((e) => e.manager!)
    .sort();
}

for (const [kind, resource] of [
  ['Deployment', 'deployments'],
  ['ReplicaSet', 'replicasets'],
  ['StatefulSet', 'statefulsets'],
] as const) {
  test(`${kind}: ownership of spec.replicas through /scale, as kube's TestScaleAllResources`, async () => {
    const path = `/apis/apps/v1/namespaces/default/${resource}/test`;
    const get = async () => (await call('GET', path)).body;
    const expect = async (replicas: number, owners: string[], step: string) => {
      const o = await get();
      assert.equal(o.spec.replicas, replicas, step);
      assert.deepEqual(replicasOwners(o), owners, step);
      return o;
    };

    assert.equal((await call('PATCH', `${path}?fieldManager=apply_test`, JSON.stringify(valid(kind)), APPLY)).status, 201);
    await expect(1, ['apply_test'], 'created by apply');

    const scaled = await call('PATCH', `${path}/scale?fieldManager=scale_test`, { spec: { replicas: 5 } }, MERGE);
    assert.equal(scaled.status, 200);
    assert.equal(scaled.body.kind, 'Scale');
    assert.equal(scaled.body.spec.replicas, 5);
    const afterScale = await expect(5, ['scale_test'], 'merge patch of the scale');
    const entry = afterScale.metadata.managedFields.find((e: ManagedFieldsEntry) => e.manager === 'scale_test');
    // as kube-apiserver 1.32 records it: the parent's version, Update, subresource scale, and no time
    assert.deepEqual(entry, { manager: 'scale_test', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' });

    const conflict = await call('PATCH', `${path}?fieldManager=apply_test`, JSON.stringify(valid(kind)), APPLY);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.message, 'Apply failed with 1 conflict: conflict with "scale_test" with subresource "scale" using apps/v1: .spec.replicas');

    assert.equal((await call('PATCH', `${path}?fieldManager=apply_test&force=true`, JSON.stringify(valid(kind)), APPLY)).status, 200);
    await expect(1, ['apply_test'], 'forced apply of the parent');

    const scaleConflict = await call('PATCH', `${path}/scale?fieldManager=apply_scale`, scaleBody(17), APPLY);
    assert.equal(scaleConflict.status, 409);
    assert.equal(scaleConflict.body.message, 'Apply failed with 1 conflict: conflict with "apply_test": .spec.replicas');
    assert.deepEqual(scaleConflict.body.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "apply_test"', field: '.spec.replicas' }]);
    await expect(1, ['apply_test'], 'a conflicting apply changes nothing');

    const forced = await call('PATCH', `${path}/scale?fieldManager=apply_scale&force=true`, scaleBody(17), APPLY);
    assert.equal(forced.status, 200);
    assert.equal(forced.body.spec.replicas, 17);
    const afterForce = await expect(17, ['apply_scale'], 'forced apply of the scale');
    const applied = afterForce.metadata.managedFields.find((e: ManagedFieldsEntry) => e.manager === 'apply_scale');
    assert.equal(applied.operation, 'Apply');
    assert.equal(applied.subresource, 'scale');
    assert.equal(applied.apiVersion, 'apps/v1');
    // apply_test keeps the rest of what it applied
    assert.ok(afterForce.metadata.managedFields.find((e: ManagedFieldsEntry) => e.manager === 'apply_test').fieldsV1['f:spec']['f:template']);

    assert.equal((await call('PUT', `${path}/scale?fieldManager=replace_test`, scaleBody(7))).status, 200);
    await expect(7, ['replace_test'], 'replace of the scale');

    assert.equal((await call('PATCH', `${path}/scale?fieldManager=co_owning_test`, scaleBody(7), APPLY)).status, 200);
    await expect(7, ['co_owning_test', 'replace_test'], 'an apply of the same value shares the field');

    assert.equal((await call('PATCH', `${path}/scale?fieldManager=scale_test`, { spec: { replicas: 5 } }, MERGE)).status, 200);
    await expect(5, ['scale_test'], 'scaling again takes the field alone');

    const dry = await call('PATCH', `${path}/scale?fieldManager=dry&dryRun=All&force=true`, scaleBody(9), APPLY);
    assert.equal(dry.status, 200);
    assert.equal(dry.body.spec.replicas, 9);
    await expect(5, ['scale_test'], 'a dry run writes nothing');

    const noManager = await call('PATCH', `${path}/scale`, scaleBody(3), APPLY);
    assert.equal(noManager.status, 422);
    assert.match(noManager.body.message, /fieldManager: Required value: is required for apply patch/);
    const wrongKind = await call('PATCH', `${path}/scale?fieldManager=x`, JSON.stringify({ apiVersion: 'apps/v1', kind: kind, metadata: { name: 'test' } }), APPLY);
    assert.equal(wrongKind.status, 400);
    assert.equal(wrongKind.body.message, `invalid object type: apps/v1, Kind=${kind}`);
  });
}

test("a scale write of status alone leaves spec.replicas' owner (TestScaleUpdateOnlyStatus)", async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments/status-only';
  const body = { ...valid('Deployment'), metadata: { name: 'status-only' } };
  await call('PATCH', `${path}?fieldManager=apply_test`, JSON.stringify(body), APPLY);
  assert.equal((await call('PATCH', `${path}/scale?fieldManager=scale_test`, { status: { replicas: 42 } }, MERGE)).status, 200);
  const o = (await call('GET', path)).body;
  assert.equal(o.spec.replicas, 1);
  assert.deepEqual(replicasOwners(o), ['apply_test']);
});

test('ScaleHandler conversions: ToSubresource and ToParent', () => {
  const replicas = { 'f:spec': { 'f:replicas': {} } };
  const e = (manager: string, operation: 'Apply' | 'Update', fieldsV1: Record<string, unknown>, extra: Partial<ManagedFieldsEntry> = {}): ManagedFieldsEntry => ({
    manager,
    operation,
    apiVersion: 'apps/v1',
    time: '2026-01-01T00:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1,
    ...extra,
  });
  const parent = [
    e('applier', 'Apply', { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } }),
    e('labeler', 'Update', { 'f:metadata': { 'f:labels': { 'f:a': {} } } }),
    e('old', 'Update', replicas, { apiVersion: 'apps/v1beta1' }),
  ];
  assert.deepEqual(toScaleEntries(parent, 'apps/v1'), [{ manager: 'applier', operation: 'Apply', apiVersion: 'autoscaling/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: replicas }]);
  assert.equal(toScaleEntries([parent[1]], 'apps/v1'), undefined);

  const scaleOf = (...entries: ManagedFieldsEntry[]) => entries.map((x) => ({ ...x, apiVersion: 'autoscaling/v1' }));
  const cases: Record<string, { scale: ManagedFieldsEntry[]; expected: (string | undefined)[][] }> = {
    'the applier still owns it: the parent is as it was (other versions dropped)': {
      scale: scaleOf(e('applier', 'Apply', replicas)),
      expected: [['applier', 'Apply', '2026-01-01T00:00:00Z', '{"f:spec":{"f:paused":{},"f:replicas":{}}}'], ['labeler', 'Update', '2026-01-01T00:00:00Z', '{"f:metadata":{"f:labels":{"f:a":{}}}}']],
    },
    'a scale update took it: the applier keeps the rest, the scaler owns it with no time': {
      scale: scaleOf(e('kubectl', 'Update', replicas, { subresource: 'scale', time: '2026-02-02T00:00:00Z' })),
      expected: [
        ['applier', 'Apply', '2026-01-01T00:00:00Z', '{"f:spec":{"f:paused":{}}}'],
        ['kubectl', 'Update', undefined, '{"f:spec":{"f:replicas":{}}}'],
        ['labeler', 'Update', '2026-01-01T00:00:00Z', '{"f:metadata":{"f:labels":{"f:a":{}}}}'],
      ],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const out = toParentEntries(parent, c.scale, 'apps/v1')!;
    assert.deepEqual(
      out.map((x) => [x.manager, x.operation, x.time, JSON.stringify(x.fieldsV1)]),
      c.expected,
      name,
    );
    assert.ok(out.every((x) => x.apiVersion === 'apps/v1'), name);
  }
});
