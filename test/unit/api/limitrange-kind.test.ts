// LimitRange: SetDefaults_LimitRangeItem and ValidateLimitRange, with kube's messages; the printer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAndDefault } from '../../../src/api/manifest.js';
import type { FieldError } from '../../../src/api/schema.js';
import type { LimitRange } from '../../../src/api/types.js';
import { LimitRangeKind } from '../../../src/api/kinds/limitrange.js';

const base = (): LimitRange => ({
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'l', namespace: 'default' },
  spec: { limits: [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' }, default: { cpu: '500m' }, defaultRequest: { cpu: '200m' } }] },
});

function errorsOf(mutate: (lr: LimitRange) => void): FieldError[] {
  const lr = base();
  mutate(lr);
  const r = validateAndDefault(lr);
  return r.ok ? [] : r.errors;
}

test('defaults: a Container item\'s default limit is its max, its default request the default limit, else the min', () => {
  const cases: Record<string, { item: LimitRange['spec']['limits'][0]; want: Partial<LimitRange['spec']['limits'][0]> }> = {
    'max only': { item: { type: 'Container', max: { cpu: '1' } }, want: { default: { cpu: '1' }, defaultRequest: { cpu: '1' } } },
    'default only': { item: { type: 'Container', default: { memory: '1Gi' } }, want: { default: { memory: '1Gi' }, defaultRequest: { memory: '1Gi' } } },
    'min only': { item: { type: 'Container', min: { cpu: '100m' } }, want: { defaultRequest: { cpu: '100m' } } },
    'explicit kept': { item: { type: 'Container', max: { cpu: '2' }, default: { cpu: '1' }, defaultRequest: { cpu: '300m' } }, want: { default: { cpu: '1' }, defaultRequest: { cpu: '300m' } } },
    'Pod items get nothing': { item: { type: 'Pod', max: { cpu: '2' } }, want: {} },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = validateAndDefault({ ...base(), spec: { limits: [c.item] } });
    assert.ok(r.ok, name);
    const item = (r.object as LimitRange).spec.limits[0];
    assert.deepEqual(item.default, c.want.default, name);
    assert.deepEqual(item.defaultRequest, c.want.defaultRequest, name);
  }
});

test('validation: kube\'s cases and messages', () => {
  const cases: Record<string, { mutate: (lr: LimitRange) => void; expected: FieldError[] }> = {
    'everything is good': { mutate: () => {}, expected: [] },
    'min above max': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } }),
      expected: [{ path: 'spec.limits[0].min[cpu]', message: 'Invalid value: "2": min value 2 is greater than max value 1' }],
    },
    'default request above default limit': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '800m' } }),
      expected: [{ path: 'spec.limits[0].defaultRequest[cpu]', message: 'Invalid value: "800m": default request value 800m is greater than default limit value 500m' }],
    },
    'default below min (and the default request defaulted from it)': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Container', min: { cpu: '1' }, default: { cpu: '500m' } }),
      expected: [
        { path: 'spec.limits[0].defaultRequest[cpu]', message: 'Invalid value: "500m": min value 1 is greater than default request value 500m' },
        { path: 'spec.limits[0].default[cpu]', message: 'Invalid value: "1": min value 1 is greater than default value 500m' },
      ],
    },
    'default request below min': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Container', min: { memory: '1Gi' }, defaultRequest: { memory: '512Mi' } }),
      expected: [{ path: 'spec.limits[0].defaultRequest[memory]', message: 'Invalid value: "512Mi": min value 1Gi is greater than default request value 512Mi' }],
    },
    'ratio below 1': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }),
      expected: [{ path: 'spec.limits[0].maxLimitRequestRatio[cpu]', message: 'Invalid value: "500m": ratio 500m is less than 1' }],
    },
    'ratio above max/min': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Pod', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }),
      expected: [{ path: 'spec.limits[0].maxLimitRequestRatio[cpu]', message: 'Invalid value: "3": ratio 3 is greater than max/min = 2.000000' }],
    },
    'defaults on a Pod item': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }),
      expected: [
        { path: 'spec.limits[0].default', message: "Forbidden: may not be specified when `type` is 'Pod'" },
        { path: 'spec.limits[0].defaultRequest', message: "Forbidden: may not be specified when `type` is 'Pod'" },
      ],
    },
    'a claim item without storage bounds': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'PersistentVolumeClaim', max: { cpu: '1' } }),
      expected: [{ path: 'spec.limits[0].limits', message: 'Required value: either minimum or maximum storage value is required, but neither was provided' }],
    },
    'duplicate and unknown types': {
      mutate: (lr) => lr.spec.limits.push({ type: 'Container' }, { type: 'Node' }),
      expected: [
        { path: 'spec.limits[1].type', message: 'Duplicate value: "Container"' },
        { path: 'spec.limits[2].type', message: 'Invalid value: "Node": must be a standard limit type or fully qualified' },
      ],
    },
    'a resource containers do not have': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Pod', max: { pods: '1' } }),
      expected: [{ path: 'spec.limits[0].max[pods]', message: 'Invalid value: "pods": must be a standard resource for containers' }],
    },
    'hugepages must not overcommit': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Container', default: { 'hugepages-2Mi': '4Mi' }, defaultRequest: { 'hugepages-2Mi': '2Mi' } }),
      expected: [{ path: 'spec.limits[0].defaultRequest[hugepages-2Mi]', message: 'Invalid value: "2Mi": default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi' }],
    },
    'a malformed quantity': {
      mutate: (lr) => (lr.spec.limits[0] = { type: 'Pod', max: { cpu: 'lots' } }),
      expected: [{ path: 'spec.limits[0].max[cpu]', message: `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'` }],
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(errorsOf(c.mutate), c.expected, name);
});

test('printer: NAME and CREATED AT (the timestamp itself)', () => {
  const lr = { ...base(), metadata: { ...base().metadata, creationTimestamp: '2026-01-02T03:04:05Z' } };
  assert.deepEqual(LimitRangeKind.printer.columns.map((c) => c.name), ['Name', 'Created At']);
  assert.deepEqual(LimitRangeKind.printer.row(lr, new Date()), ['l', '2026-01-02T03:04:05Z']);
});
