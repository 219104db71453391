// Init containers, probes and volumes on the real Docker engine, as the acceptance lists
// them: init containers in order with a native sidecar that outlives them, a failing liveness
// probe restarting the container, a readiness probe flipping Ready, a ConfigMap update reaching a
// mounted file, a Secret file with its defaultMode on tmpfs, and two containers sharing an emptyDir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from '../../../src/api/types.js';
import { BUSYBOX_IMAGE } from '../../fixtures/images.js';
import { makePod, waitFor } from '../../fixtures/node-view.js';
import { execIn, realAgent } from '../../fixtures/real-agent.js';
import type { Pod } from '../../../src/api/types.js';

const sleeper = (name: string, extra: object = {}) => ({ name, image: BUSYBOX_IMAGE, command: ['sleep', '3600'], ...extra });

test('init containers, probes and volumes on the real Docker engine', { timeout: 180_000 }, async (t) => {
  const { api, startAgent, idOf } = await realAgent(t, `itest-probes-${process.pid}`);
  await startAgent();
  const status = (pod: Pod, name: string) => api.get(pod)?.status?.containerStatuses?.find((c) => c.name === name);
  const initStatus = (pod: Pod, name: string) => api.get(pod)?.status?.initContainerStatuses?.find((c) => c.name === name);
  const ready = (pod: Pod) => api.get(pod)?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

  await t.test('init containers run in order, each to completion; a native sidecar keeps running and stops last', async () => {
    const pod = api.add(makePod('inits', {
      terminationGracePeriodSeconds: 5,
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [
        { name: 'first', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'proxy', image: BUSYBOX_IMAGE, restartPolicy: 'Always', command: ['sh', '-c', "echo proxy >> /work/order; trap 'exit 0' TERM; while true; do sleep 0.2; done"], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
        { name: 'second', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
      ],
      containers: [sleeper('app', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
    }));
    await waitFor('app running', () => status(pod, 'app')?.state.running, 30_000).catch((e) => {
      throw new Error(`${e.message}\n${JSON.stringify(api.get(pod)?.status, null, 1)}\n${JSON.stringify(api.eventsOf(pod))}`);
    });
    assert.equal((await execIn(idOf(pod, 'app'), ['cat', '/work/order'])).out, 'first\nproxy\nsecond\n');
    assert.equal(initStatus(pod, 'first')?.state.terminated?.reason, 'Completed');
    assert.equal(initStatus(pod, 'second')?.state.terminated?.reason, 'Completed');
    assert.ok(initStatus(pod, 'proxy')?.state.running, 'the sidecar keeps running');
    assert.equal(api.get(pod)?.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');

    api.markDeleted(pod, 5);
    await waitFor('deleted', () => api.deleted.includes('inits'), 20_000);
    const last = api.statusesOf(pod).at(-1)!;
    const appEnd = Date.parse(last.containerStatuses!.find((c) => c.name === 'app')!.state.terminated!.finishedAt!);
    const proxyEnd = Date.parse(last.initContainerStatuses!.find((c) => c.name === 'proxy')!.state.terminated!.finishedAt!);
    assert.ok(proxyEnd >= appEnd, `the sidecar stopped after the app (${proxyEnd - appEnd} ms)`);
  });

  await t.test('a failing liveness probe restarts the container (Unhealthy, Killing)', async () => {
    const pod = api.add(makePod('unhealthy', {
      // httpd is PID 1 without a SIGTERM handler: only the SIGKILL after the grace period stops it
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
      }],
    }));
    await waitFor('restarted once', () => (status(pod, 'app')?.restartCount ?? 0) >= 1, 30_000).catch((e) => {
      throw new Error(`${e.message}\n${JSON.stringify(api.get(pod)?.status?.containerStatuses)}\n${JSON.stringify(api.eventsOf(pod))}`);
    });
    const events = api.eventsOf(pod);
    assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 404'), JSON.stringify(events));
    assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container app failed liveness probe, will be restarted'));
  });

  await t.test('a readiness probe drives Ready both ways', async () => {
    const pod = api.add(makePod('flip', {
      containers: [sleeper('app', { readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 } })],
    }));
    await waitFor('running', () => status(pod, 'app')?.state.running, 30_000);
    assert.equal(ready(pod), false);
    await execIn(idOf(pod, 'app'), ['touch', '/tmp/ready']);
    await waitFor('Ready', () => ready(pod), 10_000);
    await execIn(idOf(pod, 'app'), ['rm', '/tmp/ready']);
    await waitFor('not Ready again', () => !ready(pod), 10_000);
  });

  await t.test('a ConfigMap update reaches the mounted file; a Secret file has its mode and lives on tmpfs', async () => {
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'site', namespace: 'default' }, data: { greeting: 'hello' } };
    api.addConfigMap(cm);
    api.addSecret({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64') } });
    const pod = api.add(makePod('mounted', {
      volumes: [
        { name: 'site', configMap: { name: 'site' } },
        { name: 'creds', secret: { secretName: 'creds', defaultMode: 0o400 } },
      ],
      containers: [sleeper('app', { volumeMounts: [{ name: 'site', mountPath: '/etc/site' }, { name: 'creds', mountPath: '/etc/creds', readOnly: true }] })],
    }));
    await waitFor('running', () => status(pod, 'app')?.state.running, 30_000);
    const id = idOf(pod, 'app');
    assert.equal((await execIn(id, ['cat', '/etc/site/greeting'])).out, 'hello');
    assert.equal((await execIn(id, ['cat', '/etc/creds/password'])).out, 's3cret');
    assert.equal((await execIn(id, ['stat', '-L', '-c', '%a', '/etc/creds/password'])).out.trim(), '400');
    assert.match((await execIn(id, ['grep', ' /etc/creds ', '/proc/mounts'])).out, /^tmpfs \/etc\/creds tmpfs ro/);

    const t0 = Date.now();
    api.addConfigMap({ ...cm, data: { greeting: 'bonjour' } });
    await waitFor('the new value in the file', async () => (await execIn(id, ['cat', '/etc/site/greeting'])).out === 'bonjour', 60_000, 200);
    t.diagnostic(`ConfigMap change reached the mounted file in ${Date.now() - t0} ms`);
  });

  await t.test('two containers share an emptyDir', async () => {
    const pod = api.add(makePod('sharing', {
      volumes: [{ name: 'shared', emptyDir: { medium: 'Memory' } }],
      containers: [
        { name: 'writer', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo from-writer > /data/note; exec sleep 3600'], volumeMounts: [{ name: 'shared', mountPath: '/data' }] },
        sleeper('reader', { volumeMounts: [{ name: 'shared', mountPath: '/data' }] }),
      ],
    }));
    await waitFor('both running', () => status(pod, 'writer')?.state.running && status(pod, 'reader')?.state.running, 30_000);
    const note = await waitFor('the note', async () => (await execIn(idOf(pod, 'reader'), ['cat', '/data/note'])).out, 10_000);
    assert.equal(note, 'from-writer\n');
  });
});
