// The agent on the real Docker engine, with a tiny in-memory AgentApi. One agent (then a second,
// to prove adoption) runs a handful of pods through the life cycle. Everything this file creates
// carries its own node name, and is removed in t.after even when a step fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { silentLogger } from '../../../src/log.js';
import { Agent } from '../../../agent/agent.js';
import { DockerRuntime, DockerLogDemuxer } from '../../../agent/runtime.js';
import { DEFAULT_NETWORK } from '../../../agent/network.js';
import { BUSYBOX_IMAGE, BUSYBOX_INDEX_HTML, PAUSE_IMAGE, UNPULLABLE_IMAGE, ensureTestImages } from '../../fixtures/images.js';
import { MemoryNodeView, makePod, waitFor } from '../../fixtures/node-view.js';
import type { Pod } from '../../../src/api/types.js';

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const NODE = `itest-agent-${process.pid}`;

async function execIn(id: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const demux = new DockerLogDemuxer();
    demux.on('data', (c: Buffer) => (out += c.toString()));
    demux.on('end', resolve);
    stream.on('error', reject);
    stream.pipe(demux);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, out };
}

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of s) text += c.toString();
  return text;
}

/** This test's containers of one pod (by the pod's uid label). */
async function podContainers(pod: Pod): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`io.k1s.node=${NODE}`, `io.k1s.pod.uid=${pod.metadata.uid}`] } });
}

