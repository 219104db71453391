// Pod spec fields on the real Docker engine: resources, securityContext, host namespaces,
// hostPort, env from ConfigMaps and Secrets, and graceful deletion (SIGTERM, then SIGKILL only
// after the grace period). One agent with its own node name; everything is removed in t.after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { BUSYBOX_IMAGE, BUSYBOX_INDEX_HTML } from '../../fixtures/images.js';
import { makePod, waitFor } from '../../fixtures/node-view.js';
import { execIn, realAgent } from '../../fixtures/real-agent.js';
import type { Pod } from '../../../src/api/types.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('pod spec on the real Docker engine', { timeout: 150_000 }, async (t) => {
  const { api, startAgent, idOf } = await realAgent(t, `itest-podspec-${process.pid}`);
  await startAgent();
  const container = (pod: Pod, name: string) => api.get(pod)?.status?.containerStatuses?.find((c) => c.name === name);
  const running = (pod: Pod, name = 'app') => waitFor(`${pod.metadata.name} running`, () => container(pod, name)?.state.running, 30_000);

  await t.test('a memory limit is enforced: the container is OOMKilled', async () => {
    const pod = api.add(makePod('oom', {
      restartPolicy: 'Never',
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'head -c 300m /dev/zero | tail'], resources: { limits: { memory: '24Mi' } } }],
    }));
    const ended = await waitFor('terminated', () => container(pod, 'app')?.state.terminated, 30_000);
    assert.equal(ended.reason, 'OOMKilled');
    assert.equal(ended.exitCode, 137);
    assert.equal(api.get(pod)?.status?.phase, 'Failed');
  });

  await t.test('securityContext: user, group, fsGroup, read-only root, dropped capabilities', async () => {
    const pod = api.add(makePod('secure', {
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 },
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sleep', '3600'],
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      }],
    }));
    await running(pod);
    const id = await execIn(idOf(pod, 'app'), ['id']);
    assert.match(id.out, /uid=1000 gid=3000 groups=2000/);
    const write = await execIn(idOf(pod, 'app'), ['touch', '/tmp/x']);
    assert.notEqual(write.code, 0);
    assert.match(write.out, /Read-only file system/);
    const caps = await execIn(idOf(pod, 'app'), ['grep', 'CapBnd', '/proc/self/status']);
    assert.match(caps.out, /CapBnd:\s+0000000000000000/);
  });

  await t.test('runAsNonRoot with an image that runs as root: CreateContainerConfigError', async () => {
    const pod = api.add(makePod('nonroot', {
      securityContext: { runAsNonRoot: true },
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }],
    }));
    const waiting = await waitFor('config error', () => container(pod, 'app')?.state.waiting?.reason === 'CreateContainerConfigError' && container(pod, 'app'));
    assert.match(waiting.state.waiting?.message ?? '', /^container has runAsNonRoot and image will run as root \(pod: "nonroot_default\(/);
  });

  await t.test('env from a ConfigMap, a Secret and the service links', async () => {
    api.addConfigMap({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { MODE: 'fast' } });
    api.addSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } });
    api.serviceList.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis', namespace: 'default' }, spec: { clusterIP: '10.96.0.44', ports: [{ port: 6379, protocol: 'TCP', targetPort: 6379 }] } });
    const pod = api.add(makePod('envy', {
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sleep', '3600'],
        envFrom: [{ configMapRef: { name: 'cfg' } }],
        env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
      }],
    }));
    await running(pod);
    const env = (await execIn(idOf(pod, 'app'), ['env'])).out.split('\n');
    for (const line of ['MODE=fast', 'PASSWORD=s3cret', 'REDIS_SERVICE_HOST=10.96.0.44', 'REDIS_PORT=tcp://10.96.0.44:6379']) assert.ok(env.includes(line), line);
  });

  await t.test('hostPort publishes the container port on the host', async () => {
    const port = await freePort();
    const pod = api.add(makePod('published', {
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ containerPort: 8080, hostPort: port, protocol: 'TCP' }] }],
    }));
    await running(pod);
    const body = await waitFor('answer on the host port', async () => (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) })).text(), 10_000);
    assert.equal(body, BUSYBOX_INDEX_HTML);
  });

  await t.test('hostNetwork: the pod has the node IP and the host name', async () => {
    const pod = api.add(makePod('on-host', { hostNetwork: true, containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] }] }));
    await running(pod);
    assert.equal(api.get(pod)?.status?.podIP, '192.0.2.2');
    assert.equal((await execIn(idOf(pod, 'app'), ['hostname'])).out.trim(), hostname());
  });

  await t.test('graceful deletion: SIGTERM first, and the pod is deleted once its containers stopped', async () => {
    const pod = api.add(makePod('polite', {
      terminationGracePeriodSeconds: 30,
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.2; done"] }],
    }));
    await running(pod);
    const t0 = Date.now();
    api.markDeleted(pod, 30);
    await waitFor('deleted by the agent', () => api.deleted.includes('polite'), 20_000);
    assert.ok(Date.now() - t0 < 10_000, 'stopped well before the grace period ended');
    const last = api.statusesOf(pod).at(-1)?.containerStatuses?.find((c) => c.name === 'app');
    assert.equal(last?.state.terminated?.exitCode, 0);
  });

  await t.test('graceful deletion: SIGKILL only after the grace period', async () => {
    const pod = api.add(makePod('stubborn', {
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.2; done"] }],
    }));
    await running(pod);
    const t0 = Date.now();
    api.markDeleted(pod, 3);
    await waitFor('deleted by the agent', () => api.deleted.includes('stubborn'), 20_000);
    const took = Date.now() - t0;
    t.diagnostic(`stubborn pod deleted after ${took} ms with a 3 s grace period`);
    assert.ok(took >= 3000 && took < 10_000, `took ${took} ms`);
    const last = api.statusesOf(pod).at(-1)?.containerStatuses?.find((c) => c.name === 'app');
    assert.equal(last?.state.terminated?.exitCode, 137);
  });
});
