// Pods as a kubectl user meets them, against a real `k1s server` with the real kubectl: the seed
// notes' probe pod (section 12, adapted to a local image), a readiness probe moving a pod in and
// out of its Service's endpoints, a PersistentVolumeClaim whose data outlives the pod, graceful
// deletion (Terminating, --grace-period=0 --force), and bad pod specs refused with the field path
// and nothing stored.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { sleep, waitFor } from './harness.js';
import { execFileSync } from 'node:child_process';
import { engineSuite } from './engine-suite.js';

const SERVE_HEALTH = `mkdir -p /srv && echo ok > /srv/health && exec httpd -f -p 8080 -h /srv`;

describe('pods with the real kubectl', () => {
  const { kubectl, ok, jsonpath } = engineSuite({ kubectlTimeoutMs: 120_000 });

  test("the seed notes' probe pod: Ready only after its readiness delay, never restarted by its liveness probe", async () => {
    ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata:
  name: my-app-pod
spec:
  containers:
    - name: my-app-container
      image: ${BUSYBOX_IMAGE}
      command: [sh, -c, '${SERVE_HEALTH}']
      ports:
        - containerPort: 8080
      livenessProbe:
        httpGet:
          path: /health
          port: 8080
        initialDelaySeconds: 15
        periodSeconds: 10
      readinessProbe:
        httpGet:
          path: /health
          port: 8080
        initialDelaySeconds: 5
        periodSeconds: 10
`);
    await waitFor('running', () => jsonpath(['pod', 'my-app-pod'], '{.status.containerStatuses[0].state.running.startedAt}'), 30_000);
    const started = Date.parse(jsonpath(['pod', 'my-app-pod'], '{.status.containerStatuses[0].state.running.startedAt}'));
    assert.equal(jsonpath(['pod', 'my-app-pod'], '{.status.containerStatuses[0].ready}'), 'false');
    await waitFor('Ready', () => jsonpath(['pod', 'my-app-pod'], '{.status.containerStatuses[0].ready}') === 'true', 30_000, 200);
    const readyAfter = Date.now() - started;
    assert.ok(readyAfter >= 4_000, `Ready ${readyAfter} ms after the start, not before the 5 s delay`);
    // past the liveness delay and two periods: still the first container
    await sleep(Math.max(0, started + 27_000 - Date.now()));
    assert.equal(jsonpath(['pod', 'my-app-pod'], '{.status.containerStatuses[0].restartCount}'), '0');
    assert.match(ok(['get', 'pod', 'my-app-pod']), /my-app-pod\s+1\/1\s+Running\s+0\s/);
  });

  test('a readiness probe takes the pod out of its Service endpoints and puts it back', async () => {
    ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: flip, labels: {app: flip}}
spec:
  containers:
  - name: web
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, '${SERVE_HEALTH}']
    readinessProbe: {httpGet: {path: /health, port: 8080}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: flip}
spec: {selector: {app: flip}, ports: [{port: 80, targetPort: 8080}]}
`);
    const addresses = () => jsonpath(['endpoints', 'flip'], '{.subsets[*].addresses[*].ip}');
    const notReady = () => jsonpath(['endpoints', 'flip'], '{.subsets[*].notReadyAddresses[*].ip}');
    await waitFor('in the endpoints', () => addresses(), 30_000, 200);
    const ip = jsonpath(['pod', 'flip'], '{.status.podIP}');
    assert.equal(addresses(), ip);
    ok(['exec', 'flip', '--', 'rm', '/srv/health']);
    await waitFor('out of the ready addresses', () => !addresses() && notReady() === ip, 15_000, 200);
    assert.match(ok(['get', 'pod', 'flip']), /flip\s+0\/1\s+Running\s+0\s/);
    ok(['exec', 'flip', '--', 'sh', '-c', 'echo ok > /srv/health']);
    await waitFor('back in the endpoints', () => addresses() === ip, 15_000, 200);
  });

  test('the data of a PersistentVolumeClaim outlives the pod', async () => {
    const claim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Mi}}}
