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

test('first request after idle runs at once; a burst within the min interval is one more run, after it', async () => {
  const c = clock();
  const runs: number[] = [];
  const r = new SyncRunner(async () => void runs.push(c.now()), { minIntervalMs: 100, onError: (e) => assert.fail(String(e)), ...c });
  r.request();
  await c.advance(0);
  assert.deepEqual(runs, [1_000_000], 'immediate');
  for (let i = 0; i < 5; i++) {
    await c.advance(10);
    r.request();
  }
  assert.equal(runs.length, 1, 'the burst waits for the min interval');
  await c.advance(50);
  assert.deepEqual(runs, [1_000_000, 1_000_100], 'one run for the whole burst, 100 ms after the first');
  await c.advance(1000);
  r.request();
  await c.advance(0);
  assert.equal(runs.length, 3, 'after idle: at once again');
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
