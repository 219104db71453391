// `k1s rollout` beside `kubectl rollout`, no Docker: the API server in-process with the Deployment,
// ReplicaSet, StatefulSet and DaemonSet controllers and the scheduler, and a stand-in for the node
// agent that reports every bound pod Running and Ready and finishes deletions. Read-only verbs
// (status, history) run both CLIs on the same object; verbs that write run k1s on one object and
// kubectl on its twin (same spec, another name), step by step, and the outputs (names swapped),
// error lines and exit statuses must be the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { byKind } from '../../src/api/resources.js';
import type { Node, Pod } from '../../src/api/types.js';
import { LocalClient } from '../../src/client/client.js';
import { createInformers, type Informers } from '../../src/controllers/context.js';
import { DaemonSetController } from '../../src/controllers/daemonset.js';
import { DeploymentController } from '../../src/controllers/deployment.js';
import type { EventRecorder } from '../../src/controllers/events.js';
import { ReplicaSetController } from '../../src/controllers/replicaset.js';
import { Scheduler } from '../../src/controllers/scheduler.js';
import { StatefulSetController } from '../../src/controllers/statefulset.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, run, startApi, type ApiHarness, type KubectlResult } from './api-harness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const NODE = 'vm';

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: web, image: 'k1s.local/busybox:1.36'}]
`;
const daemonSet = (name: string, strategy = 'RollingUpdate') => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}}
spec:
  selector: {matchLabels: {app: ${name}}}
  updateStrategy: {type: ${strategy}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: agent, image: 'k1s.local/busybox:1.36'}]
`;
const statefulSet = (name: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  replicas: 2
  serviceName: ${name}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: db, image: 'k1s.local/busybox:1.36'}]
