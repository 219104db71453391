// The Docker engine going away, for one agent: its DockerRuntime talks through a unix-socket proxy
// (test/fixtures/socket-proxy.ts) that the test cuts and restores, so the machine's shared dockerd
// keeps running. Shows: pods not Ready within 2 s, the Node's Ready condition saying the runtime is
// down (through the agent's health callback, as the server wires it), nothing spinning while it is
// away (connections the agent tries), one log line each way, and every pod Ready again after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Docker from 'dockerode';
import { pino } from 'pino';
import { DockerRuntime } from '../../../agent/runtime.js';
import { desiredNodeStatus, type NodeStatus } from '../../../agent/node-status.js';
import { NodeStatusReporter } from '../../../agent/node-status-reporter.js';
import type { RuntimeHealthStatus } from '../../../agent/runtime-health.js';
import { silentLogger } from '../../../src/log.js';
import { rfc3339 } from '../../../src/api/time.js';
import { BUSYBOX_IMAGE } from '../../fixtures/images.js';
import { makePod, waitFor } from '../../fixtures/node-view.js';
import { realAgent } from '../../fixtures/real-agent.js';
import { DockerSocketProxy } from '../../fixtures/socket-proxy.js';
import type { Pod } from '../../../src/api/types.js';

const NODE = `itest-outage-${process.pid}`;

test('the Docker engine going away and coming back', { timeout: 120_000 }, async (t) => {
  const { api, startAgent, podContainers } = await realAgent(t, NODE);
  const proxy = new DockerSocketProxy(join(tmpdir(), `k1s-docker-proxy-${process.pid}.sock`));
  await proxy.start();
  t.after(() => proxy.close());

  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const health: RuntimeHealthStatus[] = [];

  // the Node, as the server keeps it: a status loop fed by the agent's runtime health
  const facts = { name: NODE, addresses: ['192.0.2.2'], cpus: 2, memoryBytes: 4 * 1024 ** 3, ephemeralStorageBytes: 100 * 1024 ** 3, kernelVersion: '', osImage: '', architecture: 'amd64', machineID: '', bootID: '', containerRuntimeVersion: 'docker://x', kubeletVersion: 'v1.32.0', podCIDR: '10.244.0.0/16' };
  const sample = { memoryAvailableBytes: 2 * 1024 ** 3, nodefsAvailableBytes: 50 * 1024 ** 3 };
  let node: NodeStatus = desiredNodeStatus({ facts, sample, runtime: { up: true } }, undefined, rfc3339(new Date()));
  let nodeWrites = 0;
  let agentRef: { runtimeHealth(): RuntimeHealthStatus } | undefined;
  const nodeStatus = new NodeStatusReporter({
    facts,
    sample: () => sample,
    runtime: () => agentRef?.runtimeHealth() ?? { up: true },
    read: () => node,
    write: (s) => {
      node = s;
      nodeWrites++;
    },
    logger: silentLogger,
  });
  nodeStatus.reported();
  const nodeReady = () => node.conditions?.find((c) => c.type === 'Ready');

  const agent = await startAgent({
    runtime: new DockerRuntime(new Docker({ socketPath: proxy.path })),
    logger,
    onRuntimeHealth: (s) => {
      health.push(s);
      void nodeStatus.update();
    },
  });
  agentRef = agent;

  const spec = (): Pod['spec'] => ({
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'] }],
  });
  const pods = ['a', 'b', 'c', 'd'].map((n) => api.add(makePod(`outage-${n}`, spec())));
  const readyOf = (p: Pod) => api.get(p)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  await waitFor('4 pods Ready', () => pods.every((p) => readyOf(p) === 'True'), 60_000);
  const idsBefore = (await Promise.all(pods.map((p) => podContainers(p)))).map((cs) => cs.map((c) => c.Id).sort().join());

  await t.test('cut: every pod not Ready within 2 s, the Node NotReady', async () => {
    const t0 = Date.now();
    proxy.cut();
    await waitFor('every pod not Ready', () => pods.every((p) => readyOf(p) === 'False'), 2_000, 10);
    t.diagnostic(`engine cut -> 4 pods not Ready: ${Date.now() - t0} ms`);
    for (const p of pods) assert.deepEqual(api.get(p)?.status?.containerStatuses?.map((c) => c.ready), [false]);
    await waitFor('Node Ready False', () => nodeReady()?.status === 'False', 2_000, 10);
    assert.deepEqual([nodeReady()?.reason, nodeReady()?.message], ['KubeletNotReady', 'container runtime is down']);
    assert.deepEqual(health.map((h) => h.up), [false]);
  });

  await t.test('while it is away nothing spins', async () => {
    const before = proxy.attempts;
    const writes = api.writes;
    await new Promise((r) => setTimeout(r, 6_000));
    const attempts = proxy.attempts - before;
    t.diagnostic(`connections the agent tried in 6 s away: ${attempts} (probes 0.5, 1, 2, 4 s; events stream 1, 2, 4 s)`);
    assert.ok(attempts <= 12, `a probe with back-off and an events reconnect with back-off, nothing more: ${attempts}`);
    assert.equal(api.writes, writes, 'no pod status written while away');
    assert.deepEqual(
      lines.map((l) => l.msg).filter((m) => /runtime|failed/.test(m)),
      ['container runtime is down: pausing pod syncs until it answers'],
    );
  });

  await t.test('restored: every pod Ready again, same containers, the Node Ready', async () => {
    const t0 = Date.now();
    proxy.restore();
    await waitFor('every pod Ready again', () => pods.every((p) => readyOf(p) === 'True'), 15_000, 20);
    t.diagnostic(`engine back -> 4 pods Ready: ${Date.now() - t0} ms (the probe was at most 5 s away)`);
    await waitFor('Node Ready', () => nodeReady()?.status === 'True', 2_000, 10);
    assert.deepEqual(health.map((h) => h.up), [false, true]);
    const idsAfter = (await Promise.all(pods.map((p) => podContainers(p)))).map((cs) => cs.map((c) => c.Id).sort().join());
    assert.deepEqual(idsAfter, idsBefore, 'the containers ran on: nothing recreated');
    assert.deepEqual(
      lines.map((l) => l.msg).filter((m) => /runtime|failed/.test(m)),
      ['container runtime is down: pausing pod syncs until it answers', 'container runtime is back: resyncing every pod'],
    );
    t.diagnostic(`Node status writes over the whole outage: ${nodeWrites}`);
    assert.equal(nodeWrites, 2, 'one write down, one write back');
  });
});
