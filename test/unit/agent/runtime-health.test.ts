// The runtime health monitor: the engine going away is seen at once, probed with back-off (the
// only calls while it is away), one log line each way. Timers and clock are fakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { isRuntimeUnavailable, nextProbeDelay, RuntimeHealth, type RuntimeHealthStatus, type Timers } from '../../../agent/runtime-health.js';

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/** Timers that fire only when the test says; `pending` is what is waiting, with its delay. */
function fakeTimers() {
  const pending: Array<{ fn: () => void; ms: number }> = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as { fn: () => void; ms: number });
      if (i >= 0) pending.splice(i, 1);
    },
  };
  /** Fire the next timer and let the probe settle. */
  const fire = async (): Promise<number> => {
    const t = pending.shift();
    assert.ok(t, 'a probe is scheduled');
    t.fn();
    await new Promise((r) => setImmediate(r));
    return t.ms;
  };
  return { timers, pending, fire };
}

test('nextProbeDelay: 0.5 s doubling to 5 s', () => {
  const seen: number[] = [];
  let d: number | undefined;
  for (let i = 0; i < 7; i++) seen.push((d = nextProbeDelay(d)));
  assert.deepEqual(seen, [500, 1000, 2000, 4000, 5000, 5000, 5000]);
});

test('isRuntimeUnavailable: connection failures, not the engine saying no', () => {
  const cases: Record<string, { err: unknown; expected: boolean }> = {
    'a 404 from the engine is a pod problem': { err: Object.assign(new Error('(HTTP code 404) no such container'), { statusCode: 404 }), expected: false },
    'socket file gone': { err: Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), expected: true },
    'refused': { err: Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }), expected: true },
    'cut mid-request': { err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), expected: true },
    'hang up without a code': { err: new Error('socket hang up'), expected: true },
    'a conflict': { err: Object.assign(new Error('(HTTP code 409) Conflict'), { statusCode: 409 }), expected: false },
    'a proxy with no engine behind it': { err: Object.assign(new Error('(HTTP code 502)'), { statusCode: 502 }), expected: true },
    'not an error': { err: 'nope', expected: false },
    'an image that is missing': { err: new Error('No such image: k1s.local/pause:3.10'), expected: false },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(isRuntimeUnavailable(c.err), c.expected, name);
});

function setup(probeOk: () => boolean) {
  const { logger, lines } = capture();
  const { timers, pending, fire } = fakeTimers();
  let now = 1_000_000;
  let probes = 0;
  const changes: RuntimeHealthStatus[] = [];
  const health = new RuntimeHealth({
    probe: async () => {
      probes++;
      if (!probeOk()) throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    },
    logger,
    clock: () => now,
    timers,
    onChange: (s) => changes.push(s),
  });
  return { health, lines, pending, fire, changes, probes: () => probes, advance: (ms: number) => (now += ms) };
}

test('RuntimeHealth: down at once, probed with back-off, up again with one line each way', async () => {
  let engine = false;
  const h = setup(() => engine);
  assert.equal(h.health.up, true);
  h.health.failed(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }));
  h.health.failed(new Error('again')); // its confirming probe is in flight: nothing more
  await new Promise((r) => setImmediate(r));
  h.health.failed(new Error('again')); // already down: nothing more
  assert.equal(h.health.up, false);
  assert.equal(h.probes(), 1, 'one probe confirmed it');
  assert.deepEqual(h.changes, [{ up: false, since: 1_000_000, error: 'connect ENOENT /var/run/docker.sock' }]);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) delays.push(await h.fire());
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 5000, 5000]);
  assert.equal(h.probes(), 7, 'the confirming probe, then one per delay, nothing else');
  engine = true;
  h.advance(17_500);
  await h.fire();
  assert.equal(h.health.up, true);
  assert.equal(h.pending.length, 0, 'no probe once it is back');
  assert.deepEqual(h.changes.map((c) => c.up), [false, true]);
  assert.deepEqual(h.lines.map((l) => l.msg), ['container runtime is down: pausing pod syncs until it answers', 'container runtime is back: resyncing every pod']);

  // a second outage starts the back-off from the beginning
  engine = false;
  h.health.failed(new Error('socket hang up'));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.pending[0].ms, 500);
  h.health.stop();
  assert.equal(h.pending.length, 0, 'stop cancels the probe');
});

test('RuntimeHealth.suspect: a probe now; down only if the engine does not answer', async () => {
  let engine = true;
  const h = setup(() => engine);
  h.health.suspect();
  await new Promise((r) => setImmediate(r));
  assert.equal(h.health.up, true);
  assert.equal(h.probes(), 1);
  assert.deepEqual(h.changes, []);
  engine = false;
  h.health.suspect();
  h.health.suspect(); // one probe in flight is enough
  await new Promise((r) => setImmediate(r));
  assert.equal(h.probes(), 2);
  assert.equal(h.health.up, false);
  assert.equal(h.pending.length, 1);
});

test('RuntimeHealth.failed: a call cut while the engine still answers its probe is not an outage', async () => {
  const h = setup(() => true);
  h.health.failed(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(h.health.up, true);
  assert.equal(h.probes(), 1);
  assert.deepEqual(h.changes, []);
  assert.deepEqual(h.lines, []);
  assert.equal(h.pending.length, 0);
});
