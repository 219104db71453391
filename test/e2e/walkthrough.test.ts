// The seed notes' kubectl walkthrough, adapted to a local image, run unchanged against a real
// `k1s server` with the real kubectl: create deployment, expose, scale, get pods, set env,
// rollout status/restart/history/undo, exec, logs -l, port-forward svc/..., get events, get
// nodes, wait, delete. Only our own pods are reached (through kubectl and 127.0.0.1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import Docker from 'dockerode';
import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { BUSYBOX_IMAGE, BUSYBOX_INDEX_HTML, ensureTestImages } from '../fixtures/images.js';
import { ROOT, ServerHarness, httpGet, waitFor } from './harness.js';
import { startFakeUpstream } from './upstream.js';
import { join } from 'node:path';

describe('the seed walkthrough with the real kubectl', () => {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;
  const children: ChildProcess[] = [];

  const kubectl = (...args: string[]) => {
    const r = spawnSync('kubectl', ['--kubeconfig', h.kubeconfig, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const ok = (...args: string[]) => {
    const r = kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    await ensureTestImages(docker);
    upstream = await startFakeUpstream({});
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
    await h.start();
  });

  after(async () => {
    for (const c of children) c.kill();
    if (h) {
      kubectl('delete', 'deployment', 'web', '--ignore-not-found', '--wait=false');
      kubectl('delete', 'service', 'web', '--ignore-not-found');
      await waitFor('the pods to be removed', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 60_000).catch(() => undefined);
      await h.stop();
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]); // pods' volume mounts too
      h.removeDataDir();
    }
    await upstream?.stop();
  });

  test('create deployment, expose, scale, wait', () => {
    assert.equal(ok('create', 'deployment', 'web', `--image=${BUSYBOX_IMAGE}`, '--port=8080', '--', 'httpd', '-f', '-v', '-p', '8080', '-h', '/www').trim(), 'deployment.apps/web created');
    assert.equal(ok('expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--type=NodePort').trim(), 'service/web exposed');
    assert.equal(ok('scale', 'deployment', 'web', '--replicas=2').trim(), 'deployment.apps/web scaled');
    assert.match(ok('wait', '--for=condition=Available', 'deployment/web', '--timeout=90s'), /deployment\.apps\/web condition met/);
    assert.match(ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /deployment "web" successfully rolled out/);
    const pods = ok('get', 'pods', '-l', 'app=web');
    assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.equal(pods.match(/^web-\S+\s+1\/1\s+Running\s+0\s+\S+$/gm)?.length, 2, pods);
    // the Service's endpoints, as EndpointSlices too (what kubectl describe ingress and kube-proxy read)
    const slices = ok('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web');
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\nweb-[a-z0-9]{5}\s+IPv4\s+8080\s+10\.244\.\d+\.\d+,10\.244\.\d+\.\d+\s+\S+\n$/, slices);
    assert.match(ok('get', 'nodes'), /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n\S+\s+Ready\s+control-plane\s+\S+\s+v1\.32\.0-k1s/);
  });

  test('top pod and top node read the metrics API', () => {
    const pods = ok('top', 'pod', '-l', 'app=web');
    assert.match(pods, /^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    assert.equal(pods.match(/^web-\S+\s+\d+m\s+\d+Mi\s*$/gm)?.length, 2, pods);
    assert.match(ok('top', 'node'), /^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*\n\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  test('set env rolls out a new template; exec sees it', () => {
    assert.equal(ok('set', 'env', 'deployment/web', 'GREETING=hello').trim(), 'deployment.apps/web env updated');
    assert.match(ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    assert.equal(ok('exec', 'deploy/web', '--', 'sh', '-c', 'echo $GREETING'), 'hello\n');
  });

  test('@kubernetes/client-node exec: output and the exit status come back', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(h.kubeconfig);
    const pod = ok('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}');
    let out = '';
    const stdout = new Writable({ write: (chunk, _enc, cb) => ((out += String(chunk)), cb()) });
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      new k8s.Exec(kc).exec('default', pod, 'busybox', ['sh', '-c', 'echo from-client-node; exit 2'], stdout, null, null, false, resolve).catch(reject);
    });
    assert.equal(out, 'from-client-node\n');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.equal(status.details?.causes?.[0]?.message, '2');
  });

  test('port-forward svc/web reaches a pod; logs -l shows the request', async () => {
    const child = spawn('kubectl', ['--kubeconfig', h.kubeconfig, 'port-forward', 'svc/web', ':80'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const port = await waitFor('port-forward to listen', () => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], 30_000);
    const res = await httpGet(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.body, BUSYBOX_INDEX_HTML);
    child.kill();
    const logs = await waitFor('the request in the logs', () => {
      const l = kubectl('logs', '-l', 'app=web', '--tail=20').stdout;
      return /response:200/.test(l) ? l : undefined;
    }, 15_000);
    assert.match(logs, /response:200/);
    // --timestamps prefixes each line with its RFC3339 time; --since-time leaves older lines out
    const stamped = ok('logs', '-l', 'app=web', '--timestamps').trim().split('\n');
    assert.ok(stamped.some((l) => /response:200/.test(l)));
    for (const line of stamped) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z /);
    assert.equal(ok('logs', '-l', 'app=web', '--since-time=2100-01-01T00:00:00Z'), '');
    assert.match(ok('logs', '-l', 'app=web', '--since=1h'), /response:200/);
  });

  test('rollout restart, history and undo', () => {
    assert.equal(ok('rollout', 'restart', 'deployment/web').trim(), 'deployment.apps/web restarted');
    assert.match(ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    const history = ok('rollout', 'history', 'deployment/web');
    assert.match(history, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+<none>\n/);
    assert.equal(ok('rollout', 'undo', 'deployment/web').trim(), 'deployment.apps/web rolled back');
    assert.match(ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    // revision 2 (GREETING=hello, not restarted) came back as revision 4
    assert.match(ok('rollout', 'history', 'deployment/web'), /1\s+<none>\n3\s+<none>\n4\s+<none>\n/);
    assert.equal(ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.metadata.annotations}'), '');
  });

  test('rollout pause holds a template change back; resume rolls it out', async () => {
    assert.equal(ok('rollout', 'pause', 'deployment/web').trim(), 'deployment.apps/web paused');
    const before = ok('get', 'rs', '-l', 'app=web', '-o', 'name');
    ok('set', 'env', 'deployment/web', 'GREETING=paused');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(ok('get', 'rs', '-l', 'app=web', '-o', 'name'), before, 'no new ReplicaSet while paused');
    assert.equal(ok('rollout', 'resume', 'deployment/web').trim(), 'deployment.apps/web resumed');
    assert.match(ok('rollout', 'status', 'deployment/web', '--timeout=90s'), /successfully rolled out/);
    assert.equal(ok('exec', 'deploy/web', '--', 'sh', '-c', 'echo $GREETING'), 'paused\n');
  });

  test('get events tells what happened; delete --wait removes the deployment and its pods', async () => {
    const events = ok('get', 'events');
    assert.match(events, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n/);
    assert.match(events, /Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-/);
    assert.match(events, /Normal\s+Started\s+pod\/web-/);
    assert.match(ok('delete', 'deployment', 'web'), /deployment\.apps "web" deleted/);
    await waitFor('the pods to go', () => !/web-/.test(kubectl('get', 'pods', '-l', 'app=web', '-o', 'name').stdout), 60_000);
    assert.match(ok('delete', 'service', 'web'), /service "web" deleted/);
  });
});
