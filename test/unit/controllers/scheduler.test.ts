// The scheduler: the filters as pure functions (table tests), then the controller over the real
// registry and informers with a fake clock: a pod that does not fit stays Pending with kube's
// condition and FailedScheduling event, is not retried in a loop, and is bound once room is made.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Node, Pod } from '../../../src/api/types.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { LocalClient } from '../../../src/client/client.js';
import { createInformers, type Informers } from '../../../src/controllers/context.js';
import { StoreEventRecorder } from '../../../src/controllers/events.js';
import { filterNode, fitErrorMessage, type FitFailure } from '../../../src/controllers/scheduler-fit.js';
import { backoffMs, Scheduler, withPodScheduled, type SchedulerClock } from '../../../src/controllers/scheduler.js';
import { silentLogger } from '../../../src/log.js';
import { Store } from '../../../src/store/store.js';

const NODE = 'vm';

function node(allocatable: Record<string, string> = { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '10Gi' }): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, spec: {}, status: { capacity: allocatable, allocatable } } as Node;
}

function pod(name: string, requests?: Record<string, string>, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'x:1', ...(requests ? { resources: { requests } } : {}) }], ...extra },
  } as Pod;
}

const on = (p: Pod, phase?: 'Running' | 'Succeeded' | 'Failed'): Pod => ({ ...p, spec: { ...p.spec, nodeName: NODE }, status: phase ? { phase } : undefined });

test('filterNode: the first filter that rejects the node gives its reasons', () => {
  const base = { pod: pod('new', { cpu: '500m', memory: '1Gi' }), node: node(), onNode: [on(pod('old', { cpu: '1', memory: '2Gi' }), 'Running')] };
  type Case = { mutate: (c: typeof base) => void; expected: FitFailure | undefined };
  const cases: Record<string, Case> = {
    'everything is good; do nothing': { mutate: () => {}, expected: undefined },
    'exactly what is left fits': { mutate: (c) => (c.pod = pod('new', { cpu: '1', memory: '2Gi' })), expected: undefined },
    'a millicore more does not': { mutate: (c) => (c.pod = pod('new', { cpu: '1001m' })), expected: { reasons: ['Insufficient cpu'], resolvable: true } },
    'cpu and memory both short': {
      mutate: (c) => (c.pod = pod('new', { cpu: '2', memory: '3Gi' })),
      expected: { reasons: ['Insufficient cpu', 'Insufficient memory'], resolvable: true },
    },
    'finished pods free their share': {
      mutate: (c) => {
        c.pod = pod('new', { cpu: '2' });
        c.onNode = [on(pod('done', { cpu: '1' }), 'Succeeded'), on(pod('failed', { cpu: '1' }), 'Failed')].filter((p) => p.status?.phase === 'Running');
      },
      expected: undefined,
    },
    'a pod that requests nothing fits a full node': { mutate: (c) => (c.pod = pod('new')), expected: undefined },
    'but not past the pod count': { mutate: (c) => ((c.node = node({ cpu: '2', memory: '4Gi', pods: '1' })), (c.pod = pod('new'))), expected: { reasons: ['Too many pods'], resolvable: true } },
    'ephemeral storage counts': { mutate: (c) => (c.pod = pod('new', { 'ephemeral-storage': '11Gi' })), expected: { reasons: ['Insufficient ephemeral-storage'], resolvable: true } },
    'an extended resource the node lacks': { mutate: (c) => (c.pod = pod('new', { 'example.com/gpu': '1' })), expected: { reasons: ['Insufficient example.com/gpu'], resolvable: true } },
    'a node without allocatable takes nothing': { mutate: (c) => (c.node = { ...node(), status: {} }), expected: { reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'], resolvable: true } },
    'a host port taken on the node': {
      mutate: (c) => {
        c.onNode = [on(pod('web', undefined, { containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }] }), 'Running')];
        c.pod = pod('new', undefined, { containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }] });
      },
      expected: { reasons: ["node(s) didn't have free ports for the requested pod ports"], resolvable: true },
    },
    'the same host port over UDP is free': {
      mutate: (c) => {
        c.onNode = [on(pod('web', undefined, { containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }] }), 'Running')];
        c.pod = pod('new', undefined, { containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'UDP' }] }] });
      },
      expected: undefined,
    },
    'a cordoned node': { mutate: (c) => (c.node = { ...node(), spec: { unschedulable: true } }), expected: { reasons: ['node(s) were unschedulable'], resolvable: false } },
    'an untolerated NoSchedule taint': {
      mutate: (c) => (c.node = { ...node(), spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }),
      expected: { reasons: ['node(s) had untolerated taint {dedicated: db}'], resolvable: false },
    },
    'a PreferNoSchedule taint does not keep pods off': {
      mutate: (c) => (c.node = { ...node(), spec: { taints: [{ key: 'dedicated', effect: 'PreferNoSchedule' }] } }),
      expected: undefined,
    },
    'a tolerated taint': {
      mutate: (c) => {
        c.node = { ...node(), spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } };
        c.pod = pod('new', undefined, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } as Partial<Pod['spec']>);
      },
      expected: undefined,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const input = structuredClone(base);
    c.mutate(input);
    assert.deepEqual(filterNode(input.pod, input.node, input.onNode), c.expected, name);
  }
});

