// The Deployment and ReplicaSet controllers over the in-process API server (the real registry,
// graceful deletion and informers; no Docker). The test plays the node agent: pods become Running
// and Ready unless their image is "bad", and a pod bound to a node stays Terminating for a while
// after its deletion before the final delete, as a preStop hook would keep it.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject, Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import { LocalClient } from '../../../src/client/client.js';
import { createInformers } from '../../../src/controllers/context.js';
import { DeploymentController } from '../../../src/controllers/deployment.js';
import { GarbageCollector } from '../../../src/controllers/gc.js';
import { ReplicaSetController } from '../../../src/controllers/replicaset.js';
import { silentLogger } from '../../../src/log.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

let api: InProcessApi;
let client: LocalClient;
let stopAll: () => void;
const events: string[] = [];
/** what the pods looked like at every change: the invariants a rollout must keep */
let snapshots: Pod[][] = [];

before(async () => {
  api = await startInProcessApi();
  client = new LocalClient(api.registry);
  const informers = createInformers(client);
  informers.all.forEach((inf) => inf.start());
  const ctx = { client, informers, logger: silentLogger, events: { record: (_o: AnyObject, _t: string, reason: string, message: string) => void events.push(`${reason}: ${message}`) } };
  const controllers = [new DeploymentController(ctx), new ReplicaSetController(ctx), new GarbageCollector(ctx)];
  controllers.forEach((c) => c.start());
  // the node agent
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => Promise<unknown>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn().catch(() => {});
    }, ms);
    timers.add(t);
  };
  const unsubscribe = informers.pods.on((type, pod) => {
    snapshots.push(informers.pods.list('default'));
    if (type === 'DELETED') return;
    const { name, namespace } = pod.metadata;
    if (pod.metadata.deletionTimestamp) {
      later(60, () => client.delete('Pod', namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }));
    } else if (!pod.status?.phase && pod.spec.containers[0].image !== 'bad') {
      later(20, async () => {
        const fresh = await client.get<Pod>('Pod', namespace, name);
        const now = new Date().toISOString();
        await client.updateStatus({ ...fresh, status: { phase: 'Running', podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } });
      });
    } else if (!pod.status?.phase) {
      later(20, async () => {
        const fresh = await client.get<Pod>('Pod', namespace, name);
        await client.updateStatus({ ...fresh, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] } });
      });
    }
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
afterEach(async () => {
  for (const d of await list<Deployment>('Deployment')) await client.delete('Deployment', 'default', d.metadata.name);
  await until('everything gone', async () => (await list('Pod')).length === 0 && (await list('ReplicaSet')).length === 0, 10_000);
  snapshots = [];
  events.length = 0;
});

const r = (kind: string) => byKind(kind)!;
async function list<T extends AnyObject>(kind: string): Promise<T[]> {
  return (await client.list<T>(kind as never, 'default')).items;
}
async function until(what: string, check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}
const get = (name: string) => client.get<Deployment>('Deployment', 'default', name);
const image = (p: Pod) => p.spec.containers[0].image;
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

function deployment(name: string, spec: Partial<Deployment['spec']> = {}, img = 'web:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { nodeName: 'node1', containers: [{ name: 'web', image: img }] } },
      ...spec,
    },
  } as Deployment;
}
async function setImage(name: string, img: string, annotations?: Record<string, string>): Promise<void> {
  const d = await get(name);
  d.spec.template.spec.containers[0].image = img;
  if (annotations) d.metadata.annotations = { ...d.metadata.annotations, ...annotations };
  await client.update(d);
}
const complete = async (name: string, img: string) => {
  const d = await get(name);
  const pods = (await list<Pod>('Pod')).filter((p) => p.metadata.labels?.app === name);
  return (
    d.status?.observedGeneration === d.metadata.generation &&
    d.status?.updatedReplicas === d.spec.replicas &&
    d.status?.availableReplicas === d.spec.replicas &&
    d.status?.replicas === d.spec.replicas &&
    pods.length === d.spec.replicas &&
    pods.every((p) => image(p) === img && ready(p))
  );
};
const progressing = (d: Deployment) => d.status?.conditions?.find((c) => c.type === 'Progressing');

