// Real kubectl against the API server in-process, with the disruption controller running and no
// node agent: pods are written straight to the registry, bound to the node "vm" and made Ready by
// writing their status, with a grace period of 0 so a delete removes them at once. Covers
// `kubectl create pdb`, `get pdb`, `describe pdb`, validation in kube's words, the eviction
// subresource allowed and refused (429), and `kubectl cordon`/`drain`/`uncordon` retrying while
// the budget refuses, then draining once it allows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../src/api/resources.js';
import type { PodDisruptionBudget, Pod, ReplicaSet } from '../../src/api/types.js';
import { LocalClient } from '../../src/client/client.js';
import { createInformers, controllerRef } from '../../src/controllers/context.js';
import { DisruptionController } from '../../src/controllers/disruption.js';
import type { EventRecorder } from '../../src/controllers/events.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';
import { waitFor } from './harness.js';

const POD = byKind('Pod')!;
const PDB = byKind('PodDisruptionBudget')!;

describe('kubectl, PodDisruptionBudgets and evictions', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let stopController: () => void;
  let rs: ReplicaSet;
  const ok = (args: string[], input?: string) => h.ok(args, input);

  /** A Running, Ready pod of the ReplicaSet on node vm, as the node agent would report it. */
  function readyPod(name: string): void {
    h.registry.create(POD, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' }, ownerReferences: [controllerRef(rs)] },
      spec: { nodeName: 'vm', terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image: 'k1s.local/busybox:1.36' }] },
    });
    const pod = h.registry.get<Pod>(POD, 'default', name);
    h.registry.update(POD, 'default', name, { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  }
  const pdb = (name: string) => h.registry.get<PodDisruptionBudget>(PDB, 'default', name);
  const podNames = () => (h.registry.list(POD, 'default').items as Pod[]).map((p) => p.metadata.name).sort();
  const evict = (name: string) => h.kubectl(['create', '--raw', `/api/v1/namespaces/default/pods/${name}/eviction`, '-f', '-'], JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }));

  before(async () => {
    h = await startApi();
    h.registry.create(byKind('Node')!, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'vm' } });
    rs = h.registry.create(byKind('ReplicaSet')!, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'k1s.local/busybox:1.36' }] } } },
    }) as ReplicaSet;
    const client = new LocalClient(h.registry);
    const informers = createInformers(client);
    informers.all.forEach((i) => i.start());
    const controller = new DisruptionController({ client, informers, logger: silentLogger, events: { record: () => {} } as EventRecorder });
    controller.start();
    stopController = () => {
      controller.stop();
      informers.all.forEach((i) => i.close());
    };
  });
  after(async () => {
    stopController?.();
    await h?.stop();
  });

  test('create pdb, get pdb columns, describe, and refusals in kube wording', async () => {
    assert.equal(await ok(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2']), 'poddisruptionbudget.policy/web created\n');
    for (const name of ['web-a', 'web-b', 'web-c']) readyPod(name);
    await waitFor('the budget to count 3 healthy pods', () => pdb('web').status?.currentHealthy === 3, 10_000, 50);
    const s = pdb('web').status!;
    assert.deepEqual([s.expectedPods, s.currentHealthy, s.desiredHealthy, s.disruptionsAllowed, s.observedGeneration], [3, 3, 2, 1, 1]);
    assert.deepEqual(
      s.conditions?.map(({ type, status, reason, message, observedGeneration }) => ({ type, status, reason, message, observedGeneration })),
      [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1 }],
    );
    assert.match(await ok(['get', 'pdb']), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+1\s+\d+s\n$/);
    assert.match(await ok(['describe', 'pdb', 'web']), /Min available:\s+2\nSelector:\s+app=web\nStatus:\n\s+Allowed disruptions:\s+1\n\s+Current:\s+3\n\s+Desired:\s+2\n\s+Total:\s+3\n/);
    assert.match(await ok(['api-resources', '--api-group=policy']), /^poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget$/m);

    const both = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both}\nspec:\n  minAvailable: 1\n  maxUnavailable: 10%\n  selector: {matchLabels: {app: web}}\n`;
    assert.match(await h.fails(['apply', '-f', '-'], both), /The PodDisruptionBudget "both" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set/);
    const bad = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec:\n  maxUnavailable: 150%\n  unhealthyPodEvictionPolicy: Sometimes\n`;
    const err = await h.fails(['apply', '-f', '-'], bad);
    assert.match(err, /spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%/);
    assert.match(err, /spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"/);
  });

  test('an eviction the budget allows deletes the pod; the next one is refused with 429', async () => {
    const r = await evict('web-a');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.deepEqual(podNames(), ['web-b', 'web-c']);
    await waitFor('the budget to see 2 healthy pods', () => pdb('web').status?.currentHealthy === 2 && pdb('web').status?.disruptionsAllowed === 0, 10_000, 50);
    assert.equal(pdb('web').status?.conditions?.[0]?.reason, 'InsufficientPods');
    const refused = await evict('web-b');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /Error from server \(TooManyRequests\): Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.deepEqual(podNames(), ['web-b', 'web-c']);
    assert.match((await evict('nope')).stderr, /Error from server \(NotFound\): pods "nope" not found/);
    // discovery says where kubectl drain sends evictions
    const v1 = JSON.parse(await ok(['get', '--raw', '/api/v1']));
    assert.deepEqual(v1.resources.find((x: { name: string }) => x.name === 'pods/eviction'), { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  });

  test('cordon, drain retrying while the budget refuses, drain once it allows, uncordon', async () => {
    readyPod('web-d');
    await waitFor('the budget to see 3 healthy pods', () => pdb('web').status?.disruptionsAllowed === 1, 10_000, 50);
    assert.equal(await ok(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":3}}']), 'poddisruptionbudget.policy/web patched\n');
    await waitFor('the budget to allow nothing', () => pdb('web').status?.observedGeneration === 2 && pdb('web').status?.disruptionsAllowed === 0, 10_000, 50);

    assert.equal(await ok(['cordon', 'vm']), 'node/vm cordoned\n');
    assert.match(await ok(['get', 'node', 'vm']), /\nvm\s+\S*SchedulingDisabled/);
    const blocked = await h.kubectl(['drain', 'vm', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=7s']);
    assert.equal(blocked.status, 1);
    assert.match(blocked.stdout, /^node\/vm already cordoned$/m);
    assert.match(blocked.stderr, /^error when evicting pods\/"web-[bcd]" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$/m);
    assert.deepEqual(podNames(), ['web-b', 'web-c', 'web-d']);

    assert.equal(await ok(['delete', 'pdb', 'web']), 'poddisruptionbudget.policy "web" deleted\n');
    const drained = await ok(['drain', 'vm', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=20s']);
    assert.match(drained, /^evicting pod default\/web-b$/m);
    assert.match(drained, /^pod\/web-c evicted$/m);
    assert.match(drained, /^node\/vm drained$/m);
    assert.deepEqual(podNames(), []);
    assert.equal(await ok(['uncordon', 'vm']), 'node/vm uncordoned\n');
    assert.doesNotMatch(await ok(['get', 'node', 'vm']), /SchedulingDisabled/);
  });
});
