import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../../src/api/kinds/pod.js';
import type { Probe } from '../../../../src/api/podspec/schema.js';
import { FakeScheduler } from '../../../../agent/prober/fake-scheduler.js';
import { ProbeManager, probeKillMessage, type ProbedContainer } from '../../../../agent/prober/manager.js';
import { ResultsManager } from '../../../../agent/prober/results.js';
import type { ProbeOutcome } from '../../../../agent/prober/types.js';

test('results: listeners hear changes only, not repeats; remove forgets one type or all', () => {
  const r = new ResultsManager();
  const heard: string[] = [];
  const off = r.onChange((c) => heard.push(`${c.podUid} ${c.containerId} ${c.type} ${c.result}`));
  r.set('c1', 'readiness', 'Failure', 'u1');
  r.set('c1', 'readiness', 'Failure', 'u1');
  r.set('c1', 'readiness', 'Success', 'u1');
  r.set('c1', 'liveness', 'Success', 'u1');
  assert.deepEqual(heard, ['u1 c1 readiness Failure', 'u1 c1 readiness Success', 'u1 c1 liveness Success']);
  r.remove('c1', 'readiness');
  assert.equal(r.get('c1', 'readiness'), undefined);
  assert.equal(r.get('c1', 'liveness'), 'Success');
  r.remove('c1');
  assert.equal(r.get('c1', 'liveness'), undefined);
  off();
  r.set('c1', 'readiness', 'Success', 'u1');
  assert.equal(heard.length, 3);
});

function pod(mutate: (p: Pod) => void = () => {}): Pod {
  const p = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: {
      restartPolicy: 'Always',
      containers: [
        {
          name: 'app',
          image: 'k1s.local/busybox:1.36',
          readinessProbe: { httpGet: { port: 8080, path: '/ready' }, periodSeconds: 30, failureThreshold: 1 },
          livenessProbe: { httpGet: { port: 8080, path: '/live' }, periodSeconds: 10, failureThreshold: 2, terminationGracePeriodSeconds: 5 },
          startupProbe: { httpGet: { port: 8080, path: '/start' }, periodSeconds: 10, failureThreshold: 30 },
        },
        { name: 'plain', image: 'k1s.local/busybox:1.36' },
      ],
    },
  } as unknown as Pod;
  mutate(p);
  return p;
}

const running = (id: string, name = 'app'): ProbedContainer => ({ name, id, startedAt: 0, running: true });

function setup() {
  const clock = new FakeScheduler();
  const answers: Record<string, ProbeOutcome[]> = {};
  const calls: string[] = [];
  const events: string[] = [];
  const changes: string[] = [];
  const m = new ProbeManager({
    scheduler: clock,
    recordEvent: (p, c, type, reason, message) => events.push(`${p.metadata.name}/${c} ${type} ${reason} ${message}`),
    run: async (probe: Probe, c, target) => {
      const path = probe.httpGet?.path ?? '';
      calls.push(`${clock.now() / 1000} ${c.name}${path} ${target.podIP} ${target.containerId}`);
      return answers[path]?.shift() ?? { result: 'Success', output: '' };
    },
  });
  m.onChange((ch) => changes.push(`${clock.now() / 1000} ${ch.podUid} ${ch.containerId} ${ch.type} ${ch.result}`));
  return { clock, answers, calls, events, changes, m };
}

