// Server-side apply and managedFields over HTTP: the real handler and registry in-process, plain
// fetch as the client. What kubectl cannot easily send (no fieldManager, force on a merge patch,
// bad YAML) is checked here; test/e2e/server-side-apply.test.ts drives the real kubectl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { Registry } from '../../../src/apiserver/registry.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const TOKEN = 'test-token';
let base = '';
let registry: Registry;
let api: InProcessApi;

before(async () => {
  api = await startInProcessApi({ token: TOKEN });
  ({ base, registry } = api);
});

after(() => api.stop());

const APPLY = 'application/apply-patch+yaml';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'User-Agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const apply = (path: string, body: unknown, query = 'fieldManager=kubectl&force=false') => call('PATCH', `${path}?${query}`, body, { 'Content-Type': APPLY });

const CM = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const managers = (o: any) => (o.metadata.managedFields ?? []).map((e: any) => [e.manager, e.operation, ...(e.subresource ? [e.subresource] : [])]);

test('apply creates (201), re-applying changes nothing, not even the resourceVersion (200)', async () => {
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n';
  const created = await apply(`${CM}/applied`, yaml);
  assert.equal(created.status, 201);
  assert.deepEqual(created.body.data, { a: '1' });
  assert.deepEqual(created.body.metadata.managedFields, [
    { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: created.body.metadata.managedFields[0].time, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
  ]);
  const again = await apply(`${CM}/applied`, yaml);
  assert.equal(again.status, 200);
  assert.equal(again.body.metadata.resourceVersion, created.body.metadata.resourceVersion);
  const dry = await apply(`${CM}/applied-dry`, cm('applied-dry', { a: '1' }), 'fieldManager=kubectl&dryRun=All');
  assert.equal(dry.status, 201);
  assert.equal((await call('GET', `${CM}/applied-dry`)).status, 404, 'a dry run writes nothing');
});

test('PatchOptions: apply needs a fieldManager, force is for apply only (422, kube\'s words)', async () => {
  await call('POST', CM, cm('opts', { a: '1' }));
  const noManager = await apply(`${CM}/opts`, cm('opts', { a: '2' }), 'force=false');
  assert.equal(noManager.status, 422);
  assert.equal(noManager.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const force = await call('PATCH', `${CM}/opts?force=true`, { data: { a: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(force.status, 422);
  assert.equal(force.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  const long = await call('POST', `${CM}?fieldManager=${'x'.repeat(129)}`, cm('long', { a: '1' }));
  assert.equal(long.status, 422);
  assert.equal(long.body.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
});

test('apply bodies that are refused', async () => {
  await call('POST', CM, cm('bad', { a: '1' }));
  const cases: [string, unknown, number, RegExp][] = [
    ['YAML that does not parse', 'a: [b', 400, /^error decoding YAML: /],
    ['not an object', '[1, 2]', 400, /^error decoding YAML: .*cannot unmarshal array into Go value of type map\[string\]interface \{\}$/],
    ['another kind', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bad' } }, 400, /^invalid object type: \/v1, Kind=Secret$/],
    ['managedFields', { ...cm('bad', {}), metadata: { name: 'bad', managedFields: [] } }, 400, /^metadata\.managedFields must be nil$/],
    ['another name', cm('other', { a: '1' }), 400, /^the name of the object \(other\) does not match the name on the URL \(bad\)$/],
    ['an unknown field', { ...cm('bad', { a: '1' }), spec: { x: 1 } }, 400, /strict decoding error: unknown field "spec"/],
    ['an invalid value', { ...cm('bad', {}), data: { 'not a key!': 'x' } }, 422, /is invalid/],
  ];
  for (const [what, body, status, message] of cases) {
    const r = await apply(`${CM}/bad`, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, message, what);
  }
  // with fieldValidation=Ignore the unknown field is dropped, and no one owns it
  const ignored = await apply(`${CM}/bad`, { ...cm('bad', { a: '1' }), spec: { x: 1 } }, 'fieldManager=kubectl&fieldValidation=Ignore');
  assert.equal(ignored.status, 200);
  assert.ok(!JSON.stringify(ignored.body.metadata.managedFields).includes('f:spec'));
});

test('a conflict is a 409 with FieldManagerConflict causes; force takes the field', async () => {
  await apply(`${CM}/owned`, cm('owned', { a: '1', b: '1' }), 'fieldManager=ci');
  const r = await apply(`${CM}/owned`, cm('owned', { a: '2' }));
  assert.equal(r.status, 409);
  assert.equal(r.body.reason, 'Conflict');
  assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "ci": .data.a');
  assert.deepEqual(r.body.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "ci"', field: '.data.a' }] });
  const forced = await apply(`${CM}/owned`, cm('owned', { a: '2' }), 'fieldManager=kubectl&force=true');
  assert.equal(forced.status, 200);
  assert.deepEqual(forced.body.data, { a: '2', b: '1' });
  assert.deepEqual(managers(forced.body), [['ci', 'Apply'], ['kubectl', 'Apply']]);
  assert.deepEqual(forced.body.metadata.managedFields[0].fieldsV1, { 'f:data': { 'f:b': {} } });
});

test('creates, updates and patches record their manager: the fieldManager parameter, else the User-Agent\'s product', async () => {
  const created = await call('POST', `${CM}?fieldManager=kubectl-create`, cm('upd', { a: '1' }));
  assert.deepEqual(managers(created.body), [['kubectl-create', 'Update']]);
  const patched = await call('PATCH', `${CM}/upd`, { data: { b: '2' } }, { 'Content-Type': 'application/merge-patch+json' });
  // (entries of the same second sort by manager)
  assert.deepEqual(managers(patched.body), [['kubectl', 'Update'], ['kubectl-create', 'Update']]);
  assert.deepEqual(patched.body.metadata.managedFields[0].fieldsV1, { 'f:data': { 'f:b': {} } });
  // a client may reset them
  const reset = await call('PUT', `${CM}/upd`, { ...patched.body, metadata: { ...patched.body.metadata, managedFields: [] } });
  assert.equal(reset.body.metadata.managedFields, undefined);
  // in-process writes that name no manager are k1s's
  const own = registry.create(byKind('ConfigMap')!, 'default', cm('own', { a: '1' }));
  assert.deepEqual(managers(own), [['k1s', 'Update']]);
});

test('/status and /scale writes record under their subresource', async () => {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sub' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'sub' } }, template: { metadata: { labels: { app: 'sub' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  };
  const D = '/apis/apps/v1/namespaces/default/deployments';
  await apply(`${D}/sub`, dep);
  const current = (await call('GET', `${D}/sub`)).body;
  const status = await call('PUT', `${D}/sub/status?fieldManager=k1s`, { ...current, status: { replicas: 1 } });
  assert.deepEqual(managers(status.body), [['kubectl', 'Apply'], ['k1s', 'Update', 'status']]);
  const scaled = await call('PATCH', `${D}/sub/scale`, { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(scaled.body.spec.replicas, 4);
  const after = (await call('GET', `${D}/sub`)).body;
  // kube's ScaleHandler leaves a scaler new to the object without a time: it sorts first of the updates
  assert.deepEqual(managers(after), [['kubectl', 'Apply'], ['kubectl', 'Update', 'scale'], ['k1s', 'Update', 'status']]);
  assert.deepEqual(after.metadata.managedFields[1].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  const conflict = await apply(`${D}/sub`, dep);
  assert.equal(conflict.body.message, 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  // an apply through /scale by the parent's applier (scale_test.go has every step of it)
  const applyScale = await call('PATCH', `${D}/sub/scale?fieldManager=kubectl&force=true`, { apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 2 } }, { 'Content-Type': APPLY });
  assert.equal(applyScale.status, 200);
  assert.deepEqual(managers((await call('GET', `${D}/sub`)).body), [['kubectl', 'Apply', 'scale'], ['kubectl', 'Apply'], ['k1s', 'Update', 'status']]);
});
