// DELETE and the updates that finish a deletion, on the real registry over a temporary store with
// a clock of the test's own: graceful pods, finalizers, shortened grace periods, preconditions,
// dry runs, and the watch events each step makes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject } from '../../../src/api/types.js';
import { gcFinalizers, planDeletion } from '../../../src/apiserver/deletion.js';
import { Registry, type DeleteOptions, type WatchEvent } from '../../../src/apiserver/registry.js';
import { podGracePeriod, type Pod } from '../../../src/api/kinds/pod.js';
import { Store } from '../../../src/store/store.js';

const NOW = new Date('2026-11-23T10:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString().replace('.000Z', 'Z');

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A registry over a fresh store whose clock the test moves. */
function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-deletion-'));
  dirs.push(dir);
  const store = new Store(join(dir, 'state.db'));
  const clock = { now: NOW };
  const registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: [], now: () => clock.now });
  registry.bootstrap();
  return { store, registry, clock };
}

const Pods = byKind('Pod')!;
const ConfigMaps = byKind('ConfigMap')!;

function basePod(): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'x:1' }] },
  } as AnyObject;
}

function baseConfigMap(): AnyObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } } as AnyObject;
}

type Expected =
  | { gone: true }
  | { deletionTimestamp: string; deletionGracePeriodSeconds: number; unchanged?: boolean }
  | { status: number; message: string };

interface Case {
  kind?: 'Pod' | 'ConfigMap';
  mutate?: (o: any) => void;
  /** a status the pod reports (its phase) */
  phase?: string;
  /** DELETEs made first, at NOW */
  before?: DeleteOptions[];
  /** the DELETE under test, made 5 s later */
  opts?: DeleteOptions | ((o: AnyObject) => DeleteOptions);
  expected: Expected;
}

