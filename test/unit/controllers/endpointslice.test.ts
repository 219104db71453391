// EndpointSlices: the kind's validation and printer, the pure decisions (pods and hand-written
// Endpoints to endpoints, slices reused by port list) as tables, then the controller over the
// in-process API server (the test plays the node agent, giving pods IPs and readiness).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointSliceKind } from '../../../src/api/kinds/endpointslice.js';
import { byKind } from '../../../src/api/resources.js';
import type { Endpoints, EndpointSlice, Pod, Service } from '../../../src/api/types.js';
import { EndpointsController } from '../../../src/controllers/endpoints.js';
import { groupsFromEndpoints, groupsFromPods, planSlices, podEndpoint, type EndpointGroup } from '../../../src/controllers/endpointslice-plan.js';
import { EndpointSliceController } from '../../../src/controllers/endpointslice.js';
import type { InProcessApi } from '../../fixtures/api-server.js';
import { startControllers, until, type ControllerHarness } from '../../fixtures/controller-harness.js';

const EARLIER = '2026-01-01T00:00:00Z';

function svc(mutate?: (s: Service) => void): Service {
  const s: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  mutate?.(s);
  return s;
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; deleting?: boolean; phase?: string; port?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: EARLIER } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: opts.port ?? 8080 }] }] },
    status: {
      phase: (opts.phase ?? 'Running') as 'Running',
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: EARLIER }],
    },
  };
}

