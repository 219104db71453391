// Lease (coordination.k8s.io/v1): schema, validation with kube's messages, the fields k1s does not
// implement refused, printer row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../../../src/api/schema.js';
import { validateSemantics } from '../../../src/api/validate.js';
import { LeaseKind } from '../../../src/api/kinds/lease.js';
import type { Lease } from '../../../src/api/types.js';

const lease = (): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'box', namespace: 'kube-node-lease' },
  spec: { holderIdentity: 'box', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' },
});

test('Lease validation', () => {
  const cases: Record<string, { mutate: (l: Lease) => void; expected: Array<{ path: string; message: string }> }> = {
    'everything is good; do nothing': { mutate: () => {}, expected: [] },
    'no spec at all': { mutate: (l) => delete l.spec, expected: [] },
    'a zero duration': { mutate: (l) => (l.spec!.leaseDurationSeconds = 0), expected: [{ path: 'spec.leaseDurationSeconds', message: 'Invalid value: 0: must be greater than 0' }] },
    'negative transitions': { mutate: (l) => (l.spec!.leaseTransitions = -1), expected: [{ path: 'spec.leaseTransitions', message: 'Invalid value: -1: must be greater than or equal to 0' }] },
  };
  for (const [name, c] of Object.entries(cases)) {
    const l = lease();
    c.mutate(l);
    assert.deepEqual(validateSemantics(l).map((e) => ({ path: e.path, message: e.message })), c.expected, name);
  }
});

test('Lease: the coordinated leader election fields are refused as not supported yet; typos as unknown', () => {
  const r = validateObject({ ...lease(), spec: { ...lease().spec, strategy: 'OldestEmulationVersion' } });
  assert.equal(r.ok, false);
  assert.match(JSON.stringify(!r.ok && r.errors), /spec\.strategy.*not supported by k1s yet/);
  assert.ok(validateObject(lease()).ok);
});

test('Lease printer: NAME, HOLDER, AGE', () => {
  assert.deepEqual(LeaseKind.printer.columns.map((c) => c.name), ['Name', 'Holder', 'Age']);
  const row = LeaseKind.printer.row({ ...lease(), metadata: { ...lease().metadata, creationTimestamp: '2026-01-01T00:00:00Z' } }, new Date('2026-01-01T00:01:00Z'));
  assert.deepEqual(row, ['box', 'box', '60s']);
});
