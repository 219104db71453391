// StatefulSet, DaemonSet and ControllerRevision: defaults (SetDefaults_*), validation with kube's
// messages and paths, update rules and printer rows; tolerations and nodeSelector on pod specs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAndDefault } from '../../../src/api/manifest.js';
import { byKind } from '../../../src/api/resources.js';
import { validateUpdate } from '../../../src/api/validate.js';
import type { FieldError } from '../../../src/api/schema.js';
import type { AnyObject, DaemonSet, StatefulSet } from '../../../src/api/types.js';
import { KINDS } from '../../../src/api/kinds/index.js';
import { checkValidationCases, type ValidationCase } from './fixtures.js';

const tpl = () => ({ metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });

const sts = (): AnyObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      serviceName: 'db',
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      template: { ...tpl(), spec: { containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  }) as unknown as AnyObject;

const ds = (): AnyObject =>
  ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } }, template: tpl() } }) as unknown as AnyObject;

const cr = (): AnyObject =>
  ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'db-abc', namespace: 'default' }, data: { spec: {} }, revision: 1 }) as unknown as AnyObject;

function errorsOf(obj: AnyObject): FieldError[] {
  const r = validateAndDefault(obj);
  return r.ok ? [] : r.errors;
}

test('defaults: as SetDefaults_StatefulSet and SetDefaults_DaemonSet (v1.32)', () => {
  const s = validateAndDefault(sts());
  assert.ok(s.ok);
  const spec = (s.object as StatefulSet).spec;
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.volumeClaimTemplates![0].spec.volumeMode, 'Filesystem');
  const d = validateAndDefault(ds());
  assert.ok(d.ok);
  assert.deepEqual((d.object as DaemonSet).spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal((d.object as DaemonSet).spec.revisionHistoryLimit, 10);
});

