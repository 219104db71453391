// The garbage collector: its decisions as table tests over a view of objects, then the collector
// over the real registry and informers: background, foreground (blockOwnerDeletion, a dependent's
// own dependents first) and orphan deletion, and a dependent whose owner lives on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byKind, RESOURCES } from '../../../src/api/resources.js';
import type { AnyObject, OwnerReference } from '../../../src/api/types.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { LocalClient } from '../../../src/client/client.js';
import { createInformers, type Informers } from '../../../src/controllers/context.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { buildView, dependentAction, GarbageCollector, ownerAction, type DependentAction, type OwnerAction } from '../../../src/controllers/gc.js';
import { silentLogger } from '../../../src/log.js';
import { Store } from '../../../src/store/store.js';

const SERVED = new Set(RESOURCES.map((r) => r.kind));
const DELETED_AT = '2026-01-01T00:00:00Z';

const obj = (kind: string, uid: string, meta: Partial<AnyObject['metadata']> = {}): AnyObject => ({ apiVersion: 'v1', kind, metadata: { name: uid, namespace: 'default', uid, ...meta } }) as AnyObject;
const ref = (kind: string, uid: string, block = true): OwnerReference => ({ apiVersion: 'apps/v1', kind, name: uid, uid, controller: true, blockOwnerDeletion: block });

