// The streaming subresources end to end with the real kubectl 1.32 against a real `k1s server`:
// exec (stdout/stderr apart, exit codes, stdin, -c, a TTY under script(1), over WebSocket and over
// SPDY), cp both ways, attach,
// and port-forward to a pod and to a Service, over the WebSocket tunnel and the SPDY fallback.
// Only our own pod is ever dialled (through kubectl), and the test removes what it created.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureTestImages, BUSYBOX_IMAGE, BUSYBOX_INDEX_HTML } from '../fixtures/images.js';
import { startFakeUpstream } from './upstream.js';
import { ROOT, ServerHarness, httpGet, waitFor } from './harness.js';

const POD = 'k1s-stream-e2e';
const MANIFEST = `apiVersion: v1
kind: Pod
metadata: {name: ${POD}, labels: {app: ${POD}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [httpd, -f, -p, '8080', -h, /www]
    ports: [{name: http, containerPort: 8080}]
  - name: side
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']
---
apiVersion: v1
kind: Service
metadata: {name: ${POD}}
spec:
  selector: {app: ${POD}}
  ports: [{port: 80, targetPort: http}]
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('streaming: exec, attach, cp, port-forward with the real kubectl', () => {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;
  const tmp = mkdtempSync(join(tmpdir(), 'k1s-stream-'));
  const children: ChildProcess[] = [];

  const kubectl = (args: string[], opts: { input?: string | Buffer; env?: Record<string, string> } = {}): Run => {
    const r = spawnSync('kubectl', ['--kubeconfig', h.kubeconfig, ...args], {
      input: opts.input,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...opts.env },
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  /** kubectl under script(1), so its stdin is a terminal (what `-t` needs) */
  const underTerminal = (command: string, input = ''): Run => {
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KCFG: h.kubeconfig } });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  /** the kubectl command line for script(1)'s shell; the kubeconfig comes from the environment */
  const kubectlLine = 'kubectl --kubeconfig "$KCFG"';

  /** Starts a long-running kubectl; resolves once `ready` matches its stdout. */
  const background = async (args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> => {
    const child = spawn('kubectl', ['--kubeconfig', h.kubeconfig, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const match = await waitFor(`kubectl ${args.join(' ')} to print ${ready}`, () => {
      if (child.exitCode !== null) throw new Error(`kubectl exited ${child.exitCode}: ${err}`);
      return out.match(ready);
    }, 30_000, 50);
    return { child, match, output: () => out };
  };
  const stop = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });

  before(async () => {
    await ensureTestImages(docker);
    upstream = await startFakeUpstream({});
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
    await h.start();
    const applied = h.k1s(['apply', '-f', '-'], MANIFEST);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('the pod to be ready', () =>
      h.getJSON<{ status?: { conditions?: { type: string; status: string }[] } }>(['pod', POD]).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  });

  after(async () => {
    await Promise.all(children.map(stop));
    if (h) {
      h.k1s(['delete', '-f', '-'], MANIFEST);
      // our containers only: the agent removes them once the pod is gone
      await waitFor('the pod containers to be removed', async () => (await docker.listContainers({ all: true, filters: { label: [`io.k1s.pod.name=${POD}`] } })).length === 0, 30_000).catch(() => undefined);
      await h.stop();
      // as hello.test.ts: what the server made (chains, route_localnet) goes with it
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]); // pods' volume mounts too
      h.removeDataDir();
    }
    await upstream?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('exec: stdout and stderr arrive apart', () => {
    const r = kubectl(['exec', POD, '-c', 'web', '--', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  test("exec: the command's exit code is kubectl's", () => {
    const r = kubectl(['exec', POD, '-c', 'web', '--', 'sh', '-c', 'echo bye; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'bye\n');
    assert.match(r.stderr, /command terminated with exit code 3/);
  });

  test('exec: stdin is piped and ends with the client (small and 2 MiB)', () => {
    const r = kubectl(['exec', '-i', POD, '-c', 'web', '--', 'cat'], { input: 'hi\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    const big = randomBytes(1024 * 1024).toString('hex'); // 2 MiB of text
    const wc = kubectl(['exec', '-i', POD, '-c', 'web', '--', 'sh', '-c', 'wc -c; md5sum < /dev/null >/dev/null'], { input: big });
    assert.equal(wc.code, 0, wc.stderr);
    assert.equal(wc.stdout.trim(), String(big.length));
  });

  test('exec: -c picks the container, and without -c kubectl names its default', () => {
    const side = kubectl(['exec', POD, '-c', 'side', '--', 'cat', '/proc/1/cmdline']);
    assert.equal(side.code, 0, side.stderr);
    assert.match(side.stdout, /while true/);
    const web = kubectl(['exec', POD, '--', 'cat', '/proc/1/cmdline']);
    assert.equal(web.code, 0, web.stderr);
    assert.match(web.stdout, /^httpd/);
    assert.match(web.stderr, /Defaulted container "web" out of: web, side/);
  });

  test('exec over SPDY (kubectl before 1.30, or with WebSockets off): output, stdin, exit code, tty', () => {
    const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    const r = kubectl(['exec', '-i', POD, '-c', 'web', '--', 'sh', '-c', 'cat; echo err >&2; exit 4'], { input: 'via spdy\n', env });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'via spdy\n');
    assert.match(r.stderr, /^err\n/);
    const ok = kubectl(['exec', POD, '-c', 'web', '--', 'true'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    const tty = spawnSync('script', ['-qec', `stty rows 20 cols 70; ${kubectlLine} exec -it ${POD} -c web -- sh -c 'sleep 0.5; stty size'`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env, KCFG: h.kubeconfig },
    });
    assert.match(tty.stdout, /20 70/);
  });

  test('exec: errors from the server read as Kubernetes errors', () => {
    const missing = kubectl(['exec', 'no-such-pod', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pods "no-such-pod" not found/);
    const container = kubectl(['exec', POD, '-c', 'nope', '--', 'true']);
    assert.equal(container.code, 1);
    assert.match(container.stderr, /container nope is not valid for pod/);
  });

  test('exec -it: a terminal with the client size, and an interactive shell with its exit code', () => {
    // Docker 20.10 (API 1.41) can only resize an exec after it started: the command waits a moment.
    const size = underTerminal(`stty rows 33 cols 101; ${kubectlLine} exec -it ${POD} -c web -- sh -c 'sleep 0.5; stty size'`);
    assert.equal(size.code, 0, size.stdout);
    assert.match(size.stdout, /33 101/);
    const tty = underTerminal(`${kubectlLine} exec -it ${POD} -c web -- tty`);
    assert.match(tty.stdout, /\/dev\/pts\/\d+/);
    const shell = underTerminal(`${kubectlLine} exec -it ${POD} -c web -- sh`, 'echo hi-$((40+2))\nexit 5\n');
    assert.equal(shell.code, 5, shell.stdout);
    assert.match(shell.stdout, /hi-42/);
  });

  test('cp: a file into the pod and back, byte for byte', () => {
    const src = join(tmp, 'payload.bin');
    const data = randomBytes(300 * 1024);
    writeFileSync(src, data);
    const up = kubectl(['cp', src, `${POD}:/tmp/payload.bin`, '-c', 'web']);
    assert.equal(up.code, 0, up.stderr);
    const sum = kubectl(['exec', POD, '-c', 'web', '--', 'md5sum', '/tmp/payload.bin']);
    assert.equal(sum.stdout.split(' ')[0], spawnSync('md5sum', [src], { encoding: 'utf8' }).stdout.split(' ')[0]);
    const back = join(tmp, 'back.bin');
    const down = kubectl(['cp', `${POD}:/tmp/payload.bin`, back, '-c', 'web']);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(back).equals(data), 'the copy back equals the original');
  });

  test('attach: the container output streams until the client leaves', async () => {
    const { child, output } = await background(['attach', POD, '-c', 'side'], /tick \d+\n.*tick \d+\n/s);
    assert.match(output(), /tick \d+/);
    await stop(child);
  });

  for (const [name, env] of [
    ['WebSocket tunnel', {}],
    ['SPDY fallback', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
  ] as const) {
    test(`port-forward to a pod and to a Service (${name})`, async () => {
      for (const target of [`pod/${POD}`, `svc/${POD}`]) {
        const remote = target.startsWith('svc') ? '80' : '8080';
        const { child, match } = await background(['port-forward', target, `0:${remote}`], /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, env);
        const url = `http://127.0.0.1:${match[1]}/`;
        for (let i = 0; i < 3; i++) assert.equal((await httpGet(url, 5000)).body, BUSYBOX_INDEX_HTML);
        const parallel = await Promise.all(Array.from({ length: 5 }, () => httpGet(url, 5000)));
        assert.deepEqual(parallel.map((r) => r.body), Array(5).fill(BUSYBOX_INDEX_HTML));
        await stop(child);
      }
    });
  }

  test('port-forward to a closed port reports the error and keeps the forwarder usable', async () => {
    const { child, match, output } = await background(['port-forward', `pod/${POD}`, '0:9'], /Forwarding from 127\.0\.0\.1:(\d+) -> 9/);
    await httpGet(`http://127.0.0.1:${match[1]}/`, 5000).then(
      () => assert.fail('a closed port cannot answer'),
      () => undefined,
    );
    assert.match(output(), /Handling connection/);
    await stop(child);
  });
});
