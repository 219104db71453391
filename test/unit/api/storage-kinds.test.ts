// PersistentVolume, PersistentVolumeClaim and StorageClass: schema, defaults, validation (kube's
// messages), update rules, the DefaultStorageClass/PersistentVolumeClaimResize admission, and
// printer rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../../src/api/defaults.js';
import { validateAndDefault } from '../../../src/api/manifest.js';
import { byKind } from '../../../src/api/resources.js';
import { validateObject, type FieldError } from '../../../src/api/schema.js';
import { validateSemantics, validateUpdate } from '../../../src/api/validate.js';
import { accessModesString } from '../../../src/api/storage.js';
import { admitPersistentVolumeClaim, defaultClass } from '../../../src/api/kinds/persistentvolumeclaim.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';
import { ApiError } from '../../../src/api/errors.js';
import { checkValidationCases, type ValidationCase } from './fixtures.js';

const pvc = (): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' },
});

const pv = (): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'disk' },
  spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/disk' } },
});

const sc = (): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'fast' },
  provisioner: 'rancher.io/local-path',
  volumeBindingMode: 'Immediate',
});

const NOT_YET = 'Unsupported value: not supported by k1s yet (refused rather than ignored)';


test('validation: kube messages for claims, volumes and classes', () => {
  const cases: Record<string, ValidationCase> = {
    'everything is good; do nothing: claim': { base: pvc, mutate: () => {}, expected: [] },
    'everything is good; do nothing: volume': { base: pv, mutate: () => {}, expected: [] },
    'everything is good; do nothing: class': { base: sc, mutate: () => {}, expected: [] },
    'claim without access modes': {
      base: pvc,
      mutate: (c) => delete c.spec.accessModes,
      expected: [{ path: 'spec.accessModes', message: 'Required value: at least 1 access mode is required' }],
    },
    'claim with an unknown access mode': {
      base: pvc,
      mutate: (c) => (c.spec.accessModes = ['ReadWriteSometimes']),
      expected: [{ path: 'spec.accessModes', message: 'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"' }],
    },
    'ReadWriteOncePod with another mode': {
      base: pvc,
      mutate: (c) => (c.spec.accessModes = ['ReadWriteOncePod', 'ReadWriteOnce']),
      expected: [{ path: 'spec.accessModes', message: 'Forbidden: may not use ReadWriteOncePod with other access modes' }],
    },
    'claim without a storage request': {
      base: pvc,
      mutate: (c) => delete c.spec.resources,
      expected: [{ path: 'spec.resources[storage]', message: 'Required value' }],
    },
    'claim asking for zero bytes': {
      base: pvc,
      mutate: (c) => (c.spec.resources.requests.storage = '0'),
      expected: [{ path: 'spec.resources[storage]', message: 'Invalid value: "0": must be greater than zero' }],
    },
    'claim with a bad class name': {
      base: pvc,
      mutate: (c) => (c.spec.storageClassName = 'Fast_Disks'),
      expected: [{ path: 'spec.storageClassName', message: /^Invalid value: "Fast_Disks": a lowercase RFC 1123 subdomain/ as unknown as string }],
    },
    'block claims are refused by name': { base: pvc, mutate: (c) => (c.spec.volumeMode = 'Block'), expected: [{ path: 'spec.volumeMode', message: NOT_YET }] },
    'claim selector with a bad operator value list': {
      base: pvc,
      mutate: (c) => (c.spec.selector = { matchExpressions: [{ key: 'tier', operator: 'In' }] }),
      expected: [{ path: 'spec.selector.matchExpressions[0].values', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" }],
    },
    'volume without capacity': {
      base: pv,
      mutate: (v) => delete v.spec.capacity,
      expected: [
        { path: 'spec.capacity', message: 'Required value' },
        { path: 'spec.capacity', message: 'Unsupported value: {}: supported values: "storage"' },
      ],
    },
    'volume capacity of something else': {
      base: pv,
      mutate: (v) => (v.spec.capacity = { storage: '1Gi', cpu: '1' }),
      expected: [{ path: 'spec.capacity', message: 'Unsupported value: {"storage":"1Gi","cpu":"1"}: supported values: "storage"' }],
    },
    'volume without access modes (no detail, unlike claims)': { base: pv, mutate: (v) => (v.spec.accessModes = []), expected: [{ path: 'spec.accessModes', message: 'Required value' }] },
    'volume without a source': { base: pv, mutate: (v) => delete v.spec.hostPath, expected: [{ path: 'spec', message: 'Required value: must specify a volume type' }] },
    'volume with two sources': {
      base: pv,
      mutate: (v) => {
        v.spec.local = { path: '/srv/x' };
        v.spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['vm'] }] }] } };
      },
      expected: [{ path: 'spec.local', message: 'Forbidden: may not specify more than 1 volume type' }],
    },
    'local volume needs node affinity': {
      base: pv,
      mutate: (v) => {
        delete v.spec.hostPath;
        v.spec.local = { path: '/srv/x' };
      },
      expected: [{ path: 'spec.nodeAffinity', message: 'Required value: Local volume requires node affinity' }],
    },
    'hostPath with ..': { base: pv, mutate: (v) => (v.spec.hostPath.path = '/srv/../etc'), expected: [{ path: 'spec.hostPath.path', message: `Invalid value: "/srv/../etc": must not contain '..'` }] },
    'Recycle is refused by name': { base: pv, mutate: (v) => (v.spec.persistentVolumeReclaimPolicy = 'Recycle'), expected: [{ path: 'spec.persistentVolumeReclaimPolicy', message: NOT_YET }] },
    'an unknown reclaim policy': {
      base: pv,
      mutate: (v) => (v.spec.persistentVolumeReclaimPolicy = 'Keep'),
      expected: [{ path: 'spec.persistentVolumeReclaimPolicy', message: 'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"' }],
    },
    'class without provisioner': { base: sc, mutate: (c) => (c.provisioner = ''), expected: [{ path: 'provisioner', message: 'Required value' }] },
    'class with Recycle': {
      base: sc,
      mutate: (c) => (c.reclaimPolicy = 'Recycle'),
      expected: [{ path: 'reclaimPolicy', message: 'Unsupported value: "Recycle": supported values: "Delete", "Retain"' }],
    },
    'class with an unknown binding mode': {
      base: sc,
      mutate: (c) => (c.volumeBindingMode = 'Later'),
      expected: [{ path: 'volumeBindingMode', message: 'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"' }],
    },
  };
  checkValidationCases(cases, validateSemantics);
});

