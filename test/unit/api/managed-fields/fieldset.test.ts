// Field sets: their elements, FieldsV1 (the wire form of managedFields), set algebra and paths as
// structured-merge-diff prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, keyElement, parseElement, pathString, serializeElement, type Path, type PathElement } from '../../../../src/api/managed-fields/fieldset.js';

const f = (name: string): PathElement => ({ field: name });
const k = (key: Record<string, unknown>) => keyElement(key);
const v = (value: unknown): PathElement => ({ value });
/** `spec.replicas` style shorthand: dotted field names only */
const p = (dotted: string): Path => dotted.split('.').map(f);

test('path elements serialize as FieldsV1 keys and parse back', () => {
  const cases: [PathElement, string][] = [
    [f('spec'), 'f:spec'],
    [f('kubectl.kubernetes.io/last-applied-configuration'), 'f:kubectl.kubernetes.io/last-applied-configuration'],
    [k({ name: 'web' }), 'k:{"name":"web"}'],
    // key fields are sorted by name whatever order they were given in
    [k({ protocol: 'TCP', containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}'],
    [v('finalizer.example.com'), 'v:"finalizer.example.com"'],
    [v(3), 'v:3'],
    [{ index: 0 }, 'i:0'],
  ];
  for (const [e, s] of cases) {
    assert.equal(serializeElement(e), s);
    assert.deepEqual(parseElement(s), e, s);
  }
  for (const bad of ['x:1', 'k:[1]', 'k:{', 'v:nope', 'i:a']) assert.throws(() => parseElement(bad), bad);
});

test('paths print as structured-merge-diff prints them in conflicts', () => {
  const cases: [Path, string][] = [
    [p('spec.replicas'), '.spec.replicas'],
    [[...p('spec.template.spec.containers'), k({ name: 'web' }), f('image')], '.spec.template.spec.containers[name="web"].image'],
    [[...p('spec.ports'), k({ port: 80, protocol: 'TCP' }), f('targetPort')], '.spec.ports[port=80,protocol="TCP"].targetPort'],
    [[...p('metadata.finalizers'), v('a')], '.metadata.finalizers[="a"]'],
    [[f('items'), { index: 2 }], '.items[2]'],
  ];
  for (const [path, s] of cases) assert.equal(pathString(path), s);
});

test('FieldsV1: members are {}, a member with members below carries "."', () => {
  const set = FieldSet.of(
    p('spec.replicas'),
    p('metadata.labels'),
    p('metadata.labels.app'),
    [...p('spec.template.spec.containers'), k({ name: 'web' })],
    [...p('spec.template.spec.containers'), k({ name: 'web' }), f('image')],
    [...p('metadata.finalizers'), v('b')],
    [...p('metadata.finalizers'), v('a')],
  );
  const want = {
    'f:metadata': {
      'f:finalizers': { 'v:"a"': {}, 'v:"b"': {} },
      'f:labels': { '.': {}, 'f:app': {} },
    },
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } },
    },
  };
  assert.deepEqual(set.toFieldsV1(), want);
  // keys come out in structured-merge-diff's order (fields before keys before values), "." first
  assert.equal(JSON.stringify(set.toFieldsV1()), JSON.stringify(want));
  assert.ok(FieldSet.fromFieldsV1(want).equals(set));
  assert.deepEqual(FieldSet.fromFieldsV1(set.toFieldsV1()).toFieldsV1(), want);
});

test('FieldsV1 that is not one is refused', () => {
  for (const bad of [[], 'x', { 'f:a': [] }, { 'f:a': 1 }, { 'q:a': {} }]) assert.throws(() => FieldSet.fromFieldsV1(bad), JSON.stringify(bad));
  assert.ok(FieldSet.fromFieldsV1(undefined).isEmpty());
  assert.ok(FieldSet.fromFieldsV1({}).isEmpty());
});

test('has, insert and the empty path', () => {
  const s = FieldSet.of(p('spec.replicas'));
  assert.ok(s.has(p('spec.replicas')));
  assert.ok(!s.has(p('spec')), 'a parent is not a member by being one');
  assert.ok(!s.has([]));
  s.insert([]);
  assert.ok(s.equals(FieldSet.of(p('spec.replicas'))), 'no one owns the object itself');
  assert.ok(new FieldSet().isEmpty());
});

test('set algebra', () => {
  const a = FieldSet.of(p('a'), p('b.c'), p('b.d'), p('e'));
  const b = FieldSet.of(p('b.c'), p('e'), p('f'));
  const cases: [string, FieldSet, string[]][] = [
    ['union', a.union(b), ['.a', '.e', '.f', '.b.c', '.b.d']],
    ['intersection', a.intersection(b), ['.e', '.b.c']],
    ['difference', a.difference(b), ['.a', '.b.d']],
    // a parent minus its child stays, a child minus its parent stays too
    ['difference with a parent', FieldSet.of(p('b.c'), p('b')).difference(FieldSet.of(p('b'))), ['.b.c']],
    ['recursive difference takes the children too', a.recursiveDifference(FieldSet.of(p('b'))), ['.a', '.e']],
    ['recursive difference of a leaf', a.recursiveDifference(FieldSet.of(p('b.c'))), ['.a', '.e', '.b.d']],
  ];
  for (const [what, got, paths] of cases) assert.deepEqual(got.paths().map(pathString), paths, what);
  assert.ok(a.difference(a).isEmpty());
  assert.deepEqual(a.difference(a).toFieldsV1(), {}, 'no empty nodes are kept');
  assert.deepEqual(a.withPrefix(f('b')).paths().map(pathString), ['.c', '.d']);
  assert.ok(a.withPrefix(f('x')).isEmpty());
});

test('paths: a node\'s members first, then what is below each child, each in order', () => {
  const s = FieldSet.of(
    [...p('spec.template.spec.containers'), k({ name: 'b' }), f('image')],
    [...p('spec.template.spec.containers'), k({ name: 'a' }), f('image')],
    p('spec.replicas'),
    p('metadata.labels.app'),
  );
  assert.deepEqual(s.paths().map(pathString), [
    '.metadata.labels.app',
    '.spec.replicas',
    '.spec.template.spec.containers[name="a"].image',
    '.spec.template.spec.containers[name="b"].image',
  ]);
});
