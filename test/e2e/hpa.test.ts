// The HorizontalPodAutoscaler on the real engine: a Deployment whose pods burn CPU (busybox
// `while true; do :; done`, for 40 s, limited to 200m against a request of 100m) is scaled up to
// maxReplicas from the Docker stats the node agent reads, then, once they are idle, back down to
// minReplicas after the HPA's short scale-down stabilization window. The server syncs HPAs every
// 5 s here (kube: 15 s) to keep the test near a minute and a half.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { waitFor } from './harness.js';
import { engineSuite } from './engine-suite.js';

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
  const { kubectl, ok, jsonpath } = engineSuite({ serverArgs: ['--horizontal-pod-autoscaler-sync-period', '5s'], deleteFirst: ['hpa', 'deploy'], kubectlTimeoutMs: 120_000 });

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
