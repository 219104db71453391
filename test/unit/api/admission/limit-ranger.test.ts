// LimitRanger's decisions, table-tested with kube's cases: defaults filled into containers (and
// the annotation saying so), then min, max and ratio per container, per pod and per claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, applyLimitRangeDefaults, claimLimitViolations, podLimitViolations } from '../../../../src/api/admission/limit-ranger.js';
import type { LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from '../../../../src/api/types.js';

const range = (...limits: LimitRangeItem[]): LimitRange => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'default' }, spec: { limits } });

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
const pod = (...containers: Resources[]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: containers.map((resources, i) => ({ name: `c${i}`, image: 'x', ...(Object.keys(resources).length ? { resources } : {}) })) },
});

test('defaults: what a container lacks is filled in, what it names is kept, and the annotation lists what was set', () => {
  const lr = range({ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '250m', memory: '64Mi' } });
  const cases: Record<string, { pod: Pod; resources: (Resources | undefined)[]; annotation?: string }> = {
    'nothing named': {
      pod: pod({}),
      resources: [{ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } }],
      annotation: 'LimitRanger plugin set: cpu, memory request for container c0; cpu, memory limit for container c0',
    },
    'a limit named': {
      pod: pod({ limits: { cpu: '2' }, requests: { cpu: '2' } }),
      resources: [{ limits: { cpu: '2', memory: '128Mi' }, requests: { cpu: '2', memory: '64Mi' } }],
      annotation: 'LimitRanger plugin set: memory request for container c0; memory limit for container c0',
    },
    'everything named': {
      pod: pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }),
      resources: [{ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const changed = applyLimitRangeDefaults(c.pod, [lr]);
    assert.equal(changed, c.annotation !== undefined, name);
    assert.deepEqual(c.pod.spec.containers.map((x) => x.resources), c.resources, name);
    assert.equal(c.pod.metadata.annotations?.['kubernetes.io/limit-ranger'], c.annotation, name);
  }
});

test('defaults reach init containers too, named as such', () => {
  const p = pod({});
  p.spec.initContainers = [{ name: 'init', image: 'x' }];
  applyLimitRangeDefaults(p, [range({ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '1' } })]);
  assert.deepEqual(p.spec.initContainers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
  assert.equal(p.metadata.annotations?.['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container c0; cpu limit for container c0; cpu request for init container init; cpu limit for init container init');
});

test('a Pod item gives no defaults', () => {
  const p = pod({});
  assert.equal(applyLimitRangeDefaults(p, [range({ type: 'Pod', max: { cpu: '1' } })]), false);
  assert.equal(p.spec.containers[0].resources, undefined);
});

test('pod violations, in kube\'s words', () => {
  const cases: Record<string, { lr: LimitRange; pod: Pod; expected: string[] }> = {
    'everything is good': { lr: range({ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' } }), pod: pod({ limits: { cpu: '1' }, requests: { cpu: '100m' } }), expected: [] },
    'limit above max': { lr: range({ type: 'Container', max: { cpu: '1' } }), pod: pod({ limits: { cpu: '2' } }), expected: ['maximum cpu usage per Container is 1, but limit is 2'] },
    'max compares canonical values': { lr: range({ type: 'Container', max: { cpu: '1' } }), pod: pod({ limits: { cpu: '1000m' } }), expected: [] },
    'request above max': { lr: range({ type: 'Container', max: { memory: '1Gi' } }), pod: pod({ limits: { memory: '1Gi' }, requests: { memory: '2Gi' } }), expected: ['maximum memory usage per Container is 1Gi, but request is 2Gi'] },
    'max without a limit': { lr: range({ type: 'Container', max: { cpu: '1' } }), pod: pod({ requests: { cpu: '1' } }), expected: ['maximum cpu usage per Container is 1.  No limit is specified'] },
    'request below min': { lr: range({ type: 'Container', min: { cpu: '100m' } }), pod: pod({ requests: { cpu: '50m' } }), expected: ['minimum cpu usage per Container is 100m, but request is 50m'] },
    'min without a request': { lr: range({ type: 'Container', min: { memory: '64Mi' } }), pod: pod({}), expected: ['minimum memory usage per Container is 64Mi.  No request is specified'] },
    'limit below min': { lr: range({ type: 'Container', min: { cpu: '100m' } }), pod: pod({ requests: { cpu: '100m' }, limits: { cpu: '50m' } }), expected: ['minimum cpu usage per Container is 100m, but limit is 50m'] },
    'ratio above max': {
      lr: range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }),
      pod: pod({ requests: { cpu: '300m' }, limits: { cpu: '1' } }),
      expected: ['cpu max limit to request ratio per Container is 2, but provided ratio is 3.333333'],
    },
    'ratio without a request': {
      lr: range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }),
      pod: pod({ limits: { cpu: '1' } }),
      expected: ['cpu max limit to request ratio per Container is 2, but no request is specified or request is 0'],
    },
    'ratio without a limit': {
      lr: range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }),
      pod: pod({ requests: { cpu: '1' } }),
      expected: ['cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0'],
    },
    'every container is checked': {
      lr: range({ type: 'Container', max: { cpu: '1' } }),
      pod: pod({ limits: { cpu: '2' } }, { limits: { cpu: '3' } }),
      expected: ['maximum cpu usage per Container is 1, but limit is 2', 'maximum cpu usage per Container is 1, but limit is 3'],
    },
    'a Pod item sums the containers': {
      lr: range({ type: 'Pod', max: { cpu: '1' } }),
      pod: pod({ limits: { cpu: '600m' } }, { limits: { cpu: '600m' } }),
      expected: ['maximum cpu usage per Pod is 1, but limit is 1200m'],
    },
    'a Pod item and one container without a limit': {
      lr: range({ type: 'Pod', max: { cpu: '2' } }),
      pod: pod({ limits: { cpu: '600m' } }, {}),
      expected: [],
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(podLimitViolations(c.pod, c.lr), c.expected, name);
});

test('claim violations: the storage request against min and max', () => {
  const claim = (storage?: string): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'c', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: storage ? { requests: { storage } } : {} },
  });
  const lr = range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
  assert.deepEqual(claimLimitViolations(claim('1Gi'), lr), []);
  assert.deepEqual(claimLimitViolations(claim('3Gi'), lr), ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 3Gi']);
  assert.deepEqual(claimLimitViolations(claim('500Mi'), lr), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
  assert.deepEqual(claimLimitViolations(claim('3Gi'), range({ type: 'Container', max: { cpu: '1' } })), [], 'only PersistentVolumeClaim items apply');
});

test('aggregate: one message as is, several in brackets without duplicates', () => {
  assert.equal(aggregate(['a']), 'a');
  assert.equal(aggregate(['a', 'b', 'a']), '[a, b]');
});