test('fitErrorMessage: kube-scheduler words, reasons counted and sorted, preemption after', () => {
  assert.equal(
    fitErrorMessage([{ reasons: ['Insufficient cpu'], resolvable: true }]),
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  assert.equal(
    fitErrorMessage([{ reasons: ['Too many pods', 'Insufficient memory', 'Insufficient cpu'], resolvable: true }]),
    '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  assert.equal(
    fitErrorMessage([{ reasons: ['node(s) were unschedulable'], resolvable: false }]),
    '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
});

test('withPodScheduled: no write when it already says so; the transition time moves with the status only', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:01:00Z');
  const first = withPodScheduled(undefined, { status: 'False', reason: 'Unschedulable', message: 'm1' }, t0)!;
  assert.deepEqual(first, [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm1', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
  assert.equal(withPodScheduled(first, { status: 'False', reason: 'Unschedulable', message: 'm1' }, t1), undefined);
  assert.equal(withPodScheduled(first, { status: 'False', reason: 'Unschedulable', message: 'm2' }, t1)![0].lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.deepEqual(withPodScheduled(first, { status: 'True' }, t1), [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' }]);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(backoffMs), [1000, 2000, 4000, 8000, 10000, 10000]);
});

// ---- the controller, over the real registry ----

class FakeClock implements SchedulerClock {
  t = Date.parse('2026-01-01T00:00:00Z');
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** the soonest timer's delay from now, if any */
  pending(): number | undefined {
    const ats = [...this.timers.values()].map((t) => t.at - this.t);
    return ats.length ? Math.min(...ats) : undefined;
  }
  advance(ms: number): void {
    this.t += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= this.t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
  }
}

let dir: string;
let store: Store;
let client: LocalClient;
let informers: Informers;
let scheduler: Scheduler;
const clock = new FakeClock();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'k1s-scheduler-'));
  store = new Store(join(dir, 'state.db'));
  const registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: ['10.96.0.10'] });
  registry.bootstrap();
  client = new LocalClient(registry);
  informers = createInformers(client);
  informers.all.forEach((i) => i.start());
  const events = new StoreEventRecorder(client, silentLogger, NODE);
  scheduler = new Scheduler({ client, informers, logger: silentLogger, events }, NODE, { clock, flushMs: 60_000 });
  scheduler.start();
});

