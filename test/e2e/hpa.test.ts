// The HorizontalPodAutoscaler on the real engine: a Deployment whose pods burn CPU (busybox
// `while true; do :; done`, for 40 s, limited to 200m against a request of 100m) is scaled up to
// maxReplicas from the Docker stats the node agent reads, then, once they are idle, back down to
// minReplicas after the HPA's short scale-down stabilization window. The server syncs HPAs every
// 5 s here (kube: 15 s) to keep the test near a minute and a half.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, ensureTestImages } from '../fixtures/images.js';
import { ROOT, ServerHarness, waitFor } from './harness.js';
import { startFakeUpstream } from './upstream.js';

const BURN = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burn
spec:
  replicas: 1
  selector:
    matchLabels: {app: burn}
  template:
    metadata:
      labels: {app: burn}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: burn
        image: ${BUSYBOX_IMAGE}
        command: [sh, -c, "timeout 40 sh -c 'while true; do :; done'; exec sleep 3600"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 200m}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: burn
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 10
`;

describe('HorizontalPodAutoscaler on the real engine', () => {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;

  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync('kubectl', ['--kubeconfig', h.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 120_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const ok = (args: string[], input?: string) => {
    const r = kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const jsonpath = (what: string[], path: string) => ok(['get', ...what, '-o', `jsonpath=${path}`]);

  before(async () => {
    await ensureTestImages(docker);
    upstream = await startFakeUpstream({});
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`, '--horizontal-pod-autoscaler-sync-period', '5s']);
    await h.start();
  });

  after(async () => {
    if (h) {
      kubectl(['delete', 'hpa', '--all']);
      kubectl(['delete', 'deploy', '--all']);
      kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force']);
      await waitFor('the pods to be removed', async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0, 60_000).catch(() => undefined);
      await h.stop();
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]);
      h.removeDataDir();
    }
    await upstream?.stop();
  });

  test('a CPU-burning Deployment is scaled up to maxReplicas, then back down to minReplicas once idle', async () => {
    const start = Date.now();
    ok(['apply', '-f', '-'], BURN);
    await waitFor('the scale-up to 3', () => jsonpath(['deploy', 'burn'], '{.spec.replicas}') === '3', 60_000, 500);
    const upAt = Date.now() - start;
    // kube's event and the TARGETS column
    const events = ok(['get', 'events', '--field-selector', 'involvedObject.name=burn,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events, /^New size: 3; reason: cpu resource utilization \(percentage of request\) above target$/m);
    assert.match(ok(['get', 'hpa', 'burn']), /\nburn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+\d\s+\d+s\n$/);
    await waitFor('three pods running', () => jsonpath(['deploy', 'burn'], '{.status.readyReplicas}') === '3', 60_000, 500);

    // the burn ends 40 s after each pod started; then the window of 10 s, then minReplicas
    await waitFor('the scale-down to 1', () => jsonpath(['deploy', 'burn'], '{.spec.replicas}') === '1', 120_000, 500);
    const downAt = Date.now() - start;
    const messages = ok(['get', 'events', '--field-selector', 'involvedObject.name=burn,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(messages, /^New size: 1; reason: All metrics below target$/m);
    const conditions = JSON.parse(jsonpath(['hpa', 'burn'], '{.status.conditions}')) as { type: string; status: string; reason: string }[];
    assert.deepEqual(
      conditions.map((c) => c.type),
      ['AbleToScale', 'ScalingActive', 'ScalingLimited'],
    );
    assert.equal(conditions.find((c) => c.type === 'ScalingActive')?.reason, 'ValidMetricFound');
    console.log(`# scaled up after ${(upAt / 1000).toFixed(1)} s, back down after ${(downAt / 1000).toFixed(1)} s`);
  });
});
