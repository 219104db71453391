// A pod's resources on the API side: SetDefaults_Pod's request-from-limit, the QoS class
// (ComputePodQOS) and what the pod asks of its node (PodRequests), then status.qosClass kept by the
// registry as kube-apiserver keeps it: set on create, backfilled on status writes that lack it,
// refused when a status write changes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, Pod } from '../../../src/api/types.js';
import type { Container, PodSpec } from '../../../src/api/podspec/schema.js';
import { defaultPodResourceRequests } from '../../../src/api/podspec/defaults.js';
import { computePodQOS } from '../../../src/api/podspec/qos.js';
import { podRequests } from '../../../src/api/podspec/resources.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { LocalClient } from '../../../src/client/client.js';
import { Store } from '../../../src/store/store.js';

type Res = Container['resources'];
const ctr = (name: string, resources?: Res, extra: Record<string, unknown> = {}): Container => ({ name, image: 'x:1', ...(resources ? { resources } : {}), ...extra }) as Container;
const spec = (containers: Container[], init?: Container[], extra: Record<string, unknown> = {}): PodSpec => ({ containers, ...(init ? { initContainers: init } : {}), ...extra }) as PodSpec;

test('computePodQOS: the class from the cpu and memory of every app and init container', () => {
  const both = { cpu: '500m', memory: '128Mi' };
  const cases: Record<string, { spec: PodSpec; expected: string }> = {
    'no resources at all: BestEffort': { spec: spec([ctr('a')]), expected: 'BestEffort' },
    'requests equal limits for cpu and memory: Guaranteed': { spec: spec([ctr('a', { requests: both, limits: both })]), expected: 'Guaranteed' },
    'limits only, before defaulting: Burstable (no request to equal them)': { spec: spec([ctr('a', { limits: both })]), expected: 'Burstable' },
    'a request alone: Burstable': { spec: spec([ctr('a', { requests: { cpu: '100m' } })]), expected: 'Burstable' },
    'a limit of memory only: Burstable': { spec: spec([ctr('a', { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } })]), expected: 'Burstable' },
    'one container Guaranteed, one without resources: Burstable': { spec: spec([ctr('a', { requests: both, limits: both }), ctr('b')]), expected: 'Burstable' },
    'requests below limits: Burstable': { spec: spec([ctr('a', { requests: { cpu: '100m', memory: '128Mi' }, limits: both })]), expected: 'Burstable' },
    'equal as quantities, written differently: Guaranteed': {
      spec: spec([ctr('a', { requests: { cpu: '0.5', memory: '134217728' }, limits: { cpu: '500m', memory: '128Mi' } })]),
      expected: 'Guaranteed',
    },
    'sums compared, not containers: 0.1 + 0.2 against 300m': {
      spec: spec([ctr('a', { requests: { cpu: '0.1', memory: '1Mi' }, limits: { cpu: '100m', memory: '1Mi' } }), ctr('b', { requests: { cpu: '0.2', memory: '1Mi' }, limits: { cpu: '200m', memory: '1Mi' } })]),
      expected: 'Guaranteed',
    },
    'zero quantities do not count: BestEffort': { spec: spec([ctr('a', { requests: { cpu: '0' }, limits: { memory: '0' } })]), expected: 'BestEffort' },
    'resources other than cpu and memory do not count: BestEffort': { spec: spec([ctr('a', { requests: { 'ephemeral-storage': '1Gi' }, limits: { 'ephemeral-storage': '1Gi' } })]), expected: 'BestEffort' },
    'other resources beside a Guaranteed cpu and memory: still Guaranteed': {
      spec: spec([ctr('a', { requests: { ...both, 'example.com/gpu': '1' }, limits: { ...both, 'example.com/gpu': '1' } })]),
      expected: 'Guaranteed',
    },
    'an init container without limits makes a Guaranteed pod Burstable': { spec: spec([ctr('a', { requests: both, limits: both })], [ctr('init', { requests: { cpu: '1' } })]), expected: 'Burstable' },
    'an init container with resources makes a pod without them Burstable': { spec: spec([ctr('a')], [ctr('init', { requests: both, limits: both })]), expected: 'Burstable' },
    'app and init containers all Guaranteed: Guaranteed': { spec: spec([ctr('a', { requests: both, limits: both })], [ctr('init', { requests: both, limits: both })]), expected: 'Guaranteed' },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(computePodQOS(c.spec), c.expected, name);
});

