import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, Event, Pod, Service } from '../../../src/api/types.js';
import { expiredEvents } from '../../../src/controllers/events.js';
import { replicaDiff } from '../../../src/controllers/replicaset.js';
import { isPodActive } from '../../../src/controllers/context.js';
import { computeSubsets } from '../../../src/controllers/endpoints.js';
import { newReplicaSet, podTemplateHash } from '../../../src/controllers/deployment-revisions.js';

function pod(name: string, opts: { ip?: string; ready?: boolean; created?: string; labels?: Record<string, string>; ports?: { name?: string; containerPort: number }[] } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', labels: opts.labels ?? { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'x:1', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: 'Running',
      podIP: opts.ip,
      conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }],
    },
  };
}

test('replicaDiff: creates what is missing, deletes the least useful first', () => {
  const cases: Record<string, { desired: number; pods: Pod[]; create: number; remove: string[] }> = {
    'everything is good; do nothing': { desired: 2, pods: [pod('a', { ip: '1', ready: true }), pod('b', { ip: '2', ready: true })], create: 0, remove: [] },
    'scale up from zero': { desired: 3, pods: [], create: 3, remove: [] },
    'scale down prefers not-ready pods': { desired: 1, pods: [pod('a', { ip: '1', ready: true }), pod('b', { ip: '2' })], create: 0, remove: ['b'] },
    'then pending pods': { desired: 1, pods: [pod('a', { ip: '1' }), { ...pod('b'), status: { phase: 'Pending' } }], create: 0, remove: ['b'] },
    'then the youngest': {
      desired: 1,
      pods: [pod('old', { ip: '1', ready: true, created: '2026-01-01T00:00:00Z' }), pod('new', { ip: '2', ready: true, created: '2026-01-02T00:00:00Z' })],
      create: 0,
      remove: ['new'],
    },
    'scale to zero': { desired: 0, pods: [pod('a'), pod('b')], create: 0, remove: ['a', 'b'] },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = replicaDiff(c.desired, c.pods);
    assert.equal(got.create, c.create, name);
    assert.deepEqual(got.remove.map((p) => p.metadata.name).sort(), [...c.remove].sort(), name);
  }
});

const svc = (ports: Service['spec']['ports']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports },
});

test('computeSubsets: ready pods in addresses, others in notReadyAddresses, named targetPorts resolved', () => {
  const subsets = computeSubsets(svc([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]), [
    pod('b', { ip: '10.244.0.3', ready: true }),
    pod('a', { ip: '10.244.0.2', ready: true }),
    pod('c', { ip: '10.244.0.4' }),
    pod('pending'), // no IP yet: not listed at all
  ]);
  assert.deepEqual(subsets, [
    {
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      addresses: [
        { ip: '10.244.0.2', nodeName: undefined, targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
        { ip: '10.244.0.3', nodeName: undefined, targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
      ],
      notReadyAddresses: [{ ip: '10.244.0.4', nodeName: undefined, targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' } }],
    },
  ]);
});

test('computeSubsets: pods whose named port differs land in different subsets; a pod without it is skipped', () => {
  const subsets = computeSubsets(svc([{ port: 80, targetPort: 'http' }]), [
    pod('a', { ip: '10.244.0.2', ready: true, ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('b', { ip: '10.244.0.3', ready: true, ports: [{ name: 'http', containerPort: 9090 }] }),
    pod('c', { ip: '10.244.0.4', ready: true, ports: [{ name: 'other', containerPort: 1 }] }),
  ]);
  assert.deepEqual(
    subsets.map((s) => [s.ports![0].port, s.addresses!.map((a) => a.ip)]),
    [
      [8080, ['10.244.0.2']],
      [9090, ['10.244.0.3']],
    ],
  );
});

test('computeSubsets: a pod whose subdomain is the Service gets its hostname on its address (the StatefulSet DNS name)', () => {
  const withIdentity = (name: string, hostname: string | undefined, subdomain: string | undefined, ip: string): Pod => {
    const p = pod(name, { ip, ready: true });
    p.spec.hostname = hostname;
    p.spec.subdomain = subdomain;
    return p;
  };
  const subsets = computeSubsets(svc([{ port: 80, targetPort: 'http' }]), [
    withIdentity('web-0', 'web-0', 'web', '10.244.0.2'),
    withIdentity('other', 'other', 'elsewhere', '10.244.0.3'), // another Service's subdomain: no hostname here
    withIdentity('plain', undefined, 'web', '10.244.0.4'), // no hostname: none
  ]);
  assert.deepEqual(
    subsets[0].addresses!.map((a) => [a.ip, a.hostname]),
    [
      ['10.244.0.2', 'web-0'],
      ['10.244.0.3', undefined],
      ['10.244.0.4', undefined],
    ],
  );
});

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 3 },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
  },
};

test('podTemplateHash is stable, short and changes with the template', () => {
  const h = podTemplateHash(deployment.spec.template);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  assert.equal(podTemplateHash(structuredClone(deployment.spec.template)), h);
  const changed = structuredClone(deployment.spec.template);
  changed.spec.containers[0].image = 'x:2';
  assert.notEqual(podTemplateHash(changed), h);
});

test('newReplicaSet: named by hash, selector and labels carry pod-template-hash, owned by the deployment', () => {
  const rs = newReplicaSet(deployment, 'abc', 2, 1);
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.equal(rs.spec.replicas, 2);
  assert.equal(rs.metadata.name, 'web-abc');
  assert.deepEqual(rs.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': 'abc' });
  assert.deepEqual(rs.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': 'abc' });
  assert.equal(rs.metadata.ownerReferences?.[0].uid, 'd-uid');
  assert.equal(rs.metadata.ownerReferences?.[0].controller, true);
  assert.equal(deployment.spec.template.metadata?.labels?.['pod-template-hash'], undefined, 'the deployment is not mutated');
});

test('expiredEvents: an hour after the last occurrence', () => {
  const ev = (name: string, last: string) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'R', message: 'm', type: 'Normal', lastTimestamp: last }) as Event;
  const now = new Date('2026-01-01T02:00:00Z');
  const got = expiredEvents([ev('old', '2026-01-01T00:59:59Z'), ev('recent', '2026-01-01T01:30:00Z'), ev('edge', '2026-01-01T01:00:00Z')], now);
  assert.deepEqual(got.map((e) => e.metadata.name), ['old']);
});

test('a terminating pod is no replica and no endpoint: the ReplicaSet replaces it at once, Endpoints drop it', () => {
  const terminating = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } });
  const cases: Record<string, { pod: Pod; active: boolean }> = {
    'everything is good; a running pod counts': { pod: pod('a', { ip: '10.244.0.2', ready: true }), active: true },
    'a pod being deleted does not': { pod: terminating(pod('a', { ip: '10.244.0.2', ready: true })), active: false },
    'a Succeeded pod does not': { pod: { ...pod('a'), status: { phase: 'Succeeded' } }, active: false },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(isPodActive(c.pod), c.active, name);
  // what the ReplicaSet controller keeps (isPodActive pods) is short of one: it creates one
  const pods = [pod('a', { ip: '1', ready: true }), terminating(pod('b', { ip: '2', ready: true }))];
  assert.equal(replicaDiff(2, pods.filter(isPodActive)).create, 1);
  // kube moves terminating pods out of the Endpoints altogether (publishNotReadyAddresses aside)
  const subsets = computeSubsets(svc([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]), [
    pod('a', { ip: '10.244.0.2', ready: true }),
    terminating(pod('b', { ip: '10.244.0.3', ready: true })),
  ]);
  assert.deepEqual(subsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip)), ['10.244.0.2']);
});
