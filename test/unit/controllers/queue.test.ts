// WorkQueue.addAfter: one timer per key, the earliest wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/controllers/queue.js';
import { silentLogger } from '../../../src/log.js';

test('addAfter: repeated delays for one key sync it once, at the earliest', async () => {
  const synced: [string, number][] = [];
  const start = Date.now();
  const q = new WorkQueue('t', async (key) => void synced.push([key, Date.now() - start]), silentLogger);
  q.addAfter('a', 80);
  q.addAfter('a', 80);
  q.addAfter('a', 20); // earlier: replaces the 80 ms timer
  q.addAfter('a', 60); // later than the pending one: ignored
  q.addAfter('b', 40);
  await new Promise((r) => setTimeout(r, 150));
  q.close();
  assert.deepEqual(synced.map(([k]) => k), ['a', 'b']);
  assert.ok(synced[0][1] >= 15 && synced[0][1] < 60, `a synced at ${synced[0][1]} ms`);
});