test('podEndpoint: the conditions kube gives ready, unready, terminating and published pods; no IP or finished is no endpoint', () => {
  const cases: Array<[string, Pod, Service, unknown]> = [
    ['ready', pod('a', '10.0.0.2'), svc(), { ready: true, serving: true, terminating: false }],
    ['not ready', pod('a', '10.0.0.2', { ready: false }), svc(), { ready: false, serving: false, terminating: false }],
    ['terminating, still serving', pod('a', '10.0.0.2', { deleting: true }), svc(), { ready: false, serving: true, terminating: true }],
    ['not ready, published', pod('a', '10.0.0.2', { ready: false }), svc((s) => (s.spec.publishNotReadyAddresses = true)), { ready: true, serving: false, terminating: false }],
    ['no IP yet', pod('a', undefined), svc(), undefined],
    ['succeeded', pod('a', '10.0.0.2', { phase: 'Succeeded' }), svc(), undefined],
  ];
  for (const [name, p, s, want] of cases) assert.deepEqual(podEndpoint(s, p)?.conditions, want, name);
  assert.deepEqual(podEndpoint(svc(), pod('a', '10.0.0.2'))?.targetRef, { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' });
});

test('groupsFromPods: pods whose named port resolves alike share a group, sorted by address; a pod without the port is left out of its ports', () => {
  const groups = groupsFromPods(svc(), [pod('b', '10.0.0.10'), pod('a', '10.0.0.9'), pod('c', '10.0.0.11', { port: 9090 })]);
  assert.deepEqual(
    groups.map((g) => [g.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`), g.endpoints.map((e) => e.addresses[0])]),
    [
      [['http:8080/TCP'], ['10.0.0.9', '10.0.0.10']],
      [['http:9090/TCP'], ['10.0.0.11']],
    ],
  );
});

test('groupsFromEndpoints: a subset per group; addresses ready, notReadyAddresses not', () => {
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'ext', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '192.0.2.10' }], notReadyAddresses: [{ ip: '192.0.2.11' }], ports: [{ port: 5432, protocol: 'TCP' }] }],
  };
  assert.deepEqual(groupsFromEndpoints(ep), [
    { ports: [{ name: '', port: 5432, protocol: 'TCP' }], endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }, { addresses: ['192.0.2.11'], conditions: { ready: false } }] },
  ]);
});

function stored(name: string, group: EndpointGroup): EndpointSlice {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'default' }, addressType: 'IPv4', ports: group.ports, endpoints: group.endpoints };
}

test('planSlices: reuse by port list, at most 100 per slice, an empty placeholder, nothing rewritten when nothing changed', () => {
  const ports = [{ name: 'http', port: 8080, protocol: 'TCP' as const }];
  const eps = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ addresses: [`10.0.${Math.floor((i + from) / 250)}.${((i + from) % 250) + 1}`], conditions: { ready: true } }));
  const summary = (p: ReturnType<typeof planSlices>) => ({ create: p.create.map((g) => g.endpoints.length), update: p.update.map((u) => `${u.slice.metadata.name}:${u.group.endpoints.length}`), remove: p.remove.map((s) => s.metadata.name) });

  const cases: Array<[string, EndpointGroup[], EndpointSlice[], ReturnType<typeof summary>]> = [
    ['nothing yet: one slice', [{ ports, endpoints: eps(3) }], [], { create: [3], update: [], remove: [] }],
    ['250 endpoints: three slices', [{ ports, endpoints: eps(250) }], [], { create: [100, 100, 50], update: [], remove: [] }],
    ['unchanged: no writes', [{ ports, endpoints: eps(3) }], [stored('web-a', { ports, endpoints: eps(3) })], { create: [], update: [], remove: [] }],
    ['one endpoint more: the slice is rewritten', [{ ports, endpoints: eps(4) }], [stored('web-a', { ports, endpoints: eps(3) })], { create: [], update: ['web-a:4'], remove: [] }],
    ['no endpoints: the empty placeholder (no ports) replaces the old slice', [], [stored('web-a', { ports, endpoints: eps(3) })], { create: [0], update: [], remove: ['web-a'] }],
    ['no endpoints, placeholder stored: nothing', [], [stored('web-p', { ports: [], endpoints: [] })], { create: [], update: [], remove: [] }],
    ['the port changed: a new slice, the old one goes', [{ ports: [{ ...ports[0], port: 9090 }], endpoints: eps(3) }], [stored('web-a', { ports, endpoints: eps(3) })], { create: [3], update: [], remove: ['web-a'] }],
    ['150 down to 20: the first slice kept in name order, the second removed', [{ ports, endpoints: eps(20) }], [stored('web-b', { ports, endpoints: eps(50, 100) }), stored('web-a', { ports, endpoints: eps(100) })], { create: [], update: ['web-a:20'], remove: ['web-b'] }],
  ];
  for (const [name, groups, existing, want] of cases) assert.deepEqual(summary(planSlices(groups, existing)), want, name);
});

test('EndpointSlice kind: kube validation wording and the printer', () => {
  const bad: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'x', namespace: 'default' },
    addressType: 'IPv4',
    endpoints: [{ addresses: [] }, { addresses: ['fe80::1', '127.0.0.1'], hostname: 'Web' }],
    ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }],
  };
  EndpointSliceKind.defaults!(bad);
  assert.deepEqual(
    EndpointSliceKind.validate!(bad, {} as never).map((e) => `${e.path}: ${e.message}`),
    [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address',
      'endpoints[1].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      `endpoints[1].hostname: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'ports[1].name: Duplicate value: "http"',
    ],
  );
  assert.deepEqual(EndpointSliceKind.validate!({ ...bad, addressType: 'IP', endpoints: [], ports: [] }, {} as never).map((e) => e.message), ['Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
  const many = { ...bad, endpoints: Array.from({ length: 5 }, (_, i) => ({ addresses: [`10.0.0.${i + 1}`] })), ports: [{ name: 'a', port: 80 }, { name: 'b', port: 443 }] };
  assert.deepEqual(EndpointSliceKind.printer!.row(many, new Date()).slice(1, 4), ['IPv4', '80,443', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
  assert.deepEqual(EndpointSliceKind.printer!.row({ ...bad, endpoints: [], ports: [] }, new Date()).slice(1, 4), ['IPv4', '<unset>', '<unset>']);
});

// ---- the controller over the in-process API server ----

let h: ControllerHarness;
let api: InProcessApi;

before(async () => {
  h = await startControllers((ctx) => [new EndpointsController(ctx), new EndpointSliceController(ctx)]);
  api = h.api;
});
after(() => h.stop());

const r = (kind: string) => byKind(kind)!;
const slicesOf = (service: string) => (api.registry.list(r('EndpointSlice'), 'default').items as EndpointSlice[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service);


function addPod(p: Pod): void {
  const { status, ...rest } = p;
  api.registry.create(r('Pod'), 'default', rest);
  const created = api.registry.get(r('Pod'), 'default', p.metadata.name) as Pod;
  api.registry.update(r('Pod'), 'default', p.metadata.name, { ...created, status }, { subresource: 'status' });
}

test('controller: a placeholder, then the pods as they come, owned by the Service, with kube labels; gone with the Service', async () => {
  const s = svc((x) => (x.metadata.labels = { tier: 'front' }));
  api.registry.create(r('Service'), 'default', s);
  const placeholder = await until('placeholder', () => slicesOf('web').find((x) => x.endpoints.length === 0));
  assert.deepEqual(placeholder.ports, []);
  assert.deepEqual(placeholder.metadata.labels, { tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.match(placeholder.metadata.name, /^web-[a-z0-9]{5}$/);
  assert.deepEqual(placeholder.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name} ${o.controller}`), ['Service/web true']);

  addPod(pod('a', '10.0.0.2'));
  addPod(pod('b', '10.0.0.3', { ready: false }));
  const slice = await until('two endpoints', () => slicesOf('web').find((x) => x.endpoints.length === 2));
  assert.equal(slicesOf('web').length, 1, 'the placeholder went');
  assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(slice.endpoints.map((e) => `${e.addresses[0]} ready=${e.conditions?.ready} serving=${e.conditions?.serving}`), ['10.0.0.2 ready=true serving=true', '10.0.0.3 ready=false serving=false']);
  // the Endpoints of the same Service say skip-mirror, as kube's endpoints controller writes them
  const ep = await until('Endpoints', () => api.registry.get(r('Endpoints'), 'default', 'web') as Endpoints | undefined);
  assert.equal(ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');

  // someone deletes our slice: it comes back
  api.registry.delete(r('EndpointSlice'), 'default', slice.metadata.name);
  await until('slice recreated', () => slicesOf('web').find((x) => x.endpoints.length === 2));

  api.registry.delete(r('Service'), 'default', 'web');
  await until('slices gone', () => slicesOf('web').length === 0);
});

test('controller: a Service without a selector mirrors its hand-written Endpoints; skip-mirror is honoured; hand-written slices are left alone', async () => {
  api.registry.create(r('Service'), 'default', svc((x) => {
    x.metadata.name = 'db';
    delete x.spec.selector;
    x.spec.ports = [{ port: 5432, protocol: 'TCP' }];
  }));
  const mine: EndpointSlice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'db-by-hand', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } }, addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.20'] }], ports: [{ port: 5432 }] };
  api.registry.create(r('EndpointSlice'), 'default', mine);
  api.registry.create(r('Endpoints'), 'default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db', namespace: 'default', labels: { team: 'data' } }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] });
  const mirrored = await until('mirrored slice', () => slicesOf('db').find((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === 'endpointslicemirroring-controller.k8s.io'));
  assert.deepEqual(mirrored.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
  assert.equal(mirrored.metadata.labels?.team, 'data');
  assert.deepEqual(mirrored.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['Endpoints/db']);

  const ep = api.registry.get(r('Endpoints'), 'default', 'db') as Endpoints;
  api.registry.update(r('Endpoints'), 'default', 'db', { ...ep, metadata: { ...ep.metadata, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } });
  await until('mirror removed', () => slicesOf('db').every((x) => x.metadata.name === 'db-by-hand'));
  assert.deepEqual(slicesOf('db').map((x) => x.metadata.name), ['db-by-hand']);
});
