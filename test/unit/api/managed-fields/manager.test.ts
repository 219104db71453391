// managedFields bookkeeping as kube-apiserver's field manager keeps it: updates, applies,
// conflicts (kube's wording), forcing, removal of what an applier stops applying, shared
// ownership, kubectl's client-side apply annotation, and the entries' own rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../../src/api/errors.js';
import { ConfigMapKind } from '../../../../src/api/kinds/configmap.js';
import { DeploymentKind } from '../../../../src/api/kinds/deployment.js';
import {
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  fieldManagerErrors,
  fieldManagerFor,
  keepTimestampsOfNoOp,
  LAST_APPLIED_ANNOTATION,
  managerFromUserAgent,
  managerIdentifier,
  type ManagedFieldsEntry,
} from '../../../../src/api/managed-fields/manager.js';
import { zeroObject } from '../../../../src/apiserver/protobuf.js';

type Obj = Record<string, unknown> & { metadata?: Record<string, unknown> & { managedFields?: ManagedFieldsEntry[]; annotations?: Record<string, string> } };

const T0 = new Date('2026-01-01T00:00:00Z');
const T1 = new Date('2026-01-01T00:01:00Z');
const T2 = new Date('2026-01-01T00:02:00Z');

const deployment = (replicas: number, image = 'a:1', extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ...extra }] } },
  },
});

const configMap = (data: Record<string, string>, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'default', ...extra },
  data,
});

/** An entry's manager and fields, for short comparisons. */
const summary = (entries: ManagedFieldsEntry[] | undefined) =>
  (entries ?? []).map((e) => [e.manager, e.operation, ...(e.subresource ? [e.subresource] : []), e.fieldsV1]);

const deployments = fieldManagerFor(DeploymentKind);
const configMaps = fieldManagerFor(ConfigMapKind);

/** The object with managedFields set, as the registry stores it. */
const stored = (o: Obj, managedFields: ManagedFieldsEntry[] | undefined): Obj => ({ ...o, metadata: { ...o.metadata, ...(managedFields ? { managedFields } : {}) } });

