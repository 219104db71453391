// `k1s rollout` beside `kubectl rollout`, no Docker: the API server in-process with the workload
// controllers, the scheduler and a stand-in for the node agent (workload-api.ts). Read-only verbs
// (status, history) run both CLIs on the same object; verbs that write run k1s on one object and
// kubectl on its twin (same spec, another name), step by step, and the outputs (names swapped),
// error lines and exit statuses must be the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hasKubectl, run, type ApiHarness, type KubectlResult } from './api-harness.js';
import { startWorkloadApi, type WorkloadApi } from './workload-api.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

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
  let w: WorkloadApi;
  let h: ApiHarness;

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
    w = await startWorkloadApi();
    h = w.h;
  });
  after(() => w?.stop());

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