test('dependentAction: what becomes of an object whose owners are gone or going', () => {
  const base = () => ({ owners: [obj('Deployment', 'd')], dep: obj('ReplicaSet', 'rs', { ownerReferences: [ref('Deployment', 'd')] }), more: [] as AnyObject[] });
  type Case = { mutate: (c: ReturnType<typeof base>) => void; expected: DependentAction };
  const cases: Record<string, Case> = {
    'everything is good (owner alive); do nothing': { mutate: () => {}, expected: { action: 'none' } },
    'owner gone: background': { mutate: (c) => (c.owners = []), expected: { action: 'delete', policy: 'Background' } },
    'owner gone, the dependent has the orphan finalizer: orphan': {
      mutate: (c) => ((c.owners = []), (c.dep.metadata.finalizers = ['orphan'])),
      expected: { action: 'delete', policy: 'Orphan' },
    },
    'owner of a kind k1s does not serve: never assumed gone': {
      mutate: (c) => ((c.owners = []), (c.dep.metadata.ownerReferences = [ref('Rollout', 'r')])),
      expected: { action: 'none' },
    },
    'one owner gone, another alive: only the reference goes': {
      mutate: (c) => (c.dep.metadata.ownerReferences = [ref('Deployment', 'd'), ref('Deployment', 'gone')]),
      expected: { action: 'removeReferences', uids: ['gone'] },
    },
    'owner waiting in the foreground: delete it': {
      mutate: (c) => (c.owners = [obj('Deployment', 'd', { deletionTimestamp: DELETED_AT, finalizers: ['foregroundDeletion'] })]),
      expected: { action: 'delete', policy: 'Background' },
    },
    'owner waiting, and it has dependents of its own: foreground': {
      mutate: (c) => ((c.owners = [obj('Deployment', 'd', { deletionTimestamp: DELETED_AT, finalizers: ['foregroundDeletion'] })]), (c.more = [obj('Pod', 'p', { ownerReferences: [ref('ReplicaSet', 'rs')] })])),
      expected: { action: 'delete', policy: 'Foreground' },
    },
    'owner waiting, another owner alive: only the reference to the waiting one goes': {
      mutate: (c) => {
        c.owners = [obj('Deployment', 'd', { deletionTimestamp: DELETED_AT, finalizers: ['foregroundDeletion'] }), obj('Deployment', 'other')];
        c.dep.metadata.ownerReferences = [ref('Deployment', 'd'), ref('Deployment', 'other')];
      },
      expected: { action: 'removeReferences', uids: ['d'] },
    },
    'owner being deleted with other finalizers only: still solid': {
      mutate: (c) => (c.owners = [obj('Deployment', 'd', { deletionTimestamp: DELETED_AT, finalizers: ['example.com/x'] })]),
      expected: { action: 'none' },
    },
    'the dependent is already being deleted: wait': { mutate: (c) => ((c.owners = []), (c.dep.metadata.deletionTimestamp = DELETED_AT)), expected: { action: 'none' } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const x = base();
    c.mutate(x);
    assert.deepEqual(dependentAction(x.dep, buildView([...x.owners, x.dep, ...x.more], SERVED)), c.expected, name);
  }
});

test('ownerAction: orphan and foreground owners', () => {
  const base = () => ({ owner: obj('Deployment', 'd', { deletionTimestamp: DELETED_AT, finalizers: ['foregroundDeletion'] }), deps: [obj('ReplicaSet', 'a', { ownerReferences: [ref('Deployment', 'd')] })] });
  type Case = { mutate: (c: ReturnType<typeof base>) => void; expected: (c: ReturnType<typeof base>) => OwnerAction };
  const cases: Record<string, Case> = {
    'everything is good (not being deleted); do nothing': { mutate: (c) => (c.owner = obj('Deployment', 'd')), expected: () => ({ action: 'none' }) },
    'foreground: delete the blocking dependents first': { mutate: () => {}, expected: (c) => ({ action: 'foreground', attempt: c.deps, removeFinalizer: false }) },
    'foreground: a dependent being deleted still blocks, and is not deleted again': {
      mutate: (c) => (c.deps[0].metadata.deletionTimestamp = DELETED_AT),
      expected: () => ({ action: 'foreground', attempt: [], removeFinalizer: false }),
    },
    'foreground: dependents without blockOwnerDeletion do not block': {
      mutate: (c) => (c.deps[0].metadata.ownerReferences = [ref('Deployment', 'd', false)]),
      expected: () => ({ action: 'foreground', attempt: [], removeFinalizer: true }),
    },
    'foreground: no dependents left, remove the finalizer': { mutate: (c) => (c.deps = []), expected: () => ({ action: 'foreground', attempt: [], removeFinalizer: true }) },
    'orphan: every dependent loses its reference': { mutate: (c) => (c.owner.metadata.finalizers = ['orphan']), expected: (c) => ({ action: 'orphan', dependents: c.deps }) },
    'deleting with other finalizers only: not ours': { mutate: (c) => (c.owner.metadata.finalizers = ['example.com/x']), expected: () => ({ action: 'none' }) },
  };
  for (const [name, c] of Object.entries(cases)) {
    const x = base();
    c.mutate(x);
    assert.deepEqual(ownerAction(x.owner, buildView([x.owner, ...x.deps], SERVED)), c.expected(x), name);
  }
});

let dir: string;
let store: Store;
let registry: Registry;
let informers: Informers;
let gc: GarbageCollector;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'k1s-gc-'));
  store = new Store(join(dir, 'state.db'));
  registry = new Registry(store, { serviceCIDR: '10.43.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: [] });
  registry.bootstrap();
  const client = new LocalClient(registry);
  informers = createInformers(client);
  informers.all.forEach((inf) => inf.start());
  gc = new GarbageCollector({ client, informers, logger: silentLogger, events: { record: () => {} } as unknown as EventRecorder });
  gc.start();
});

after(() => {
  gc.stop();
  informers.all.forEach((inf) => inf.close());
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const R = (kind: string) => byKind(kind)!;
const exists = (kind: string, name: string) => {
  try {
    return registry.get(R(kind), 'default', name);
  } catch {
    return undefined;
  }
};
const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } });
const refTo = (o: AnyObject, block = true): OwnerReference[] => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: block }];

