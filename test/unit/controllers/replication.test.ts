// The replication manager (the ReplicaSet controller's sync behind the ReplicationController
// adapter) over the in-process API server: no Docker. The test plays the node agent: a new pod
// becomes Running and Ready. The ReplicaSet controller and the garbage collector run beside it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject, Pod, ReplicaSet, ReplicationController } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/client.js';
import { createInformers } from '../../../src/controllers/context.js';
import { GarbageCollector } from '../../../src/controllers/gc.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset.js';
import { replicationManager } from '../../../src/controllers/replication.js';
import { silentLogger } from '../../../src/log.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

let api: InProcessApi;
let client: LocalClient;
let stopAll: () => void;
const events: string[] = [];

before(async () => {
  api = await startInProcessApi();
  client = new LocalClient(api.registry);
  const informers = createInformers(client);
  informers.all.forEach((inf) => inf.start());
  const ctx = {
    client,
    informers,
    logger: silentLogger,
    events: { record: (o: AnyObject, _t: string, reason: string, message: string, source?: string) => void events.push(`${o.kind}/${o.metadata.name} ${source} ${reason}: ${message}`) },
  };
  const controllers = [replicationManager(ctx), new ReplicaSetController(ctx), new GarbageCollector(ctx)];
  controllers.forEach((c) => c.start());
  const timers = new Set<NodeJS.Timeout>();
  const unsubscribe = informers.pods.on((type, pod) => {
    if (type === 'DELETED' || pod.status?.phase || pod.metadata.deletionTimestamp) return;
    const t = setTimeout(() => {
      timers.delete(t);
      void (async () => {
        const fresh = await client.get<Pod>('Pod', 'default', pod.metadata.name);
        await client.updateStatus({ ...fresh, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } });
      })().catch(() => {});
    }, 10);
    timers.add(t);
  });
  stopAll = () => {
    unsubscribe();
    timers.forEach(clearTimeout);
    controllers.forEach((c) => c.stop());
    informers.all.forEach((inf) => inf.close());
  };
});
after(async () => {
  stopAll();
  await api.stop();
});

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}
const pods = async (app: string) => (await client.list<Pod>('Pod', 'default', { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
const getRc = (name: string) => client.get<ReplicationController>('ReplicationController' as never, 'default', name);

function rc(name: string, replicas: number): ReplicationController {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: 'default' },
    spec: { replicas, template: { metadata: { labels: { app: name } }, spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'web:1' }] } } },
  };
}

test('an RC creates its pods, owned as kind ReplicationController v1, reports their status, and scales down through /scale', async () => {
  const created = await client.create(rc('web', 3));
  await until('3 ready pods', async () => (await getRc('web')).status?.readyReplicas === 3);
  const ps = await pods('web');
  assert.equal(ps.length, 3);
  for (const p of ps) {
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.match(p.metadata.name, /^web-[a-z0-9]{5}$/);
  }
  const status = (await getRc('web')).status;
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  assert.equal(events.filter((e) => e.startsWith('ReplicationController/web replication-controller SuccessfulCreate: Created pod: web-')).length, 3, events.join('\n'));

  // kubectl scale writes the Scale subresource
  const current = await getRc('web');
  api.registry.update(byKind('ReplicationController')!, 'default', 'web', { ...current, spec: { ...current.spec, replicas: 1 } }, { subresource: 'scale' });
  await until('1 pod left', async () => (await pods('web')).length === 1);
  await until('status of 1 at generation 2', async () => {
    const s = (await getRc('web')).status;
    return s?.replicas === 1 && s.observedGeneration === 2;
  });
  assert.equal(events.filter((e) => e.includes('replication-controller SuccessfulDelete: Deleted pod: web-')).length, 2, events.join('\n'));
});

test('an RC adopts a matching orphan instead of creating a pod; a ReplicaSet selecting the same labels leaves the RC\'s pods alone', async () => {
  await client.create<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'adopt' } }, spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'web:1' }] } });
  const owner = await client.create(rc('adopt', 2));
  await until('2 pods owned by the RC', async () => {
    const ps = await pods('adopt');
    return ps.length === 2 && ps.every((p) => p.metadata.ownerReferences?.[0]?.uid === owner.metadata.uid);
  });
  assert.ok((await pods('adopt')).some((p) => p.metadata.name === 'stray'), 'the orphan was adopted');
  // a ReplicaSet of 0 with the same selector: nothing to adopt, nothing of the RC's to delete
  await client.create<ReplicaSet>({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'rival', namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } },
  });
  await until('the set synced', async () => (await client.get<ReplicaSet>('ReplicaSet', 'default', 'rival')).status?.observedGeneration === 1);
  assert.equal((await pods('adopt')).length, 2);
  await client.delete('ReplicaSet', 'default', 'rival');
});

test('deleting an RC: the garbage collector removes its pods', async () => {
  await client.create(rc('gone', 2));
  await until('2 pods', async () => (await pods('gone')).length === 2);
  await client.delete('ReplicationController' as never, 'default', 'gone');
  await until('its pods deleted', async () => (await pods('gone')).length === 0);
});
