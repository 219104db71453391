// The binder's and the local-path provisioner's decisions, and the scheduler's volume check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../src/api/types.js';
import { decideClaim, decideVolume, deletableDirectory, findMatchingVolume, type BinderConfig } from '../../../src/controllers/volume-binding.js';
import { checkPodVolumes } from '../../../src/controllers/scheduler-volumes.js';

const cfg: BinderConfig = { nodeName: 'vm', storageDir: '/var/lib/k1s/storage' };

const claim = (): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path', volumeMode: 'Filesystem' },
  status: { phase: 'Pending' },
});

const volume = (name: string, size: string, mutate: (v: PersistentVolume) => void = () => {}): PersistentVolume => {
  const v: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels: { tier: 'fast' } },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'], storageClassName: 'manual', hostPath: { path: `/srv/${name}` }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' },
    status: { phase: 'Available' },
  };
  mutate(v);
  return v;
};

const cls = (name: string, mode: 'Immediate' | 'WaitForFirstConsumer', provisioner = 'rancher.io/local-path'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: mode,
});

const CLASSES = [cls('local-path', 'WaitForFirstConsumer'), cls('now', 'Immediate'), cls('ebs', 'Immediate', 'ebs.csi.aws.com')];

test('decideClaim: what one sync of a claim does', () => {
  const manualClaim = (c: PersistentVolumeClaim) => (c.spec.storageClassName = 'manual');
  const cases: Record<string, { mutate: (c: PersistentVolumeClaim) => void; volumes?: PersistentVolume[]; expected: string }> = {
    'everything is good; do nothing: a bound claim whose volume names it stays bound': {
      mutate: (c) => {
        c.spec.volumeName = 'pv1';
        c.metadata.annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
      },
      volumes: [volume('pv1', '1Gi', (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' }))],
      expected: 'bind pv1',
    },
    'WaitForFirstConsumer without a node waits': { mutate: () => {}, expected: 'wait WaitForFirstConsumer' },
    'WaitForFirstConsumer with a node provisions a directory': {
      mutate: (c) => (c.metadata.annotations = { 'volume.kubernetes.io/selected-node': 'vm' }),
      expected: 'provision pvc-u1 /var/lib/k1s/storage/pvc-u1_default_data',
    },
    'Immediate provisions at once': { mutate: (c) => (c.spec.storageClassName = 'now'), expected: 'provision pvc-u1 /var/lib/k1s/storage/pvc-u1_default_data' },
    'another provisioner: wait for it, and say so': { mutate: (c) => (c.spec.storageClassName = 'ebs'), expected: 'wait ExternalProvisioning' },
    'an unknown class': { mutate: (c) => (c.spec.storageClassName = 'gold'), expected: 'wait ProvisioningFailed storageclass.storage.k8s.io "gold" not found' },
    'no class and no volume': { mutate: (c) => (c.spec.storageClassName = ''), expected: 'wait FailedBinding no persistent volumes available for this claim and no storage class is set' },
    'a selector cannot be provisioned': {
      mutate: (c) => {
        c.spec.storageClassName = 'now';
        c.spec.selector = { matchLabels: { tier: 'fast' } };
      },
      expected: 'wait ProvisioningFailed claim.Spec.Selector is not supported for dynamic provisioning',
    },
    'a static volume: the smallest that is large enough': {
      mutate: manualClaim,
      volumes: [volume('big', '10Gi'), volume('small', '512Mi'), volume('fit', '2Gi'), volume('fit-but-taken', '1Gi', (v) => (v.spec.claimRef = { namespace: 'x', name: 'y', uid: 'z' }))],
      expected: 'bind fit',
    },
    'a static volume must have every access mode asked for': {
      mutate: (c) => {
        manualClaim(c);
        c.spec.accessModes = ['ReadOnlyMany'];
      },
      volumes: [volume('fit', '2Gi')],
      // a class name with no StorageClass object: kube's binder says so too
      expected: 'wait ProvisioningFailed storageclass.storage.k8s.io "manual" not found',
    },
    'a static volume must match the selector': {
      mutate: (c) => {
        manualClaim(c);
        c.spec.selector = { matchLabels: { tier: 'slow' } };
      },
      volumes: [volume('fit', '2Gi')],
      // a class name with no StorageClass object: kube's binder says so too
      expected: 'wait ProvisioningFailed storageclass.storage.k8s.io "manual" not found',
    },
    'a Pending or Released volume is not offered': {
      mutate: manualClaim,
      volumes: [volume('new', '2Gi', (v) => (v.status = { phase: 'Pending' })), volume('old', '2Gi', (v) => (v.status = { phase: 'Released' }))],
      expected: 'wait ProvisioningFailed storageclass.storage.k8s.io "manual" not found',
    },
    'a volume pre-bound to the claim wins over a better fit': {
      mutate: manualClaim,
      volumes: [volume('fit', '1Gi'), volume('mine', '5Gi', (v) => (v.spec.claimRef = { namespace: 'default', name: 'data' }))],
      expected: 'bind mine',
    },
    'a volume for another node is not offered': {
      mutate: manualClaim,
      volumes: [volume('there', '1Gi', (v) => (v.spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['other'] }] }] } }))],
      expected: 'wait ProvisioningFailed storageclass.storage.k8s.io "manual" not found',
    },
    'a claim naming a volume binds it': { mutate: (c) => { manualClaim(c); c.spec.volumeName = 'fit'; }, volumes: [volume('fit', '1Gi')], expected: 'bind fit' },
    'a claim naming a too small volume': {
      mutate: (c) => { manualClaim(c); c.spec.volumeName = 'tiny'; },
      volumes: [volume('tiny', '1Mi')],
      expected: 'wait VolumeMismatch Cannot bind to requested volume "tiny": requested PV is too small',
    },
    'a claim naming a volume bound elsewhere': {
      mutate: (c) => { manualClaim(c); c.spec.volumeName = 'fit'; },
      volumes: [volume('fit', '1Gi', (v) => (v.spec.claimRef = { namespace: 'x', name: 'y', uid: 'z' }))],
      expected: 'wait FailedBinding volume "fit" already bound to a different claim.',
    },
    'a bound claim whose volume is gone is Lost': {
      mutate: (c) => {
        c.spec.volumeName = 'pv1';
        c.metadata.annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
      },
      expected: 'lost ClaimLost',
    },
    'a bound claim whose volume names another claim': {
      mutate: (c) => {
        c.spec.volumeName = 'pv1';
        c.metadata.annotations = { 'pv.kubernetes.io/bind-completed': 'yes' };
      },
      volumes: [volume('pv1', '1Gi', (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'someone-else' }))],
      expected: 'lost ClaimMisbound',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const pvc = claim();
    c.mutate(pvc);
    const a = decideClaim(pvc, c.volumes ?? [], CLASSES, cfg);
    const got =
      a.type === 'bind'
        ? `bind ${a.volume.metadata.name}`
        : a.type === 'provision'
          ? `provision ${a.volume.metadata.name} ${a.directory}`
          : a.type === 'lost'
            ? `lost ${a.event.reason}`
            : `wait ${a.event?.reason}${a.event && !['WaitForFirstConsumer', 'ExternalProvisioning'].includes(a.event.reason) ? ` ${a.event.message}` : ''}`;
    assert.equal(got, c.expected, name);
  }
});

