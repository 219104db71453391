import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, StoreError, type StoreEvent } from '../../../src/store/store.js';

function tempStore(t: { after: (fn: () => void) => void }, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-store-'));
  const path = join(dir, 'state.db');
  const store = new Store(path, opts);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, path };
}

const obj = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, ...extra });

test('create stamps a monotonic resourceVersion; get and list read it back', (t) => {
  const { store } = tempStore(t);
  const a = store.create('/pods/default/a', obj('a'));
  const b = store.create('/pods/default/b', obj('b'));
  store.create('/services/default/a', obj('a'));
  assert.equal(a.metadata.resourceVersion, '1');
  assert.equal(b.metadata.resourceVersion, '2');
  assert.deepEqual(store.get('/pods/default/a'), a);
  const list = store.list('/pods/');
  assert.deepEqual(list.items.map((i) => (i.metadata as { name: string }).name), ['a', 'b']);
  assert.equal(list.revision, 3);
});

test('create of an existing key is AlreadyExists; update of a missing key is NotFound', (t) => {
  const { store } = tempStore(t);
  store.create('/k', obj('a'));
  assert.throws(() => store.create('/k', obj('a')), (e: StoreError) => e.code === 'AlreadyExists');
  assert.throws(() => store.update('/missing', obj('a')), (e: StoreError) => e.code === 'NotFound');
});

test('a stale resourceVersion is a Conflict and writes nothing', (t) => {
  const { store } = tempStore(t);
  const v1 = store.create('/k', obj('a', { spec: 1 }));
  store.update('/k', obj('a', { spec: 2 }), v1.metadata.resourceVersion);
  assert.throws(() => store.update('/k', obj('a', { spec: 3 }), v1.metadata.resourceVersion), (e: StoreError) => e.code === 'Conflict');
  assert.equal((store.get("/k") as unknown as { spec: number }).spec, 2);
  assert.equal(store.revision, 2);
});

test('an update that changes nothing writes nothing and sends no event', (t) => {
  const { store, path } = tempStore(t);
  store.create('/k', obj('a', { spec: { x: 1, y: 2 } }));
  const events: StoreEvent[] = [];
  store.watch('/', store.revision, (e) => events.push(e));
  const before = statSync(path + '-wal').size;
  // same content, different key order
  const same = store.update('/k', { spec: { y: 2, x: 1 }, metadata: { name: 'a' } });
  assert.equal(same.metadata.resourceVersion, '1');
  assert.equal(events.length, 0);
  assert.equal(statSync(path + '-wal').size, before);
});

test('watch replays the log after a revision, then follows live writes, filtered by prefix', (t) => {
  const { store } = tempStore(t);
  store.create('/pods/default/a', obj('a'));
  store.create('/services/default/s', obj('s'));
  store.update('/pods/default/a', obj('a', { spec: 1 }));
  const seen: string[] = [];
  const stop = store.watch('/pods/', 1, (e) => seen.push(`${e.type} ${e.key} ${e.revision}`));
  store.delete('/pods/default/a');
  store.create('/services/default/t', obj('t'));
  stop();
  store.create('/pods/default/b', obj('b'));
  assert.deepEqual(seen, ['MODIFIED /pods/default/a 3', 'DELETED /pods/default/a 4']);
});

test('objects and revisions survive a reopen', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'state.db');
  let store = new Store(path);
  store.create('/k', obj('a'));
  store.update('/k', obj('a', { spec: 1 }));
  store.close();
  store = new Store(path);
  assert.equal(store.revision, 2);
  assert.equal(store.get('/k')?.metadata.resourceVersion, '2');
  assert.equal(store.create('/j', obj('j')).metadata.resourceVersion, '3');
  store.close();
});

test('compaction keeps recent revisions; watching from before them is Gone', (t) => {
  const { store } = tempStore(t, { keepRevisions: 5 });
  store.create('/k', obj('a', { n: 0 }));
  for (let i = 1; i < 20; i++) store.update('/k', obj('a', { n: i }));
  store.compact();
  assert.throws(() => store.watch('/', 2, () => {}), (e: StoreError) => e.code === 'Gone');
  const seen: number[] = [];
  store.watch('/', 16, (e) => seen.push(e.revision));
  assert.deepEqual(seen, [17, 18, 19, 20]);
});

test('a failed transaction leaves no trace', (t) => {
  const { store } = tempStore(t);
  store.create('/k', obj('a'));
  assert.throws(() => store.create('/k', obj('b')));
  assert.equal(store.revision, 1);
  assert.equal(store.create('/j', obj('j')).metadata.resourceVersion, '2');
});
