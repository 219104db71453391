// Objects read through a schema: field sets, comparisons, merges and removals, and each kind's
// schema as server-side apply reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentKind } from '../../../../src/api/kinds/deployment.js';
import { ServiceKind } from '../../../../src/api/kinds/service.js';
import { ConfigMapKind } from '../../../../src/api/kinds/configmap.js';
import { FieldSet, pathString, type Path } from '../../../../src/api/managed-fields/fieldset.js';
import {
  ANY,
  compare,
  ensureNamedFieldsAreMembers,
  merge,
  removeItems,
  toFieldSet,
  typeOfKind,
  TypedError,
  type TypeNode,
} from '../../../../src/api/managed-fields/typed.js';

const scalar: TypeNode = { kind: 'scalar' };
const list = (items: TypeNode, listType: 'atomic' | 'set' | 'map', keys: string[] = [], keyDefaults: Record<string, unknown> = {}): TypeNode => ({
  kind: 'list',
  items,
  listType,
  keys,
  keyDefaults,
});
const struct = (fields: Record<string, TypeNode>, atomic = false): TypeNode => ({ kind: 'struct', fields: new Map(Object.entries(fields)), atomic });
const map = (values: TypeNode, atomic = false): TypeNode => ({ kind: 'map', values, atomic });

/** A small schema with one of everything. */
const T = struct({
  name: scalar,
  labels: map(scalar),
  selector: map(scalar, true),
  spec: struct({
    replicas: scalar,
    args: list(scalar, 'atomic'),
    finalizers: list(scalar, 'set'),
    containers: list(struct({ name: scalar, image: scalar, ports: list(struct({ containerPort: scalar, protocol: scalar }), 'map', ['containerPort', 'protocol'], { protocol: 'TCP' }) }), 'map', ['name']),
    strategy: struct({ type: scalar, rollingUpdate: struct({ maxSurge: scalar }) }),
    resources: struct({ limits: map(scalar) }),
  }),
});

const paths = (s: FieldSet) => s.paths().map(pathString);

test('the field set of an object: leaves, items, map entries; empty and null struct fields are members', () => {
  const obj = {
    name: 'x',
    labels: { app: 'web' },
    selector: { app: 'web' },
    spec: {
      replicas: 2,
      args: ['a', 'b'],
      finalizers: ['f1'],
      containers: [{ name: 'web', image: 'i', ports: [{ containerPort: 80 }] }],
      strategy: { rollingUpdate: {} },
      resources: null,
    },
  };
  assert.deepEqual(paths(toFieldSet(obj, T)), [
    '.name',
    '.selector',
    '.labels.app',
    '.spec.args',
    '.spec.replicas',
    '.spec.resources',
    '.spec.containers[name="web"]',
    '.spec.containers[name="web"].image',
    '.spec.containers[name="web"].name',
    '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
    '.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort',
    '.spec.finalizers[="f1"]',
    '.spec.strategy.rollingUpdate',
  ]);
  // a map entry is a member; a struct field with something in it is not (nor the map it is in)
  assert.ok(toFieldSet(obj, T).has([{ field: 'labels' }, { field: 'app' }]));
  assert.ok(!toFieldSet(obj, T).has([{ field: 'labels' }]));
  assert.ok(!toFieldSet(obj, T).has([{ field: 'spec' }]));
});

test('fields the schema does not know are read as maps of anything, and their lists as atomic', () => {
  assert.deepEqual(paths(toFieldSet({ extra: { a: { b: 1 }, l: [1] } }, T)), ['.extra', '.extra.a', '.extra.l', '.extra.a.b']);
  assert.deepEqual(paths(toFieldSet({ x: [{ a: 1 }] }, ANY)), ['.x']);
});

test('items that cannot be keyed are refused with structured-merge-diff\'s words', () => {
  const cases: [unknown, string][] = [
    [{ spec: { containers: [{ image: 'i' }] } }, '.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)'],
    [{ spec: { containers: [null] } }, '.spec.containers: element 0: associative list with keys may not have a null element'],
    [{ spec: { containers: ['web'] } }, '.spec.containers: element 0: associative list with keys may not have non-map elements'],
    [{ spec: { finalizers: [{ a: 1 }] } }, ".spec.finalizers: element 0: associative list without keys has an element that's a map type"],
  ];
  for (const [obj, message] of cases) assert.throws(() => toFieldSet(obj, T), (e: Error) => e instanceof TypedError && e.message === message, message);
});