test('a rolling update with maxSurge 1 / maxUnavailable 0 never has fewer than 4 ready pods nor more than 5 pods', async () => {
  api.registry.create(r('Deployment'), 'default', deployment('web', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await until('web:1 rolled out', () => complete('web', 'web:1'));
  const d1 = await get('web');
  assert.equal(d1.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.deepEqual([progressing(d1)?.status, progressing(d1)?.reason], ['True', 'NewReplicaSetAvailable']);
  snapshots = [];
  await setImage('web', 'web:2', { 'kubernetes.io/change-cause': 'to web:2' });
  await until('web:2 rolled out', () => complete('web', 'web:2'));
  const active = (ps: Pod[]) => ps.filter((p) => !p.metadata.deletionTimestamp);
  const maxPods = Math.max(...snapshots.map((s) => active(s).length));
  const minReady = Math.min(...snapshots.map((s) => s.filter((p) => ready(p) && !p.metadata.deletionTimestamp).length));
  assert.equal(maxPods, 5, 'at most replicas + maxSurge pods');
  assert.equal(minReady, 4, 'never below replicas - maxUnavailable ready pods');
  const sets = await list<ReplicaSet>('ReplicaSet');
  const byRev = Object.fromEntries(sets.map((s) => [s.metadata.annotations?.['deployment.kubernetes.io/revision'], s]));
  assert.equal(byRev['2'].metadata.annotations?.['kubernetes.io/change-cause'], 'to web:2', 'the change-cause is copied to the new set');
  assert.equal(byRev['1'].spec.replicas, 0);
  assert.ok(events.includes(`ScalingReplicaSet: Scaled up replica set ${byRev['2'].metadata.name} from 0 to 1`), events.join('\n'));
  assert.ok(events.includes(`ScalingReplicaSet: Scaled down replica set ${byRev['1'].metadata.name} from 4 to 3`), events.join('\n'));
  const d2 = await get('web');
  assert.equal(d2.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  assert.deepEqual([d2.status?.readyReplicas, d2.status?.unavailableReplicas], [4, 0]);

  // rollout undo, as kubectl does it: the old template back, the old set becomes revision 3
  const d = await get('web');
  d.spec.template = structuredClone(byRev['1'].spec.template);
  delete d.spec.template.metadata!.labels!['pod-template-hash'];
  await client.update(d);
  await until('web:1 back', () => complete('web', 'web:1'));
  const back = await client.get<ReplicaSet>('ReplicaSet', 'default', byRev['1'].metadata.name);
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  assert.equal(back.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
  assert.equal((await list('ReplicaSet')).length, 2, 'no new set for an old template');
});

test('Recreate: the new pods start only once every old pod is gone, terminating ones included', async () => {
  api.registry.create(r('Deployment'), 'default', deployment('rec', { replicas: 3, strategy: { type: 'Recreate' } }));
  await until('rec:1', () => complete('rec', 'web:1'));
  snapshots = [];
  await setImage('rec', 'web:2');
  await until('rec:2', () => complete('rec', 'web:2'));
  const mixed = snapshots.filter((s) => s.some((p) => image(p) === 'web:1') && s.some((p) => image(p) === 'web:2'));
  assert.equal(mixed.length, 0, 'never old and new pods at once');
  assert.ok(snapshots.some((s) => s.some((p) => image(p) === 'web:1' && p.metadata.deletionTimestamp)), 'the old pods were seen terminating');
});

test('paused: a template change waits for resume; revisionHistoryLimit prunes old sets', async () => {
  api.registry.create(r('Deployment'), 'default', deployment('p', { replicas: 2, revisionHistoryLimit: 1 }));
  await until('p:1', () => complete('p', 'web:1'));
  const d = await get('p');
  d.spec.paused = true;
  await client.update(d);
  await until('Paused condition', async () => progressing(await get('p'))?.reason === 'DeploymentPaused');
  assert.equal(progressing(await get('p'))?.status, 'Unknown');
  await setImage('p', 'web:2');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await list('ReplicaSet')).length, 1, 'no new set while paused');
  assert.ok((await list<Pod>('Pod')).every((p) => image(p) === 'web:1'));
  const resumed = await get('p');
  resumed.spec.paused = false;
  await client.update(resumed);
  await until('p:2', () => complete('p', 'web:2'));
  await setImage('p', 'web:3');
  await until('p:3', () => complete('p', 'web:3'));
  await until('pruned to 1 old set', async () => (await list('ReplicaSet')).length === 2);
  const revs = (await list<ReplicaSet>('ReplicaSet')).map((s) => s.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
  assert.deepEqual(revs, ['2', '3']);
});

test('a new template that never becomes ready stalls with ProgressDeadlineExceeded while the old pods keep serving; a resize mid-rollout is proportional', async () => {
  api.registry.create(r('Deployment'), 'default', deployment('stuck', { progressDeadlineSeconds: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await until('stuck:1', () => complete('stuck', 'web:1'));
  await setImage('stuck', 'bad');
  await until('ProgressDeadlineExceeded', async () => progressing(await get('stuck'))?.reason === 'ProgressDeadlineExceeded', 5000);
  const d = await get('stuck');
  assert.equal(progressing(d)?.status, 'False');
  assert.match(progressing(d)?.message ?? '', /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
  const pods = await list<Pod>('Pod');
  assert.equal(pods.filter((p) => image(p) === 'web:1' && ready(p)).length, 4, 'the 4 old pods still serve');
  assert.equal(pods.filter((p) => image(p) === 'bad').length, 1, 'one surge pod of the new template');
  assert.equal(d.status?.availableReplicas, 4);

  // scaled 4 -> 9 mid-rollout: 5 pods (4 old + 1 new) at max 5 become 10 at max 10, proportionally
  const big = await get('stuck');
  big.spec.replicas = 9;
  await client.update(big);
  await until('proportional scale', async () => {
    const sets = await list<ReplicaSet>('ReplicaSet');
    const size = (img: string) => sets.find((s) => s.spec.template.spec.containers[0].image === img)?.spec.replicas;
    return size('web:1') === 8 && size('bad') === 2;
  });
});

test('adoption and orphaning: a matching orphan set is adopted, a set whose labels stop matching is released; orphan pods are adopted', async () => {
  const tpl = { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } };
  api.registry.create(r('ReplicaSet'), 'default', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'orphan-rs', labels: { app: 'adopt' } }, spec: { replicas: 0, selector: { matchLabels: { app: 'adopt' } }, template: tpl } });
  api.registry.create(r('Deployment'), 'default', deployment('adopt', { replicas: 1, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } } as Deployment['spec']['template'] }));
  const d = await get('adopt');
  await until('adopted', async () => (await client.get<ReplicaSet>('ReplicaSet', 'default', 'orphan-rs')).metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
  await until('adopt:2', () => complete('adopt', 'web:2'));
  const rs = await client.get<ReplicaSet>('ReplicaSet', 'default', 'orphan-rs');
  rs.metadata.labels = { app: 'other' };
  await client.update(rs);
  await until('released', async () => !(await client.get<ReplicaSet>('ReplicaSet', 'default', 'orphan-rs')).metadata.ownerReferences?.length);
  await client.delete('ReplicaSet', 'default', 'orphan-rs');

  // a bare pod with the set's labels: the ReplicaSet of 1 adopts it instead of ... keeping 2
  const set = (await list<ReplicaSet>('ReplicaSet')).find((s) => s.metadata.labels?.app === 'adopt')!;
  api.registry.create(r('Pod'), 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { ...set.spec.template.metadata!.labels } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } });
  await until('the stray pod adopted and one pod deleted', async () => {
    const pods = (await list<Pod>('Pod')).filter((p) => p.metadata.labels?.app === 'adopt' && !p.metadata.deletionTimestamp);
    const stray = await client.get<Pod>('Pod', 'default', 'stray').catch(() => undefined);
    return pods.length === 1 && (!stray || stray.metadata.ownerReferences?.[0]?.uid === set.metadata.uid);
  });
});

test('minReadySeconds: a ready pod is available only after it', async () => {
  api.registry.create(r('Deployment'), 'default', deployment('slow', { replicas: 1, minReadySeconds: 1 }));
  await until('ready', async () => (await get('slow')).status?.readyReplicas === 1);
  assert.equal((await get('slow')).status?.availableReplicas ?? 0, 0, 'ready but not yet available');
  await until('available after minReadySeconds', async () => (await get('slow')).status?.availableReplicas === 1, 3000);
});
