// The real Docker engine stopped and started again under a running agent (the socket-proxy test,
// runtime-outage.test.ts, cuts only the agent's connection; this one stops dockerd, so every
// container stops with it). Shows: pods not Ready within 2 s of the engine going away, and after
// it comes back every pod Ready again, its sandbox and containers recreated, with no error storm.
//
// Stopping dockerd stops every container on the machine, so this runs only where the engine is
// ours to restart: CI (CI=true), or K1S_TEST_DOCKERD_RESTART=1; never on an engine systemd manages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { BUSYBOX_IMAGE } from '../../fixtures/images.js';
import { makePod, waitFor } from '../../fixtures/node-view.js';
import { docker, realAgent } from '../../fixtures/real-agent.js';
import { ourDockerd, startDockerd } from '../../fixtures/dockerd.js';
import type { Pod } from '../../../src/api/types.js';

const pinged = () => docker.ping().then(() => true, () => false);

const found = ourDockerd();
test('the real dockerd stopped and started under a running agent', { skip: typeof found === 'string' ? found : false, timeout: 180_000 }, async (t) => {
  const engine = found as { pid: number; argv: string[] };
  // whatever happens below, the engine runs again at the end: every later test needs it
  t.after(async () => {
    if (await pinged()) return;
    startDockerd(engine.argv);
    await waitFor('dockerd answers', pinged, 60_000, 200);
  });
  const { api, startAgent, podContainers } = await realAgent(t, `itest-dockerd-${process.pid}`);
  const lines: Array<{ msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  await startAgent({ logger });

  const spec = (): Pod['spec'] => ({
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'web', image: BUSYBOX_IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
  });
  const pods = ['a', 'b'].map((n) => api.add(makePod(`dockerd-${n}`, spec())));
  const readyOf = (p: Pod) => api.get(p)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  await waitFor('2 pods Ready', () => pods.every((p) => readyOf(p) === 'True'), 60_000);
  const idsBefore = await Promise.all(pods.map(async (p) => (await podContainers(p)).map((c) => c.Id).sort().join()));

  await t.test('dockerd stopped: every pod not Ready within 2 s', async () => {
    const t0 = Date.now();
    process.kill(engine.pid, 'SIGTERM');
    await waitFor('every pod not Ready', () => pods.every((p) => readyOf(p) === 'False'), 2_000, 10);
    t.diagnostic(`SIGTERM to dockerd -> 2 pods not Ready: ${Date.now() - t0} ms`);
    await waitFor('dockerd exited', () => !existsSync(`/proc/${engine.pid}`), 60_000, 100);
    t.diagnostic(`dockerd exited after ${Date.now() - t0} ms`);
    await new Promise((r) => setTimeout(r, 3_000)); // an outage, not a blink
  });

  await t.test('dockerd started again: every pod Ready again on new containers, no error storm', async () => {
    const t0 = Date.now();
    startDockerd(engine.argv);
    await waitFor('dockerd answers', pinged, 60_000, 100);
    t.diagnostic(`dockerd answers after ${Date.now() - t0} ms`);
    await waitFor('every pod Ready again', () => pods.every((p) => readyOf(p) === 'True'), 60_000, 50);
    t.diagnostic(`dockerd started -> 2 pods Ready: ${Date.now() - t0} ms`);
    const idsAfter = await Promise.all(pods.map(async (p) => (await podContainers(p)).filter((c) => c.State === 'running').map((c) => c.Id).sort().join()));
    for (let i = 0; i < pods.length; i++) assert.notEqual(idsAfter[i], idsBefore[i], 'the stopped sandbox was replaced, as the kubelet does');
    const failures = lines.filter((l) => /failed|error/i.test(l.msg));
    t.diagnostic(`log lines over the outage: ${lines.length}, of them failures: ${failures.length}: ${failures.map((l) => JSON.stringify(l).slice(0, 300)).join(" | ")}`);
    assert.ok(failures.length <= 10, `a few failures, not a storm: ${failures.map((l) => l.msg).join(' | ')}`);
    assert.ok(lines.some((l) => l.msg === 'container runtime is down: pausing pod syncs until it answers'));
    assert.ok(lines.some((l) => l.msg === 'container runtime is back: resyncing every pod'));
  });
});
