// The memoized rule planner (RulePlanner) must give, at every step of a cluster's life, exactly
// what a fresh plan gives: same full payload, same partial payload, same chains and stats. A
// sequence of changes runs through ONE planner, each step compared with a planner that never saw
// the earlier steps. Run twice: objects with resourceVersions bumped at every write (as the API
// serves them) and objects without any (the JSON fingerprint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPartial, buildRules, RulePlanner } from '../../../proxy/rules.js';
import { FakeNetfilter } from '../../../proxy/netfilter.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { config, DOCKER_ONLY, endpoints, service } from './fixtures.js';

interface Cluster {
  services: Service[];
  slices: EndpointSlice[];
}

const NODE_IP = '192.168.1.10';
const host = { sctp: true };

const base: Cluster = {
  services: [
    service('web', '10.96.0.20', [{ port: 80, targetPort: 8080 }]),
    service('multi', '10.96.0.21', [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }], { type: 'NodePort' }),
    {
      ...service('lb', '10.96.0.22', [{ port: 80, targetPort: 8080, nodePort: 30022 }], { type: 'LoadBalancer' }),
      status: { loadBalancer: { ingress: [{ ip: NODE_IP, ipMode: 'VIP' }] } },
    },
    { ...service('sticky', '10.96.0.23', [{ port: 80 }]), spec: { ...service('sticky', '10.96.0.23', [{ port: 80 }]).spec, externalIPs: ['192.0.2.10'] } },
    service('legacy', '10.96.0.24', [{ port: 80 }]),
  ],
  slices: [
    ...endpoints('web', [{ ips: ['10.244.0.2', '10.244.0.3'], ports: [{ port: 8080 }] }]),
    ...endpoints('multi', [{ ips: ['10.244.0.4'], ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }] }]),
    ...endpoints('lb', [{ ips: ['10.244.0.5', '10.244.0.6'], ports: [{ port: 8080 }] }]),
    ...endpoints('sticky', [{ ips: ['10.244.0.7'], ports: [{ port: 80 }] }]),
    ...endpoints('legacy', [{ ips: ['192.168.1.20'], ports: [{ port: 8000 }] }], 'default', {}),
  ],
};

const svcNamed = (c: Cluster, name: string) => c.services.find((s) => s.metadata.name === name)!;
const replaceSvc = (c: Cluster, svc: Service): Cluster => ({ ...c, services: c.services.map((s) => (s.metadata.name === svc.metadata.name ? svc : s)) });
const replaceSlices = (c: Cluster, name: string, slices: EndpointSlice[]): Cluster => ({
  ...c,
  slices: [...c.slices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] !== name), ...slices],
});
const spec = (c: Cluster, name: string, patch: Partial<Service['spec']>): Cluster => {
  const s = svcNamed(c, name);
  return replaceSvc(c, { ...s, spec: { ...s.spec, ...patch } });
};

/** Each step: what changes, and how many services a memoized planner must plan afresh for it. */
const steps: { name: string; change: (c: Cluster) => Cluster; planned: number }[] = [
  { name: 'nothing changed', change: (c) => c, planned: 0 },
  // an informer must never list one twice, but if it did, the rules of both copies are written
  // (as a fresh plan does), and the memoized chains must not keep the second copy's lines
  { name: 'a service listed twice', change: (c) => ({ ...c, services: [...c.services, svcNamed(c, 'web')] }), planned: 0 },
  { name: 'listed once again', change: (c) => ({ ...c, services: c.services.slice(0, -1) }), planned: 0 },
  { name: 'endpoint moved', change: (c) => replaceSlices(c, 'web', endpoints('web', [{ ips: ['10.244.0.2', '10.244.0.9'], ports: [{ port: 8080 }] }])), planned: 1 },
  { name: 'service added', change: (c) => ({ services: [...c.services, service('new', '10.96.0.30', [{ port: 81 }])], slices: [...c.slices, ...endpoints('new', [{ ips: ['10.244.0.10'], ports: [{ port: 81 }] }])] }), planned: 1 },
  { name: 'service removed', change: (c) => ({ services: c.services.filter((s) => s.metadata.name !== 'multi'), slices: c.slices.filter((s) => !s.metadata.name.startsWith('multi-')) }), planned: 0 },
  { name: 'port changed', change: (c) => spec(c, 'web', { ports: [{ port: 8081, targetPort: 8080 }] }), planned: 1 },
  {
    name: 'LB status changed',
    change: (c) => replaceSvc(c, { ...svcNamed(c, 'lb'), status: { loadBalancer: { ingress: [{ ip: NODE_IP, ipMode: 'VIP' }, { ip: '192.168.1.11', ipMode: 'VIP' }] } } }),
    planned: 1,
  },
  { name: 'LB source ranges set', change: (c) => spec(c, 'lb', { loadBalancerSourceRanges: ['10.0.0.0/8'] }), planned: 1 },
  { name: 'affinity on', change: (c) => spec(c, 'sticky', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), planned: 1 },
  { name: 'affinity off', change: (c) => spec(c, 'sticky', { sessionAffinity: 'None', sessionAffinityConfig: undefined }), planned: 1 },
  { name: 'endpoints all gone', change: (c) => replaceSlices(c, 'lb', endpoints('lb', [{ ips: [], notReady: ['10.244.0.5'], ports: [{ port: 8080 }] }])), planned: 1 },
  { name: 'endpoints back, external policy Local', change: (c) => spec(replaceSlices(c, 'lb', endpoints('lb', [{ ips: ['10.244.0.5'], ports: [{ port: 8080 }] }])), 'lb', { externalTrafficPolicy: 'Local' }), planned: 1 },
  { name: 'slice moved to another service', change: (c) => replaceSlices(c, 'legacy', endpoints('web', [{ ips: ['192.168.1.20'], ports: [{ port: 8000 }] }], 'default', { x: 'y' }).map((s) => ({ ...s, metadata: { ...s.metadata, name: 'legacy-moved' } }))), planned: 2 },
  { name: 'type ClusterIP to headless', change: (c) => spec(c, 'sticky', { clusterIP: 'None', externalIPs: undefined }), planned: 1 },
];