test('DELETE: graceful pods, finalizers, shortened grace, preconditions', () => {
  const cases: Record<string, Case> = {
    'everything is good; a configmap goes at once': { kind: 'ConfigMap', expected: { gone: true } },
    'a configmap with finalizers is kept, marked now with no grace period': {
      kind: 'ConfigMap',
      mutate: (o) => (o.metadata.finalizers = ['example.com/hold']),
      expected: { deletionTimestamp: at(5), deletionGracePeriodSeconds: 0 },
    },
    'a second DELETE of a configmap held by finalizers returns it unchanged': {
      kind: 'ConfigMap',
      mutate: (o) => (o.metadata.finalizers = ['example.com/hold']),
      before: [{}],
      expected: { deletionTimestamp: at(0), deletionGracePeriodSeconds: 0, unchanged: true },
    },
    "a scheduled pod is marked for its terminationGracePeriodSeconds (defaulted to 30)": { expected: { deletionTimestamp: at(35), deletionGracePeriodSeconds: 30 } },
    "the pod's own terminationGracePeriodSeconds": { mutate: (o) => (o.spec.terminationGracePeriodSeconds = 10), expected: { deletionTimestamp: at(15), deletionGracePeriodSeconds: 10 } },
    'the grace period asked for wins over the pod\'s': { opts: { gracePeriodSeconds: 3 }, expected: { deletionTimestamp: at(8), deletionGracePeriodSeconds: 3 } },
    'a negative grace period is read as 1 s': { opts: { gracePeriodSeconds: -5 }, expected: { deletionTimestamp: at(6), deletionGracePeriodSeconds: 1 } },
    'grace 0 removes a scheduled pod at once (--grace-period=0 --force)': { opts: { gracePeriodSeconds: 0 }, expected: { gone: true } },
    'a pod never scheduled goes at once': { mutate: (o) => delete o.spec.nodeName, expected: { gone: true } },
    'a Succeeded pod goes at once': { phase: 'Succeeded', expected: { gone: true } },
    'a Failed pod goes at once': { phase: 'Failed', expected: { gone: true } },
    'a shorter grace period shortens the deletion, counted from when it was asked': {
      before: [{}],
      opts: { gracePeriodSeconds: 10 },
      expected: { deletionTimestamp: at(10), deletionGracePeriodSeconds: 10 },
    },
    'a longer grace period changes nothing': {
      before: [{ gracePeriodSeconds: 10 }],
      opts: { gracePeriodSeconds: 20 },
      expected: { deletionTimestamp: at(10), deletionGracePeriodSeconds: 10, unchanged: true },
    },
    'a DELETE without a grace period of a pod being deleted changes nothing': {
      before: [{}],
      expected: { deletionTimestamp: at(30), deletionGracePeriodSeconds: 30, unchanged: true },
    },
    "the agent's final DELETE (grace 0, uid precondition) removes a terminating pod": {
      before: [{}],
      opts: (o) => ({ gracePeriodSeconds: 0, preconditions: { uid: o.metadata.uid } }),
      expected: { gone: true },
    },
    'a pod with finalizers and grace 0 stays, due now': {
      mutate: (o) => (o.metadata.finalizers = ['example.com/hold']),
      opts: { gracePeriodSeconds: 0 },
      expected: { deletionTimestamp: at(5), deletionGracePeriodSeconds: 0 },
    },
    'a uid precondition that does not match is a 409, and nothing changes': {
      opts: { preconditions: { uid: 'someone-else' } },
      expected: { status: 409, message: /^Operation cannot be fulfilled on pods "web": Precondition failed: UID in precondition: someone-else, UID in object meta: [0-9a-f-]{36}$/.source },
    },
    'a resourceVersion precondition that does not match is a 409': {
      opts: { preconditions: { resourceVersion: '1' } },
      expected: { status: 409, message: /^Operation cannot be fulfilled on pods "web": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: \d+$/.source },
    },
  };

  for (const [name, c] of Object.entries(cases)) {
    const { registry, store, clock } = setup();
    const r = c.kind === 'ConfigMap' ? ConfigMaps : Pods;
    const obj = c.kind === 'ConfigMap' ? baseConfigMap() : basePod();
    c.mutate?.(obj);
    let created = registry.create(r, 'default', obj);
    if (c.phase) created = registry.update(r, 'default', created.metadata.name, { ...created, status: { phase: c.phase } }, { subresource: 'status' });
    for (const b of c.before ?? []) registry.delete(r, 'default', created.metadata.name, b);
    const before = store.get(`/registry/core/${r.resource}/default/${created.metadata.name}`) as unknown as AnyObject | undefined;
    clock.now = new Date(NOW.getTime() + 5000);
    const opts = typeof c.opts === 'function' ? c.opts(created) : (c.opts ?? {});

    // a dry run answers the same and writes nothing
    const revision = store.revision;
    let dry: AnyObject | undefined;
    let dryError: unknown;
    try {
      dry = registry.delete(r, 'default', created.metadata.name, { ...opts, dryRun: true });
    } catch (e) {
      dryError = e;
    }
    assert.equal(store.revision, revision, `${name}: the dry run wrote`);

    let got: AnyObject | undefined;
    let error: { code?: number; message?: string } | undefined;
    try {
      got = registry.delete(r, 'default', created.metadata.name, opts);
    } catch (e) {
      error = e as typeof error;
    }
    const stored = store.get(`/registry/core/${r.resource}/default/${created.metadata.name}`) as unknown as AnyObject | undefined;
    const e = c.expected;
    if ('status' in e) {
      assert.equal(error?.code, e.status, `${name}: ${error?.message}`);
      assert.match(error!.message!, new RegExp(e.message), name);
      assert.equal((dryError as { code?: number })?.code, e.status, `${name}: dry run`);
      assert.deepEqual(stored, before, `${name}: changed`);
      continue;
    }
    assert.equal(error, undefined, `${name}: ${error?.message}`);
    if ('gone' in e) {
      assert.equal(stored, undefined, `${name}: still stored`);
      assert.equal(dry?.metadata.name, created.metadata.name, name);
      continue;
    }
    assert.ok(stored, `${name}: removed`);
    assert.equal(stored.metadata.deletionTimestamp, e.deletionTimestamp, name);
    assert.equal(stored.metadata.deletionGracePeriodSeconds, e.deletionGracePeriodSeconds, name);
    assert.deepEqual(got, stored, `${name}: the answer is the stored object`);
    assert.equal(dry?.metadata.deletionTimestamp, e.deletionTimestamp, `${name}: dry run answer`);
    if (e.unchanged) assert.equal(stored.metadata.resourceVersion, before?.metadata.resourceVersion, `${name}: written again`);
    else assert.notEqual(stored.metadata.resourceVersion, before?.metadata.resourceVersion, `${name}: no new resourceVersion`);
  }
});

