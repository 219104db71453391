import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '../../../src/api/types.js';
import { allocateServiceAddresses, cidrContains, parseCidr, type AllocatorConfig } from '../../../src/apiserver/allocators.js';

const cfg: AllocatorConfig = { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 30002 }, reservedIPs: ['10.96.0.10'] };

function svc(name: string, spec: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: name }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec } };
}

test('CIDR arithmetic', () => {
  assert.deepEqual(parseCidr('10.96.0.0/16'), { base: 10 * 2 ** 24 + 96 * 2 ** 16, size: 65536 });
  assert.ok(cidrContains(parseCidr('10.96.0.0/16'), '10.96.255.254'));
  assert.ok(!cidrContains(parseCidr('10.96.0.0/16'), '10.97.0.1'));
  assert.ok(!cidrContains(parseCidr('10.96.0.0/16'), 'None'));
});

test('a ClusterIP is allocated inside the range, skipping used and reserved addresses', () => {
  // a "random" that always starts at the reserved address's offset
  const at10 = () => 9 / 65534;
  const s = svc('a');
  assert.deepEqual(allocateServiceAddresses(s, undefined, [svc('b', { clusterIP: '10.96.0.11' })], cfg, at10), []);
  assert.equal(s.spec.clusterIP, '10.96.0.12');
  assert.deepEqual(s.spec.clusterIPs, ['10.96.0.12']);
});

test('an explicit ClusterIP is honoured, or refused when taken or out of range', () => {
  const ok = svc('a', { clusterIP: '10.96.5.5' });
  assert.deepEqual(allocateServiceAddresses(ok, undefined, [], cfg), []);
  assert.equal(ok.spec.clusterIP, '10.96.5.5');
  const taken = allocateServiceAddresses(svc('a', { clusterIP: '10.96.5.5' }), undefined, [ok], cfg);
  assert.match(taken[0].message, /provided IP is already allocated/);
  const outside = allocateServiceAddresses(svc('a', { clusterIP: '192.168.0.1' }), undefined, [], cfg);
  assert.match(outside[0].message, /not in the valid range/);
});

test('an update keeps the ClusterIP and nodePorts it does not mention; changing the IP is refused', () => {
  const before = svc('a', { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] });
  const after = svc('a', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] });
  assert.deepEqual(allocateServiceAddresses(after, before, [], cfg), []);
  assert.equal(after.spec.clusterIP, '10.96.1.1');
  assert.equal(after.spec.ports![0].nodePort, 30001);
  const moved = allocateServiceAddresses(svc('a', { clusterIP: '10.96.1.2' }), before, [], cfg);
  assert.match(moved[0].message, /may not change once set/);
});

test('nodePorts: explicit honoured, collision refused (422 material), range checked, free ones allocated', () => {
  const first = svc('a', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] });
  assert.deepEqual(allocateServiceAddresses(first, undefined, [], cfg), []);
  const clash = svc('b', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] });
  assert.deepEqual(allocateServiceAddresses(clash, undefined, [first], cfg).map((e) => [e.path, e.message]), [
    ['spec.ports[0].nodePort', 'Invalid value: 30000: provided port is already allocated'],
  ]);
  const outOfRange = svc('c', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 80 }] });
  assert.match(allocateServiceAddresses(outOfRange, undefined, [], cfg)[0].message, /30000-30002/);
  const auto = svc('d', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }, { port: 81, protocol: 'TCP' }] });
  assert.deepEqual(allocateServiceAddresses(auto, undefined, [first], cfg, () => 0), []);
  assert.deepEqual(auto.spec.ports!.map((p) => p.nodePort), [30001, 30002]);
  const full = svc('e', { type: 'NodePort' });
  assert.match(allocateServiceAddresses(full, undefined, [first, auto], cfg)[0].message, /range is full/);
});

test('a nodePort on a ClusterIP service is forbidden; ExternalName gets no ClusterIP', () => {
  const errors = allocateServiceAddresses(svc('a', { ports: [{ port: 80, nodePort: 30000 }] }), undefined, [], cfg);
  assert.match(errors[0].message, /Forbidden/);
  const ext = svc('b', { type: 'ExternalName', externalName: 'example.com', ports: [] });
  assert.deepEqual(allocateServiceAddresses(ext, undefined, [], cfg), []);
  assert.equal(ext.spec.clusterIP, undefined);
});

test('type changes: NodePort -> ClusterIP gives the node ports up; ExternalName -> ClusterIP gets an IP', () => {
  const np = svc('a', { type: 'NodePort', clusterIP: '10.96.1.1', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] });
  const toClusterIP = svc('a', { type: 'ClusterIP', clusterIP: '10.96.1.1', ports: [{ port: 80, protocol: 'TCP', nodePort: 30001 }] });
  assert.deepEqual(allocateServiceAddresses(toClusterIP, np, [], cfg), []);
  assert.equal(toClusterIP.spec.ports![0].nodePort, undefined);
  const ext = svc('b', { type: 'ExternalName', externalName: 'example.com' });
  const toIP = svc('b', { type: 'ClusterIP' });
  assert.deepEqual(allocateServiceAddresses(toIP, ext, [], cfg), []);
  assert.match(toIP.spec.clusterIP ?? '', /^10\.96\./);
});