test('a create records everything the creator set, compared with the kind\'s empty object', () => {
  const created = deployment(2);
  const entries = deployments.update(zeroObject('apps/v1', 'Deployment'), created, 'kubectl-create', T0);
  assert.deepEqual(entries, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            // template, its metadata and spec are Go value structs, present in the empty object: no "."
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
});

test('updates take the fields they change from their owners; an owner left with nothing goes', () => {
  const v1 = configMap({ a: '1', b: '2' });
  const e1 = configMaps.update(zeroObject('v1', 'ConfigMap'), v1, 'creator', T0);
  const v2 = configMap({ a: '9', b: '2' });
  const e2 = configMaps.update(stored(v1, e1), stored(v2, e1), 'editor', T1);
  assert.deepEqual(summary(e2), [
    ['creator', 'Update', { 'f:data': { '.': {}, 'f:b': {} } }],
    ['editor', 'Update', { 'f:data': { 'f:a': {} } }],
  ]);
  assert.equal(e2![0].time, '2026-01-01T00:00:00Z', 'an entry keeps its time until its manager changes something');
  assert.equal(e2![1].time, '2026-01-01T00:01:00Z');
  // the editor takes b too: the creator owns only the map itself now
  const v3 = configMap({ a: '9', b: '3' });
  const e3 = configMaps.update(stored(v2, e2), stored(v3, e2), 'editor', T2);
  assert.deepEqual(summary(e3), [
    ['creator', 'Update', { 'f:data': {} }],
    ['editor', 'Update', { 'f:data': { 'f:a': {}, 'f:b': {} } }],
  ]);
  // removing a field takes it from everyone; an entry that owns nothing is dropped
  const v4 = { ...configMap({}), data: undefined };
  const e4 = configMaps.update(stored(v3, e3), stored(v4, e3), 'pruner', T2);
  assert.deepEqual(summary(e4), []);
  assert.equal(e4, undefined);
});

test('an update that changes nothing changes no entry, nor its time', () => {
  const v1 = configMap({ a: '1' });
  const e1 = configMaps.update(zeroObject('v1', 'ConfigMap'), v1, 'creator', T0);
  assert.deepEqual(configMaps.update(stored(v1, e1), stored(v1, e1), 'someone', T1), e1);
});

test('managedFields a client sends: kept when readable, [] or [{}] resets them, anything else is replaced by the live ones', () => {
  const v1 = configMap({ a: '1' });
  const e1 = configMaps.update(zeroObject('v1', 'ConfigMap'), v1, 'creator', T0)!;
  const other: ManagedFieldsEntry[] = [{ manager: 'other', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
  assert.deepEqual(summary(configMaps.update(stored(v1, e1), stored(v1, other), 'x', T1)), [['other', 'Update', { 'f:data': { 'f:a': {} } }]]);
  for (const reset of [[], [{}]]) assert.equal(configMaps.update(stored(v1, e1), stored(v1, reset as ManagedFieldsEntry[]), 'x', T1), undefined, JSON.stringify(reset));
  const bad = [{ manager: 'x', operation: 'Delete', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }];
  assert.deepEqual(configMaps.update(stored(v1, e1), stored(v1, bad), 'x', T1), e1);
  // through a subresource, the request's entries never count
  assert.deepEqual(fieldManagerFor(ConfigMapKind, 'status').update(stored(v1, e1), stored(v1, other), 'x', T1), e1);
});

test('status writes record under subresource "status" and own nothing but status; the main resource never owns status', () => {
  const live = { ...deployment(2), status: { replicas: 0 } };
  const e0 = deployments.update(zeroObject('apps/v1', 'Deployment'), live, 'creator', T0);
  assert.ok(!JSON.stringify(e0).includes('f:status'), 'the main resource does not own status');
  const next = { ...deployment(3), status: { replicas: 2 } };
  const e1 = fieldManagerFor(DeploymentKind, 'status').update(stored(live, e0), stored(next, e0), 'k1s', T1);
  assert.deepEqual(summary(e1).at(-1), ['k1s', 'Update', 'status', { 'f:status': { 'f:replicas': {} } }]);
  assert.ok(JSON.stringify(e1![0].fieldsV1).includes('f:replicas'), "a status write takes no spec field from its owner");
});

test('apply creates: the applier owns what its configuration sets, nothing of what the server fills in', () => {
  const out = deployments.apply({}, deployment(2), 'kubectl', false, T0);
  assert.equal(out.changed, true);
  assert.deepEqual(summary(out.object.metadata!.managedFields), [
    [
      'kubectl',
      'Apply',
      {
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
        },
      },
    ],
  ]);
  assert.equal(out.object.metadata!.managedFields![0].apiVersion, 'apps/v1');
  assert.equal(out.object.metadata!.managedFields![0].time, '2026-01-01T00:00:00Z');
});

test('re-applying the same configuration changes nothing, not even the time', () => {
  const first = deployments.apply({}, deployment(2), 'kubectl', false, T0).object;
  const again = deployments.apply(first, deployment(2), 'kubectl', false, T1);
  assert.equal(again.changed, false);
  assert.deepEqual(again.object, first);
});

test('a conflict: kube\'s message and causes; force moves the field to the applier', () => {
  const applied = deployments.apply({}, deployment(2), 'kubectl', false, T0).object;
  // kubectl scale: an update through /scale
  const scaled = { ...applied, spec: { ...(applied.spec as object), replicas: 5 } };
  const scaleEntries = fieldManagerFor(DeploymentKind, 'scale').update(applied, scaled, 'kubectl', T1);
  const live = stored(scaled, scaleEntries);
  assert.throws(
    () => deployments.apply(live, deployment(2), 'kubectl', false, T2),
    (e: ApiError) => {
      assert.equal(e.code, 409);
      assert.equal(e.reason, 'Conflict');
      assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
      assert.deepEqual(e.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" with subresource "scale" using apps/v1', field: '.spec.replicas' }] });
      return true;
    },
  );
  // the same value is no conflict: the applier shares the field
  const shared = deployments.apply(live, deployment(5), 'kubectl', false, T2).object.metadata!.managedFields!;
  assert.deepEqual(shared.map((e) => [e.manager, e.operation, e.subresource]), [['kubectl', 'Apply', undefined], ['kubectl', 'Update', 'scale']]);
  assert.deepEqual(shared[1].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.ok('f:replicas' in (shared[0].fieldsV1!['f:spec'] as object));
  const forced = deployments.apply(live, deployment(2), 'kubectl', true, T2).object;
  assert.equal((forced.spec as { replicas: number }).replicas, 2);
  assert.deepEqual(summary(forced.metadata!.managedFields).map(([m, o]) => [m, o]), [['kubectl', 'Apply']], 'the scaler owned only replicas: its entry goes');
});

test('several conflicts with several managers: grouped by manager, sorted', () => {
  let live = deployments.apply({}, deployment(2), 'ci', false, T0).object;
  const e1 = deployments.update(live, { ...deployment(3), metadata: live.metadata }, 'kubectl-edit', T1);
  live = stored({ ...deployment(3), metadata: { ...live.metadata } }, e1);
  const e2 = deployments.update(live, stored(deployment(3, 'b:2'), e1), 'kubectl-set', T1);
  live = stored(deployment(3, 'b:2'), e2);
  assert.throws(
    () => deployments.apply(live, deployment(4, 'c:3'), 'ci', false, T2),
    (e: ApiError) =>
      e.message ===
        'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\nconflicts with "kubectl-set" using apps/v1:\n- .spec.template.spec.containers[name="web"].image' &&
      e.details!.causes!.length === 2,
  );
  const one = conflictError([
    { manager: managerIdentifier({ manager: 'm', operation: 'Apply' }), path: [{ field: 'spec' }, { field: 'replicas' }] },
    { manager: managerIdentifier({ manager: 'm', operation: 'Apply' }), path: [{ field: 'spec' }, { field: 'paused' }] },
  ]);
  assert.equal(one.message, 'Apply failed with 2 conflicts: conflicts with "m":\n- .spec.replicas\n- .spec.paused');
});

test('a field the applier stops applying is removed, unless someone else owns it', () => {
  const withPorts = deployment(2, 'a:1', { ports: [{ containerPort: 80 }], args: ['x'] });
  const live = deployments.apply({}, withPorts, 'kubectl', false, T0).object;
  const dropped = deployments.apply(live, deployment(2), 'kubectl', false, T1).object;
  assert.deepEqual((dropped.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers, [{ name: 'web', image: 'a:1' }]);
  // another manager applying the ports keeps them
  const two = deployments.apply(live, { ...deployment(2, 'a:1', { ports: [{ containerPort: 80 }] }), spec: { template: { spec: { containers: [{ name: 'web', ports: [{ containerPort: 80 }] }] } } } }, 'other', false, T1).object;
  const kept = deployments.apply(two, deployment(2), 'kubectl', false, T2).object;
  assert.deepEqual((kept.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers, [{ name: 'web', image: 'a:1', ports: [{ containerPort: 80 }] }]);
});

test('two appliers of different fields both keep theirs', () => {
  const a = configMaps.apply({}, configMap({ a: '1' }), 'team-a', false, T0).object;
  const b = configMaps.apply(a, configMap({ b: '2' }), 'team-b', false, T1).object;
  assert.deepEqual(b.data, { a: '1', b: '2' });
  assert.deepEqual(summary(b.metadata!.managedFields), [
    ['team-a', 'Apply', { 'f:data': { 'f:a': {} } }],
    ['team-b', 'Apply', { 'f:data': { 'f:b': {} } }],
  ]);
  const aAgain = configMaps.apply(b, configMap({}), 'team-a', false, T2).object;
  assert.deepEqual(aAgain.data, { b: '2' }, 'team-a stops applying a: it goes, b stays');
});

test("kubectl's server-side apply takes over what its client-side apply set, and keeps the annotation in step", () => {
  const csa = configMap({ a: '1' }, { annotations: { [LAST_APPLIED_ANNOTATION]: '{"apiVersion":"v1","data":{"a":"1"},"kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"}}\n' } });
  const e0 = configMaps.update(zeroObject('v1', 'ConfigMap'), csa, 'kubectl-client-side-apply', T0);
  const live = stored(csa, e0);
  const out = configMaps.apply(live, configMap({ a: '2' }), 'kubectl', false, T1).object;
  assert.deepEqual(out.data, { a: '2' });
  assert.equal(out.metadata!.annotations![LAST_APPLIED_ANNOTATION], '{"apiVersion":"v1","data":{"a":"2"},"kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"}}\n');
  // another applier gets the conflict
  assert.throws(() => configMaps.apply(live, configMap({ a: '2' }), 'ci', false, T1), /conflict with "kubectl-client-side-apply" using v1: \.data\.a/);
});

test('what an apply body may not be', () => {
  const cases: [unknown, RegExp][] = [
    [{ ...configMap({}), kind: 'Secret' }, /^invalid object type: \/v1, Kind=Secret$/],
    [{ ...configMap({}), apiVersion: 'apps/v1' }, /^invalid object type: apps\/v1, Kind=ConfigMap$/],
    [{ ...configMap({}), metadata: { name: 'cm', managedFields: [] } }, /^metadata.managedFields must be nil$/],
    [{ ...deployment(1), spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, /^failed to create typed patch object \(default\/web; apps\/v1, Kind=Deployment\): \.spec\.template\.spec\.containers: element 0: associative list with keys has an element that omits key field "name"/],
  ];
  for (const [body, message] of cases) {
    const fm = (body as Obj).kind === 'Deployment' ? deployments : configMaps;
    assert.throws(() => fm.apply({}, body, 'kubectl', false, T0), (e: ApiError) => e.code === 400 && message.test(e.message), String(message));
  }
});

test('entries: identifiers, decoding rules, encoding order', () => {
  assert.equal(managerIdentifier({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }), '{"manager":"kubectl","operation":"Apply"}');
  assert.equal(managerIdentifier({ manager: 'k', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' }), '{"manager":"k","operation":"Update","apiVersion":"apps/v1","subresource":"status"}');
  const bad: [ManagedFieldsEntry, string][] = [
    [{ manager: 'm', operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }, 'operation must be `Apply` or `Update`'],
    [{ manager: 'm', operation: 'Update', fieldsType: 'FieldsV1' }, 'apiVersion must not be empty'],
    [{ manager: 'm', operation: 'Update', apiVersion: 'v1' }, 'missing fieldsType in managed fields entry 0'],
    [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV2' }, 'invalid fieldsType "FieldsV2" in managed fields entry 0'],
  ];
  for (const [e, message] of bad) assert.throws(() => decodeManagedFields([e]), { message });
  const entries: ManagedFieldsEntry[] = [
    { manager: 'b', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:b': {} } } },
    { manager: 'a', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    { manager: 'z', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:z': {} } } },
  ];
  // Apply before Update, then oldest first
  assert.deepEqual(encodeManagedFields(decodeManagedFields(entries))!.map((e) => e.manager), ['z', 'b', 'a']);
  assert.deepEqual(Object.keys(encodeManagedFields(decodeManagedFields(entries))![0]), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
});

test('beyond ten update managers the oldest merge into "ancient-changes"', () => {
  let live: Obj = configMap({});
  let entries: ManagedFieldsEntry[] | undefined;
  for (let i = 0; i < 12; i++) {
    const next = stored(configMap({ ...(live.data as Record<string, string>), [`k${i}`]: 'v' }), entries);
    entries = configMaps.update(live, next, `m${i}`, new Date(T0.getTime() + i * 1000));
    live = stored(next, entries);
  }
  assert.equal(entries!.length, 10);
  assert.deepEqual(entries!.map((e) => e.manager).slice(0, 2), ['ancient-changes', 'm3']);
  assert.deepEqual(entries![0].fieldsV1, { 'f:data': { 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } });
});

test('a write that would change only managedFields times keeps the old ones', () => {
  const current = stored(configMap({ a: '1' }), [{ manager: 'm', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: {} }]);
  const next = stored({ ...configMap({ a: '1' }) }, [{ ...current.metadata!.managedFields![0], time: '2026-01-01T00:09:00Z' }]);
  keepTimestampsOfNoOp(next, current);
  assert.equal(next.metadata!.managedFields![0].time, '2026-01-01T00:00:00Z');
  const changed = stored(configMap({ a: '2' }), [{ ...current.metadata!.managedFields![0], time: '2026-01-01T00:09:00Z' }]);
  keepTimestampsOfNoOp(changed, current);
  assert.equal(changed.metadata!.managedFields![0].time, '2026-01-01T00:09:00Z');
});

test('the default manager is the User-Agent up to its first "/"; managers must be short and printable', () => {
  const cases: [string | undefined, string][] = [
    ['kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd', 'kubectl'],
    ['node-fetch', 'node-fetch'],
    ['a\u0007b/1', 'ab'],
    [undefined, ''],
    ['x'.repeat(200), 'x'.repeat(128)],
  ];
  for (const [ua, want] of cases) assert.equal(managerFromUserAgent(ua), want, String(ua));
  assert.deepEqual(fieldManagerErrors('kubectl'), []);
  assert.deepEqual(fieldManagerErrors('x'.repeat(129)), ['Too long: may not be more than 128 bytes']);
  assert.deepEqual(fieldManagerErrors('a\tb'), ['Invalid value: "a\\tb": invalid character U+0009 (at position 1)']);
});
