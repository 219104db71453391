// PodDisruptionBudget (policy/v1): validation with kube's messages, the status strategy's checks,
// unknown fields refused, printer cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../../../src/api/schema.js';
import { validateSemantics } from '../../../src/api/validate.js';
import { PodDisruptionBudgetKind, validatePodDisruptionBudgetStatus } from '../../../src/api/kinds/poddisruptionbudget.js';
import type { PodDisruptionBudget } from '../../../src/api/types.js';

const pdb = (): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'default' },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
});

test('PodDisruptionBudget validation', () => {
  const cases: Record<string, { mutate: (p: PodDisruptionBudget) => void; expected: Array<{ path: string; message: string }> }> = {
    'everything is good; do nothing': { mutate: () => {}, expected: [] },
    'no spec at all (kube allows it: nothing is expected)': { mutate: (p) => delete p.spec, expected: [] },
    'a percentage': { mutate: (p) => (p.spec!.minAvailable = '50%'), expected: [] },
    'maxUnavailable alone': { mutate: (p) => ((p.spec = { maxUnavailable: '25%', selector: {} }), undefined), expected: [] },
    'both set': {
      mutate: (p) => (p.spec!.maxUnavailable = 1),
      expected: [{ path: 'spec', message: 'Invalid value: {"minAvailable":2,"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set' }],
    },
    'negative': { mutate: (p) => (p.spec!.minAvailable = -1), expected: [{ path: 'spec.minAvailable', message: 'Invalid value: -1: must be greater than or equal to 0' }] },
    'over 100%': { mutate: (p) => (p.spec!.minAvailable = '101%'), expected: [{ path: 'spec.minAvailable', message: 'Invalid value: "101%": must not be greater than 100%' }] },
    'not a percent': {
      mutate: (p) => (p.spec!.minAvailable = 'half'),
      expected: [{ path: 'spec.minAvailable', message: `Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')` }],
    },
    'a bad selector': { mutate: (p) => (p.spec!.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] }), expected: [{ path: 'spec.selector.matchExpressions[0].values', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" }] },
    'an unknown eviction policy': {
      mutate: (p) => (p.spec!.unhealthyPodEvictionPolicy = 'Never'),
      expected: [{ path: 'spec.unhealthyPodEvictionPolicy', message: 'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"' }],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const p = pdb();
    c.mutate(p);
    assert.deepEqual(validateSemantics(p).map((e) => ({ path: e.path, message: e.message })), c.expected, name);
  }
});

test('PodDisruptionBudget status: counts never negative; a new one starts at zero', () => {
  const p = { ...pdb(), status: { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: -2, expectedPods: 0 } };
  assert.deepEqual(validatePodDisruptionBudgetStatus(p).map((e) => e.path), ['status.disruptionsAllowed', 'status.desiredHealthy']);
  const created = pdb();
  PodDisruptionBudgetKind.prepareForCreate!(created);
  assert.deepEqual(created.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
});

test('PodDisruptionBudget: unknown fields refused', () => {
  assert.ok(validateObject(pdb()).ok);
  const r = validateObject({ ...pdb(), spec: { ...pdb().spec, minAvailible: 1 } });
  assert.equal(r.ok, false);
  assert.match(JSON.stringify(!r.ok && r.errors), /unknown field.*minAvailible/);
});

test('PodDisruptionBudget printer: NAME, MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE', () => {
  assert.deepEqual(PodDisruptionBudgetKind.printer.columns.map((c) => c.name), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const now = new Date('2026-01-01T00:01:00Z');
  const p = { ...pdb(), metadata: { ...pdb().metadata, creationTimestamp: '2026-01-01T00:00:00Z' }, status: { disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } };
  assert.deepEqual(PodDisruptionBudgetKind.printer.row(p, now), ['web', '2', 'N/A', 1, '60s']);
  assert.deepEqual(PodDisruptionBudgetKind.printer.row({ ...p, spec: { maxUnavailable: '25%' }, status: undefined }, now), ['web', 'N/A', '25%', 0, '60s']);
});
