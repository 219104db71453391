import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAST_APPLIED, lastApplied, threeWayPatch, withLastApplied } from '../../../src/cli/apply.js';
import type { AnyObject } from '../../../src/api/types.js';

const cases: Record<string, { last: unknown; next: unknown; expected: unknown }> = {
  'nothing applied before: the manifest itself': {
    last: {},
    next: { spec: { replicas: 2 } },
    expected: { spec: { replicas: 2 } },
  },
  'a field dropped from the manifest is deleted, others are set': {
    last: { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 2, paused: true } },
    next: { metadata: { labels: { a: '1' } }, spec: { replicas: 3 } },
    expected: { metadata: { labels: { a: '1', b: null } }, spec: { replicas: 3, paused: null } },
  },
  'lists are replaced whole': {
    last: { spec: { ports: [{ port: 80 }, { port: 81 }] } },
    next: { spec: { ports: [{ port: 80 }] } },
    expected: { spec: { ports: [{ port: 80 }] } },
  },
  'an object that became a scalar is replaced': {
    last: { data: { x: { y: 1 } } },
    next: { data: { x: 'flat' } },
    expected: { data: { x: 'flat' } },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`threeWayPatch: ${name}`, () => assert.deepEqual(threeWayPatch(c.last, c.next), c.expected));
}

test('the recorded manifest round-trips and never contains itself', () => {
  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', annotations: { note: 'x' } }, data: { a: '1' } } as AnyObject;
  const once = withLastApplied(obj);
  const twice = withLastApplied(once);
  assert.equal(twice.metadata.annotations?.[LAST_APPLIED], once.metadata.annotations?.[LAST_APPLIED]);
  assert.deepEqual(lastApplied(once), obj);
  assert.equal(lastApplied({ ...obj, metadata: { name: 'c', annotations: { [LAST_APPLIED]: '{broken' } } } as AnyObject), undefined);
});
