import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonPatch, MAX_JSON_PATCH_COPY_BYTES } from '../../../../src/api/patch/json.js';
import { GENERIC_422_MESSAGE, PatchError } from '../../../../src/api/patch/error.js';
import { deepFreeze, deployment, sharesNothing, type Deployment } from './fixtures.js';

interface Case {
  original?: unknown;
  /** the body as the client sends it */
  patch: string;
  expected: unknown;
}

const web = (d: Deployment) => d.spec.template.spec.containers[0];
const env = (...names: string[]) => names.map((name) => ({ name, value: name.toLowerCase() }));
const withEnv = (...names: string[]) => deployment((d) => { web(d).env = env(...names); });

// kubectl rollout undo deployment (polymorphichelpers.getDeploymentPatch): the ReplicaSet's pod
// template, without its pod-template-hash label, and the annotations to keep.
const oldTemplate = {
  metadata: { creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    containers: [{ image: 'a:0', imagePullPolicy: 'IfNotPresent', name: 'web', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
  },
};
const undo = JSON.stringify([
  { op: 'replace', path: '/spec/template', value: oldTemplate },
  { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '3' } },
]);

const cases: Record<string, Case> = {
  'kubectl rollout undo (a Deployment)': {
    original: deployment((d) => { d.metadata.annotations.note = 'dropped'; }),
    patch: undo,
    expected: deployment((d) => { d.spec.template = structuredClone(oldTemplate) as unknown as Deployment['spec']['template']; }),
  },
  'add a label': {
    patch: '[{"op":"add","path":"/metadata/labels/tier","value":"front"}]',
    expected: deployment((d) => { d.metadata.labels.tier = 'front'; }),
  },
  'add replaces an existing member': {
    patch: '[{"op":"add","path":"/spec/replicas","value":5}]',
    expected: deployment((d) => { d.spec.replicas = 5; }),
  },
  '~1 escapes a slash': {
    patch: '[{"op":"add","path":"/metadata/annotations/example.com~1owner","value":"me"}]',
    expected: deployment((d) => { d.metadata.annotations['example.com/owner'] = 'me'; }),
  },
  '~0 escapes a tilde, and ~01 is "~1"': {
    patch: '[{"op":"add","path":"/metadata/labels/a~0b","value":"1"},{"op":"add","path":"/metadata/labels/c~01","value":"2"}]',
    expected: deployment((d) => { Object.assign(d.metadata.labels, { 'a~b': '1', 'c~1': '2' }); }),
  },
  '"-" appends': {
    patch: '[{"op":"add","path":"/spec/template/spec/containers/0/env/-","value":{"name":"B","value":"b"}}]',
    expected: deployment((d) => { web(d).env.push({ name: 'B', value: 'b' }); }),
  },
  'an index inserts before that element': {
    original: withEnv('A', 'B'),
    patch: '[{"op":"add","path":"/spec/template/spec/containers/0/env/1","value":{"name":"X","value":"x"}}]',
    expected: withEnv('A', 'X', 'B'),
  },
  'add at the length appends': {
    original: withEnv('A', 'B'),
    patch: '[{"op":"add","path":"/spec/template/spec/containers/0/env/2","value":{"name":"X","value":"x"}}]',
    expected: withEnv('A', 'B', 'X'),
  },
  'negative indexes count from the end (add)': {
    original: withEnv('A', 'B'),
    patch: '[{"op":"add","path":"/spec/template/spec/containers/0/env/-1","value":{"name":"X","value":"x"}},{"op":"add","path":"/spec/template/spec/containers/0/env/-4","value":{"name":"Y","value":"y"}}]',
    expected: withEnv('Y', 'A', 'B', 'X'),
  },
  'negative indexes count from the end (remove)': {
    original: withEnv('A', 'B', 'C'),
    patch: '[{"op":"remove","path":"/spec/template/spec/containers/0/env/-1"}]',
    expected: withEnv('A', 'B'),
  },
  'indexes read as strconv.Atoi reads them ("01", "+0")': {
    original: withEnv('A', 'B', 'C'),
    patch: '[{"op":"remove","path":"/spec/template/spec/containers/0/env/01"},{"op":"remove","path":"/spec/template/spec/containers/0/env/+0"}]',
    expected: withEnv('C'),
  },
  'remove a member': {
    patch: '[{"op":"remove","path":"/metadata/annotations/deployment.kubernetes.io~1revision"}]',
    expected: deployment((d) => { d.metadata.annotations = {}; }),
  },
  'remove an element': {
    patch: '[{"op":"remove","path":"/spec/template/spec/containers/0/ports/1"}]',
    expected: deployment((d) => { web(d).ports.pop(); }),
  },
  'replace a member': {
    patch: '[{"op":"replace","path":"/spec/replicas","value":5}]',
    expected: deployment((d) => { d.spec.replicas = 5; }),
  },
  'replace an element': {
    patch: '[{"op":"replace","path":"/spec/template/spec/containers/0/env/0","value":{"name":"A","value":"9"}}]',
    expected: deployment((d) => { web(d).env = [{ name: 'A', value: '9' }]; }),
  },
  // evanphx/json-patch v4: partialDoc.get never fails, so replace works as add
  'replace of a missing member adds it': {
    patch: '[{"op":"replace","path":"/spec/paused","value":true}]',
    expected: deployment((d) => { Object.assign(d.spec, { paused: true }); }),
  },
  'replace of the whole document with an object': {
    original: { a: 1 },
    patch: '[{"op":"replace","path":"","value":{"b":2}}]',
    expected: { b: 2 },
  },
  'replace of the whole document with a scalar does nothing (v4.12.0)': {
    original: { a: 1 },
    patch: '[{"op":"replace","path":"","value":"x"}]',
    expected: { a: 1 },
  },
  'move a member': {
    patch: '[{"op":"move","from":"/metadata/labels/app","path":"/metadata/labels/name"}]',
    expected: deployment((d) => { d.metadata.labels = { name: 'web' }; }),
  },
  'move an element within its list': {
    original: withEnv('A', 'B', 'C'),
    patch: '[{"op":"move","from":"/spec/template/spec/containers/0/env/0","path":"/spec/template/spec/containers/0/env/-"}]',
    expected: withEnv('B', 'C', 'A'),
  },
  'copy is deep': {
    patch: '[{"op":"copy","from":"/spec/template/spec/containers/0","path":"/spec/template/spec/containers/-"},{"op":"replace","path":"/spec/template/spec/containers/1/name","value":"copy"},{"op":"add","path":"/spec/template/spec/containers/1/env/-","value":{"name":"B"}}]',
    expected: deployment((d) => { d.spec.template.spec.containers.push({ ...structuredClone(web(d)), name: 'copy', env: [{ name: 'A', value: '1' }, { name: 'B' }] }); }),
  },
  'copy from a missing member writes null': {
    patch: '[{"op":"copy","from":"/spec/nope","path":"/spec/paused"}]',
    expected: deployment((d) => { Object.assign(d.spec, { paused: null }); }),
  },
  'test guards a change (resourceVersion)': {
    patch: '[{"op":"test","path":"/metadata/resourceVersion","value":"42"},{"op":"replace","path":"/spec/replicas","value":3}]',
    expected: deployment((d) => { d.spec.replicas = 3; }),
  },
  'test compares objects and arrays deeply': {
    patch: '[{"op":"test","path":"/spec/selector","value":{"matchLabels":{"app":"web"}}},{"op":"test","path":"/spec/template/spec/containers/0/ports/0","value":{"protocol":"TCP","containerPort":80}}]',
    expected: deployment(),
  },
  'test of null finds a missing member': {
    patch: '[{"op":"test","path":"/spec/paused","value":null}]',
    expected: deployment(),
  },
  'test of the whole document': {
    original: { a: [1, { b: null }] },
    patch: '[{"op":"test","path":"","value":{"a":[1,{"b":null}]}}]',
    expected: { a: [1, { b: null }] },
  },
  'add without a value writes null': {
    patch: '[{"op":"add","path":"/spec/paused"}]',
    expected: deployment((d) => { Object.assign(d.spec, { paused: null }); }),
  },
  'a path without a leading slash names a member of the root': {
    patch: '[{"op":"add","path":"spec/paused","value":true}]',
    expected: deployment((d) => { Object.assign(d, { paused: true }); }),
  },
  'a null body is an empty patch': { patch: 'null', expected: deployment() },
  'an empty patch': { patch: '[]', expected: deployment() },
};

for (const [name, c] of Object.entries(cases)) {
  test(`json patch: ${name}`, () => {
    const original = deepFreeze(structuredClone(c.original ?? deployment()));
    const patch = deepFreeze(JSON.parse(c.patch));
    const out = jsonPatch(original, patch);
    assert.deepEqual(out, c.expected);
    assert.ok(sharesNothing(out, original, patch), 'the result is a fresh object');
  });
}

const env0 = '/spec/template/spec/containers/0/env';
// Operations that do not apply: a 422 with the generic message; the library's text is the detail.
const invalid: Record<string, { patch: string; detail: string }> = {
  'a failing test': {
    patch: '[{"op":"test","path":"/spec/replicas","value":3}]',
    detail: 'testing value /spec/replicas failed: test failed',
  },
  'a failing test of a missing member': {
    patch: '[{"op":"test","path":"/spec/paused","value":false}]',
    detail: 'testing value /spec/paused failed: test failed',
  },
  'a failing test of the whole document': {
    patch: '[{"op":"test","path":"","value":{}}]',
    detail: 'testing value  failed: test failed',
  },
  'a test whose parent is missing': {
    patch: '[{"op":"test","path":"/spec/nope/x","value":1}]',
    detail: 'test operation does not apply: is missing path: /spec/nope/x: missing value',
  },
  'remove of a missing member': {
    patch: '[{"op":"remove","path":"/metadata/labels/nope"}]',
    detail: "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value",
  },
  'remove whose parent is missing': {
    patch: '[{"op":"remove","path":"/spec/nope/x"}]',
    detail: 'remove operation does not apply: doc is missing path: "/spec/nope/x": missing value',
  },
  'remove of "-"': {
    patch: `[{"op":"remove","path":"${env0}/-"}]`,
    detail: `error in remove for path: '${env0}/-': strconv.Atoi: parsing "-": invalid syntax`,
  },
  'remove past the end': {
    patch: `[{"op":"remove","path":"${env0}/1"}]`,
    detail: `error in remove for path: '${env0}/1': Unable to access invalid index: 1: invalid index referenced`,
  },
  'add whose parent is missing': {
    patch: '[{"op":"add","path":"/spec/nope/x","value":1}]',
    detail: 'add operation does not apply: doc is missing path: "/spec/nope/x": missing value',
  },
  'add through a scalar': {
    patch: '[{"op":"add","path":"/spec/replicas/x","value":1}]',
    detail: 'add operation does not apply: doc is missing path: "/spec/replicas/x": missing value',
  },
  'add past the end': {
    patch: `[{"op":"add","path":"${env0}/5","value":1}]`,
    detail: `error in add for path: '${env0}/5': Unable to access invalid index: 5: invalid index referenced`,
  },
  'add at a word instead of an index': {
    patch: `[{"op":"add","path":"${env0}/x","value":1}]`,
    detail: `error in add for path: '${env0}/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
  },
  'add without a path': {
    patch: '[{"op":"add","value":1}]',
    detail: 'add operation failed to decode path: missing value',
  },
  'replace without a path': {
    patch: '[{"op":"replace","path":null,"value":1}]',
    detail: 'replace operation failed to decode path: operation missing path field: missing value',
  },
  'replace whose parent is missing': {
    patch: '[{"op":"replace","path":"/spec/nope/x","value":1}]',
    detail: 'replace operation does not apply: doc is missing path: /spec/nope/x: missing value',
  },
  'replace past the end': {
    patch: '[{"op":"replace","path":"/spec/template/spec/containers/5","value":{}}]',
    detail: 'replace operation does not apply: doc is missing key: /spec/template/spec/containers/5: missing value',
  },
  'move without from': {
    patch: '[{"op":"move","path":"/a"}]',
    detail: 'move operation failed to decode from: operation, missing from field: missing value',
  },
  'move from a missing member': {
    patch: '[{"op":"move","from":"/metadata/labels/nope","path":"/metadata/labels/x"}]',
    detail: "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
  },
  'move into a missing parent': {
    patch: '[{"op":"move","from":"/metadata/labels/app","path":"/nope/x"}]',
    detail: 'move operation does not apply: doc is missing destination path: /nope/x: missing value',
  },
  'move into its own child': {
    patch: '[{"op":"move","from":"/spec/selector","path":"/spec/selector/inner"}]',
    detail: 'move operation does not apply: doc is missing destination path: /spec/selector/inner: missing value',
  },
  'copy from past the end': {
    patch: '[{"op":"copy","from":"/spec/template/spec/containers/3","path":"/spec/x"}]',
    detail: "error in copy for from: '/spec/template/spec/containers/3': Unable to access invalid index: 3: invalid index referenced",
  },
  'copy without a path': {
    patch: '[{"op":"copy","from":"/spec/replicas"}]',
    detail: 'copy operation failed to decode path: missing value',
  },
  'an unknown op': {
    patch: '[{"op":"frobnicate","path":"/spec"}]',
    detail: 'Unexpected kind: frobnicate',
  },
  'an operation without op': {
    patch: '[{"path":"/spec"}]',
    detail: 'Unexpected kind: unknown',
  },
  'a null operation': {
    patch: '[null]',
    detail: 'Unexpected kind: unknown',
  },
  'operations apply in order, so a later one can fail on an earlier one': {
    patch: '[{"op":"remove","path":"/metadata/labels/app"},{"op":"remove","path":"/metadata/labels/app"}]',
    detail: "error in remove for path: '/metadata/labels/app': Unable to remove nonexistent key: app: missing value",
  },
};

for (const [name, c] of Object.entries(invalid)) {
  test(`json patch error: ${name}`, () => {
    assert.throws(() => jsonPatch(deepFreeze(deployment()), JSON.parse(c.patch)), (e: unknown) => {
      assert.ok(e instanceof PatchError, String(e));
      assert.equal(e.code, 422);
      assert.equal(e.reason, 'Invalid');
      assert.equal(e.message, GENERIC_422_MESSAGE);
      assert.equal(e.detail, c.detail);
      return true;
    });
  });
}

const undecodable: Record<string, { patch: string; message: string }> = {
  'an object': {
    patch: '{"op":"add","path":"/a","value":1}',
    message: 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
  },
  'an operation that is a string': {
    patch: '["add"]',
    message: 'error decoding patch: json: cannot unmarshal string into Go value of type handlers.jsonPatchOp',
  },
  'an op that is a number': {
    patch: '[{"op":1,"path":"/a"}]',
    message: 'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.op of type string',
  },
  'a path that is an array': {
    patch: '[{"op":"add","path":["a"]}]',
    message: 'error decoding patch: json: cannot unmarshal array into Go struct field jsonPatchOp.path of type string',
  },
};

for (const [name, c] of Object.entries(undecodable)) {
  test(`json patch error: ${name} is a 400`, () => {
    assert.throws(() => jsonPatch(deployment(), JSON.parse(c.patch)), (e: unknown) => {
      assert.ok(e instanceof PatchError, String(e));
      assert.equal(e.code, 400);
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, c.message);
      return true;
    });
  });
}

test('json patch error: more than 10000 operations is a 413', () => {
  const patch = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Deployment' }));
  assert.throws(() => jsonPatch(deployment(), patch), (e: unknown) => {
    assert.ok(e instanceof PatchError);
    assert.equal(e.code, 413);
    assert.equal(e.reason, 'RequestEntityTooLarge');
    assert.equal(e.message, 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
    return true;
  });
  assert.deepEqual(jsonPatch(deployment(), patch.slice(1)), deployment());
});

test('json patch error: copies may add at most 3 MiB', () => {
  const size = MAX_JSON_PATCH_COPY_BYTES / 3;
  const doc = { big: 'x'.repeat(size) };
  const copy = (to: string) => ({ op: 'copy', from: '/big', path: `/${to}` });
  assert.equal(Object.keys(jsonPatch(doc, [copy('a'), copy('b')]) as object).length, 3);
  assert.throws(() => jsonPatch(doc, [copy('a'), copy('b'), copy('c')]), (e: unknown) => {
    assert.ok(e instanceof PatchError);
    assert.equal(e.code, 422);
    assert.equal(e.detail, `Unable to complete the copy, the accumulated size increase of copy is ${3 * (size + 2)}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
    return true;
  });
});