test('manager: startup gates the others; when it passes readiness probes at once; readers follow', async () => {
  const h = setup();
  h.answers['/start'] = [{ result: 'Failure', output: 'HTTP probe failed with statuscode: 503' }];
  h.m.syncPod(pod(), [running('c1'), running('c2', 'plain')], '10.244.0.7');
  assert.equal(h.m.started('c1'), false);
  assert.equal(h.m.readiness('c1'), false);
  assert.equal(h.m.liveness('c1'), 'Success');
  // no probes: always started and ready
  assert.equal(h.m.started('c2'), true);
  assert.equal(h.m.readiness('c2'), true);

  await h.clock.advance(15_000);
  // liveness had looked at 0 (not started) and looks again a period later, when it runs;
  // readiness (period 30) is triggered by the startup success
  assert.deepEqual(h.calls, ['0 app/start 10.244.0.7 c1', '10 app/start 10.244.0.7 c1', '10 app/live 10.244.0.7 c1', '10 app/ready 10.244.0.7 c1']);
  assert.equal(h.m.started('c1'), true);
  assert.equal(h.m.readiness('c1'), true);
  assert.deepEqual(h.events, ['web/app Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 503']);
  assert.deepEqual(h.changes, ['0 u1 c1 liveness Success', '0 u1 c1 readiness Failure', '10 u1 c1 startup Success', '10 u1 c1 readiness Success']);

  // liveness runs on its own period once started, readiness on its (30 s), the startup probe no more
  await h.clock.advance(30_000);
  // (the order of two probes due at the same second is incidental)
  assert.deepEqual(h.calls.slice(4).sort(), ['20 app/live 10.244.0.7 c1', '30 app/live 10.244.0.7 c1', '40 app/live 10.244.0.7 c1', '40 app/ready 10.244.0.7 c1']);
});

test('manager: a liveness failure asks for a kill with kube words; a new container id resets', async () => {
  const h = setup();
  const fail = { result: 'Failure' as const, output: 'HTTP probe failed with statuscode: 500' };
  h.answers['/live'] = [fail, fail];
  h.m.syncPod(pod(), [running('c1')], '10.244.0.7');
  await h.clock.advance(25_000);
  assert.equal(h.m.liveness('c1'), 'Failure');
  assert.deepEqual(h.m.probeKill('c1'), { reason: 'LivenessProbe', message: 'Container app failed liveness probe, will be restarted', gracePeriodSeconds: 5 });

  h.m.syncPod(pod(), [{ ...running('c1'), running: false }, running('c9')], '10.244.0.7');
  assert.equal(h.m.liveness('c9'), 'Success');
  assert.equal(h.m.probeKill('c9'), undefined);
  assert.equal(h.m.probeKill('c1'), undefined);
  assert.equal(h.m.started('c9'), false);
});

test('manager: containers going away stop their workers; removePod stops all and forgets', async () => {
  const h = setup();
  h.m.syncPod(pod(), [running('c1')], '10.244.0.7');
  await h.clock.advance(1_000);
  assert.equal(h.m.started('c1'), true);
  h.m.syncPod(pod(), [], '10.244.0.7');
  assert.equal(h.clock.pending, 0);
  h.m.syncPod(pod(), [running('c1')], '10.244.0.7');
  assert.ok(h.clock.pending > 0);
  h.m.removePod('u1');
  assert.equal(h.clock.pending, 0);
  const before = h.calls.length;
  await h.clock.advance(60_000);
  assert.equal(h.calls.length, before);
});

test('manager: probeKill says nothing of a restart under restartPolicy Never', () => {
  assert.equal(probeKillMessage('app', 'startup', false), 'Container app failed startup probe');
  assert.equal(probeKillMessage('app', 'liveness', true), 'Container app failed liveness probe, will be restarted');
});

test('manager: every sync of a running container not yet ready probes readiness again at once (UpdatePodStatus), a ready one waits its period', async () => {
  const h = setup();
  const p = pod((x) => {
    delete x.spec.containers[0].startupProbe;
    delete x.spec.containers[0].livenessProbe;
  });
  h.answers['/ready'] = [{ result: 'Failure', output: 'dial tcp 10.244.0.7:8080: connect: connection refused' }];
  h.m.syncPod(p, [running('c1')], '10.244.0.7');
  await h.clock.advance(100);
  assert.equal(h.m.readiness('c1'), false);
  // the agent syncs the pod again 100 ms later (a container event, its own status write)
  h.m.syncPod(p, [running('c1')], '10.244.0.7');
  await h.clock.advance(100);
  assert.deepEqual(h.calls, ['0 app/ready 10.244.0.7 c1', '0.1 app/ready 10.244.0.7 c1']);
  assert.equal(h.m.readiness('c1'), true);
  // ready: further syncs do not probe; the next probe is a period (30 s) after the last
  h.m.syncPod(p, [running('c1')], '10.244.0.7');
  await h.clock.advance(29_000);
  assert.equal(h.calls.length, 2);
  await h.clock.advance(2_000);
  assert.deepEqual(h.calls.slice(2), ['30.1 app/ready 10.244.0.7 c1']);
});
