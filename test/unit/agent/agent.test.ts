// The Agent's loop over the in-memory FakeRuntime: scheduling, execution of actions, status writes,
// back-off driven by an injected clock. No Docker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/log.js';
import { Agent } from '../../../agent/agent.js';
import { FakeRuntime } from '../../../agent/fake-runtime.js';
import { DEFAULT_NETWORK } from '../../../agent/network.js';
import { MemoryNodeView, makePod, waitFor } from '../../fixtures/node-view.js';
import type { Pod } from '../../../src/api/types.js';

const IMAGE = 'k1s.local/busybox:1.36';

function setup(t: { after: (fn: () => unknown) => void }) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const runtime = new FakeRuntime(clock.now);
  runtime.images.set(IMAGE, 'sha256:bb');
  const api = new MemoryNodeView();
  const dataDir = mkdtempSync(join(tmpdir(), 'k1s-agent-'));
  const controllers: AbortController[] = [];
  const runs: Promise<void>[] = [];
  const startAgent = async (): Promise<{ agent: Agent; stop: () => Promise<void> }> => {
    const agent = new Agent({
      view: api,
      runtime,
      logger: silentLogger,
      nodeName: 'node1',
      hostIP: '192.0.2.2',
      dataDir,
      network: DEFAULT_NETWORK,
      dns: { nameservers: ['10.96.0.10'], clusterDomain: 'cluster.local' },
      pauseImage: 'k1s.local/pause:3.10',
      resyncMs: 20,
      clock: clock.now,
    });
    const ac = new AbortController();
    controllers.push(ac);
    const run = agent.start(ac.signal);
    runs.push(run);
    await agent.ready;
    return {
      agent,
      stop: async () => {
        ac.abort();
        await run;
      },
    };
  };
  t.after(async () => {
    for (const c of controllers) c.abort();
    await Promise.allSettled(runs);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { clock, runtime, api, dataDir, startAgent };
}

const spec = (restartPolicy: 'Always' | 'OnFailure' | 'Never' = 'Always'): Pod['spec'] => ({
  restartPolicy,
  terminationGracePeriodSeconds: 1,
  containers: [
    { name: 'app', image: IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'] },
    { name: 'sidecar', image: IMAGE, args: ['sleep', '$(SECONDS)'], env: [{ name: 'SECONDS', value: '3600' }] },
  ],
});

const statusOf = (api: MemoryNodeView, pod: Pod, name: string) =>
  api.get(pod)?.status?.containerStatuses?.find((c) => c.name === name);

test('agent: a new pod gets a sandbox, its containers, a resolv.conf and a Running status', async (t) => {
  const { runtime, api, dataDir, startAgent } = setup(t);
  await startAgent();
  assert.ok(runtime.images.has('k1s.local/pause:3.10'), 'pause image built');
  assert.ok(runtime.networks.has('k1s'), 'network created');

  const pod = api.add(makePod('web', spec(), 'shop'));
  const running = await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running' && api.get(pod));
  assert.match(running.status?.podIP ?? '', /^10\.244\.\d+\.\d+$/);
  assert.equal(running.status?.hostIP, '192.0.2.2');

  const [sandbox] = runtime.byName('POD');
  assert.equal(sandbox.spec.hostname, 'web');
  assert.equal(sandbox.spec.networkMode, 'k1s');
  assert.ok(runtime.hairpin.has('k1s0'), 'bridge ports in hairpin mode, so the pod can reach itself through a Service');
  const [side] = runtime.byName('sidecar');
  assert.equal(side.name, `k1s_sidecar_web_shop_${pod.metadata.uid!.slice(0, 8)}_0`);
  assert.equal(side.spec.networkMode, `container:${sandbox.id}`);
  assert.deepEqual(side.spec.cmd, ['sleep', '3600']);
  assert.deepEqual(side.spec.env, ['SECONDS=3600']);
  assert.equal(side.labels['io.k1s.container.attempt'], '0');

  const resolv = join(dataDir, 'pods', pod.metadata.uid!, 'resolv.conf');
  assert.deepEqual(side.spec.binds, [`${resolv}:/etc/resolv.conf`]);
  assert.match(readFileSync(resolv, 'utf8'), /search shop\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\noptions ndots:5/);

  const reasons = api.eventsOf(pod).map((e) => e.reason);
  assert.deepEqual(reasons, ['Pulled', 'Created', 'Started', 'Pulled', 'Created', 'Started']);
});

test('agent: an idle agent writes no status', async (t) => {
  const { api, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('idle', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  await new Promise((r) => setTimeout(r, 100)); // settle
  const writes = api.writes;
  const events = api.events.length;
  await new Promise((r) => setTimeout(r, 300)); // ~15 resyncs
  assert.equal(api.writes, writes);
  assert.equal(api.events.length, events);
});

test('agent: a crash restarts at once, a second crash backs off (CrashLoopBackOff), then restarts', async (t) => {
  const { clock, runtime, api, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('crash', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');

  runtime.exit(runtime.byName('app')[0].id, 1);
  const restarted = await waitFor('restartCount 1', () => {
    const s = statusOf(api, pod, 'app');
    return s?.restartCount === 1 && s.state.running && s;
  });
  assert.equal(restarted.lastState.terminated?.exitCode, 1);
  assert.equal(restarted.lastState.terminated?.reason, 'Error');

  clock.advance(2_000);
  runtime.exit(runtime.byName('app').find((c) => c.state === 'running')!.id, 2);
  const waiting = await waitFor('CrashLoopBackOff', () => {
    const s = statusOf(api, pod, 'app');
    return s?.state.waiting?.reason === 'CrashLoopBackOff' && s;
  });
  assert.equal(waiting.restartCount, 1);
  assert.equal(waiting.lastState.terminated?.exitCode, 2);
  assert.match(waiting.state.waiting?.message ?? '', /^back-off 10s restarting failed container=app pod=crash_default\(/);
  assert.equal(api.get(pod)?.status?.phase, 'Running');
  assert.ok(api.eventsOf(pod).some((e) => e.reason === 'BackOff' && e.type === 'Warning'));

  clock.advance(11_000);
  await waitFor('restartCount 2', () => statusOf(api, pod, 'app')?.restartCount === 2 && statusOf(api, pod, 'app')?.state.running);
  // one dead container is kept per name (for logs --previous), older ones are removed
  await waitFor('one dead app container', () => runtime.byName('app').filter((c) => c.state === 'exited').length === 1);
});

test('agent: an image that cannot be pulled gives ErrImagePull, then ImagePullBackOff without pulling again', async (t) => {
  const { clock, runtime, api, startAgent } = setup(t);
  await startAgent();
  runtime.unpullable.add('registry.invalid/nope:1.0');
  const pod = api.add(
    makePod('nopull', { containers: [{ name: 'app', image: 'registry.invalid/nope:1.0' }], terminationGracePeriodSeconds: 1 }),
  );
  await waitFor('ImagePullBackOff', () => statusOf(api, pod, 'app')?.state.waiting?.reason === 'ImagePullBackOff');
  assert.deepEqual(api.waitingReasonsOf(pod, 'app'), ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
  const err = api.statusesOf(pod).map((s) => s.containerStatuses?.[0].state.waiting).find((w) => w?.reason === 'ErrImagePull');
  assert.match(err?.message ?? '', /no such host/);
  assert.equal(api.get(pod)?.status?.phase, 'Pending');
  const pulls = () => runtime.calls.filter((c) => c === 'pull registry.invalid/nope:1.0').length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(pulls(), 1);
  clock.advance(10_001);
  await waitFor('a second pull after the back-off', () => pulls() === 2);
  const events = api.eventsOf(pod).map((e) => `${e.type} ${e.reason}: ${e.message}`);
  assert.deepEqual(events.slice(0, 4), [
    'Normal Pulling: Pulling image "registry.invalid/nope:1.0"',
    'Warning Failed: Failed to pull image "registry.invalid/nope:1.0": Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host',
    'Warning Failed: Error: ErrImagePull',
    'Normal BackOff: Back-off pulling image "registry.invalid/nope:1.0"',
  ]);
});

test('agent: restartPolicy Never and exit 0 -> Succeeded, Completed; sandbox stopped', async (t) => {
  const { runtime, api, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('job', { restartPolicy: 'Never', containers: [{ name: 'app', image: IMAGE }] }));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  runtime.exit(runtime.byName('app')[0].id, 0);
  await waitFor('Succeeded', () => api.get(pod)?.status?.phase === 'Succeeded');
  assert.equal(statusOf(api, pod, 'app')?.state.terminated?.reason, 'Completed');
  await waitFor('sandbox stopped', () => runtime.byName('POD')[0].state === 'exited');
  assert.equal(runtime.byName('app').length, 1, 'not restarted');
});

test('agent: a deleted pod is stopped (Killing) and removed with its directory; orphans are removed', async (t) => {
  const { runtime, api, dataDir, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('gone', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  const dir = join(dataDir, 'pods', pod.metadata.uid!);
  assert.ok(existsSync(dir));
  api.remove(pod);
  await waitFor('containers removed', () => runtime.containers.size === 0);
  await waitFor('pod dir removed', () => !existsSync(dir)); // after the containers: the volumes' tearDown comes last
  assert.equal(api.events.filter((e) => e.reason === 'Killing').length, 2);

  // a container of a pod nobody knows
  const id = await runtime.createContainer({
    name: 'k1s_x_orphan_default_deadbeef_0',
    image: IMAGE,
    labels: { 'io.k1s.managed': 'true', 'io.k1s.node': 'node1', 'io.k1s.pod.uid': 'deadbeef-0000', 'io.k1s.container.name': 'x' },
    networkMode: 'k1s',
  });
  await runtime.startContainer(id);
  await waitFor('orphan removed', () => runtime.containers.size === 0);

  // ...but another node's containers on the same engine are none of this agent's business
  const foreign = await runtime.createContainer({
    name: 'k1s_x_other_default_deadbeef_0',
    image: IMAGE,
    labels: { 'io.k1s.managed': 'true', 'io.k1s.node': 'node2', 'io.k1s.pod.uid': 'deadbeef-0001', 'io.k1s.container.name': 'x' },
    networkMode: 'k1s',
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(runtime.containers.has(foreign));
});

test('agent: a pod marked for deletion is stopped with the deletion grace period, then deleted for good', async (t) => {
  const { runtime, api, dataDir, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('leaving', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  api.markDeleted(pod, 7);
  await waitFor('deleted by the agent', () => api.deleted.includes('leaving'));
  const stops = runtime.calls.filter((c) => c.startsWith('stop '));
  // both app containers got the deletion's 7 s (not the spec's 1 s); the sandbox its own 2 s
  assert.equal(stops.filter((c) => c.endsWith(' 7')).length, 2, stops.join(', '));
  assert.equal(api.events.filter((e) => e.reason === 'Killing').length, 2);
  await waitFor('containers removed', () => runtime.containers.size === 0);
  await waitFor('pod dir removed', () => !existsSync(join(dataDir, 'pods', pod.metadata.uid!)));
});

test("agent: a shorter grace period (a force delete's 0) cuts a running termination short, to the kubelet minimum of 2 s", async (t) => {
  const { runtime, api, startAgent } = setup(t);
  await startAgent();
  const pod = api.add(makePod('stubborn', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  runtime.holdStopsLongerThan = 5; // the apps ignore SIGTERM: a 30 s stop takes its 30 s
  api.markDeleted(pod, 30);
  await waitFor('both apps being stopped with 30 s', () => runtime.calls.filter((c) => c.startsWith('stop ') && c.endsWith(' 30')).length === 2);
  assert.ok(!api.deleted.includes('stubborn'));
  api.markDeleted(pod, 0);
  await waitFor('deleted by the agent', () => api.deleted.includes('stubborn'));
  const stops = runtime.calls.filter((c) => c.startsWith('stop '));
  assert.equal(stops.filter((c) => c.endsWith(' 2')).length >= 2, true, stops.join(', '));
  assert.equal(stops.filter((c) => c.endsWith(' 0')).length, 0, 'never under the minimum: ' + stops.join(', '));
});

test('agent: a pod marked for deletion while it is being built is not built further', async (t) => {
  const { runtime, api, startAgent } = setup(t);
  await startAgent();
  runtime.images.delete(IMAGE);
  runtime.unpullable.add(IMAGE);
  const pod = api.add(makePod('halfway', spec()));
  await waitFor('ErrImagePull', () => api.waitingReasonsOf(pod, 'app').includes('ErrImagePull'));
  api.markDeleted(pod, 30);
  await waitFor('deleted by the agent', () => api.deleted.includes('halfway'));
  assert.equal([...runtime.containers.values()].filter((c) => c.labels['io.k1s.container.type'] === 'container').length, 0);
});

test('agent: a missing ConfigMap gives CreateContainerConfigError; the container starts when it appears', async (t) => {
  const { api, startAgent } = setup(t);
  await startAgent();
  const s = spec();
  s.containers = [{ ...s.containers[0], env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } }] }];
  const pod = api.add(makePod('cfg-user', s, 'shop'));
  await waitFor('CreateContainerConfigError', () => api.waitingReasonsOf(pod, 'app').includes('CreateContainerConfigError'));
  const status = statusOf(api, pod, 'app');
  assert.equal(status?.state.waiting?.message, 'configmap "cfg" not found');
  assert.ok(api.events.some((e) => e.reason === 'Failed' && e.message === 'Error: configmap "cfg" not found'));
  api.addConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { mode: 'fast' } });
  await waitFor('Running', () => statusOf(api, pod, 'app')?.state.running);
});

test('agent: a new agent adopts running containers (same ids, same restartCount)', async (t) => {
  const { runtime, api, startAgent } = setup(t);
  const first = await startAgent();
  const pod = api.add(makePod('adopt', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  runtime.exit(runtime.byName('app')[0].id, 1);
  await waitFor('restartCount 1', () => statusOf(api, pod, 'app')?.restartCount === 1 && statusOf(api, pod, 'app')?.state.running);
  await first.stop();

  const ids = [...runtime.containers.keys()].sort();
  const creates = runtime.calls.filter((c) => c.startsWith('create')).length;
  const writes = api.writes;
  await startAgent();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual([...runtime.containers.keys()].sort(), ids);
  assert.equal(runtime.calls.filter((c) => c.startsWith('create')).length, creates);
  assert.equal(statusOf(api, pod, 'app')?.restartCount, 1);
  assert.equal(api.writes, writes, 'the adopted status is the same status');
});

test('agent: a spec change (image) replaces the running container', async (t) => {
  const { runtime, api, startAgent } = setup(t);
  await startAgent();
  runtime.images.set('k1s.local/busybox:1.37', 'sha256:cc');
  const pod = api.add(makePod('upd', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  const current = api.get(pod)!;
  api.add({ ...current, spec: { ...current.spec, containers: [{ ...current.spec.containers[0], image: 'k1s.local/busybox:1.37' }, current.spec.containers[1]] } });
  await waitFor('new image running', () => {
    const s = statusOf(api, pod, 'app');
    return s?.image === 'k1s.local/busybox:1.37' && s.state.running && s.restartCount === 1;
  });
  assert.ok(api.eventsOf(pod).some((e) => e.reason === 'Killing' && e.message === 'Container app definition changed, will be restarted'));
});

test('agent: logs picks the container and explains ambiguity in kubectl words', async (t) => {
  const { runtime, api, startAgent } = setup(t);
  const { agent } = await startAgent();
  const pod = api.add(makePod('talk', spec()));
  await waitFor('Running', () => api.get(pod)?.status?.phase === 'Running');
  runtime.byName('app')[0].logText = 'hello\n';
  let text = '';
  for await (const chunk of await agent.logs('default', 'talk', 'app', {})) text += chunk.toString();
  assert.equal(text, 'hello\n');
  await assert.rejects(agent.logs('default', 'talk', undefined, {}), /a container name must be specified for pod talk, choose one of: \[app sidecar\]/);
  await assert.rejects(agent.logs('default', 'nope', undefined, {}), /pods "nope" not found/);
});
