// kubectl drain on the real engine: a Deployment of two busybox pods and a PodDisruptionBudget of
// minAvailable 2. drain cordons the node and retries the evictions the budget refuses until its
// --timeout; with the budget gone it evicts both pods, their ReplicaSet makes replacements that
// stay Pending (FailedScheduling: the node is unschedulable), and uncordon lets them run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { waitFor } from './harness.js';
import { engineSuite } from './engine-suite.js';

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${BUSYBOX_IMAGE}
        command: [sleep, '3600']
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`;

describe('kubectl cordon, drain and uncordon on the real engine', () => {
  const { kubectl, ok, jsonpath } = engineSuite({ deleteFirst: ['pdb', 'deploy'], kubectlTimeoutMs: 60_000 });

  test('drain is held by the budget, then evicts; the replacements wait for uncordon', async () => {
    ok(['apply', '-f', '-'], APP);
    const node = jsonpath(['nodes'], '{.items[0].metadata.name}');
    const runningPods = () => jsonpath(['pods', '-l', 'app=web', '--field-selector=status.phase=Running'], '{.items[*].metadata.name}').split(' ').filter(Boolean);
    await waitFor('two ready pods', () => jsonpath(['deploy', 'web'], '{.status.readyReplicas}') === '2', 60_000, 500);
    await waitFor('the budget to count them', () => jsonpath(['pdb', 'web'], '{.status.currentHealthy}') === '2', 30_000, 500);
    const before = runningPods().sort();
    assert.equal(before.length, 2);
    assert.match(ok(['get', 'pdb', 'web']), /\nweb\s+2\s+N\/A\s+0\s+\d+s\n$/);

    const held = kubectl(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=8s']);
    assert.equal(held.code, 1, held.stdout + held.stderr);
    assert.match(held.stdout, new RegExp(`^node/${node} cordoned$`, 'm'));
    assert.match(held.stderr, /^error when evicting pods\/"web-[a-z0-9]+-[a-z0-9]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/m);
    assert.deepEqual(runningPods().sort(), before, 'nothing was evicted');

    ok(['delete', 'pdb', 'web']);
    const drained = ok(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s']);
    for (const name of before) assert.match(drained, new RegExp(`^pod/${name} evicted$`, 'm'));
    assert.match(drained, new RegExp(`^node/${node} drained$`, 'm'));
    let seen = '';
    await waitFor('two replacements, unschedulable', () => {
      seen = jsonpath(['pods', '-l', 'app=web'], '{range .items[*]}{.status.conditions[?(@.type=="PodScheduled")].reason}{"\\n"}{end}');
      return seen === 'Unschedulable\nUnschedulable\n';
    }, 30_000, 500).catch((e: Error) => assert.fail(`${e.message}; the pods: ${JSON.stringify(seen)}`));
    assert.match(ok(['get', 'pods', '-l', 'app=web']), /^NAME\s+READY\s+STATUS.*\n(web-\S+\s+0\/1\s+Pending\s.*\n){2}$/);
    const events = ok(['get', 'events', '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events, /^0\/1 nodes are available: 1 node\(s\) were unschedulable\. preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\.$/m);

    assert.equal(ok(['uncordon', node]), `node/${node} uncordoned\n`);
    await waitFor('the replacements to run', () => jsonpath(['deploy', 'web'], '{.status.readyReplicas}') === '2', 60_000, 500);
    const after = runningPods();
    assert.equal(after.filter((n) => before.includes(n)).length, 0, 'new pods, not the evicted ones');
  });
});
