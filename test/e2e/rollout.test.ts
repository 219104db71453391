// Rolling updates on the real engine with the real kubectl: a 4-replica Deployment (busybox httpd
// with a readinessProbe and a 2 s preStop sleep, so its endpoint is gone before SIGTERM, as people
// do on Kubernetes; httpd is PID 1 and ignores SIGTERM, so a short grace period ends it) rolled to a new image while a load loop goes through its NodePort on
// 127.0.0.1, with no failed request; `rollout history|undo|pause|resume|restart|status`; a
// rollout to an image that cannot be pulled stalls with ProgressDeadlineExceeded while the old
// pods keep serving; and the seed notes' nginx Deployment (examples/nginx-deployment.yaml)
// offline, with the local image. Run under `flock /tmp/k1s-e2e.lock`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureTestImages, UNPULLABLE_IMAGE } from '../fixtures/images.js';
import { ROOT, ServerHarness, sleep, waitFor } from './harness.js';
import { startFakeUpstream } from './upstream.js';

/** A second name for the busybox image, so a rollout changes the image (removed afterwards). */
const IMAGE_V2 = 'k1s.local/busybox:1.36-rollout-v2';
const NODE_PORT = 30481;
const URL = `http://127.0.0.1:${NODE_PORT}/`;

const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: web
          image: ${image}
          command: [httpd, -f, -p, '8080', -h, /www]
          ports:
            - containerPort: 8080
          readinessProbe:
            httpGet: {path: /, port: 8080}
            periodSeconds: 1
          lifecycle:
            preStop:
              exec:
                command: [sleep, '2']
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
      nodePort: ${NODE_PORT}
