import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncRunner } from '../../../proxy/runner.js';

/** A fake clock with timers fired by advance(). */
function clock() {
  let t = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => t,
    setTimer: (fn: () => void, ms: number) => {
      const timer = { at: t + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimer: (x: unknown) => void timers.splice(timers.indexOf(x as (typeof timers)[number]), 1),
    async advance(ms: number) {
      t += ms;
      for (const due of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(due), 1);
        due.fn();
      }
      await new Promise((r) => setImmediate(r));
    },
    pending: () => timers.length,
  };
}

test('as kube-proxy: two requests after idle run at once; a burst after them is one run per min interval', async () => {
  const c = clock();
  const runs: number[] = [];
  const r = new SyncRunner(async () => void runs.push(c.now()), { minIntervalMs: 100, onError: (e) => assert.fail(String(e)), ...c });
  r.request();
  await c.advance(0);
  assert.deepEqual(runs, [1_000_000], 'immediate');
  await c.advance(10);
  r.request();
  await c.advance(0);
  assert.deepEqual(runs, [1_000_000, 1_000_010], 'the second of a burst is immediate too (burst 2)');
  for (let i = 0; i < 5; i++) {
    await c.advance(10);
    r.request();
  }
  assert.equal(runs.length, 2, 'the rest of the burst waits for a token');
  // two runs spent 2 of the 2.1 tokens gained by +10 ms; a whole one is back at +100 ms
  await c.advance(30);
  assert.equal(runs.length, 2);
  await c.advance(10);
  assert.deepEqual(runs, [1_000_000, 1_000_010, 1_000_100], 'one run for the 5 requests, when a whole token is back');
  r.request();
  await c.advance(50);
  assert.equal(runs.length, 3, 'under churn: one run per min interval');
  await c.advance(50);
  assert.equal(runs.length, 4);
  await c.advance(1000);
  r.request();
  r.request();
  await c.advance(0);
  assert.equal(runs.length, 6, 'after idle: at once again, and the request made during that run right after it (a second token)');
});

test('burst 1: only the first request after idle runs at once', async () => {
  const c = clock();
  const runs: number[] = [];
  const r = new SyncRunner(async () => void runs.push(c.now()), { minIntervalMs: 100, burst: 1, onError: (e) => assert.fail(String(e)), ...c });
  r.request();
  await c.advance(10);
  r.request();
  await c.advance(0);
  assert.deepEqual(runs, [1_000_000]);
  await c.advance(90);
  assert.deepEqual(runs, [1_000_000, 1_000_100]);
});

test('a request during a run is run once after it; runs never overlap; errors go to onError', async () => {
  const c = clock();
  let active = 0;
  let max = 0;
  let release: () => void = () => {};
  const errors: unknown[] = [];
  let n = 0;
  const r = new SyncRunner(
    async () => {
      n++;
      active++;
      max = Math.max(max, active);
      await new Promise<void>((res) => (release = res));
      active--;
      if (n === 1) throw new Error('boom');
    },
    { minIntervalMs: 0, onError: (e) => errors.push(e), ...c },
  );
  r.request();
  r.request();
  r.request();
  release();
  await c.advance(0);
  await c.advance(0);
  release();
  await c.advance(0);
  assert.equal(n, 2);
  assert.equal(max, 1);
  assert.equal(errors.length, 1);
  r.stop();
  r.request();
  await c.advance(1000);
  assert.equal(n, 2, 'stopped: no more runs');
});
