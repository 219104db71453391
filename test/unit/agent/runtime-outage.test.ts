// The Agent over a FakeRuntime that goes away and comes back: pods not Ready at once, nothing
// spins while it is away, one log line each way, everything Ready again after; and a sandbox that
// cannot be created is retried after the pod worker's back-off, not in a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, type RuntimeHealthStatus } from '../../../agent/agent.js';
import { FakeRuntime } from '../../../agent/fake-runtime.js';
import { DEFAULT_NETWORK } from '../../../agent/network.js';
import { MemoryNodeView, makePod, waitFor } from '../../fixtures/node-view.js';
import type { Pod } from '../../../src/api/types.js';

const IMAGE = 'k1s.local/busybox:1.36';
const PAUSE = 'k1s.local/pause:3.10';

function setup(t: { after: (fn: () => unknown) => void }) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const runtime = new FakeRuntime(clock.now);
  runtime.images.set(IMAGE, 'sha256:bb');
  const api = new MemoryNodeView();
  const dataDir = mkdtempSync(join(tmpdir(), 'k1s-outage-'));
  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const health: RuntimeHealthStatus[] = [];
  const ac = new AbortController();
  const agent = new Agent({
    view: api,
    runtime,
    logger,
    nodeName: 'node1',
    hostIP: '192.0.2.2',
    dataDir,
    network: DEFAULT_NETWORK,
    dns: { nameservers: ['10.96.0.10'], clusterDomain: 'cluster.local' },
    pauseImage: PAUSE,
    resyncMs: 20,
    clock: clock.now,
    // the probe's back-off, 50 times faster: 10 ms doubling to 100 ms
    healthTimers: { setTimeout: (fn, ms) => setTimeout(fn, ms / 50), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    onRuntimeHealth: (s) => health.push(s),
  });
  const run = agent.start(ac.signal);
  t.after(async () => {
    ac.abort();
    await run;
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { clock, runtime, api, agent, lines, health, ready: agent.ready };
}

const spec = (): Pod['spec'] => ({
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 1,
  containers: [
    { name: 'app', image: IMAGE },
    { name: 'sidecar', image: IMAGE },
  ],
});

const readyOf = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

test('the engine going away: pods not Ready at once, nothing spins, all back after', async (t) => {
  const { runtime, api, agent, lines, health, ready } = setup(t);
  await ready;
  const pods = [api.add(makePod('a', spec())), api.add(makePod('b', spec())), api.add(makePod('c', spec()))];
  await waitFor('all Ready', () => pods.every((p) => readyOf(api.get(p)) === 'True'));

  const t0 = Date.now();
  runtime.setDown(true);
  await waitFor('all not Ready', () => pods.every((p) => readyOf(api.get(p)) === 'False'), 2_000, 2);
  t.diagnostic(`engine away -> every pod not Ready: ${Date.now() - t0} ms`);
  for (const p of pods) {
    const s = api.get(p)!.status!;
    assert.deepEqual(s.containerStatuses?.map((c) => c.ready), [false, false]);
    assert.equal(s.conditions?.find((c) => c.type === 'ContainersReady')?.reason, 'ContainersNotReady');
    assert.equal(s.phase, 'Running', 'the containers may well still run: phase kept');
  }
  assert.equal(agent.runtimeHealth().up, false);
  assert.deepEqual(health.map((h) => h.up), [false]);

  // 400 ms away: 20 resync periods, 3 pods. Only the probe calls (10, 20, 40, 80, 100, 100... ms).
  runtime.downCalls = 0;
  await new Promise((r) => setTimeout(r, 400));
  t.diagnostic(`runtime calls in 400 ms away: ${runtime.downCalls}`);
  assert.ok(runtime.downCalls >= 3 && runtime.downCalls <= 8, `probes only, with back-off: ${runtime.downCalls}`);

  runtime.setDown(false);
  await waitFor('all Ready again', () => pods.every((p) => readyOf(api.get(p)) === 'True'), 2_000);
  assert.deepEqual(health.map((h) => h.up), [false, true]);
  assert.deepEqual(
    lines.map((l) => l.msg).filter((m) => /runtime|failed/.test(m)),
    ['container runtime is down: pausing pod syncs until it answers', 'container runtime is back: resyncing every pod'],
    'one line each way, no per-pod errors',
  );
});

test('a listing that fails shows the engine down too (no events stream needed)', async (t) => {
  const { runtime, api, agent, ready } = setup(t);
  await ready;
  const pod = api.add(makePod('d', spec()));
  await waitFor('Ready', () => readyOf(api.get(pod)) === 'True');
  // down without breaking the stream: the next resync's listing finds out
  (runtime as unknown as { isDown: boolean }).isDown = true;
  await waitFor('not Ready', () => readyOf(api.get(pod)) === 'False', 2_000, 2);
  assert.equal(agent.runtimeHealth().up, false);
  (runtime as unknown as { isDown: boolean }).isDown = false;
  await waitFor('Ready again', () => readyOf(api.get(pod)) === 'True', 2_000);
});

test('a sandbox that cannot be created is retried after 10 s, not in a loop', async (t) => {
  const { runtime, api, clock, ready } = setup(t);
  await ready;
  runtime.images.delete(PAUSE); // every sandbox creation fails now
  const pod = api.add(makePod('e', spec()));
  const sandboxCreates = () => runtime.calls.filter((c) => c.startsWith('create k1s_POD_e_')).length;
  await waitFor('a first try', () => sandboxCreates() === 1);
  await new Promise((r) => setTimeout(r, 200)); // 10 resync periods
  assert.equal(sandboxCreates(), 1, 'no retry before the back-off');
  assert.equal(api.eventsOf(pod).filter((e) => e.reason === 'FailedCreatePodSandBox').length, 1);
  clock.advance(10_000);
  await waitFor('the second try', () => sandboxCreates() === 2);
  runtime.images.set(PAUSE, 'sha256:pause');
  clock.advance(9_000);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(sandboxCreates(), 2, 'still waiting');
  clock.advance(1_000);
  await waitFor('Running once the sandbox can be made', () => readyOf(api.get(pod)) === 'True');
  assert.equal(sandboxCreates(), 3);
});