/** Deployment -> ReplicaSet -> Pod, and a ConfigMap owned by the Deployment without blocking it. */
function tree(name: string, podOnNode = false) {
  const d = registry.create(R('Deployment'), 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: template(name) } });
  const rs = registry.create(R('ReplicaSet'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${name}-rs`, ownerReferences: refTo(d) },
    spec: { selector: { matchLabels: { app: name } }, template: template(name) },
  });
  const pod = registry.create(R('Pod'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${name}-pod`, labels: { app: name }, ownerReferences: refTo(rs) },
    spec: { ...template(name).spec, ...(podOnNode ? { nodeName: 'node1' } : {}) },
  });
  const cm = registry.create(R('ConfigMap'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-cm`, ownerReferences: refTo(d, false) } });
  return { d, rs, pod, cm };
}

test('background: the owner goes at once, then its dependents and theirs', async () => {
  tree('bg');
  registry.delete(R('Deployment'), 'default', 'bg');
  assert.equal(exists('Deployment', 'bg'), undefined);
  await until('the tree collected', () => !exists('ReplicaSet', 'bg-rs') && !exists('Pod', 'bg-pod') && !exists('ConfigMap', 'bg-cm'));
});

test('foreground: the owner waits, marked, for its blocking dependents (a running pod until its final delete), then goes', async () => {
  const { pod } = tree('fg', true);
  const marked = registry.delete(R('Deployment'), 'default', 'fg', { propagationPolicy: 'Foreground' });
  assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
  // the ReplicaSet is deleted in the foreground too (it has a dependent); the pod is stopping
  await until('the pod Terminating', () => Boolean(exists('Pod', 'fg-pod')?.metadata.deletionTimestamp));
  assert.deepEqual(exists('ReplicaSet', 'fg-rs')?.metadata.finalizers, ['foregroundDeletion']);
  assert.ok(exists('Deployment', 'fg'), 'the owner waits');
  // the node agent's final delete: then the ReplicaSet, then the Deployment go
  registry.delete(R('Pod'), 'default', 'fg-pod', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
  await until('the owner gone', () => !exists('Deployment', 'fg'));
  assert.equal(exists('ReplicaSet', 'fg-rs'), undefined);
  // the non-blocking ConfigMap did not hold the owner; it is collected once the owner is gone
  await until('the configmap collected', () => !exists('ConfigMap', 'fg-cm'));
});

test('orphan: the dependents lose their reference and stay; the owner goes', async () => {
  tree('or');
  registry.delete(R('Deployment'), 'default', 'or', { propagationPolicy: 'Orphan' });
  await until('the owner gone', () => !exists('Deployment', 'or'));
  assert.equal(exists('ReplicaSet', 'or-rs')?.metadata.ownerReferences, undefined);
  assert.equal(exists('ConfigMap', 'or-cm')?.metadata.ownerReferences, undefined);
  assert.ok(exists('Pod', 'or-pod')?.metadata.ownerReferences?.length, "the ReplicaSet's own pod keeps its owner");
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(exists('ReplicaSet', 'or-rs') && exists('Pod', 'or-pod'), 'nothing collected');
});

test('a dependent with another living owner keeps living, without the reference to the gone one', async () => {
  const a = registry.create(R('ConfigMap'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-a' } });
  const b = registry.create(R('ConfigMap'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner-b' } });
  registry.create(R('Secret'), 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shared', ownerReferences: [...refTo(a), ...refTo(b)].map((r) => ({ ...r, controller: false })) } });
  registry.delete(R('ConfigMap'), 'default', 'owner-a');
  await until('the reference removed', () => exists('Secret', 'shared')?.metadata.ownerReferences?.length === 1);
  assert.equal(exists('Secret', 'shared')?.metadata.ownerReferences?.[0].uid, b.metadata.uid);
});

test('an object created naming an owner that no longer exists is collected', async () => {
  registry.create(R('ConfigMap'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'never', uid: 'no-such-uid' }] } });
  await until('collected', () => !exists('ConfigMap', 'late'));
});
