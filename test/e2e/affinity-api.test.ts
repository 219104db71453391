// Pod affinity with the real kubectl, no Docker (workload-api.ts): kubectl validates and sends
// affinity and explains it; a Deployment whose pods keep away from each other gets one pod on the
// one node and the next Pending with kube's FailedScheduling words; a pod that must sit beside it
// is bound; a DaemonSet pod carries the node affinity naming the node and is bound by the scheduler;
// bad terms are refused with kube-apiserver's messages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, type ApiHarness } from './api-harness.js';
import { NODE, startWorkloadApi, type WorkloadApi } from './workload-api.js';

const spread = `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 2
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: spread}}
              topologyKey: kubernetes.io/hostname
      containers: [{name: web, image: 'k1s.local/busybox:1.36'}]
`;
const sidecar = `apiVersion: v1
kind: Pod
metadata: {name: beside}
spec:
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        - labelSelector: {matchExpressions: [{key: app, operator: In, values: [spread]}]}
          topologyKey: kubernetes.io/hostname
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [${NODE}]}]
  containers: [{name: c, image: 'k1s.local/busybox:1.36'}]
`;
const daemon = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: 'k1s.local/busybox:1.36'}]
`;

describe('affinity with kubectl', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let w: WorkloadApi;
  let h: ApiHarness;
  before(async () => {
    w = await startWorkloadApi();
    h = w.h;
  });
  after(() => w?.stop());

  const podsOf = async (selector: string) =>
    JSON.parse(await h.ok(['get', 'pods', '-l', selector, '-o', 'json'])).items as { metadata: { name: string }; spec: { nodeName?: string; affinity?: unknown }; status?: { conditions?: { type: string; status: string; message?: string }[] } }[];
  async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (const deadline = Date.now() + 15_000; ; ) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test('explain reads the served schema', async () => {
    assert.match(await h.ok(['explain', 'pod.spec.affinity.podAntiAffinity']), /requiredDuringSchedulingIgnoredDuringExecution\t?\s*<\[\]PodAffinityTerm>/);
  });

  test('self anti-affinity: one pod per node, the second Pending in kube words; pod affinity binds beside it', async () => {
    await h.ok(['apply', '-f', '-'], spread);
    const pending = await until('one bound, one unschedulable', async () => {
      const pods = await podsOf('app=spread');
      const waiting = pods.find((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
      return pods.length === 2 && pods.filter((p) => p.spec.nodeName === NODE).length === 1 ? waiting : undefined;
    });
    assert.equal(
      pending.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message,
      "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    await h.ok(['apply', '-f', '-'], sidecar);
    await until('beside bound', async () => (await podsOf('!app')).find((p) => p.metadata.name === 'beside' && p.spec.nodeName === NODE));
  });

  test('a DaemonSet pod names its node by affinity and the scheduler binds it', async () => {
    await h.ok(['apply', '-f', '-'], daemon);
    const pod = await until('the daemon pod bound', async () => (await podsOf('app=agent')).find((p) => p.spec.nodeName === NODE));
    assert.deepEqual(pod.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [NODE] }] }] } } });
  });

  test("bad terms are refused in kube-apiserver's words", async () => {
    const bad = sidecar.replace('name: beside', 'name: bad').replace('topologyKey: kubernetes.io/hostname', 'topologyKey: ""').replace(`values: [${NODE}]`, 'values: []');
    const err = await h.fails(['apply', '-f', '-'], bad);
    assert.match(err, /spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.values: Required value: must be specified when `operator` is 'In' or 'NotIn'/);
    assert.match(err, /spec\.affinity\.podAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.topologyKey: Required value: can not be empty/);
  });
});
