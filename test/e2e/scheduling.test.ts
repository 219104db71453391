// Real kubectl against the API server with the scheduler running in-process (no Docker, no node
// agent: the test registers the Node as the agent would): a pod that does not fit stays Pending
// with kube's FailedScheduling message, `describe node` adds up the requests of the pods on it, and
// the pod is bound once another leaves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/api/types.js';
import { LocalClient } from '../../src/client/client.js';
import { createInformers } from '../../src/controllers/context.js';
import { StoreEventRecorder } from '../../src/controllers/events.js';
import { Scheduler } from '../../src/controllers/scheduler.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 15_000; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pod = (name: string, cpu: string, memory: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - name: app
    image: k1s.local/busybox:1.36
    resources:
      requests: {cpu: ${cpu}, memory: ${memory}}
      limits: {memory: ${memory}}
`;

describe('kubectl: scheduling against the Node allocatable', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let stop: () => void;
  const ok = (args: string[], input?: string) => h.ok(args, input);

  before(async () => {
    h = await startApi();
    const client = new LocalClient(h.registry);
    const allocatable = { cpu: '1', memory: '1Gi', pods: '110', 'ephemeral-storage': '0' };
    const node = await client.create<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'vm' }, spec: {} });
    await client.updateStatus<Node>({ ...node, status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
    const informers = createInformers(client);
    informers.all.forEach((i) => i.start());
    const events = new StoreEventRecorder(client, silentLogger, 'vm');
    // a short back-off is not what is tested here
    const scheduler = new Scheduler({ client, informers, logger: silentLogger, events }, 'vm');
    scheduler.start();
    stop = () => {
      scheduler.stop();
      informers.all.forEach((i) => i.close());
    };
  });
  after(async () => {
    stop?.();
    await h?.stop();
  });

  test('FailedScheduling, describe node, and binding once room is made', async () => {
    await ok(['apply', '-f', '-'], pod('first', '600m', '256Mi'));
    await until(async () => (await ok(['get', 'pod', 'first', '-o', 'jsonpath={.spec.nodeName}'])) === 'vm', 'first to be bound');
    assert.equal(await ok(['get', 'pod', 'first', '-o', 'jsonpath={.status.qosClass}']), 'Burstable');

    await ok(['apply', '-f', '-'], pod('second', '600m', '900Mi'));
    const message = '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    await until(async () => (await ok(['get', 'pod', 'second', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}'])) === message, 'second to be unschedulable');
    assert.equal(await ok(['get', 'pod', 'second', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}']), 'Unschedulable');
    const describedPod = await ok(['describe', 'pod', 'second']);
    assert.match(describedPod, /QoS Class:\s+Burstable/);
    assert.match(describedPod, new RegExp(`Warning\\s+FailedScheduling\\s+\\S+\\s+default-scheduler\\s+${message.replace(/[.()]/g, '\\$&')}`));

    const describedNode = await ok(['describe', 'node', 'vm']);
    assert.match(describedNode, /Non-terminated Pods:\s+\(1 in total\)/);
    assert.match(describedNode, /default\s+first\s+600m \(60%\)\s+0 \(0%\)\s+256Mi \(25%\)\s+256Mi \(25%\)/);
    assert.match(describedNode, /cpu\s+600m \(60%\)\s+0 \(0%\)/);
    assert.match(describedNode, /memory\s+256Mi \(25%\)\s+256Mi \(25%\)/);

    // as the node agent's final delete would (no agent runs here): the pod is gone at once
    await ok(['delete', 'pod', 'first', '--grace-period=0', '--force']);
    await until(async () => (await ok(['get', 'pod', 'second', '-o', 'jsonpath={.spec.nodeName}'])) === 'vm', 'second to be bound');
    assert.equal(await ok(['get', 'pod', 'second', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].status}']), 'True');
    const events = await ok(['get', 'events', '--field-selector', 'involvedObject.name=second', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.deepEqual(events.trim().split('\n'), ['FailedScheduling', 'Scheduled']);
  });
});
