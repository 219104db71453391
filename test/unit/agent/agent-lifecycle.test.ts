// Lifecycle hooks through the Agent's loop over the in-memory FakeRuntime, with a fake exec that
// writes into the runtime's call log, so the order of hooks and stops can be read in one list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeRuntime } from '../../../agent/fake-runtime.js';
import type { ExecInContainer } from '../../../agent/prober/runners.js';
import { startFakeAgent } from '../../fixtures/fake-agent.js';
import { MemoryNodeView, makePod, waitFor } from '../../fixtures/node-view.js';
import type { Pod } from '../../../src/api/types.js';

const IMAGE = 'k1s.local/busybox:1.36';

function setup(t: { after: (fn: () => unknown) => void }, failing: Set<string>) {
  const runtime = new FakeRuntime();
  runtime.images.set(IMAGE, 'sha256:bb');
  const api = new MemoryNodeView();
  // exits 1 for a command in `failing`, once
  const exec: ExecInContainer = async (id, cmd) => {
    runtime.calls.push(`exec ${id} ${cmd.join(' ')}`);
    if (failing.delete(cmd.join(' '))) return { exitCode: 1, output: 'no' };
    return { exitCode: 0, output: '' };
  };
  const agent = startFakeAgent(t, api, runtime, { exec });
  return { runtime, api, ready: agent.ready };
}

const spec = (): Pod['spec'] => ({
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  containers: [
    {
      name: 'app',
      image: IMAGE,
      command: ['sleep', '3600'],
      lifecycle: { postStart: { exec: { command: ['post', 'start'] } }, preStop: { exec: { command: ['pre', 'stop'] } } },
    },
    { name: 'plain', image: IMAGE, command: ['sleep', '3600'] },
  ],
});

test('agent hooks: postStart runs right after the start, preStop before the stop, and the stop gets the grace left (at least 2 s)', async (t) => {
  const { runtime, api, ready } = setup(t, new Set());
  await ready;
  const pod = api.add(makePod('hooked', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  const [app] = runtime.byName('app');
  const [plain] = runtime.byName('plain');
  const mine = (c: string) => c.includes(app.id) || c.includes(plain.id);
  assert.deepEqual(runtime.calls.filter(mine).filter((c) => !c.startsWith('create')), [`start ${app.id}`, `exec ${app.id} post start`, `start ${plain.id}`]);

  // a deletion with 1 s: the container with a preStop hook still gets kube's 2 s after it
  api.markDeleted(pod, 1);
  await waitFor('deleted by the agent', () => api.deleted.includes('hooked'));
  const after = runtime.calls.filter(mine).filter((c) => c.startsWith('exec') || c.startsWith('stop'));
  assert.equal(after.filter((c) => c.startsWith('stop')).length, 2, after.join(', '));
  assert.ok(after.includes(`exec ${app.id} pre stop`), after.join(', '));
  assert.ok(after.indexOf(`exec ${app.id} pre stop`) < after.indexOf(`stop ${app.id} 2`), 'preStop before SIGTERM, then 2 s');
  assert.ok(after.includes(`stop ${plain.id} 1`), 'no hook: the deletion grace as it is');
  assert.deepEqual(api.eventsOf(pod).filter((e) => e.reason.includes('Hook')), []);
});

test('agent hooks: a failing postStart kills the container (FailedPostStartHook) and it is restarted; a failing preStop is reported and the stop goes on', async (t) => {
  const { runtime, api, ready } = setup(t, new Set(['post start', 'pre stop']));
  await ready;
  const pod = api.add(makePod('failing', spec()));
  const restarted = await waitFor('restarted and running', () => {
    const s = api.get(pod)?.status?.containerStatuses?.find((c) => c.name === 'app');
    return s?.state.running && s.restartCount === 1 && s;
  });
  assert.equal(restarted.lastState.terminated?.exitCode, 137);
  const [first] = runtime.byName('app');
  const calls = runtime.calls.filter((c) => c.includes(first.id) && !c.startsWith('create'));
  // postStart fails -> the preStop hook (it fails too, once) -> the stop
  assert.deepEqual(calls.slice(0, 4), [`start ${first.id}`, `exec ${first.id} post start`, `exec ${first.id} pre stop`, `stop ${first.id} 30`]);
  const events = api.eventsOf(pod).map((e) => `${e.type} ${e.reason} ${e.message}`);
  assert.ok(events.includes('Warning FailedPostStartHook PostStartHook failed'), events.join('\n'));
  assert.ok(events.includes('Normal Killing FailedPostStartHook'), events.join('\n'));
  assert.ok(events.includes('Warning FailedPreStopHook PreStopHook failed'), events.join('\n'));
});
