// StatefulSets and DaemonSets on a real `k1s server` with the real kubectl: the seed notes' mongodb
// StatefulSet in its offline form (examples/statefulset-offline.yaml) starts its 3 pods in order,
// each only once the one before is Ready; the data in a pod's claim outlives the pod; each pod has
// a DNS name under the headless Service; `kubectl rollout` status, history, restart and undo; a
// DaemonSet runs one pod on the node. Runs under `flock /tmp/k1s-e2e.lock`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { ROOT, waitFor } from './harness.js';
import { engineSuite } from './engine-suite.js';

describe('StatefulSets and DaemonSets with the real kubectl', () => {
  const { kubectl, ok, jsonpath } = engineSuite({ deleteFirst: ['statefulsets,daemonsets'] });

  test('the offline mongodb StatefulSet starts in order, each pod after the previous is Ready', async () => {
    ok(['apply', '-f', join(ROOT, 'examples/statefulset-offline.yaml')]);
    await waitFor('3 ready replicas', () => jsonpath(['sts', 'mongodb'], '{.status.readyReplicas}') === '3', 120_000, 500);
    const pods = JSON.parse(ok(['get', 'pods', '-l', 'app=mongodb', '-o', 'json'])).items as {
      metadata: { name: string; creationTimestamp: string; labels: Record<string, string> };
      spec: { hostname: string; subdomain: string };
      status: { conditions: { type: string; lastTransitionTime: string }[] };
    }[];
    const byName = new Map(pods.map((p) => [p.metadata.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['mongodb-0', 'mongodb-1', 'mongodb-2']);
    const readyAt = (n: string) => Date.parse(byName.get(n)!.status.conditions.find((c) => c.type === 'Ready')!.lastTransitionTime);
    const createdAt = (n: string) => Date.parse(byName.get(n)!.metadata.creationTimestamp);
    for (const [prev, next] of [['mongodb-0', 'mongodb-1'], ['mongodb-1', 'mongodb-2']]) {
      // timestamps have whole seconds: created no earlier than the second the previous became Ready
      assert.ok(createdAt(next) >= readyAt(prev), `${next} created ${byName.get(next)!.metadata.creationTimestamp}, ${prev} Ready ${new Date(readyAt(prev)).toISOString()}`);
      assert.ok(createdAt(next) - createdAt(prev) >= 2000, 'the readiness delay of 2s lies between two creations');
    }
    const p0 = byName.get('mongodb-0')!;
    assert.equal(p0.spec.hostname, 'mongodb-0');
    assert.equal(p0.spec.subdomain, 'mongodb');
    assert.equal(p0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'mongodb-0');
    assert.equal(p0.metadata.labels['apps.kubernetes.io/pod-index'], '0');
    assert.match(ok(['get', 'sts']), /^NAME\s+READY\s+AGE\nmongodb\s+3\/3\s+\d+s\n$/);
    assert.match(ok(['get', 'pvc']), /data-mongodb-0\s+Bound[\s\S]*data-mongodb-1\s+Bound[\s\S]*data-mongodb-2\s+Bound/);
    assert.equal(ok(['exec', 'mongodb-2', '--', 'cat', '/data/db/credentials']), 'admin:secret\n', 'the secretKeyRef env reached the container');
    assert.match(ok(['rollout', 'status', 'sts/mongodb', '--timeout=10s']), /partitioned roll out complete: 3 new pods have been updated|roll out complete/);
  });

  test('<pod>.<service> resolves to the pod, from another pod', async () => {
    const ip = jsonpath(['pod', 'mongodb-0'], '{.status.podIP}');
    // busybox's nslookup sends the name as given too, relayed to the fake upstream (NXDOMAIN there)
    const out = ok(['exec', 'mongodb-1', '--', 'nslookup', 'mongodb-0.mongodb.default.svc.cluster.local']);
    assert.match(out, /Name:\s+mongodb-0\.mongodb\.default\.svc\.cluster\.local/);
    assert.match(out, new RegExp(`Address:\\s+${ip.replace(/\./g, '\\.')}\\b`));
    // the resolver's search list takes the short name <pod>.<service> to the same pod
    assert.equal(ok(['exec', 'mongodb-1', '--', 'wget', '-qO-', 'http://mongodb-0.mongodb:27017/credentials']), 'admin:secret\n');
    assert.match(kubectl(['exec', 'mongodb-1', '--', 'ping', '-c', '1', '-W', '2', 'mongodb-0.mongodb']).stdout, new RegExp(`\\(${ip.replace(/\./g, '\\.')}\\)`));
  });

  test('the data written to a claim survives deleting the pod', async () => {
    ok(['exec', 'mongodb-0', '--', 'sh', '-c', 'echo kept > /data/db/note']);
    const uid = jsonpath(['pod', 'mongodb-0'], '{.metadata.uid}');
    ok(['delete', 'pod', 'mongodb-0']);
    await waitFor('mongodb-0 recreated and Ready', () => {
      const r = kubectl(['get', 'pod', 'mongodb-0', '-o', 'jsonpath={.metadata.uid} {.status.containerStatuses[0].ready}']);
      return r.code === 0 && !r.stdout.startsWith(uid) && r.stdout.endsWith('true');
    }, 90_000, 500);
    assert.equal(ok(['exec', 'mongodb-0', '--', 'cat', '/data/db/note']), 'kept\n');
  });

  test('kubectl rollout restart, history and undo on the StatefulSet', async () => {
    ok(['rollout', 'restart', 'sts/mongodb']);
    ok(['rollout', 'status', 'sts/mongodb', '--timeout=150s']);
    const history = ok(['rollout', 'history', 'sts/mongodb']);
    assert.match(history, /^statefulset\.apps\/mongodb\s*\nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.match(ok(['get', 'controllerrevisions']), /mongodb-\S+\s+statefulset\.apps\/mongodb\s+2\s/);
    assert.ok(jsonpath(['sts', 'mongodb'], '{.spec.template.metadata.annotations}').includes('restartedAt'));
    ok(['rollout', 'undo', 'sts/mongodb']);
    ok(['rollout', 'status', 'sts/mongodb', '--timeout=150s']);
    assert.equal(jsonpath(['sts', 'mongodb'], '{.spec.template.metadata.annotations}'), '');
    const st = JSON.parse(ok(['get', 'sts', 'mongodb', '-o', 'json'])).status;
    assert.equal(st.currentRevision, st.updateRevision);
    assert.equal(st.updatedReplicas, 3);
  });

  test('a DaemonSet runs one pod on the node; kubectl rollout status sees it through an update', async () => {
    ok(['apply', '-f', '-'], `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: agent
          image: ${BUSYBOX_IMAGE}
          command: [sleep, '3600']
`);
    ok(['rollout', 'status', 'ds/agent', '--timeout=60s']);
    const node = ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    assert.equal(jsonpath(['pods', '-l', 'app=agent'], '{.items[*].spec.nodeName}'), node);
    assert.match(ok(['get', 'ds']), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\nagent\s+1\s+1\s+1\s+1\s+1\s+<none>\s+\d+s\n$/);
    const before = jsonpath(['pods', '-l', 'app=agent'], '{.items[0].metadata.name}');
    ok(['rollout', 'restart', 'ds/agent']);
    ok(['rollout', 'status', 'ds/agent', '--timeout=90s']);
    await waitFor('one pod, a new one', () => {
      const names = jsonpath(['pods', '-l', 'app=agent'], '{.items[*].metadata.name}').split(' ').filter(Boolean);
      return names.length === 1 && names[0] !== before;
    }, 60_000, 500);
    assert.match(ok(['rollout', 'history', 'ds/agent']), /\n1\s+<none>\n2\s+<none>\n/);
  });
});

// keep the example and its seed in step
const SEED = join(ROOT, '../shared/seeds/004_fc0a5cd67d2da600.txt');
test('examples/mongodb-statefulset.yaml is the seed notes\' example unchanged', { skip: !existsSync(SEED) && 'the seed notes are not here' }, () => {
  const seed = readFileSync(SEED, 'utf8');
  const example = readFileSync(join(ROOT, 'examples/mongodb-statefulset.yaml'), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n');
  assert.ok(seed.includes(example.trim()), 'the example is a verbatim part of the seed');
});