`;

describe('k1s rollout beside kubectl rollout', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let informers: Informers;
  let kubelet: NodeJS.Timeout;
  const stops: (() => void)[] = [];

  const k1s = (args: string[]) => run('node', [join(ROOT, 'dist', 'cmd', 'k1s.js'), '--kubeconfig', h.kubeconfig, ...args]);
  const show = (r: KubectlResult) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^Warning: .*\n/gm, '') });

  /** Both CLIs, the same arguments and object: the same output. */
  async function same(args: string[]): Promise<KubectlResult> {
    const [ours, theirs] = [await k1s(args), await h.kubectl(args)];
    assert.deepEqual(show(ours), show(theirs), `rollout ${args.join(' ')}`);
    return ours;
  }

  /** k1s on `a`, kubectl on its twin `b`: the same output with the names swapped. */
  async function twins(kind: string, args: (name: string) => string[]): Promise<KubectlResult> {
    const ours = await k1s(['rollout', ...args(`${kind}/a`)]);
    const theirs = await h.kubectl(['rollout', ...args(`${kind}/b`)]);
    const rename = (s: string) => s.replaceAll('"b"', '"a"').replaceAll('/b ', '/a ').replaceAll('/b\n', '/a\n').replace(/app=b\b/g, 'app=a');
    const swap = (r: KubectlResult) => ({ status: r.status, stdout: rename(show(r).stdout), stderr: rename(show(r).stderr) });
    assert.deepEqual(show(ours), swap(theirs), `rollout ${args(`${kind}/a`).join(' ')}`);
    return ours;
  }

  const settled = async (kind: string, name: string) => {
    const r = await h.kubectl(['rollout', 'status', `${kind}/${name}`, '--timeout=20s']);
    assert.equal(r.status, 0, r.stderr);
  };

  before(async () => {
    h = await startApi();
    const client = new LocalClient(h.registry);
    informers = createInformers(client);
    informers.all.forEach((inf) => inf.start());
    const ctx = { client, informers, logger: silentLogger, events: { record: () => {} } as unknown as EventRecorder };
    for (const c of [new DeploymentController(ctx), new ReplicaSetController(ctx), new StatefulSetController(ctx), new DaemonSetController(ctx), new Scheduler(ctx, NODE)]) {
      c.start();
      stops.push(() => c.stop());
    }
    const nodeR = byKind('Node')!;
    const node = h.registry.create(nodeR, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} }) as Node;
    const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
    h.registry.update(nodeR, undefined, NODE, { ...node, status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
    // the node agent's part: bound pods run and are ready at once; deleted ones go
    const podR = byKind('Pod')!;
    kubelet = setInterval(() => {
      for (const p of h.registry.list(podR, undefined).items as Pod[]) {
        try {
          if (p.metadata.deletionTimestamp) h.registry.delete(podR, p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0 });
          else if (p.spec.nodeName && p.status?.phase !== 'Running') {
            const now = new Date().toISOString();
            const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now }));
            h.registry.update(podR, p.metadata.namespace, p.metadata.name, { ...p, status: { ...p.status, phase: 'Running', podIP: '10.244.0.9', startTime: now, conditions } }, { subresource: 'status' });
          }
        } catch {
          // a pod gone or changed meanwhile: the next round sees it
        }
      }
    }, 25);
  });

  after(async () => {
    clearInterval(kubelet);
    stops.forEach((s) => s());
    informers?.all.forEach((inf) => inf.close());
    await h?.stop();
  });

  test('Deployment: status, history, restart, undo, pause, resume', async () => {
    await h.ok(['apply', '-f', '-'], deployment('a') + '---\n' + deployment('b'));
    await settled('deployment', 'a');
    await settled('deployment', 'b');
    assert.equal((await same(['rollout', 'status', 'deployment/a'])).stdout, 'deployment "a" successfully rolled out\n');
    await same(['rollout', 'status', 'deploy', 'a', '--watch=false']);
    assert.equal((await same(['rollout', 'history', 'deployment/a'])).stdout, 'deployment.apps/a \nREVISION  CHANGE-CAUSE\n1         <none>\n\n');
    await same(['rollout', 'history', 'deployment/a', '--revision=1']);
    await same(['rollout', 'history', 'deployment/a', '--revision=7']);
    await same(['rollout', 'status', 'deployment/a', '--revision=2']);

    // a second revision, with a change cause
    for (const n of ['a', 'b']) {
      await h.ok(['annotate', `deployment/${n}`, 'kubernetes.io/change-cause=image v2']);
      await h.ok(['set', 'image', `deployment/${n}`, 'web=k1s.local/busybox:1.36-v2']);
    }
    await settled('deployment', 'a');
    await settled('deployment', 'b');
    await same(['rollout', 'history', 'deployment/a']);
    await same(['rollout', 'history', 'deployment/a', '--revision=2']);

    await twins('deployment', (t) => ['undo', t, '--to-revision=2']);
    await twins('deployment', (t) => ['undo', t, '--to-revision=9']);
    await twins('deployment', (t) => ['undo', t]);
    await settled('deployment', 'a');
    await settled('deployment', 'b');
    await same(['rollout', 'history', 'deployment/a']);
    await same(['rollout', 'history', 'deployment/a', '--revision=3']);

    await twins('deployment', (t) => ['restart', t]);
    await settled('deployment', 'a');
    await settled('deployment', 'b');
    await same(['rollout', 'history', 'deployment/a']);

    await twins('deployment', (t) => ['pause', t]);
    await twins('deployment', (t) => ['pause', t]);
    await twins('deployment', (t) => ['restart', t]);
    await twins('deployment', (t) => ['undo', t]);
    await twins('deployment', (t) => ['resume', t]);
    await twins('deployment', (t) => ['resume', t]);
    await settled('deployment', 'a');
    await same(['rollout', 'status', 'deployment/a']);
  });

  test('DaemonSet and StatefulSet: history from ControllerRevisions, undo, restart; pause is not theirs', async () => {
    await h.ok(['apply', '-f', '-'], [daemonSet('a'), daemonSet('b'), statefulSet('a'), statefulSet('b'), daemonSet('ondelete', 'OnDelete')].join('---\n'));
    for (const kind of ['daemonset', 'statefulset']) {
      await settled(kind, 'a');
      await settled(kind, 'b');
      await same(['rollout', 'status', `${kind}/a`]);
      await same(['rollout', 'history', `${kind}/a`]);
      await twins(kind, (t) => ['undo', t]);
      for (const n of ['a', 'b']) await h.ok(['set', 'image', `${kind}/${n}`, `*=k1s.local/busybox:1.36-v2`]);
      await settled(kind, 'a');
      await settled(kind, 'b');
      await same(['rollout', 'history', `${kind}/a`]);
      await same(['rollout', 'history', `${kind}/a`, '--revision=2']);
      await twins(kind, (t) => ['undo', t, '--to-revision=1']);
      await twins(kind, (t) => ['undo', t, '--to-revision=1']);
      await settled(kind, 'a');
      await settled(kind, 'b');
      await same(['rollout', 'history', `${kind}/a`]);
      await twins(kind, (t) => ['pause', t]);
      await twins(kind, (t) => ['resume', t]);
      await twins(kind, (t) => ['restart', t]);
    }
    await same(['rollout', 'status', 'daemonset/ondelete']);
  });

  test('what is not there, and kinds without rollouts', async () => {
    await same(['rollout', 'status', 'deployment/missing']);
    await same(['rollout', 'history', 'statefulset/missing']);
    await h.ok(['create', 'configmap', 'cm']);
    await same(['rollout', 'status', 'configmap/cm']);
    await same(['rollout', 'history', 'configmap/cm']);
    await same(['rollout', 'undo', 'configmap/cm']);
    await same(['rollout', 'restart', 'configmap/cm']);
  });
});