`;

/** Requests one after another (a few at a time) until stopped; every non-200 or error is a failure. */
function loadLoop(url: string, concurrency = 4) {
  let running = true;
  const stats = { ok: 0, failed: 0, errors: new Map<string, number>() };
  const worker = async () => {
    while (running) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
        await res.text();
        if (res.status === 200) stats.ok++;
        else {
          stats.failed++;
          stats.errors.set(`HTTP ${res.status}`, (stats.errors.get(`HTTP ${res.status}`) ?? 0) + 1);
        }
      } catch (e) {
        stats.failed++;
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        stats.errors.set(cause, (stats.errors.get(cause) ?? 0) + 1);
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stats,
    get total() {
      return stats.ok + stats.failed;
    },
    async stop() {
      running = false;
      await Promise.all(workers);
      return stats;
    },
  };
}

describe('rolling updates with the real kubectl', () => {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;

  const kubectl = (args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      // asynchronous: the load loop keeps running meanwhile
      const child = spawn('kubectl', ['--kubeconfig', h.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  const ok = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const jsonpath = (what: string[], path: string) => ok(['get', ...what, '-o', `jsonpath=${path}`]);
  const podImages = async () => (await jsonpath(['pods', '-l', 'app=web'], '{range .items[*]}{.spec.containers[0].image}{"\\n"}{end}')).trim().split('\n').filter(Boolean).sort();

  before(async () => {
    await ensureTestImages(docker);
    await docker.getImage(BUSYBOX_IMAGE).tag({ repo: IMAGE_V2.split(':')[0], tag: IMAGE_V2.split(':')[1] });
    upstream = await startFakeUpstream({});
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
    await h.start();
  });

  after(async () => {
    if (h) {
      await kubectl(['delete', 'deployments,services', '--all', '--wait=false']);
      await kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force']);
      await waitFor('the pods to be removed', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 60_000).catch(() => undefined);
      await h.stop();
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]);
      h.removeDataDir();
    }
    await docker.getImage(IMAGE_V2).remove({ noprune: true }).catch(() => undefined);
    await upstream?.stop();
  });

  test('a rolling update of 4 replicas under load through the NodePort fails no request; rollout undo restores the previous image', async () => {
    await ok(['apply', '-f', '-'], manifest(BUSYBOX_IMAGE));
    await ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    await waitFor('the NodePort to answer', async () => (await fetch(URL, { signal: AbortSignal.timeout(2000) })).status === 200, 30_000);

    const load = loadLoop(URL, 8);
    await waitFor('some load first', () => load.total >= 200, 30_000, 50);
    const started = Date.now();
    const atStart = load.total;
    await ok(['set', 'image', 'deployment/web', `web=${IMAGE_V2}`]);
    await ok(['annotate', 'deployment/web', 'kubernetes.io/change-cause=image to v2']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const rolledMs = Date.now() - started;
    // the window ends once the last old pod is gone (its preStop and grace period over)
    await waitFor('only v2 pods', async () => JSON.stringify(await podImages()) === JSON.stringify(Array(4).fill(IMAGE_V2)), 60_000, 100);
    const windowMs = Date.now() - started;
    const inWindow = load.total - atStart;
    await waitFor('at least 2,000 requests', () => load.total >= 2000, 120_000, 50);
    const stats = await load.stop();
    console.log(`# rolling update of 4 replicas: rolled out in ${rolledMs} ms, old pods gone after ${windowMs} ms; ${inWindow} requests in that window; ${stats.ok} ok, ${stats.failed} failed in all ${JSON.stringify(Object.fromEntries(stats.errors))}`);
    assert.equal(stats.failed, 0, `failed requests: ${JSON.stringify(Object.fromEntries(stats.errors))}`);
    assert.ok(stats.ok >= 2000);

    const history = await ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^1\s+<none>$/m);
    assert.match(history, /^2\s+image to v2$/m);
    const deploy = JSON.parse(await ok(['get', 'deployment/web', '-o', 'json']));
    assert.equal(deploy.metadata.annotations['deployment.kubernetes.io/revision'], '2');
    assert.deepEqual(
      deploy.status.conditions.map((c: { type: string; status: string; reason: string }) => [c.type, c.status, c.reason]).sort(),
      [
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ],
    );
    assert.deepEqual([deploy.status.replicas, deploy.status.updatedReplicas, deploy.status.readyReplicas, deploy.status.availableReplicas], [4, 4, 4, 4]);
    assert.equal(deploy.status.observedGeneration, deploy.metadata.generation);

    // undo: back to the first image, as revision 3
    assert.match(await ok(['rollout', 'undo', 'deployment/web']), /deployment.apps\/web rolled back/);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await waitFor('only v1 pods again', async () => JSON.stringify(await podImages()) === JSON.stringify(Array(4).fill(BUSYBOX_IMAGE)), 60_000);
    assert.match(await ok(['rollout', 'history', 'deployment/web']), /^3\s+<none>$/m);
    assert.equal(await jsonpath(['deployment/web'], '{.metadata.annotations.deployment\\.kubernetes\\.io/revision}'), '3');

    // --to-revision: revision 2 (v2) back as revision 4
    await ok(['rollout', 'undo', 'deployment/web', '--to-revision=2']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await waitFor('v2 pods again', async () => JSON.stringify(await podImages()) === JSON.stringify(Array(4).fill(IMAGE_V2)), 60_000);
  });

  test('pause holds a change until resume; restart rolls new pods', async () => {
    await ok(['rollout', 'pause', 'deployment/web']);
    await waitFor('DeploymentPaused', async () => (await jsonpath(['deployment/web'], '{.status.conditions[?(@.type=="Progressing")].reason}')) === 'DeploymentPaused', 10_000);
    await ok(['set', 'image', 'deployment/web', `web=${BUSYBOX_IMAGE}`]);
    await sleep(1500);
    assert.deepEqual(await podImages(), Array(4).fill(IMAGE_V2), 'nothing rolls while paused');
    assert.match((await kubectl(['rollout', 'undo', 'deployment/web'])).stderr, /cannot rollback a paused deployment/);
    await ok(['rollout', 'resume', 'deployment/web']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await waitFor('v1 after resume', async () => JSON.stringify(await podImages()) === JSON.stringify(Array(4).fill(BUSYBOX_IMAGE)), 60_000);

    const before = (await jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(' ').sort();
    await ok(['rollout', 'restart', 'deployment/web']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await waitFor('all pods replaced', async () => {
      const now = (await jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(' ').filter(Boolean);
      return now.length === 4 && now.every((n) => !before.includes(n));
    }, 60_000);
  });

  test('a rollout to an image that cannot be pulled stalls with ProgressDeadlineExceeded while the old pods keep serving', async () => {
    await ok(['patch', 'deployment/web', '-p', '{"spec":{"progressDeadlineSeconds":10}}']);
    await ok(['set', 'image', 'deployment/web', `web=${UNPULLABLE_IMAGE}`]);
    const load = loadLoop(URL, 2);
    const status = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    assert.equal(status.code, 1, status.stdout);
    assert.match(status.stderr, /deployment "web" exceeded its progress deadline/);
    const cond = JSON.parse(await jsonpath(['deployment/web'], '{.status.conditions[?(@.type=="Progressing")]}'));
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'ProgressDeadlineExceeded');
    assert.match(cond.message, /^ReplicaSet "web-\w+" has timed out progressing\.$/);
    await waitFor('a few hundred requests', () => load.total >= 300, 60_000, 50);
    const stats = await load.stop();
    console.log(`# stalled rollout: ${stats.ok} ok, ${stats.failed} failed`);
    assert.equal(stats.failed, 0, 'the old pods keep serving');
    assert.equal(await jsonpath(['deployment/web'], '{.status.availableReplicas}'), '4');
    const images = await podImages();
    assert.equal(images.filter((i) => i === BUSYBOX_IMAGE).length, 4, images.join(','));

    await ok(['rollout', 'undo', 'deployment/web']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await ok(['delete', '-f', '-'], manifest(BUSYBOX_IMAGE));
  });

  test("the seed notes' nginx Deployment (examples/nginx-deployment.yaml) offline, with the local image", async () => {
    const seed = readFileSync(join(ROOT, 'examples/nginx-deployment.yaml'), 'utf8');
    assert.match(seed, /image: hello-seattle:latest/);
    const offline = seed.replace('image: hello-seattle:latest', `image: ${BUSYBOX_IMAGE}\n          command: [httpd, -f, -p, '8080', -h, /www]`);
    await ok(['apply', '-f', '-'], offline);
    await ok(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=120s']);
    assert.equal(await jsonpath(['deployment/nginx-deployment'], '{.status.availableReplicas}'), '10');
    // a restart under maxSurge 1 / maxUnavailable 0
    await ok(['rollout', 'restart', 'deployment/nginx-deployment']);
    await ok(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=180s']);
    assert.equal(await jsonpath(['deployment/nginx-deployment'], '{.status.updatedReplicas}'), '10');
    await ok(['delete', '-f', '-'], offline);
  });
});