`;
    const pod = (name: string, command: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
  containers:
  - name: app
    image: ${BUSYBOX_IMAGE}
    command: [sh, -c, '${command}']
    volumeMounts: [{name: data, mountPath: /data}]
`;
    ok(['apply', '-f', '-'], claim + '---\n' + pod('writer', 'echo kept > /data/note; exec sleep 3600'));
    await waitFor('writer running', () => jsonpath(['pod', 'writer'], '{.status.containerStatuses[0].state.running.startedAt}'), 30_000);
    assert.equal(jsonpath(['pvc', 'data'], '{.status.phase}'), 'Bound');
    ok(['delete', 'pod', 'writer']);
    ok(['apply', '-f', '-'], pod('reader', 'exec sleep 3600'));
    await waitFor('reader running', () => jsonpath(['pod', 'reader'], '{.status.containerStatuses[0].state.running.startedAt}'), 30_000);
    assert.equal(ok(['exec', 'reader', '--', 'cat', '/data/note']), 'kept\n');
  });

  test('delete: Terminating during the grace period; --grace-period=0 --force removes at once', async () => {
    ok(['run', 'stubborn', `--image=${BUSYBOX_IMAGE}`, '--', 'sh', '-c', "trap '' TERM; while true; do sleep 1; done"]);
    await waitFor('running', () => jsonpath(['pod', 'stubborn'], '{.status.containerStatuses[0].state.running.startedAt}'), 30_000);
    const t0 = Date.now();
    ok(['delete', 'pod', 'stubborn', '--grace-period=20', '--wait=false']);
    assert.match(ok(['get', 'pod', 'stubborn']), /stubborn\s+1\/1\s+Terminating\s+0\s/);
    const forced = kubectl(['delete', 'pod', 'stubborn', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'pod "stubborn" force deleted\n');
    assert.match(kubectl(['get', 'pod', 'stubborn']).stderr, /pods "stubborn" not found/);
    assert.ok(Date.now() - t0 < 10_000);
    // On the node the grace period is cut too, to the kubelet's minimum of 2 s: the container
    // that ignores SIGTERM is killed long before the 20 s it was given first.
    const running = () => execFileSync('docker', ['ps', '-q', '--filter', 'label=io.k1s.pod.name=stubborn', '--filter', 'label=io.k1s.container.type=container'], { encoding: 'utf8' }).trim();
    await waitFor('the container killed after the shortened grace period', () => running() === '', 8_000);
    assert.ok(Date.now() - t0 < 12_000, `gone ${Date.now() - t0} ms after the first delete`);
  });

  test('bad pod specs are refused with the field path, and nothing is stored', () => {
    const bad = (spec: string) => kubectl(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n${spec}`);
    const cases: [string, RegExp][] = [
      [`  containers: [{name: a, image: ${BUSYBOX_IMAGE}, livenessProbe: {httpGet: {port: http}}}]`, /spec\.containers\[0\]\.livenessProbe\.httpGet\.port: Not found: "http"/],
      [`  containers: [{name: a, image: ${BUSYBOX_IMAGE}, volumeMounts: [{name: nope, mountPath: /x}]}]`, /spec\.containers\[0\]\.volumeMounts\[0\]\.name: Not found: "nope"/],
      [`  containers: [{name: a, image: ${BUSYBOX_IMAGE}}, {name: a, image: ${BUSYBOX_IMAGE}}]`, /spec\.containers\[1\]\.name: Duplicate value: "a"/],
      [`  volumes: [{name: v, emptyDir: {}}]\n  containers: [{name: a, image: ${BUSYBOX_IMAGE}, volumeMounts: [{name: v, mountPath: /x, subPath: ../etc}]}]`, /spec\.containers\[0\]\.volumeMounts\[0\]\.subPath: Invalid value: "\.\.\/etc": must not contain '\.\.'/],
    ];
    for (const [spec, message] of cases) {
      const r = bad(spec);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /The Pod "bad" is invalid/);
      assert.match(r.stderr, message);
    }
    assert.match(kubectl(['get', 'pod', 'bad']).stderr, /pods "bad" not found/);
  });
});