test('podRequests: app containers summed, sidecars added, the largest init container when larger, overhead on top', () => {
  const r = (cpu: string, memory?: string): Res => ({ requests: { cpu, ...(memory ? { memory } : {}) } });
  const cases: Record<string, { spec: PodSpec; expected: Record<string, number> }> = {
    'nothing requested: nothing': { spec: spec([ctr('a')]), expected: {} },
    'app containers add up': { spec: spec([ctr('a', r('100m', '1Mi')), ctr('b', r('200m'))]), expected: { cpu: 0.30000000000000004, memory: 2 ** 20 } },
    'an init container larger than the app wins for that resource only': {
      spec: spec([ctr('a', r('100m', '64Mi'))], [ctr('i', r('1', '1Mi'))]),
      expected: { cpu: 1, memory: 64 * 2 ** 20 },
    },
    'a sidecar adds to the app and runs beside later init containers': {
      spec: spec([ctr('a', r('100m'))], [ctr('side', r('200m'), { restartPolicy: 'Always' }), ctr('i', r('250m'))]),
      // app 100m + sidecar 200m = 300m; init i runs beside the sidecar: 450m
      expected: { cpu: 0.45 },
    },
    'an init container before the sidecar does not run beside it': {
      spec: spec([ctr('a', r('100m'))], [ctr('i', r('250m')), ctr('side', r('200m'), { restartPolicy: 'Always' })]),
      expected: { cpu: 0.30000000000000004 },
    },
    'overhead is added': { spec: spec([ctr('a', r('100m'))], undefined, { overhead: { cpu: '50m' } }), expected: { cpu: 0.15000000000000002 } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = podRequests(c.spec);
    assert.deepEqual(Object.keys(got).sort(), Object.keys(c.expected).sort(), name);
    for (const [k, v] of Object.entries(c.expected)) assert.ok(Math.abs(got[k] - v) < 1e-9, `${name}: ${k} ${got[k]} != ${v}`);
  }
});

test('defaultPodResourceRequests: a limit without a request requests the limit, in app and init containers', () => {
  const cases: Record<string, { resources: Res; expected: Res }> = {
    'everything is good; do nothing': { resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } }, expected: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } },
    'no resources: nothing added': { resources: undefined, expected: undefined },
    'empty limits: no empty requests made': { resources: { limits: {} }, expected: { limits: {} } },
    'limits only: requested': { resources: { limits: { cpu: '1', memory: '1Gi' } }, expected: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
    'a request kept, the missing one filled': {
      resources: { requests: { cpu: '100m' }, limits: { cpu: '1', memory: '1Gi' } },
      expected: { requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const s = spec([ctr('a', structuredClone(c.resources))], [ctr('i', structuredClone(c.resources))]);
    defaultPodResourceRequests(s);
    assert.deepEqual(s.containers[0].resources, c.expected, name);
    assert.deepEqual((s as { initContainers?: Container[] }).initContainers![0].resources, c.expected, `${name} (init)`);
  }
});

// ---- through the registry ----

let dir: string;
let store: Store;
let client: LocalClient;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'k1s-qos-'));
  store = new Store(join(dir, 'state.db'));
  const registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: ['10.96.0.10'] });
  registry.bootstrap();
  client = new LocalClient(registry);
});

after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const podWith = (name: string, resources?: Res): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [ctr('app', resources)] },
});

test('a created pod gets its requests defaulted and status.qosClass, whatever status the client sent', async () => {
  const sent = { ...podWith('guaranteed', { limits: { cpu: '500m', memory: '64Mi' } }), status: { qosClass: 'BestEffort' as const, phase: 'Running' as const } };
  const pod = await client.create<Pod>(sent);
  assert.deepEqual(pod.spec.containers[0].resources?.requests, { cpu: '500m', memory: '64Mi' });
  assert.deepEqual(pod.status, { qosClass: 'Guaranteed' });
  assert.equal((await client.create<Pod>(podWith('besteffort'))).status?.qosClass, 'BestEffort');
});

test('pod templates keep their limits without requests (SetDefaults_Pod is for pods only)', async () => {
  const deploy: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [ctr('app', { limits: { cpu: '1' } })] } },
    },
  } as Deployment;
  const created = await client.create<Deployment>(deploy);
  assert.deepEqual(created.spec.template.spec.containers[0].resources, { limits: { cpu: '1' } });
});

test('status writes: a status without qosClass keeps it; a different qosClass is refused as kube refuses it', async () => {
  const pod = await client.create<Pod>(podWith('status-writes', { requests: { cpu: '100m' } }));
  assert.equal(pod.status?.qosClass, 'Burstable');
  // the node agent's write, which knows nothing of the class
  const written = await client.updateStatus<Pod>({ ...pod, status: { phase: 'Running', hostIP: '10.0.0.1' } });
  assert.deepEqual(written.status, { phase: 'Running', hostIP: '10.0.0.1', qosClass: 'Burstable' });
  // a status-less write keeps it too
  const emptied = await client.updateStatus<Pod>({ ...written, status: undefined });
  assert.equal(emptied.status?.qosClass, 'Burstable');
  await assert.rejects(client.updateStatus<Pod>({ ...emptied, status: { ...emptied.status, qosClass: 'Guaranteed' } }), (e: Error) => {
    assert.match(e.message, /status\.qosClass: Invalid value: "Guaranteed": field is immutable/);
    return true;
  });
  // a main-resource update cannot touch status at all
  const updated = await client.update<Pod>({ ...emptied, metadata: { ...emptied.metadata, labels: { a: 'b' } }, status: { qosClass: 'BestEffort' } });
  assert.equal(updated.status?.qosClass, 'Burstable');
});
