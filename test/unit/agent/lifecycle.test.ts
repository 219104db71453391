// Lifecycle hooks: the kubelet's messages for each handler, the lifecycle User-Agent, the preStop
// hook within the grace period and the grace left for `docker stop`. Exec through a fake, time
// through a fake scheduler; httpGet against a server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container, LifecycleHandler } from '../../../src/api/podspec/schema.js';
import type { Pod } from '../../../src/api/types.js';
import {
  graceAfterPreStop,
  hookRequest,
  LIFECYCLE_USER_AGENT,
  runHook,
  runPreStop,
  type HookDeps,
  type HookResult,
} from '../../../agent/lifecycle.js';
import { FakeScheduler, settle } from '../../../agent/prober/fake-scheduler.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1' },
  spec: { containers: [{ name: 'app', image: 'k1s.local/busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }] }] },
};
const container = pod.spec.containers[0] as Container;
const target = { containerId: 'c1', podIP: '127.0.0.1' };
const WHERE = 'for Container "app" in Pod "web_shop(u-1)"';

/** An exec that answers from a table: command line -> exit code and output; throws for 'broken'. */
function fakeExec(calls: string[]): HookDeps['exec'] {
  return async (id, cmd) => {
    calls.push(`${id} ${cmd.join(' ')}`);
    if (cmd[0] === 'broken') throw new Error('container not running');
    if (cmd.join(' ') === 'sh -c exit 3') return { exitCode: 3, output: 'oops\n' };
    return { exitCode: 0, output: 'fine' };
  };
}

const cases: Record<string, { handler: LifecycleHandler; noExec?: boolean; expected: HookResult; execCalls?: string[] }> = {
  'exec that succeeds: nothing to say': { handler: { exec: { command: ['touch', '/ready'] } }, expected: { ok: true }, execCalls: ['c1 touch /ready'] },
  'exec that exits non-zero: the command, the exit code and the output, as ExecSync words it': {
    handler: { exec: { command: ['sh', '-c', 'exit 3'] } },
    expected: { ok: false, message: `Exec lifecycle hook ([sh -c exit 3]) ${WHERE} failed - error: command 'sh -c exit 3' exited with 3: oops\n, message: "oops\\n"` },
    execCalls: ['c1 sh -c exit 3'],
  },
  'exec that cannot run at all': {
    handler: { exec: { command: ['broken'] } },
    expected: { ok: false, message: `Exec lifecycle hook ([broken]) ${WHERE} failed - error: container not running, message: ""` },
    execCalls: ['c1 broken'],
  },
  'exec on a node without exec': {
    handler: { exec: { command: ['true'] } },
    noExec: true,
    expected: { ok: false, message: `Exec lifecycle hook ([true]) ${WHERE} failed - error: exec hooks are not available on this node, message: ""` },
  },
  '$(VAR) in an exec hook is not expanded (kube passes the command as written)': {
    handler: { exec: { command: ['echo', '$(HOME)'] } },
    expected: { ok: true },
    execCalls: ['c1 echo $(HOME)'],
  },
  'tcpSocket passes validation but is no handler': {
    handler: { tcpSocket: { port: 8080 } },
    expected: { ok: false, message: 'Cannot run handler: invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},Sleep:nil,}' },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`lifecycle: ${name}`, async () => {
    const calls: string[] = [];
    const r = await runHook(c.handler, pod, container, target, { exec: c.noExec ? undefined : fakeExec(calls) });
    assert.deepEqual(r, c.expected);
    assert.deepEqual(calls, c.execCalls ?? []);
  });
}

test('lifecycle: httpGet hooks go to the pod IP and the named port, with the lifecycle User-Agent; a 500 is no failure', async (t) => {
  const seen: { url?: string; agent?: string; custom?: string }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, agent: req.headers['user-agent'], custom: req.headers['x-hook'] as string | undefined });
    res.statusCode = 500;
    res.end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const c: Container = { ...container, ports: [{ name: 'http', containerPort: port }] };

  const r = await runHook({ httpGet: { path: '/hook?x=1', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Hook', value: 'yes' }] } }, pod, c, target, {});
  assert.deepEqual(r, { ok: true });
  assert.deepEqual(seen, [{ url: '/hook?x=1', agent: LIFECYCLE_USER_AGENT, custom: 'yes' }]);
  assert.equal(LIFECYCLE_USER_AGENT, 'kube-lifecycle/1.32');
  // a User-Agent the user sets wins
  const own = hookRequest({ path: '/', port, httpHeaders: [{ name: 'user-agent', value: 'me' }] }, c, '127.0.0.1');
  assert.deepEqual(own.headers.get('user-agent')?.values, ['me']);
});

test('lifecycle: an httpGet hook nobody answers fails with the Go client error', async () => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const r = await runHook({ httpGet: { path: '/stop', port, scheme: 'HTTP' } }, pod, container, target, {});
  assert.deepEqual(r, {
    ok: false,
    message: `HTTP lifecycle hook (/stop) ${WHERE} failed - error: Get "http://127.0.0.1:${port}/stop": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });
});

test('lifecycle: sleep waits its seconds on the injected clock', async () => {
  const timers = new FakeScheduler(0);
  let result: HookResult | undefined;
  void runHook({ sleep: { seconds: 5 } }, pod, container, target, { timers }).then((r) => (result = r));
  await timers.advance(4999);
  assert.equal(result, undefined);
  await timers.advance(1);
  assert.deepEqual(result, { ok: true });
});

test('lifecycle: preStop returns the whole seconds it used; the grace left never drops below 2 s', async () => {
  const timers = new FakeScheduler(0);
  let finish!: () => void;
  const exec: HookDeps['exec'] = () => new Promise((r) => (finish = () => r({ exitCode: 0, output: '' })));
  const failures: string[] = [];
  let used: number | undefined;
  void runPreStop({ exec: { command: ['drain'] } }, pod, container, target, 30, { exec, timers }, (m) => failures.push(m)).then((s) => (used = s));
  await timers.advance(3700);
  assert.equal(used, undefined, 'the stop waits for the hook');
  finish();
  await settle();
  assert.equal(used, 3);
  assert.deepEqual(failures, []);
  assert.equal(timers.pending, 0, 'the grace timer is cancelled');

  assert.equal(graceAfterPreStop(30, 3), 27);
  assert.equal(graceAfterPreStop(30, 29), 2);
  assert.equal(graceAfterPreStop(5, 5), 2);
});

test('lifecycle: a preStop hook that outlives the grace period lets the stop go on; its later failure is still reported', async () => {
  const timers = new FakeScheduler(0);
  let fail!: () => void;
  const exec: HookDeps['exec'] = () => new Promise((r) => (fail = () => r({ exitCode: 1, output: 'late' })));
  const failures: string[] = [];
  let used: number | undefined;
  void runPreStop({ exec: { command: ['drain'] } }, pod, container, target, 10, { exec, timers }, (m) => failures.push(m)).then((s) => (used = s));
  await timers.advance(10_000);
  assert.equal(used, 10);
  assert.deepEqual(failures, []);
  fail();
  await settle();
  assert.equal(failures.length, 1);
  assert.match(failures[0], /^Exec lifecycle hook \(\[drain\]\) .* exited with 1: late/);
});

test('lifecycle: a preStop sleep counts in the grace period; cut short by it, it is no failure', async () => {
  const timers = new FakeScheduler(0);
  const failures: string[] = [];
  let used: number | undefined;
  void runPreStop({ sleep: { seconds: 4 } }, pod, container, target, 30, { timers }, (m) => failures.push(m)).then((s) => (used = s));
  await timers.advance(4000);
  assert.equal(used, 4);

  used = undefined;
  void runPreStop({ sleep: { seconds: 20 } }, pod, container, target, 3, { timers }, (m) => failures.push(m)).then((s) => (used = s));
  await timers.advance(3000);
  assert.equal(used, 3);
  assert.deepEqual(failures, []);
  assert.equal(timers.pending, 0, 'the cut sleep leaves no timer behind');
});