test('validation: kube messages', () => {
  const cases: Record<string, ValidationCase> = {
    'everything is good; do nothing: statefulset': { base: sts, mutate: () => {}, expected: [] },
    'everything is good; do nothing: daemonset': { base: ds, mutate: () => {}, expected: [] },
    'everything is good; do nothing: controllerrevision': { base: cr, mutate: () => {}, expected: [] },
    'OnDelete with rollingUpdate': {
      base: sts,
      mutate: (s) => (s.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } }),
      expected: [{ path: 'spec.updateStrategy.rollingUpdate', message: `Invalid value: {"partition":1}: only allowed for updateStrategy 'RollingUpdate'` }],
    },
    'negative partition': {
      base: sts,
      mutate: (s) => (s.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -1 } }),
      expected: [{ path: 'spec.updateStrategy.rollingUpdate.partition', message: 'Invalid value: -1: must be greater than or equal to 0' }],
    },
    'a volume mount of neither a volume nor a claim template': {
      base: sts,
      mutate: (s) => (s.spec.template.spec.containers[0].volumeMounts[0].name = 'other'),
      expected: [{ path: 'spec.template.spec.containers[0].volumeMounts[0].name', message: 'Not found: "other"' }],
    },
    'a claim template without a storage request': {
      base: sts,
      mutate: (s) => delete s.spec.volumeClaimTemplates[0].spec.resources,
      expected: [{ path: 'spec.volumeClaimTemplates[0].spec.resources[storage]', message: 'Required value' }],
    },
    'selector not matching the template': {
      base: sts,
      mutate: (s) => (s.spec.selector = { matchLabels: { app: 'other' } }),
      expected: [{ path: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"db"}: `selector` does not match template `labels`' }],
    },
    'daemonset: both maxSurge and maxUnavailable': {
      base: ds,
      mutate: (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }),
      expected: [{ path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'Invalid value: 1: may not be set when maxUnavailable is non-zero' }],
    },
    'daemonset: both zero': {
      base: ds,
      mutate: (d) => (d.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } }),
      expected: [{ path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'Required value: cannot be 0 when maxSurge is 0' }],
    },
    'daemonset: restartPolicy Never': {
      base: ds,
      mutate: (d) => (d.spec.template.spec.restartPolicy = 'Never'),
      expected: [{ path: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' }],
    },
    'toleration: empty key with Equal': {
      base: ds,
      mutate: (d) => (d.spec.template.spec.tolerations = [{ operator: 'Equal', value: 'x' }]),
      expected: [{ path: 'spec.template.spec.tolerations[0].operator', message: 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"' }],
    },
    'toleration: tolerationSeconds without NoExecute': {
      base: ds,
      mutate: (d) => (d.spec.template.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]),
      expected: [{ path: 'spec.template.spec.tolerations[0].effect', message: "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set" }],
    },
    'toleration: Exists with a value': {
      base: ds,
      mutate: (d) => (d.spec.template.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
      expected: [{ path: 'spec.template.spec.tolerations[0].operator', message: "Invalid value: \"v\": value must be empty when `operator` is 'Exists'" }],
    },
    'nodeSelector with a bad label key': {
      base: ds,
      mutate: (d) => (d.spec.template.spec.nodeSelector = { 'bad key': 'x' }),
      expected: [{ path: 'spec.template.spec.nodeSelector', message: /bad key/ as unknown as string }],
    },
    'controllerrevision without data': { base: cr, mutate: (c) => delete c.data, expected: [{ path: 'data', message: 'Required value: data is mandatory' }] },
  };
  checkValidationCases(cases, errorsOf);
});

test('updates: a StatefulSet may change replicas, template, updateStrategy..., not serviceName or claim templates', () => {
  const base = validateAndDefault(sts());
  assert.ok(base.ok);
  const prev = base.object as StatefulSet;
  const next = structuredClone(prev);
  next.spec.replicas = 5;
  next.spec.template.spec.containers[0].image = 'busybox:1.37';
  next.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
  assert.deepEqual(validateUpdate(next as AnyObject, prev as AnyObject), []);
  next.spec.serviceName = 'other';
  const errs = validateUpdate(next as AnyObject, prev as AnyObject);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].path, 'spec');
  assert.match(errs[0].message, /^Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'/);
});

test('discovery facts and printer rows as kubectl prints them', () => {
  assert.deepEqual(byKind('StatefulSet')!.shortNames, ['sts']);
  assert.deepEqual(byKind('DaemonSet')!.shortNames, ['ds']);
  const kind = (k: string) => KINDS.find((x) => x.kind === k)!;
  assert.deepEqual(kind('StatefulSet').categories, ['all']);
  assert.deepEqual(kind('DaemonSet').categories, ['all']);
  assert.deepEqual(kind('ControllerRevision').categories, []);
  const now = new Date('2026-01-01T01:00:00Z');
  const s = { ...(sts() as unknown as StatefulSet), status: { replicas: 3, readyReplicas: 2 } };
  s.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(kind('StatefulSet').printer.columns.map((c) => c.name), ['Name', 'Ready', 'Age', 'Containers', 'Images']);
  assert.deepEqual(kind('StatefulSet').printer.row(s as unknown as AnyObject, now), ['db', '2/3', '60m', 'c', 'busybox:1.36']);
  assert.deepEqual(
    kind('DaemonSet').printer.columns.map((c) => c.name),
    ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'],
  );
  const d = ds() as unknown as DaemonSet;
  d.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  d.spec.template.spec.nodeSelector = { disk: 'ssd' };
  d.status = { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberMisscheduled: 0, updatedNumberScheduled: 1, numberAvailable: 1 };
  assert.deepEqual(kind('DaemonSet').printer.row(d as unknown as AnyObject, now).slice(0, 8), ['agent', 1, 1, 1, 1, 1, 'disk=ssd', '60m']);
  const c = cr() as AnyObject;
  c.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }];
  c.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(kind('ControllerRevision').printer.row(c, now), ['db-abc', 'statefulset.apps/db', 1, '60m']);
});
