// Lifecycle hooks, termination messages and imagePullSecrets on the real Docker engine: hooks run
// through Docker exec, the termination message file is a real bind mount, the log fallback reads
// the engine's logs. One agent with its own node name; everything is removed in t.after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../../fixtures/images.js';
import { makePod, waitFor } from '../../fixtures/node-view.js';
import { docker, realAgent } from '../../fixtures/real-agent.js';
import type { Pod } from '../../../src/api/types.js';

async function logsOf(id: string): Promise<string> {
  const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  // 8-byte frame headers stripped the lazy way: the tests look for words
  return buf.toString('utf8');
}

test('lifecycle hooks and termination messages on the real Docker engine', { timeout: 240_000 }, async (t) => {
  const { api, startAgent, idOf } = await realAgent(t, `itest-lifecycle-${process.pid}`);
  await startAgent();
  const hostDir = mkdtempSync(join(tmpdir(), 'k1s-hooks-it-'));
  t.after(() => rmSync(hostDir, { recursive: true, force: true }));
  const container = (pod: Pod, name = 'app') => api.get(pod)?.status?.containerStatuses?.find((c) => c.name === name);
  const running = (pod: Pod) => waitFor(`${pod.metadata.name} running`, () => container(pod)?.state.running, 30_000);
  const shared = (sub: string) => ({ volumes: [{ name: 'log', hostPath: { path: join(hostDir, sub), type: 'DirectoryOrCreate' as const } }] });

  await t.test('a postStart exec hook writes a file the app then sees; the container shows Running only after it', async () => {
    const pod = api.add(makePod('poststart', {
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sh', '-c', 'while [ ! -f /tmp/started ]; do sleep 0.1; done; echo saw-$(cat /tmp/started); sleep 3600'],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 1; echo hook > /tmp/started'] } } },
      }],
    }));
    await running(pod);
    // by the time the status says Running, the hook has ended: the file is there
    await waitFor('the app saw the hook', async () => (await logsOf(idOf(pod, 'app'))).includes('saw-hook'), 10_000);
    assert.deepEqual(api.eventsOf(pod).filter((e) => e.reason.includes('Hook')), []);
  });

  await t.test('a preStop exec hook runs before SIGTERM (the app logs the order)', async () => {
    const pod = api.add(makePod('prestop', {
      terminationGracePeriodSeconds: 10,
      ...shared('order'),
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sh', '-c', 'trap "echo TERM >> /log/order; exit 0" TERM; echo START >> /log/order; while true; do sleep 0.2; done'],
        volumeMounts: [{ name: 'log', mountPath: '/log' }],
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo PRESTOP >> /log/order'] } } },
      }],
    }));
    await running(pod);
    api.markDeleted(pod, 10);
    await waitFor('deleted by the agent', () => api.deleted.includes('prestop'), 30_000);
    assert.equal(readFileSync(join(hostDir, 'order', 'order'), 'utf8'), 'START\nPRESTOP\nTERM\n');
  });

  await t.test('a preStop sleep is counted in the grace period: SIGKILL comes at the grace period, not after it', async () => {
    const pod = api.add(makePod('sleepy', {
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        // ignores SIGTERM: only SIGKILL ends it
        command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done'],
        lifecycle: { preStop: { sleep: { seconds: 3 } } },
      }],
    }));
    await running(pod);
    const began = Date.now();
    api.markDeleted(pod, 5);
    await waitFor('deleted by the agent', () => api.deleted.includes('sleepy'), 30_000);
    const seconds = (Date.now() - began) / 1000;
    // 3 s of sleep, then `docker stop -t 2` (5 - 3): about 5 s, not 3 + 5
    assert.ok(seconds >= 4.5 && seconds < 7, `stopped after ${seconds}s`);
  });

  await t.test('a failing postStart: FailedPostStartHook, the container is killed and restarted', async () => {
    const pod = api.add(makePod('badstart', {
      terminationGracePeriodSeconds: 2,
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sleep', '3600'],
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo nope; exit 7'] } } },
      }],
    }));
    await waitFor('restarted after the hook failed', () => (container(pod)?.restartCount ?? 0) >= 1, 60_000);
    const events = api.eventsOf(pod).map((e) => `${e.type} ${e.reason} ${e.message}`);
    assert.ok(events.includes('Warning FailedPostStartHook PostStartHook failed'), events.join('\n'));
    assert.ok(events.includes('Normal Killing FailedPostStartHook'), events.join('\n'));
    const waiting = api.statusesOf(pod)
      .map((s) => s.containerStatuses?.find((c) => c.name === 'app')?.state.waiting)
      .find((w) => w?.reason === 'PostStartHookError');
    assert.ok(waiting, api.waitingReasonsOf(pod, 'app').join(', '));
    assert.match(waiting.message ?? '', /^Exec lifecycle hook \(\[sh -c echo nope; exit 7\]\) for Container "app" in Pod "badstart_default\(.*\)" failed - error: command 'sh -c echo nope; exit 7' exited with 7: nope\n, message: "nope\\n"$/);
  });

  await t.test('the termination message from the file (default and custom path)', async () => {
    const pod = api.add(makePod('lastwords', {
      restartPolicy: 'Never',
      containers: [
        { name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo "disk full" > /dev/termination-log; exit 3'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
        { name: 'custom', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo -n done > /tmp/msg'], terminationMessagePath: '/tmp/msg', terminationMessagePolicy: 'File' },
      ],
    }));
    const ended = await waitFor('terminated', () => container(pod)?.state.terminated, 30_000);
    assert.equal(ended.exitCode, 3);
    assert.equal(ended.message, 'disk full\n');
    const custom = await waitFor('custom terminated', () => container(pod, 'custom')?.state.terminated, 30_000);
    assert.equal(custom.message, 'done');
  });

  await t.test('FallbackToLogsOnError: the log tail on a failure; nothing with policy File', async () => {
    const pod = api.add(makePod('fallback', {
      restartPolicy: 'Never',
      containers: [
        { name: 'app', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo line1; sleep 0.2; echo panic: boom >&2; exit 2'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'FallbackToLogsOnError' },
        { name: 'file', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo quiet; exit 2'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
      ],
    }));
    const ended = await waitFor('terminated', () => container(pod)?.state.terminated, 30_000);
    assert.equal(ended.message, 'line1\npanic: boom\n');
    const file = await waitFor('file terminated', () => container(pod, 'file')?.state.terminated, 30_000);
    assert.equal(file.message, undefined);
  });

  await t.test('a restarted container keeps the previous attempt message in lastState', async () => {
    const pod = api.add(makePod('again', {
      restartPolicy: 'OnFailure',
      ...shared('again'),
      containers: [{
        name: 'app',
        image: BUSYBOX_IMAGE,
        command: ['sh', '-c', 'n=$(( $(cat /log/n 2>/dev/null || echo 0) + 1 )); echo $n > /log/n; echo "attempt $n" > /dev/termination-log; [ $n -ge 2 ] && exec sleep 3600; exit 1'],
        terminationMessagePath: '/dev/termination-log',
        volumeMounts: [{ name: 'log', mountPath: '/log' }],
      }],
    }));
    const s = await waitFor('second attempt running', () => container(pod)?.state.running && container(pod)?.restartCount === 1 && container(pod), 60_000);
    assert.equal(s.lastState.terminated?.message, 'attempt 1\n');
  });

  await t.test('imagePullSecrets: the pull with credentials fails at name resolution like any other (registry.invalid)', async () => {
    api.addSecret({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.invalid': { username: 'u', password: 'p' } } })).toString('base64') },
    });
    const pod = api.add(makePod('private', {
      imagePullSecrets: [{ name: 'regcred' }, { name: 'absent' }],
      containers: [{ name: 'app', image: 'registry.invalid/k1s/app:1.0' }],
    }));
    const waiting = await waitFor('ErrImagePull', () => container(pod)?.state.waiting?.reason === 'ErrImagePull' && container(pod)?.state.waiting, 60_000);
    assert.match(waiting.message ?? '', /registry\.invalid/);
    assert.ok(api.eventsOf(pod).some((e) => e.reason === 'FailedToRetrieveImagePullSecret' && e.message.includes('(absent)')));
  });
});