test('fields Kubernetes has and k1s does not are refused by name, typos as unknown', () => {
  const withMountOptions = { ...pv(), spec: { ...pv().spec, mountOptions: ['ro'] } };
  const r = validateObject(withMountOptions);
  assert.deepEqual(r.ok ? [] : r.errors, [{ path: 'spec.mountOptions', message: NOT_YET }]);
  const typo = { ...pvc(), spec: { ...pvc().spec, storageClass: 'x' } };
  const t = validateObject(typo);
  assert.deepEqual(t.ok ? [] : t.errors, [{ path: 'spec.storageClass', message: 'unknown field "storageClass"' }]);
  const nfs = { ...pv(), spec: { ...pv().spec, nfs: { server: 'x', path: '/' } } };
  const n = validateObject(nfs);
  assert.deepEqual(n.ok ? [] : n.errors, [{ path: 'spec.nfs', message: NOT_YET }]);
});

test('defaults: volumes Retain and Filesystem; claims Filesystem; classes Delete and Immediate', () => {
  const v = applyDefaults(pv());
  assert.equal(v.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(v.spec.volumeMode, 'Filesystem');
  assert.equal(v.spec.hostPath?.type, '');
  assert.equal(applyDefaults(pvc()).spec.volumeMode, 'Filesystem');
  const c = sc();
  delete (c as Partial<StorageClass>).volumeBindingMode;
  const dc = validateAndDefault(c);
  assert.ok(dc.ok);
  assert.equal((dc.object as StorageClass).reclaimPolicy, 'Delete');
  assert.equal((dc.object as StorageClass).volumeBindingMode, 'Immediate');
});

test('updates: a claim spec is immutable but for volumeName once, a first class and a bound claim growing', () => {
  const prev = applyDefaults(pvc());
  const bound = { ...prev, spec: { ...prev.spec, volumeName: 'pv-1' }, status: { phase: 'Bound' as const } };
  const IMMUTABLE = [{ path: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims' }];
  const cases: Record<string, { prev: PersistentVolumeClaim; mutate: (c: any) => void; expected: FieldError[] }> = {
    'everything is good; do nothing': { prev, mutate: () => {}, expected: [] },
    'the binder sets volumeName once': { prev, mutate: (c) => (c.spec.volumeName = 'pv-1'), expected: [] },
    'volumeName may not change once set': { prev: bound, mutate: (c) => (c.spec.volumeName = 'pv-2'), expected: IMMUTABLE },
    'access modes may not change': { prev, mutate: (c) => (c.spec.accessModes = ['ReadWriteMany']), expected: IMMUTABLE },
    'an unbound claim may not grow': { prev, mutate: (c) => (c.spec.resources.requests.storage = '2Gi'), expected: IMMUTABLE },
    'a bound claim may grow': { prev: bound, mutate: (c) => (c.spec.resources.requests.storage = '2Gi'), expected: [] },
    'a bound claim may not shrink': {
      prev: bound,
      mutate: (c) => (c.spec.resources.requests.storage = '512Mi'),
      expected: [{ path: 'spec.resources.requests.storage', message: 'Forbidden: field can not be less than previous value' }],
    },
    'a claim without a class may be given one': {
      prev: { ...prev, spec: { ...prev.spec, storageClassName: undefined } },
      mutate: (c) => (c.spec.storageClassName = 'fast'),
      expected: [],
    },
    'a class may not change': { prev, mutate: (c) => (c.spec.storageClassName = 'fast'), expected: IMMUTABLE },
  };
  for (const [name, c] of Object.entries(cases)) {
    const next = structuredClone(c.prev) as any;
    c.mutate(next);
    // the registry's prepareForUpdate keeps the stored status before comparing
    byKind('PersistentVolumeClaim')!.prepareForUpdate!(next, c.prev);
    assert.deepEqual(validateUpdate(next, c.prev), c.expected, name);
  }
  const v = applyDefaults(pv());
  const moved = { ...v, spec: { ...v.spec, hostPath: { path: '/elsewhere', type: '' as const } } };
  assert.deepEqual(validateUpdate(moved, v), [{ path: 'spec.persistentvolumesource', message: 'Forbidden: spec.persistentvolumesource is immutable after creation' }]);
  const claimed = { ...v, spec: { ...v.spec, claimRef: { namespace: 'default', name: 'data' } } };
  assert.deepEqual(validateUpdate(claimed, v), []);
  const s = applyDefaults(sc());
  assert.deepEqual(validateUpdate({ ...s, provisioner: 'other.io/x', parameters: { a: 'b' } }, s), [
    { path: 'parameters', message: 'Forbidden: updates to parameters are forbidden.' },
    { path: 'provisioner', message: 'Forbidden: updates to provisioner are forbidden.' },
  ]);
  assert.deepEqual(validateUpdate({ ...s, allowVolumeExpansion: true }, s), []);
});

test('admission: DefaultStorageClass names the newest default class; resize needs a bound claim of an expandable class', () => {
  const cls = (name: string, created: string, isDefault: boolean, allowVolumeExpansion?: boolean): StorageClass => ({
    ...sc(),
    metadata: { name, creationTimestamp: created, annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
    allowVolumeExpansion,
  });
  const classes = [cls('old', '2026-01-01T00:00:00Z', true), cls('new', '2026-02-01T00:00:00Z', true), cls('plain', '2026-03-01T00:00:00Z', false, true)];
  const read = { list: (kind: string) => (kind === 'StorageClass' ? classes : []) };
  assert.equal(defaultClass(classes)?.metadata.name, 'new');
  assert.equal(defaultClass([classes[2]]), undefined);

  const create = (mutate: (c: PersistentVolumeClaim) => void) => {
    const c = pvc();
    mutate(c);
    admitPersistentVolumeClaim(c, read);
    return c.spec.storageClassName;
  };
  assert.equal(create((c) => delete c.spec.storageClassName), 'new');
  assert.equal(create((c) => (c.spec.storageClassName = '')), '', 'an empty class asks for none');
  assert.equal(create(() => {}), 'local-path', 'a named class stays');

  const bound = { ...pvc(), spec: { ...pvc().spec, storageClassName: 'plain' }, status: { phase: 'Bound' as const } };
  const grown = structuredClone(bound);
  grown.spec.resources!.requests!.storage = '2Gi';
  assert.doesNotThrow(() => admitPersistentVolumeClaim(grown, read, bound));
  const notExpandable = { ...bound, spec: { ...bound.spec, storageClassName: 'new' } };
  const grownNe = { ...grown, spec: { ...grown.spec, storageClassName: 'new' } };
  assert.throws(
    () => admitPersistentVolumeClaim(grownNe, read, notExpandable),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === 403 &&
      e.message === 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
  );
  assert.doesNotThrow(() => admitPersistentVolumeClaim(bound, read, bound), 'same size: nothing to admit');
});

test('printer rows: kubectl get pv, pvc, sc', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const at = '2026-01-01T00:00:00Z';
  const claim = { ...pvc(), metadata: { ...pvc().metadata, creationTimestamp: at }, status: { phase: 'Pending' as const } };
  assert.deepEqual(byKind('PersistentVolumeClaim')!.printer.row(claim, now), ['data', 'Pending', '', '', '', 'local-path', '<unset>', '60s', '<unset>']);
  const boundClaim = { ...claim, spec: { ...claim.spec, volumeName: 'pvc-1', volumeMode: 'Filesystem' }, status: { phase: 'Bound' as const, capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
  assert.deepEqual(byKind('PersistentVolumeClaim')!.printer.row(boundClaim, now), ['data', 'Bound', 'pvc-1', '1Gi', 'RWO', 'local-path', '<unset>', '60s', 'Filesystem']);
  const volume = applyDefaults({ ...pv(), metadata: { name: 'disk', creationTimestamp: at }, spec: { ...pv().spec, claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'manual' } });
  volume.status = { phase: 'Bound' };
  assert.deepEqual(byKind('PersistentVolume')!.printer.row(volume, now), ['disk', '5Gi', 'RWO', 'Retain', 'Bound', 'default/data', 'manual', '<unset>', '', '60s', 'Filesystem']);
  const def = { ...applyDefaults(sc()), metadata: { name: 'local-path', creationTimestamp: at, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } };
  assert.deepEqual(byKind('StorageClass')!.printer.row(def, now), ['local-path (default)', 'rancher.io/local-path', 'Delete', 'Immediate', 'false', '60s']);
  assert.deepEqual(
    byKind('PersistentVolume')!.printer.columns.filter((c) => c.priority === 0).map((c) => c.name.toUpperCase()),
    ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
  );
  assert.equal(accessModesString(['ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteOnce']), 'RWO,ROX,RWX,RWOP');
});