after(() => {
  scheduler.stop();
  informers.all.forEach((i) => i.close());
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const get = (name: string) => client.get<Pod>('Pod', 'default', name);
const settle = () => new Promise((r) => setTimeout(r, 100));
async function eventsOf(name: string, reason: string): Promise<Event[]> {
  const { items } = await client.list<Event>('Event', 'default');
  return items.filter((e) => e.involvedObject.name === name && e.reason === reason);
}

const INSUFFICIENT_CPU = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';

test('the scheduler: no Node yet, then binds what fits, keeps what does not Pending, and binds it once room is made', async () => {
  // before the node agent has registered the Node
  await client.create(pod('early', { cpu: '100m' }));
  const early = await until('early to be unschedulable', async () => (await get('early')).status?.conditions?.find((c) => c.type === 'PodScheduled'));
  assert.deepEqual({ ...early, lastTransitionTime: undefined }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes available to schedule pods', lastTransitionTime: undefined });

  // the Node appears: the waiting pod is tried again once its back-off is over
  // (as the agent registers it: created, then its status written; a create drops the status)
  const created = await client.create<Node>(node({ cpu: '1', memory: '1Gi', pods: '3' }));
  await client.updateStatus<Node>({ ...created, status: node({ cpu: '1', memory: '1Gi', pods: '3' }).status });
  await settle();
  assert.equal((await get('early')).spec.nodeName, undefined, 'not before its back-off');
  clock.advance(backoffMs(1));
  const bound = await until('early to be bound', async () => ((await get('early')).spec.nodeName ? get('early') : undefined));
  assert.deepEqual(bound.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [['PodScheduled', 'True', undefined]]);
  assert.deepEqual((await eventsOf('early', 'Scheduled')).map((e) => [e.type, e.message, e.source?.component]), [['Normal', 'Successfully assigned default/early to vm', 'default-scheduler']]);

  // 100m used of 1 CPU: 800m fits, then 200m does not
  await client.create(pod('big', { cpu: '800m' }));
  await until('big to be bound', async () => (await get('big')).spec.nodeName);
  await client.create(pod('late', { cpu: '200m' }));
  const cond = await until('late to be unschedulable', async () => (await get('late')).status?.conditions?.find((c) => c.type === 'PodScheduled'));
  assert.equal(cond.message, INSUFFICIENT_CPU);
  const failed = await until('FailedScheduling', async () => (await eventsOf('late', 'FailedScheduling'))[0]);
  assert.deepEqual([failed.type, failed.message, failed.source?.component], ['Warning', INSUFFICIENT_CPU, 'default-scheduler']);
  assert.equal((await get('late')).status?.qosClass, 'Burstable', 'the scheduler keeps the class');

  // no tight loop: nothing happens until a reason or the back-off
  await settle();
  assert.equal((await eventsOf('late', 'FailedScheduling'))[0].count, 1);
  assert.equal(clock.pending(), 60_000, 'only the flush is armed');

  // a pod on the node that finishes frees its share; the retry waits for the back-off
  const b = await get('big');
  await client.updateStatus<Pod>({ ...b, status: { ...b.status, phase: 'Succeeded' } });
  await settle();
  assert.equal((await get('late')).spec.nodeName, undefined);
  clock.advance(backoffMs(1));
  const late = await until('late to be bound', async () => ((await get('late')).spec.nodeName ? get('late') : undefined));
  assert.equal(late.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
});

test('the scheduler: the pod count, the flush, and pods that are not its business', async () => {
  // 2 pods occupy the node of 3 (big finished): one more fits, the next is one too many
  await client.create(pod('third'));
  await until('third to be bound', async () => (await get('third')).spec.nodeName);
  await client.create(pod('fourth'));
  const cond = await until('fourth to be unschedulable', async () => (await get('fourth')).status?.conditions?.find((c) => c.type === 'PodScheduled'));
  assert.equal(cond.message, '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');

  // nothing changes: tried again after the flush, the same event counted, not a new one
  clock.advance(60_000);
  await until('a second attempt', async () => ((await eventsOf('fourth', 'FailedScheduling'))[0]?.count === 2 ? true : undefined));
  assert.equal((await eventsOf('fourth', 'FailedScheduling')).length, 1);

  // a pod being deleted still holds its place while its containers stop (kube counts it too)
  await client.delete('Pod', 'default', 'third');
  assert.ok((await get('third')).metadata.deletionTimestamp);
  clock.advance(backoffMs(2));
  await settle();
  assert.equal((await get('fourth')).spec.nodeName, undefined);
  // the node agent's final delete makes room
  await client.delete('Pod', 'default', 'third', { gracePeriodSeconds: 0 });
  clock.advance(backoffMs(3));
  await until('fourth to be bound', async () => (await get('fourth')).spec.nodeName);

  // a pod the user bound, and a pod for another scheduler, are left alone
  await client.create({ ...pod('pinned'), spec: { ...pod('pinned').spec, nodeName: 'elsewhere' } });
  await client.create({ ...pod('other'), spec: { ...pod('other').spec, schedulerName: 'my-scheduler' } });
  await settle();
  assert.equal((await get('pinned')).spec.nodeName, 'elsewhere');
  assert.equal((await get('other')).spec.nodeName, undefined);
  assert.equal((await get('other')).status?.conditions, undefined);
  assert.deepEqual(await eventsOf('other', 'FailedScheduling'), []);
});