/** The API's view: every object written in this step gets a new resourceVersion. */
function versioned(prev: Cluster | undefined, next: Cluster, counter: { rv: number }): Cluster {
  const stamp = <T extends Service | EndpointSlice>(o: T, old: T[] | undefined): T => {
    const before = old?.find((x) => x.metadata.name === o.metadata.name && x.kind === o.kind);
    const same = before && JSON.stringify({ ...before, metadata: { ...before.metadata, resourceVersion: undefined } }) === JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    return { ...o, metadata: { ...o.metadata, uid: `uid-${o.metadata.name}`, resourceVersion: same ? before!.metadata.resourceVersion : String(++counter.rv) } };
  };
  return { services: next.services.map((s) => stamp(s, prev?.services)), slices: next.slices.map((s) => stamp(s, prev?.slices)) };
}

for (const withVersions of [true, false]) {
  test(`memoized planner = fresh plan at every step (${withVersions ? 'resourceVersions' : 'no resourceVersions: JSON'})`, async () => {
    const planner = new RulePlanner();
    const counter = { rv: 0 };
    let cluster = withVersions ? versioned(undefined, base, counter) : base;
    const kernel = new FakeNetfilter(DOCKER_ONLY);
    const first = buildRules({ ...cluster, existing: await kernel.save(), config, host }, { planner });
    assert.equal(first.payload, buildRules({ ...cluster, existing: await kernel.save(), config, host }).payload);
    assert.equal(planner.planned, base.services.length);
    await kernel.restore(first.payload);
    let written = first.chains;
    for (const step of steps) {
      const next = step.change(cluster);
      cluster = withVersions ? versioned(cluster, next, counter) : next;
      const input = { ...cluster, config, host, dockerUser: true };
      const memo = buildPartial(input, written, planner);
      const fresh = buildPartial(input, written);
      assert.equal(memo.payload, fresh.payload, step.name);
      assert.deepEqual(memo.chains, fresh.chains, step.name);
      assert.deepEqual([memo.changed, memo.deleted, memo.stats, memo.skipped], [fresh.changed, fresh.deleted, fresh.stats, fresh.skipped], step.name);
      assert.deepEqual(memo.servicePorts, fresh.servicePorts, step.name);
      assert.equal(planner.planned, step.planned, `${step.name}: services planned afresh`);
      if (step.name !== 'nothing changed') assert.notEqual(memo.payload, '', `${step.name}: something to write`);
      // over the planner's own last chains, only the changed services are looked at
      assert.equal(planner.incremental, !/twice|once again/.test(step.name), `${step.name}: incremental`);
      await kernel.restore(memo.payload);
      // a full build through the same planner: the same payload as a fresh one over the same kernel
      const state = await kernel.save();
      const full = buildRules({ ...cluster, existing: state, config, host }, { planner });
      assert.equal(full.payload, buildRules({ ...cluster, existing: state, config, host }).payload, step.name);
      assert.equal(planner.planned, 0, `${step.name}: a full build right after plans nothing again`);
      // and the kernel, after the partial payloads, holds what a fresh full sync would write
      assert.deepEqual(full.repairs, [], `${step.name}: nothing to repair after the partial syncs`);
      assert.deepEqual(full.chains, memo.chains);
      written = full.chains; // the planner's last chains, as the proxier passes them
    }
  });
}

test('the planner forgets what the config changed: another prefix plans every service again', () => {
  const planner = new RulePlanner();
  buildRules({ ...base, existing: '', config, host }, { planner });
  const other = buildRules({ ...base, existing: '', config: { ...config, prefix: "K2S" }, host }, { planner });
  assert.equal(planner.planned, base.services.length);
  assert.equal(other.payload, buildRules({ ...base, existing: '', config: { ...config, prefix: 'K2S' }, host }).payload);
});