test('agent on the real Docker engine', { timeout: 150_000 }, async (t) => {
  await ensureTestImages(docker);
  const networkExisted = await docker
    .getNetwork(DEFAULT_NETWORK.name)
    .inspect()
    .then(() => true)
    .catch(() => false);
  const dataDir = mkdtempSync(join(tmpdir(), 'k1s-agent-it-'));
  const api = new MemoryNodeView();
  const runtime = new DockerRuntime(docker);
  const agents: Array<{ ac: AbortController; run: Promise<void> }> = [];

  const startAgent = async (): Promise<Agent> => {
    const agent = new Agent({
      view: api,
      runtime,
      logger: silentLogger,
      nodeName: NODE,
      hostIP: '192.0.2.2',
      dataDir,
      network: DEFAULT_NETWORK,
      dns: { nameservers: ['10.96.0.10'], clusterDomain: 'cluster.local' },
      pauseImage: PAUSE_IMAGE,
      resyncMs: 1000,
    });
    const ac = new AbortController();
    agents.push({ ac, run: agent.start(ac.signal) });
    await agent.ready;
    return agent;
  };

  t.after(async () => {
    for (const a of agents) a.ac.abort();
    await Promise.allSettled(agents.map((a) => a.run));
    const ours = await docker.listContainers({ all: true, filters: { label: [`io.k1s.node=${NODE}`] } });
    await Promise.allSettled(ours.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    if (!networkExisted) {
      await docker.getNetwork(DEFAULT_NETWORK.name).remove().catch(() => undefined); // refused if someone else uses it
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  let agent = await startAgent();
  const status = (pod: Pod, name: string) => api.get(pod)?.status?.containerStatuses?.find((c) => c.name === name);
  const idOf = (pod: Pod, name: string) => status(pod, name)!.containerID!.replace('docker://', '');

  const web = makePod('web', {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 1,
    containers: [
      { name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo app starting; exec httpd -f -p 8080 -h /www'] },
      { name: 'sidecar', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'httpd -p 9090 -h /www; echo sidecar up; exec sleep 3600'] },
    ],
  });

  await t.test('a two-container pod comes up Running with a pod IP; localhost is shared', async () => {
    const t0 = Date.now();
    api.add(web);
    const up = await waitFor('web Running and Ready', () => {
      const p = api.get(web);
      return p?.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && p;
    }, 30_000);
    t.diagnostic(`pod create -> Running and Ready: ${Date.now() - t0} ms`);
    const podIP = up.status?.podIP ?? '';
    assert.match(podIP, /^10\.244\.\d+\.\d+$/);
    assert.deepEqual(up.status?.podIPs, [{ ip: podIP }]);
    assert.deepEqual(api.waitingReasonsOf(web, 'app'), ['ContainerCreating']);

    // both directions over the pod's shared localhost
    const fromSide = await waitFor('sidecar reaches app on localhost', async () => {
      const r = await execIn(idOf(web, 'sidecar'), ['timeout', '5', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
      return r.code === 0 && r;
    });
    assert.equal(fromSide.out, BUSYBOX_INDEX_HTML);
    const fromApp = await execIn(idOf(web, 'app'), ['timeout', '5', 'wget', '-q', '-O', '-', 'http://localhost:9090/index.html']);
    assert.equal(fromApp.out, BUSYBOX_INDEX_HTML);
    // the host reaches the pod IP (a container this test created)
    const res = await fetch(`http://${podIP}:8080/`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(await res.text(), BUSYBOX_INDEX_HTML);
  });

  await t.test('containers get the cluster resolv.conf and the pod name as hostname', async () => {
    const resolv = await execIn(idOf(web, 'app'), ['cat', '/etc/resolv.conf']);
    assert.match(resolv.out, /^nameserver 10\.96\.0\.10$/m);
    assert.match(resolv.out, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    assert.match(resolv.out, /^options ndots:5$/m);
    const hostnames = [(await execIn(idOf(web, 'app'), ['hostname'])).out.trim(), (await execIn(idOf(web, 'sidecar'), ['hostname'])).out.trim()];
    t.diagnostic(`hostname in app / sidecar (joined to the sandbox): ${hostnames.join(' / ')}`);
    assert.deepEqual(hostnames, ['web', 'web']);
  });

  await t.test('logs: current, follow, and the choice of container', async () => {
    assert.equal(await readAll(await agent.logs('default', 'web', 'sidecar', {})), 'sidecar up\n');
    const follow = (await agent.logs('default', 'web', 'sidecar', { follow: true })) as Readable;
    const first = await new Promise<string>((resolve) => follow.once('data', (c: Buffer) => resolve(c.toString())));
    assert.equal(first, 'sidecar up\n');
    follow.destroy(); // a client that goes away must not leave the engine stream open
    await assert.rejects(agent.logs('default', 'web', undefined, {}), /a container name must be specified for pod web, choose one of: \[app sidecar\]/);
  });

  await t.test('a killed container is restarted: restartCount 1, lastState terminated, logs --previous', async () => {
    const appId = idOf(web, 'app');
    const podIP = api.get(web)?.status?.podIP;
    const tKill = Date.now();
    await docker.getContainer(appId).kill();
    const restarted = await waitFor('app restarted', () => {
      const s = status(web, 'app');
      return s?.restartCount === 1 && s.state.running && s;
    }, 20_000);
    t.diagnostic(`docker kill -> running again: ${Date.now() - tKill} ms`);
    assert.equal(restarted.lastState.terminated?.exitCode, 137);
    assert.equal(restarted.lastState.terminated?.reason, 'Error');
    assert.equal(restarted.lastState.terminated?.containerID, `docker://${appId}`);
    assert.notEqual(restarted.containerID, `docker://${appId}`);
    assert.equal(api.get(web)?.status?.podIP, podIP, 'the sandbox (and IP) survive a container restart');
    // the dead container is kept until replaced again: previous logs read it
    assert.equal(await readAll(await agent.logs('default', 'web', 'app', { previous: true })), 'app starting\n');
  });

  await t.test('docker rm -f of a container: recreated, its restart count goes on', async () => {
    await docker.getContainer(idOf(web, 'sidecar')).remove({ force: true });
    await waitFor('sidecar recreated', () => status(web, 'sidecar')?.restartCount === 1 && status(web, 'sidecar')?.state.running, 20_000);
  });

  await t.test('a new agent adopts the running containers: same ids, no status write', async () => {
    const before = (await podContainers(web)).map((c) => c.Id).sort();
    const writes = api.writes;
    agents[0].ac.abort();
    await agents[0].run;
    agent = await startAgent();
    await new Promise((r) => setTimeout(r, 2_500)); // two resyncs
    assert.deepEqual((await podContainers(web)).map((c) => c.Id).sort(), before);
    assert.equal(status(web, 'app')?.restartCount, 1);
    assert.equal(api.writes, writes, 'adopted pods have the status they had');
  });

  await t.test('the sandbox dies: SandboxChanged, everything restarts in a new sandbox', async () => {
    const sandbox = (await podContainers(web)).find((c) => c.Labels['io.k1s.container.type'] === 'sandbox' && c.State === 'running')!;
    await docker.getContainer(sandbox.Id).kill();
    await waitFor('both containers restarted in a new sandbox', () => {
      const p = api.get(web);
      return p?.status?.phase === 'Running' && status(web, 'app')?.restartCount === 2 && status(web, 'sidecar')?.restartCount === 2 &&
        status(web, 'app')?.state.running && status(web, 'sidecar')?.state.running;
    }, 30_000);
    assert.ok(api.eventsOf(web).some((e) => e.reason === 'SandboxChanged'));
    const podIP = api.get(web)?.status?.podIP ?? '';
    const res = await fetch(`http://${podIP}:8080/`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(await res.text(), BUSYBOX_INDEX_HTML);
  });

  const nopull = makePod('nopull', { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: UNPULLABLE_IMAGE }] });
  await t.test('an image that cannot be pulled: ErrImagePull, then ImagePullBackOff', async () => {
    api.add(nopull);
    await waitFor('ImagePullBackOff', () => status(nopull, 'app')?.state.waiting?.reason === 'ImagePullBackOff', 20_000);
    assert.deepEqual(api.waitingReasonsOf(nopull, 'app'), ['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff']);
    assert.equal(api.get(nopull)?.status?.phase, 'Pending');
  });

  const job = makePod('job', { restartPolicy: 'Never', containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo done'] }] });
  await t.test('restartPolicy Never, exit 0: Succeeded, Completed', async () => {
    api.add(job);
    const finished = await waitFor('job Succeeded', () => api.get(job)?.status?.phase === 'Succeeded' && api.get(job), 20_000);
    const term = finished.status?.containerStatuses?.[0].state.terminated;
    assert.equal(term?.reason, 'Completed');
    assert.equal(term?.exitCode, 0);
    assert.equal(await readAll(await agent.logs('default', 'job', undefined, {})), 'done\n');
  });

  await t.test('pods removed from the API: every container goes', async () => {
    const tRemove = Date.now();
    for (const p of [web, nopull, job]) api.remove(p);
    await waitFor('all containers removed', async () => {
      const left = await docker.listContainers({ all: true, filters: { label: [`io.k1s.node=${NODE}`] } });
      return left.length === 0;
    }, 30_000);
    t.diagnostic(`pods removed -> containers gone: ${Date.now() - tRemove} ms`);
    assert.ok(api.events.some((e) => e.pod === 'web' && e.reason === 'Killing'));
  });
});