test('compare: leaves added, removed, modified; maps and items that appear or go; structs never', () => {
  const cases: { name: string; lhs: unknown; rhs: unknown; added?: string[]; modified?: string[]; removed?: string[] }[] = [
    { name: 'nothing', lhs: { spec: { replicas: 1 } }, rhs: { spec: { replicas: 1 } } },
    { name: 'a scalar changes', lhs: { spec: { replicas: 1 } }, rhs: { spec: { replicas: 2 } }, modified: ['.spec.replicas'] },
    { name: 'a map appears, with its entry', lhs: {}, rhs: { labels: { a: '1' } }, added: ['.labels', '.labels.a'] },
    { name: 'a map that was null is no addition', lhs: { labels: null }, rhs: { labels: { a: '1' } }, added: ['.labels.a'] },
    { name: 'an atomic map is a leaf', lhs: { selector: { a: '1' } }, rhs: { selector: { a: '2' } }, modified: ['.selector'] },
    { name: 'an atomic list is a leaf', lhs: { spec: { args: ['a'] } }, rhs: { spec: { args: ['b'] } }, modified: ['.spec.args'] },
    {
      name: 'an item appears',
      lhs: { spec: { containers: [{ name: 'a', image: '1' }] } },
      rhs: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } },
      added: ['.spec.containers[name="b"]', '.spec.containers[name="b"].image', '.spec.containers[name="b"].name'],
    },
    {
      name: 'the list goes, and its item',
      lhs: { spec: { containers: [{ name: 'a', image: '1' }] } },
      rhs: { spec: {} },
      removed: ['.spec.containers', '.spec.containers[name="a"]', '.spec.containers[name="a"].image', '.spec.containers[name="a"].name'],
    },
    { name: 'an empty struct appearing is a leaf', lhs: { spec: {} }, rhs: { spec: { resources: {} } }, added: ['.spec.resources'] },
    { name: 'a value going to null is modified', lhs: { spec: { replicas: 1 } }, rhs: { spec: { replicas: null } }, modified: ['.spec.replicas'] },
  ];
  for (const c of cases) {
    const got = compare(c.lhs, c.rhs, T);
    assert.deepEqual(paths(got.added), c.added ?? [], `${c.name}: added`);
    assert.deepEqual(paths(got.modified), c.modified ?? [], `${c.name}: modified`);
    assert.deepEqual(paths(got.removed), c.removed ?? [], `${c.name}: removed`);
  }
});

