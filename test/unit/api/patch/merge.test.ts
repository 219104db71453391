import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch } from '../../../../src/api/patch/merge.js';
import { PatchError } from '../../../../src/api/patch/error.js';
import { deepFreeze, deployment } from './fixtures.js';

interface Case {
  original: unknown;
  patch: unknown;
  expected: unknown;
}

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { app: 'web', tier: 'front' } }, data: { a: '1', b: '2' } };

const cases: Record<string, Case> = {
  // kubectl label sends a JSON merge patch computed by jsonpatch.CreateMergePatch
  'kubectl label env=prod': {
    original: cm,
    patch: { metadata: { labels: { env: 'prod' } } },
    expected: { ...cm, metadata: { ...cm.metadata, labels: { app: 'web', tier: 'front', env: 'prod' } } },
  },
  'kubectl label tier- (null deletes)': {
    original: cm,
    patch: { metadata: { labels: { tier: null } } },
    expected: { ...cm, metadata: { ...cm.metadata, labels: { app: 'web' } } },
  },
  'kubectl label --resource-version carries the version': {
    original: { ...cm, metadata: { ...cm.metadata, resourceVersion: '7' } },
    patch: { metadata: { labels: { env: 'prod' }, resourceVersion: '7' } },
    expected: { ...cm, metadata: { ...cm.metadata, resourceVersion: '7', labels: { app: 'web', tier: 'front', env: 'prod' } } },
  },
  'kubectl annotate onto an object without annotations': {
    original: cm,
    patch: { metadata: { annotations: { 'example.com/owner': 'me' } } },
    expected: { ...cm, metadata: { ...cm.metadata, annotations: { 'example.com/owner': 'me' } } },
  },
  'kubectl scale (the scale subresource takes a merge patch)': {
    original: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web' }, spec: { replicas: 2 }, status: { replicas: 2 } },
    patch: { spec: { replicas: 5 } },
    expected: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web' }, spec: { replicas: 5 }, status: { replicas: 2 } },
  },
  'a list is replaced whole, never merged': {
    original: deployment(),
    patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'b:2' }] } } } },
    expected: deployment((d) => { d.spec.template.spec.containers = [{ name: 'web', image: 'b:2' }]; }),
  },
  'null for a missing key is nothing to do': {
    original: { a: 1 },
    patch: { b: null, c: { d: null } },
    expected: { a: 1, c: {} },
  },
  'an object replaces a scalar, losing its nulls': {
    original: { a: 'x' },
    patch: { a: { b: 1, c: null } },
    expected: { a: { b: 1 } },
  },
  'a scalar replaces an object': {
    original: { a: { b: 1 } },
    patch: { a: 'x' },
    expected: { a: 'x' },
  },
  'a member set to null in the original counts as absent': {
    original: { a: null },
    patch: { a: { b: 1, c: null } },
    expected: { a: { b: 1 } },
  },
  // evanphx/json-patch: nulls go from objects inside a new array too; null elements stay
  'a new array loses the nulls of its objects but keeps null elements': {
    original: {},
    patch: { a: [{ b: 1, c: null }, null, 2] },
    expected: { a: [{ b: 1 }, null, 2] },
  },
  'an array replacing an object keeps its nulls': {
    original: { a: { x: 1 } },
    patch: { a: [{ b: null }] },
    expected: { a: [{ b: null }] },
  },
  'an empty patch changes nothing': {
    original: cm,
    patch: {},
    expected: cm,
  },
  '"__proto__" is an ordinary key': {
    original: {},
    patch: JSON.parse('{"__proto__": {"x": 1}}'),
    expected: JSON.parse('{"__proto__": {"x": 1}}'),
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`merge patch: ${name}`, () => {
    const original = deepFreeze(structuredClone(c.original));
    const patch = deepFreeze(structuredClone(c.patch));
    const out = mergePatch(original, patch);
    assert.deepEqual(out, c.expected);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
  });
}

const errors: Record<string, { patch: unknown; code: number; message: string }> = {
  'null is ErrBadJSONPatch': { patch: null, code: 400, message: 'Invalid JSON Patch' },
  'an array fails to decode': { patch: [{ a: 1 }], code: 400, message: 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}' },
  'a string fails to decode': { patch: 'x', code: 400, message: 'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}' },
  'a number fails to decode': { patch: 5, code: 400, message: 'error decoding patch: json: cannot unmarshal number into Go value of type map[string]interface {}' },
};

for (const [name, c] of Object.entries(errors)) {
  test(`merge patch error: ${name}`, () => {
    assert.throws(() => mergePatch(cm, c.patch), (e: unknown) => {
      assert.ok(e instanceof PatchError);
      assert.equal(e.code, c.code);
      assert.equal(e.reason, 'BadRequest');
      assert.equal(e.message, c.message);
      return true;
    });
  });
}

test('merge patch: the result shares nothing with its inputs', () => {
  const original = deployment();
  const patch = { metadata: { labels: { extra: 'x' } }, spec: { template: { spec: { containers: [{ name: 'web', image: 'b:2' }] } } } };
  const out = mergePatch(original, patch) as ReturnType<typeof deployment>;
  out.spec.selector.matchLabels.app = 'changed';
  out.spec.template.spec.containers[0].image = 'changed';
  assert.equal(original.spec.selector.matchLabels.app, 'web');
  assert.equal(patch.spec.template.spec.containers[0].image, 'b:2');
});