test('finalizers: removing the last one of an object being deleted removes it; none may be added meanwhile', () => {
  const { registry, store } = setup();
  const events: WatchEvent[] = [];
  registry.watch(ConfigMaps, 'default', { resourceVersion: String(store.revision) }, (ev) => events.push(ev));
  const cm = baseConfigMap();
  cm.metadata.finalizers = ['example.com/a', 'example.com/b'];
  const created = registry.create(ConfigMaps, 'default', cm);
  const marked = registry.delete(ConfigMaps, 'default', 'cfg');
  assert.equal(marked.metadata.deletionTimestamp, at(0));

  // an update can neither move the deletion nor add a finalizer
  const moved = registry.update(ConfigMaps, 'default', 'cfg', { ...marked, metadata: { ...marked.metadata, deletionTimestamp: at(99), deletionGracePeriodSeconds: 7 } });
  assert.equal(moved.metadata.deletionTimestamp, at(0));
  assert.equal(moved.metadata.deletionGracePeriodSeconds, 0);
  assert.throws(
    () => registry.update(ConfigMaps, 'default', 'cfg', { ...moved, metadata: { ...moved.metadata, finalizers: ['example.com/a', 'example.com/c', 'example.com/b', 'example.com/c'] } }),
    (e: { code: number; message: string }) => {
      assert.equal(e.code, 422);
      assert.equal(e.message, 'ConfigMap "cfg" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/c"}');
      return true;
    },
  );

  const one = registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: ['example.com/b'] } });
  assert.deepEqual(one.metadata.finalizers, ['example.com/b']);
  const gone = registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: null } });
  assert.equal(gone.metadata.uid, created.metadata.uid);
  assert.equal(store.get('/registry/core/configmaps/default/cfg'), undefined);
  assert.deepEqual(events.map((ev) => ev.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
});

test('finalizers on an object not being deleted come and go like any field; bad names are refused', () => {
  const { registry } = setup();
  const cm = baseConfigMap();
  cm.metadata.finalizers = ['example.com/a'];
  registry.create(ConfigMaps, 'default', cm);
  const cleared = registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: null } });
  assert.equal(cleared.metadata.finalizers, undefined);
  assert.equal(cleared.metadata.deletionTimestamp, undefined);
  const added = registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: ['example.com/b'] } });
  assert.deepEqual(added.metadata.finalizers, ['example.com/b']);
  assert.throws(() => registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: ['not a name'] } }), /metadata\.finalizers: Invalid value: "not a name"/);
  assert.throws(() => registry.patch(ConfigMaps, 'default', 'cfg', { metadata: { finalizers: ['orphan', 'foregroundDeletion'] } }), /finalizer orphan and foregroundDeletion cannot be both set/);
  // a client cannot create an object already being deleted
  const forged = registry.create(ConfigMaps, 'default', { ...baseConfigMap(), metadata: { name: 'forged', deletionTimestamp: at(0), deletionGracePeriodSeconds: 0 } });
  assert.equal(forged.metadata.deletionTimestamp, undefined);
  assert.equal(forged.metadata.deletionGracePeriodSeconds, undefined);
});

test('a graceful pod: the mark is MODIFIED, the final delete DELETED; its finalizers going do not cut its grace short', () => {
  const { registry, store } = setup();
  const events: WatchEvent[] = [];
  registry.watch(Pods, 'default', { resourceVersion: String(store.revision) }, (ev) => events.push(ev));
  const pod = basePod();
  pod.metadata.finalizers = ['example.com/hold'];
  const created = registry.create(Pods, 'default', pod);
  const marked = registry.delete(Pods, 'default', 'web');
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  const released = registry.patch(Pods, 'default', 'web', { metadata: { finalizers: null } });
  assert.equal(released.metadata.deletionTimestamp, at(30), 'still stopping: kept');
  // status updates go on while it stops (the agent reports its containers ending)
  const reported = registry.update(Pods, 'default', 'web', { ...released, status: { phase: 'Running' } }, { subresource: 'status' });
  assert.equal(reported.metadata.deletionTimestamp, at(30));
  registry.delete(Pods, 'default', 'web', { gracePeriodSeconds: 0, preconditions: { uid: created.metadata.uid } });
  assert.equal(store.get('/registry/core/pods/default/web'), undefined);
  // as kube's updateForGracefulDeletionAndFinalizers: the grace period cut to 0 is written (the
  // kubelet hears it and hurries its stop), then the object goes
  assert.deepEqual(events.map((ev) => ev.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'DELETED']);
  assert.equal(events[4].object.metadata.deletionGracePeriodSeconds, 0);
  assert.equal(events[5].object.metadata.deletionGracePeriodSeconds, 0);
});

