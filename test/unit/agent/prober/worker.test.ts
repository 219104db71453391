import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Probe } from '../../../../src/api/podspec/schema.js';
import { FakeScheduler, settle } from '../../../../agent/prober/fake-scheduler.js';
import { ResultsManager } from '../../../../agent/prober/results.js';
import type { ProbeOutcome, ProbeType } from '../../../../agent/prober/types.js';
import { ProbeWorker } from '../../../../agent/prober/worker.js';

type Answer = 'S' | 'F' | 'W' | 'E';

const ANSWERS: Record<Answer, ProbeOutcome> = {
  S: { result: 'Success', output: 'ok' },
  F: { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' },
  W: { result: 'Warning', output: 'Probe terminated redirects, Response body: ' },
  E: { result: 'Unknown', output: '', error: 'strconv.Atoi: parsing "web": invalid syntax' },
};

interface Scenario {
  type: ProbeType;
  probe: Probe;
  /** Seconds after t=0 the container started (may be negative: started earlier). */
  startedAt: number;
  running: boolean;
  deleting: boolean;
  /** The runner's answers, one per call; the last repeats. */
  answers: Answer[];
  /** What the startup gate says for liveness and readiness. */
  started: boolean;
  runForSeconds: number;
}

interface Observed {
  /** Seconds at which the runner was called. */
  probesAt: number[];
  /** "<second> <result>" for every change the results manager reported. */
  changes: string[];
  events: string[];
}

function base(): Scenario {
  return {
    type: 'readiness',
    probe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    startedAt: 0,
    running: true,
    deleting: false,
    answers: ['S'],
    started: true,
    runForSeconds: 35,
  };
}

async function play(s: Scenario): Promise<Observed> {
  const clock = new FakeScheduler();
  const results = new ResultsManager();
  const seen: Observed = { probesAt: [], changes: [], events: [] };
  results.onChange((ch) => seen.changes.push(`${clock.now() / 1000} ${ch.result}`));
  let call = 0;
  const worker = new ProbeWorker('pod-1', s.type, s.probe, {
    scheduler: clock,
    results,
    run: async () => {
      seen.probesAt.push(clock.now() / 1000);
      return ANSWERS[s.answers[Math.min(call++, s.answers.length - 1)]];
    },
    started: () => s.started,
    recordEvent: (type, reason, message) => seen.events.push(`${type} ${reason} ${message}`),
  });
  worker.update({ id: 'c1', startedAt: s.startedAt * 1000, running: s.running }, s.deleting);
  await clock.advance(s.runForSeconds * 1000);
  return seen;
}

const cases: Record<string, { mutate: (s: Scenario) => void; expected: Observed }> = {
  'everything is good: readiness starts Failure, passes at once, probes every period': {
    mutate: () => {},
    expected: { probesAt: [0, 10, 20, 30], changes: ['0 Failure', '0 Success'], events: [] },
  },
  'no probe before initialDelaySeconds, counted from the container start': {
    mutate: (s) => {
      s.probe.initialDelaySeconds = 15;
      s.startedAt = -5;
    },
    expected: { probesAt: [10, 20, 30], changes: ['0 Failure', '10 Success'], events: [] },
  },
  'periodSeconds defaults to 10 when unset': {
    mutate: (s) => delete s.probe.periodSeconds,
    expected: { probesAt: [0, 10, 20, 30], changes: ['0 Failure', '0 Success'], events: [] },
  },
  'readiness turns Failure only at failureThreshold consecutive failures, one event each': {
    mutate: (s) => (s.answers = ['S', 'F', 'F', 'F']),
    expected: {
      probesAt: [0, 10, 20, 30],
      changes: ['0 Failure', '0 Success', '30 Failure'],
      events: Array(3).fill('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500'),
    },
  },
  'a success between failures restarts the count': {
    mutate: (s) => {
      s.answers = ['S', 'F', 'F', 'S', 'F', 'F', 'S'];
      s.runForSeconds = 65;
    },
    expected: {
      probesAt: [0, 10, 20, 30, 40, 50, 60],
      changes: ['0 Failure', '0 Success'],
      events: Array(4).fill('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500'),
    },
  },
  'successThreshold 2: ready at the second consecutive success': {
    mutate: (s) => (s.probe.successThreshold = 2),
    expected: { probesAt: [0, 10, 20, 30], changes: ['0 Failure', '10 Success'], events: [] },
  },
  'liveness starts Success and fails at the threshold, then holds (no probing a dying container)': {
    mutate: (s) => {
      s.type = 'liveness';
      s.answers = ['F'];
      s.runForSeconds = 60;
    },
    expected: {
      probesAt: [0, 10, 20],
      changes: ['0 Success', '20 Failure'],
      events: Array(3).fill('Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500'),
    },
  },
  'liveness failures below the threshold change nothing': {
    mutate: (s) => {
      s.type = 'liveness';
      s.answers = ['F', 'F', 'S', 'F'];
    },
    expected: {
      probesAt: [0, 10, 20, 30],
      changes: ['0 Success'],
      events: Array(3).fill('Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500'),
    },
  },
  'startup has no result until it passes, then stops probing': {
    mutate: (s) => {
      s.type = 'startup';
      s.answers = ['F', 'S'];
    },
    expected: { probesAt: [0, 10], changes: ['10 Success'], events: ['Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500'] },
  },
  'startup fails at its threshold and holds': {
    mutate: (s) => {
      s.type = 'startup';
      s.answers = ['F'];
      s.probe.failureThreshold = 2;
    },
    expected: {
      probesAt: [0, 10],
      changes: ['10 Failure'],
      events: Array(2).fill('Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500'),
    },
  },
  'liveness waits for the startup probe': {
    mutate: (s) => {
      s.type = 'liveness';
      s.started = false;
      s.answers = ['F'];
    },
    expected: { probesAt: [], changes: ['0 Success'], events: [] },
  },
  'readiness waits for the startup probe': {
    mutate: (s) => (s.started = false),
    expected: { probesAt: [], changes: ['0 Failure'], events: [] },
  },
  'an errored probe is retried 3 times, reported, and its result thrown away': {
    mutate: (s) => {
      s.answers = ['E'];
      s.runForSeconds = 15;
    },
    expected: {
      probesAt: [0, 0, 0, 10, 10, 10],
      changes: ['0 Failure'],
      events: Array(2).fill('Warning Unhealthy Readiness probe errored: strconv.Atoi: parsing "web": invalid syntax'),
    },
  },
  'a warning counts as success and is recorded as ProbeWarning': {
    mutate: (s) => (s.runForSeconds = 5, s.answers = ['W']),
    expected: { probesAt: [0], changes: ['0 Failure', '0 Success'], events: ['Warning ProbeWarning Readiness probe warning: Probe terminated redirects, Response body: '] },
  },
  'a container not running reads Failure and is not probed': {
    mutate: (s) => {
      s.type = 'liveness';
      s.running = false;
    },
    expected: { probesAt: [], changes: ['0 Success', '0 Failure'], events: [] },
  },
  'liveness of a pod being deleted reports Success and stops': {
    mutate: (s) => {
      s.type = 'liveness';
      s.deleting = true;
      s.answers = ['F'];
    },
    expected: { probesAt: [], changes: ['0 Success'], events: [] },
  },
  'readiness of a pod being deleted keeps probing': {
    mutate: (s) => (s.deleting = true),
    expected: { probesAt: [0, 10, 20, 30], changes: ['0 Failure', '0 Success'], events: [] },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`worker: ${name}`, async () => {
    const s = base();
    c.mutate(s);
    assert.deepEqual(await play(s), c.expected);
  });
}

function harness(type: ProbeType, probe: Probe) {
  const clock = new FakeScheduler();
  const results = new ResultsManager();
  const changes: string[] = [];
  results.onChange((ch) => changes.push(`${clock.now() / 1000} ${ch.containerId} ${ch.result}`));
  const answers: ProbeOutcome[] = [];
  const calls: string[] = [];
  let pending: ((o: ProbeOutcome) => void) | undefined;
  let hold = false;
  const worker = new ProbeWorker('pod-1', type, probe, {
    scheduler: clock,
    results,
    run: (id) => {
      calls.push(`${clock.now() / 1000} ${id}`);
      if (hold) return new Promise((r) => (pending = r));
      return Promise.resolve(answers.shift() ?? ANSWERS.S);
    },
    started: () => true,
    recordEvent: () => {},
  });
  return { clock, results, changes, answers, calls, worker, holdNext: () => (hold = true), release: (o: ProbeOutcome) => ((hold = false), pending?.(o)) };
}

const PROBE: Probe = { httpGet: { port: 80 }, periodSeconds: 10, failureThreshold: 1 };

test('worker: a new container id resets it: old result removed, initial result, probing resumes', async () => {
  const h = harness('liveness', PROBE);
  h.answers.push(ANSWERS.F);
  h.worker.update({ id: 'c1', startedAt: 0, running: true }, false);
  await h.clock.advance(25_000);
  assert.equal(h.results.get('c1', 'liveness'), 'Failure');
  assert.deepEqual(h.worker.state.onHold, true);
  assert.deepEqual(h.calls, ['0 c1']);

  h.worker.update({ id: 'c2', startedAt: 25_000, running: true }, false);
  await h.clock.advance(15_000);
  assert.equal(h.results.get('c1', 'liveness'), undefined);
  assert.equal(h.results.get('c2', 'liveness'), 'Success');
  assert.deepEqual(h.calls, ['0 c1', '25 c2', '35 c2']);
  assert.deepEqual(h.changes, ['0 c1 Success', '0 c1 Failure', '25 c2 Success']);
});

test('worker: an outcome for a replaced container is dropped', async () => {
  const h = harness('readiness', PROBE);
  h.holdNext();
  h.worker.update({ id: 'c1', startedAt: 0, running: true }, false);
  await h.clock.advance(1_000);
  h.worker.update({ id: 'c2', startedAt: 1_000, running: true }, false);
  h.release(ANSWERS.S); // the probe of c1 answers late
  await settle();
  assert.equal(h.results.get('c1', 'readiness'), undefined);
  assert.equal(h.results.get('c2', 'readiness'), 'Failure');
});

test('worker: stop forgets the result and cancels the timer', async () => {
  const h = harness('readiness', PROBE);
  h.worker.update({ id: 'c1', startedAt: 0, running: true }, false);
  await h.clock.advance(5_000);
  assert.equal(h.results.get('c1', 'readiness'), 'Success');
  h.worker.stop();
  assert.equal(h.results.get('c1', 'readiness'), undefined);
  assert.equal(h.clock.pending, 0);
  await h.clock.advance(60_000);
  assert.deepEqual(h.calls, ['0 c1']);
});

test('worker: trigger probes now instead of a period later', async () => {
  const h = harness('readiness', PROBE);
  h.worker.update({ id: 'c1', startedAt: 0, running: true }, false);
  await h.clock.advance(3_000);
  h.worker.trigger();
  await h.clock.advance(0);
  assert.deepEqual(h.calls, ['0 c1', '3 c1']);
});

test('worker: a trigger during a probe is kept (one slot) and probes again as soon as that probe ends', async () => {
  const h = harness('readiness', PROBE);
  h.holdNext();
  h.worker.update({ id: 'c1', startedAt: 0, running: true }, false);
  await h.clock.advance(0);
  h.worker.trigger();
  h.worker.trigger(); // coalesced into the one slot
  await h.clock.advance(50);
  h.release(ANSWERS.F);
  await h.clock.advance(0);
  await h.clock.advance(0);
  assert.deepEqual(h.calls, ['0 c1', '0.05 c1']);
  // then the period again
  await h.clock.advance(10_000);
  assert.deepEqual(h.calls, ['0 c1', '0.05 c1', '10.05 c1']);
});
