// The node Lease: renewed in memory every 10 s and served with that renewal, written to the store
// when created or changed and otherwise once per 5 minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { Store } from '../../../src/store/store.js';
import { keyOf, Registry } from '../../../src/apiserver/registry.js';
import { byKind } from '../../../src/api/resources.js';
import type { Lease } from '../../../src/api/types.js';
import { leaseWriteNeeded, microTime, NodeLease, nodeLease, withLiveRenewal } from '../../../agent/node-lease.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

test('microTime: six fractional digits', () => {
  assert.equal(microTime(T0 + 123), '2026-01-01T00:00:00.123000Z');
});

test('nodeLease: as the nodelease controller makes it (no acquireTime, no transitions)', () => {
  assert.deepEqual(nodeLease('box', 'uid-1', T0), {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'box', namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'box', uid: 'uid-1' }] },
    spec: { holderIdentity: 'box', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' },
  });
});

test('leaseWriteNeeded', () => {
  const stored = () => nodeLease('box', 'uid-1', T0);
  const cases: Record<string, { mutate: (l: Lease) => Lease | undefined; now: number; expected: boolean }> = {
    'everything is good; do nothing (10 s later)': { mutate: (l) => l, now: T0 + 10_000, expected: false },
    'four minutes later: still nothing': { mutate: (l) => l, now: T0 + 240_000, expected: false },
    'five minutes later: write': { mutate: (l) => l, now: T0 + 300_000, expected: true },
    'absent: create': { mutate: () => undefined, now: T0, expected: true },
    'another holder: take it back': { mutate: (l) => ({ ...l, spec: { ...l.spec, holderIdentity: 'other' } }), now: T0 + 1, expected: true },
    'another duration': { mutate: (l) => ({ ...l, spec: { ...l.spec, leaseDurationSeconds: 15 } }), now: T0 + 1, expected: true },
    'no owner (made before the Node)': { mutate: (l) => ({ ...l, metadata: { ...l.metadata, ownerReferences: undefined } }), now: T0 + 1, expected: true },
    'no renewTime': { mutate: (l) => ({ ...l, spec: { ...l.spec, renewTime: undefined } }), now: T0 + 1, expected: true },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(leaseWriteNeeded(c.mutate(stored()), 'box', 'uid-1', c.now), c.expected, name);
});

test('withLiveRenewal: only our Lease, only a newer renewal', () => {
  const ours = nodeLease('box', 'u', T0);
  assert.equal(withLiveRenewal(ours, 'box', T0 + 20_000).spec?.renewTime, '2026-01-01T00:00:20.000000Z');
  assert.equal(withLiveRenewal(ours, 'box', T0 - 1), ours, 'an older renewal changes nothing');
  assert.equal(withLiveRenewal(ours, 'box', undefined), ours, 'not renewed yet');
  const other = nodeLease('other', 'u', T0);
  assert.equal(withLiveRenewal(other, 'box', T0 + 20_000), other);
  const elsewhere = { ...ours, metadata: { ...ours.metadata, namespace: 'default' } };
  assert.equal(withLiveRenewal(elsewhere, 'box', T0 + 20_000), elsewhere);
});

test('NodeLease over the registry: 10 minutes idle are 3 store writes, and every read shows a fresh renewTime', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-lease-'));
  const store = new Store(join(dir, 'state.db'));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: ['10.96.0.10'] });
  registry.bootstrap();
  const info = byKind('Lease')!;
  let now = T0;
  const lease = new NodeLease({
    nodeName: 'box',
    nodeUid: () => 'uid-1',
    read: () => store.get(keyOf(info, 'kube-node-lease', 'box')) as unknown as Lease | undefined,
    write: (l, stored) =>
      void (stored
        ? registry.update(info, 'kube-node-lease', 'box', { ...l, metadata: { ...l.metadata, resourceVersion: stored.metadata.resourceVersion } })
        : registry.create(info, 'kube-node-lease', l)),
    logger: silentLogger,
    clock: () => now,
  });
  registry.liveView('Lease', (o) => lease.view(o as Lease));
  const before = store.revision;
  return (async () => {
    const wrote: number[] = [];
    for (let i = 0; i <= 60; i++) {
      if (await lease.renew()) wrote.push((now - T0) / 1000);
      const served = registry.get<Lease>(info, 'kube-node-lease', 'box');
      assert.equal(served.spec?.renewTime, microTime(now), 'a GET shows the renewal of now');
      assert.equal((registry.list(info, 'kube-node-lease').items[0] as Lease).spec?.renewTime, microTime(now), 'so does a LIST');
      now += 10_000;
    }
    assert.deepEqual(wrote, [0, 300, 600], 'created, then once per 5 minutes');
    assert.equal(store.revision - before, 3, 'three store writes in 10 minutes');
    const stored = store.get(keyOf(info, 'kube-node-lease', 'box')) as unknown as Lease;
    assert.equal(stored.spec?.renewTime, microTime(T0 + 600_000), 'the store holds the last written renewal');
    assert.equal(stored.spec?.holderIdentity, 'box');
  })();
});