test('foreground and orphan deletion leave the owner marked with their finalizer for the garbage collector; dependents untouched', () => {
  const { registry, store } = setup();
  const owner = registry.create(ConfigMaps, 'default', baseConfigMap());
  const pod = basePod();
  pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg', uid: owner.metadata.uid! }];
  registry.create(Pods, 'default', pod);
  const marked = registry.delete(ConfigMaps, 'default', 'cfg', { propagationPolicy: 'Foreground' });
  assert.deepEqual(marked.metadata.finalizers, ['foregroundDeletion']);
  assert.equal(marked.metadata.deletionTimestamp, at(0));
  assert.deepEqual((store.get('/registry/core/configmaps/default/cfg') as unknown as AnyObject).metadata.finalizers, ['foregroundDeletion']);
  const left = store.get('/registry/core/pods/default/web') as unknown as AnyObject;
  assert.equal(left.metadata.deletionTimestamp, undefined);
  // a second DELETE asking for orphan swaps the finalizer; one asking for background drops it and the object goes
  assert.deepEqual(registry.delete(ConfigMaps, 'default', 'cfg', { propagationPolicy: 'Orphan' }).metadata.finalizers, ['orphan']);
  registry.delete(ConfigMaps, 'default', 'cfg', { propagationPolicy: 'Background' });
  assert.equal(store.get('/registry/core/configmaps/default/cfg'), undefined);
});

test('gcFinalizers: what a DELETE leaves for the garbage collector', () => {
  const cases: Record<string, { finalizers?: string[]; policy?: 'Orphan' | 'Foreground' | 'Background'; expected: string[] | undefined }> = {
    'everything is good (no policy, no finalizer); do nothing': { expected: undefined },
    'background: nothing to add': { policy: 'Background', expected: undefined },
    'orphan adds its finalizer': { policy: 'Orphan', expected: ['orphan'] },
    'foreground adds its finalizer': { policy: 'Foreground', expected: ['foregroundDeletion'] },
    'others are kept': { finalizers: ['example.com/x'], policy: 'Foreground', expected: ['example.com/x', 'foregroundDeletion'] },
    'an explicit policy replaces the other': { finalizers: ['orphan'], policy: 'Foreground', expected: ['foregroundDeletion'] },
    'background removes both': { finalizers: ['orphan', 'example.com/x'], policy: 'Background', expected: ['example.com/x'] },
    'no policy keeps what is there': { finalizers: ['foregroundDeletion'], expected: undefined },
    'already there: no change': { finalizers: ['orphan'], policy: 'Orphan', expected: undefined },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(gcFinalizers(c.finalizers, c.policy), c.expected, name);
});

test('podGracePeriod: the pod strategy of CheckGracefulDelete', () => {
  const base = (): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n', terminationGracePeriodSeconds: 30, containers: [] }, status: { phase: 'Running' } }) as unknown as Pod;
  const cases: Record<string, { mutate?: (p: Pod) => void; requested?: number; expected: number }> = {
    'everything is good; its own grace period': { expected: 30 },
    'the one asked for': { requested: 5, expected: 5 },
    'zero asked for': { requested: 0, expected: 0 },
    'negative is 1': { requested: -1, expected: 1 },
    'no grace period in the spec: 30': { mutate: (p) => delete p.spec.terminationGracePeriodSeconds, expected: 30 },
    'unscheduled: 0': { mutate: (p) => delete p.spec.nodeName, requested: 10, expected: 0 },
    'Succeeded: 0': { mutate: (p) => (p.status!.phase = 'Succeeded'), expected: 0 },
    'Failed: 0': { mutate: (p) => (p.status!.phase = 'Failed'), expected: 0 },
  };
  for (const [name, c] of Object.entries(cases)) {
    const p = base();
    c.mutate?.(p);
    assert.equal(podGracePeriod(p, c.requested), c.expected, name);
  }
});

test('planDeletion: an object marked with grace 0 whose removal failed is removed by the next DELETE', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', deletionTimestamp: at(0), deletionGracePeriodSeconds: 0 } } as AnyObject;
  assert.deepEqual(planDeletion(obj, { gracefulDelete: () => 30, now: NOW }), { action: 'delete' });
  // a deletion due later than now is brought forward by a DELETE of an object held by finalizers
  const held = { ...obj, metadata: { ...obj.metadata, deletionTimestamp: at(60), finalizers: ['example.com/x'] } } as AnyObject;
  const step = planDeletion(held, { now: NOW });
  assert.equal(step.action === 'mark' && step.object.metadata.deletionTimestamp, at(0));
});