test('the provisioned volume: local-path shape, claimRef, class reclaim policy, capacity = request', () => {
  const pvc = claim();
  pvc.spec.storageClassName = 'now';
  pvc.spec.accessModes = ['ReadWriteMany'];
  const a = decideClaim(pvc, [], CLASSES, cfg);
  assert.equal(a.type, 'provision');
  const v = (a as { volume: PersistentVolume }).volume;
  assert.deepEqual(v.metadata.annotations, { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path', 'local.path.provisioner/selected-node': 'vm' });
  assert.deepEqual(v.spec.hostPath, { path: '/var/lib/k1s/storage/pvc-u1_default_data', type: 'DirectoryOrCreate' });
  assert.deepEqual(v.spec.capacity, { storage: '1Gi' });
  assert.deepEqual(v.spec.accessModes, ['ReadWriteMany']);
  assert.equal(v.spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(v.spec.storageClassName, 'now');
  assert.deepEqual(v.spec.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'u1', apiVersion: 'v1', resourceVersion: undefined });
  // the annotation the binder waits for on an external provisioner's claims
  const ext = decideClaim({ ...pvc, spec: { ...pvc.spec, storageClassName: 'ebs' } }, [], CLASSES, cfg);
  assert.deepEqual(ext.type === 'wait' && ext.annotations, { 'volume.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com', 'volume.beta.kubernetes.io/storage-provisioner': 'ebs.csi.aws.com' });
});

test('decideVolume: phases follow the claim; released volumes are reclaimed', () => {
  const provisioned = (v: PersistentVolume) => {
    v.metadata.annotations = { 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' };
    v.spec.hostPath = { path: '/var/lib/k1s/storage/pvc-u1_default_data' };
    v.spec.persistentVolumeReclaimPolicy = 'Delete';
    v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' };
  };
  const boundClaim = () => ({ ...claim(), spec: { ...claim().spec, volumeName: 'pv1' } });
  const cases: Record<string, { mutate: (v: PersistentVolume) => void; claims: PersistentVolumeClaim[]; expected: string }> = {
    'everything is good; do nothing: bound to its bound claim': {
      mutate: (v) => {
        v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' };
        v.status = { phase: 'Bound' };
      },
      claims: [boundClaim()],
      expected: 'none',
    },
    'a new free volume becomes Available': { mutate: (v) => (v.status = { phase: 'Pending' }), claims: [], expected: 'phase Available' },
    'its claim bound it: Bound': { mutate: (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' }), claims: [boundClaim()], expected: 'phase Bound' },
    'its claim is not bound yet: the claim sync binds': { mutate: (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' }), claims: [claim()], expected: 'none' },
    'its claim is gone: Released': { mutate: (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' }), claims: [], expected: 'phase Released' },
    'a claim of the same name is another claim': {
      mutate: (v) => (v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'old' }),
      claims: [claim()],
      expected: 'phase Released',
    },
    'released and Retain: kept': {
      mutate: (v) => {
        v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' };
        v.status = { phase: 'Released' };
      },
      claims: [],
      expected: 'none',
    },
    'released and Delete, provisioned here: directory and volume go': {
      mutate: (v) => {
        provisioned(v);
        v.status = { phase: 'Released' };
      },
      claims: [],
      expected: 'delete /var/lib/k1s/storage/pvc-u1_default_data',
    },
    'released and Delete, made by hand: Failed, nothing removed': {
      mutate: (v) => {
        v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' };
        v.spec.persistentVolumeReclaimPolicy = 'Delete';
        v.status = { phase: 'Released' };
      },
      claims: [],
      expected: 'phase Failed VolumeFailedDelete',
    },
    'pre-bound by name to a claim that does not exist yet: Available': {
      mutate: (v) => {
        v.spec.claimRef = { namespace: 'default', name: 'later' };
        v.status = { phase: 'Pending' };
      },
      claims: [],
      expected: 'phase Available',
    },
    'the binder chose it but the claim bound another: unbind': {
      mutate: (v) => {
        v.spec.claimRef = { namespace: 'default', name: 'data', uid: 'u1' };
        v.metadata.annotations = { 'pv.kubernetes.io/bound-by-controller': 'yes' };
      },
      claims: [{ ...claim(), spec: { ...claim().spec, volumeName: 'other' } }],
      expected: 'unbind',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const v = volume('pv1', '1Gi');
    c.mutate(v);
    const a = decideVolume(v, c.claims, cfg);
    const got = a.type === 'phase' ? `phase ${a.phase}${a.event ? ` ${a.event.reason}` : ''}` : a.type === 'delete' ? `delete ${a.directory}` : a.type;
    assert.equal(got, c.expected, name);
  }
});

test('deletableDirectory: only pvc-* directories right under the storage directory, of volumes local-path made', () => {
  const v = (path: string, by = 'rancher.io/local-path') => volume('x', '1Gi', (pv) => {
    pv.metadata.annotations = { 'pv.kubernetes.io/provisioned-by': by };
    pv.spec.hostPath = { path };
  });
  const dir = '/var/lib/k1s/storage';
  assert.equal(deletableDirectory(v(`${dir}/pvc-u1_default_data`), dir), `${dir}/pvc-u1_default_data`);
  assert.equal(deletableDirectory(v(`${dir}/pvc-u1_default_data`, 'someone.else/x'), dir), undefined);
  assert.equal(deletableDirectory(v(`${dir}/../state.db`), dir), undefined);
  assert.equal(deletableDirectory(v(`${dir}/pvc-../../etc`), dir), undefined);
  assert.equal(deletableDirectory(v(`${dir}`), dir), undefined);
  assert.equal(deletableDirectory(v(`${dir}/data`), dir), undefined);
  assert.equal(deletableDirectory(v(`${dir}/pvc-a/b`), dir), undefined);
  assert.equal(deletableDirectory(v('/etc/pvc-x'), dir), undefined);
});

test('findMatchingVolume: equal sizes keep the first; a larger request skips small volumes', () => {
  const pvc = { ...claim(), spec: { ...claim().spec, storageClassName: 'manual', resources: { requests: { storage: '3Gi' } } } };
  assert.equal(findMatchingVolume(pvc, [volume('a', '2Gi'), volume('b', '4Gi'), volume('c', '4Gi')], 'vm')?.metadata.name, 'b');
  assert.equal(findMatchingVolume(pvc, [volume('a', '2Gi')], 'vm'), undefined);
});

test('checkPodVolumes: the scheduler binds a pod once its claims are bound', () => {
  const pod = (claims: string[]): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'x:1' }], volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) as never },
  });
  const claims: Record<string, PersistentVolumeClaim> = {
    bound: { ...claim(), metadata: { name: 'bound', namespace: 'default', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { ...claim().spec, volumeName: 'pv1' } },
    wffc: { ...claim(), metadata: { name: 'wffc', namespace: 'default' } },
    told: { ...claim(), metadata: { name: 'told', namespace: 'default', annotations: { 'volume.kubernetes.io/selected-node': 'vm' } } },
    immediate: { ...claim(), metadata: { name: 'immediate', namespace: 'default' }, spec: { ...claim().spec, storageClassName: 'now' } },
  };
  const check = (names: string[]) => {
    const r = checkPodVolumes(pod(names), (n) => claims[n], CLASSES, 'vm');
    return r.ok ? 'ok' : `${r.message ?? 'wait'} [${r.select.map((c) => c.metadata.name).join(',')}]`;
  };
  assert.equal(check([]), 'ok', 'everything is good; do nothing: no claims');
  assert.equal(check(['bound']), 'ok');
  assert.equal(check(['bound', 'wffc']), 'wait [wffc]');
  assert.equal(check(['told']), 'wait []');
  assert.equal(check(['immediate']), '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. []');
  assert.equal(check(['missing']), '0/1 nodes are available: persistentvolumeclaim "missing" not found. []');
});
