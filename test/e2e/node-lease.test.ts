// Real kubectl against the API server alone: the node's Lease as kubectl shows it (a renewTime
// from memory, fresh, with no store write), and `kubectl describe node` with its Lease and the
// conditions the kubelet's setters write.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../src/api/resources.js';
import { keyOf } from '../../src/apiserver/registry.js';
import { rfc3339 } from '../../src/api/time.js';
import type { Lease, Node } from '../../src/api/types.js';
import { silentLogger } from '../../src/log.js';
import { nodeObject, type HostFacts } from '../../agent/node-status.js';
import { microTime, NodeLease } from '../../agent/node-lease.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

const facts: HostFacts = {
  name: 'box',
  addresses: ['192.0.2.5'],
  cpus: 2,
  memoryBytes: 16393220 * 1024,
  ephemeralStorageBytes: 101430960 * 1024,
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  architecture: 'amd64',
  machineID: 'm',
  bootID: 'b',
  containerRuntimeVersion: 'docker://20.10.24',
  kubeletVersion: 'v1.32.0-k1s.0.1.0',
  podCIDR: '10.244.0.0/16',
};

describe('the node Lease through kubectl', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let lease: NodeLease;
  let now = Date.now();

  before(async () => {
    h = await startApi();
    const nodeInfo = byKind('Node')!;
    const node = nodeObject(facts, rfc3339(new Date()));
    const created = h.registry.create(nodeInfo, undefined, node) as Node;
    h.registry.update(nodeInfo, undefined, 'box', { ...created, status: node.status }, { subresource: 'status' });
    const info = byKind('Lease')!;
    lease = new NodeLease({
      nodeName: 'box',
      nodeUid: () => created.metadata.uid,
      read: () => h.store.get(keyOf(info, 'kube-node-lease', 'box')) as unknown as Lease | undefined,
      write: (l, stored) =>
        void (stored
          ? h.registry.update(info, 'kube-node-lease', 'box', { ...l, metadata: { ...l.metadata, resourceVersion: stored.metadata.resourceVersion } })
          : h.registry.create(info, 'kube-node-lease', l)),
      logger: silentLogger,
      clock: () => now,
    });
    h.registry.liveView('Lease', (o) => lease.view(o as Lease));
    await lease.renew();
  });
  after(() => h?.stop());

  test('kubectl get lease: the holder; a renewal shows at once and writes nothing', async () => {
    assert.match(await h.ok(['get', 'lease', '-n', 'kube-node-lease']), /^NAME\s+HOLDER\s+AGE\nbox\s+box\s+\d+s\n$/);
    const before = h.store.revision;
    now += 10_000;
    assert.equal(await lease.renew(), false, 'no store write for a renewal');
    assert.equal(await h.ok(['get', 'lease', 'box', '-n', 'kube-node-lease', '-o', 'jsonpath={.spec.renewTime} {.spec.leaseDurationSeconds} {.metadata.ownerReferences[0].kind}']), `${microTime(now)} 40 Node`);
    assert.equal(h.store.revision, before, 'the store was not written');
  });

  test('kubectl describe node: the Lease and the four conditions', async () => {
    const out = await h.ok(['describe', 'node', 'box']);
    assert.match(out, /Lease:\n\s+HolderIdentity:\s+box\n\s+AcquireTime:\s+<unset>\n\s+RenewTime:\s+\S/);
    for (const line of [
      /MemoryPressure\s+False\s.*KubeletHasSufficientMemory\s+kubelet has sufficient memory available/,
      /DiskPressure\s+False\s.*KubeletHasNoDiskPressure\s+kubelet has no disk pressure/,
      /PIDPressure\s+False\s.*KubeletHasSufficientPID\s+kubelet has sufficient PID available/,
      /Ready\s+True\s.*KubeletReady\s+kubelet is posting ready status/,
      /ephemeral-storage:\s+101430960Ki/,
      /ephemeral-storage:\s+91287864Ki/,
    ]) {
      assert.match(out, line);
    }
  });
});