test('merge: the configuration\'s leaves win, maps merge, keyed lists merge by item, atomic ones are replaced', () => {
  const cases: { name: string; lhs: unknown; rhs: unknown; want: unknown }[] = [
    { name: 'a leaf', lhs: { spec: { replicas: 1, args: ['x'] } }, rhs: { spec: { replicas: 2 } }, want: { spec: { replicas: 2, args: ['x'] } } },
    { name: 'maps', lhs: { labels: { a: '1', b: '2' } }, rhs: { labels: { b: '3', c: '4' } }, want: { labels: { a: '1', b: '3', c: '4' } } },
    { name: 'an atomic map', lhs: { selector: { a: '1', b: '2' } }, rhs: { selector: { c: '3' } }, want: { selector: { c: '3' } } },
    { name: 'an atomic list', lhs: { spec: { args: ['a', 'b'] } }, rhs: { spec: { args: ['c'] } }, want: { spec: { args: ['c'] } } },
    { name: 'a set', lhs: { spec: { finalizers: ['a', 'b'] } }, rhs: { spec: { finalizers: ['c', 'a'] } }, want: { spec: { finalizers: ['c', 'a', 'b'] } } },
    {
      name: 'keyed items merge field by field',
      lhs: { spec: { containers: [{ name: 'a', image: '1', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'b', image: '2' }] } },
      rhs: { spec: { containers: [{ name: 'a', image: '9', ports: [{ containerPort: 80 }] }] } },
      want: { spec: { containers: [{ name: 'a', image: '9', ports: [{ containerPort: 80, protocol: 'TCP' }] }, { name: 'b', image: '2' }] } },
    },
    {
      name: 'shared items take the configuration\'s order, the live object\'s others keep their place',
      lhs: { spec: { containers: [{ name: 'a' }, { name: 'x' }, { name: 'b' }] } },
      rhs: { spec: { containers: [{ name: 'b' }, { name: 'a' }] } },
      want: { spec: { containers: [{ name: 'x' }, { name: 'b' }, { name: 'a' }] } },
    },
    {
      name: 'new items land where the configuration puts them',
      lhs: { spec: { containers: [{ name: 'a' }, { name: 'y' }] } },
      rhs: { spec: { containers: [{ name: 'n' }, { name: 'a' }] } },
      want: { spec: { containers: [{ name: 'n' }, { name: 'a' }, { name: 'y' }] } },
    },
    { name: 'null in the configuration stays (it is owned, and dropped at the end)', lhs: { name: 'x' }, rhs: { name: null }, want: { name: null } },
  ];
  for (const c of cases) assert.deepEqual(merge(c.lhs, c.rhs, T), c.want, c.name);
  assert.throws(() => merge({}, { spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, T), /duplicate entries for key \[name="a"\]/);
});

test('removeItems: members go whole; maps and lists left empty become null', () => {
  const obj = { labels: { a: '1', b: '2' }, spec: { replicas: 1, containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } };
  const cases: [Path[], unknown][] = [
    [[[{ field: 'labels' }, { field: 'a' }]], { labels: { b: '2' }, spec: obj.spec }],
    [[[{ field: 'labels' }]], { spec: obj.spec }],
    [
      [[{ field: 'spec' }, { field: 'containers' }, { key: [['name', 'a']] }]],
      { labels: obj.labels, spec: { replicas: 1, containers: [{ name: 'b', image: '2' }] } },
    ],
    [
      [[{ field: 'spec' }, { field: 'containers' }, { key: [['name', 'b']] }, { field: 'image' }]],
      { labels: obj.labels, spec: { replicas: 1, containers: [{ name: 'a', image: '1' }, { name: 'b' }] } },
    ],
    [[[{ field: 'labels' }, { field: 'a' }], [{ field: 'labels' }, { field: 'b' }]], { labels: null, spec: obj.spec }],
  ];
  for (const [remove, want] of cases) assert.deepEqual(removeItems(obj, FieldSet.of(...remove), T), want, JSON.stringify(remove));
});

test('EnsureNamedFieldsAreMembers: struct fields with members below become members, map keys do not', () => {
  const s = FieldSet.of(
    [{ field: 'labels' }, { field: 'app' }],
    [{ field: 'spec' }, { field: 'strategy' }, { field: 'rollingUpdate' }, { field: 'maxSurge' }],
    [{ field: 'spec' }, { field: 'containers' }, { key: [['name', 'a']] }, { field: 'image' }],
  );
  assert.deepEqual(paths(ensureNamedFieldsAreMembers(s, T)), [
    '.labels',
    '.spec',
    '.labels.app',
    '.spec.containers',
    '.spec.strategy',
    '.spec.containers[name="a"].image',
    '.spec.strategy.rollingUpdate',
    '.spec.strategy.rollingUpdate.maxSurge',
  ]);
});

test("each kind's schema as server-side apply reads it", () => {
  const d = typeOfKind(DeploymentKind);
  const at = (t: TypeNode, ...names: string[]): TypeNode =>
    names.reduce((n, name) => (n.kind === 'struct' ? n.fields.get(name)! : n.kind === 'list' ? at(n.items, name) : n.kind === 'map' ? n.values : n), t);
  const containers = at(d, 'spec', 'template', 'spec', 'containers');
  assert.deepEqual([containers.kind, containers.kind === 'list' && containers.listType, containers.kind === 'list' && containers.keys], ['list', 'map', ['name']]);
  const ports = at(containers, 'ports');
  assert.ok(ports.kind === 'list' && ports.listType === 'map');
  assert.deepEqual(ports.kind === 'list' && [ports.keys, ports.keyDefaults], [['containerPort', 'protocol'], { protocol: 'TCP' }]);
  const env = at(containers, 'env');
  assert.deepEqual(env.kind === 'list' && env.keys, ['name']);
  assert.ok(at(containers, 'command').kind === 'list' && (at(containers, 'command') as { listType: string }).listType === 'atomic', 'lists without patch facts are atomic');
  assert.deepEqual(at(d, 'spec', 'selector').kind === 'struct' && (at(d, 'spec', 'selector') as { atomic: boolean }).atomic, true, 'a LabelSelector is atomic');
  assert.equal(at(d, 'metadata', 'labels').kind, 'map');
  const owners = at(d, 'metadata', 'ownerReferences');
  assert.deepEqual(owners.kind === 'list' && owners.keys, ['uid']);
  const svc = typeOfKind(ServiceKind);
  const svcPorts = at(svc, 'spec', 'ports');
  assert.deepEqual(svcPorts.kind === 'list' && svcPorts.keys, ['port', 'protocol']);
  assert.ok(at(svc, 'spec', 'selector').kind === 'map' && (at(svc, 'spec', 'selector') as { atomic: boolean }).atomic);
  assert.equal(at(typeOfKind(ConfigMapKind), 'data').kind, 'map');
  // a Service port without a protocol is keyed as TCP
  assert.deepEqual(paths(toFieldSet({ spec: { ports: [{ port: 80 }] } }, svc)), ['.spec.ports[port=80,protocol="TCP"]', '.spec.ports[port=80,protocol="TCP"].port']);
});
