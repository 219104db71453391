// The LoadBalancer fields of a Service (v1.32): defaults, validation with kube's paths and words,
// the status rules, the type-change drops, the EXTERNAL-IP column, and the registry's node port and
// healthCheckNodePort allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAndDefault } from '../../../src/api/manifest.js';
import { byKind } from '../../../src/api/resources.js';
import type { FieldError } from '../../../src/api/schema.js';
import type { AnyObject, Service } from '../../../src/api/types.js';
import { dropTypeDependentFields, loadBalancerSourceRanges, validateLoadBalancerClassUpdate, validateLoadBalancerStatus } from '../../../src/api/kinds/service-lb.js';
import { allocateServiceAddresses, type AllocatorConfig } from '../../../src/apiserver/allocators.js';
import { checkValidationCases } from './fixtures.js';

const lb = (): AnyObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } }) as unknown as AnyObject;
const cip = (): AnyObject => {
  const o = lb() as unknown as Service;
  o.spec.type = 'ClusterIP';
  return o as unknown as AnyObject;
};

function errorsOf(obj: AnyObject): FieldError[] {
  const r = validateAndDefault(obj);
  return r.ok ? [] : r.errors;
}

function defaulted(obj: AnyObject): Service {
  const r = validateAndDefault(obj);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.object as unknown as Service;
}

test('defaults: a LoadBalancer allocates node ports unless told; an ingress IP is a VIP', () => {
  assert.equal(defaulted(lb()).spec.allocateLoadBalancerNodePorts, true);
  const no = lb() as unknown as Service;
  no.spec.allocateLoadBalancerNodePorts = false;
  assert.equal(defaulted(no as unknown as AnyObject).spec.allocateLoadBalancerNodePorts, false);
  assert.equal(defaulted(cip()).spec.allocateLoadBalancerNodePorts, undefined);
  const st = lb() as unknown as Service;
  st.status = { loadBalancer: { ingress: [{ ip: '192.168.1.5' }, { hostname: 'lb.example.com' }] } };
  assert.deepEqual(defaulted(st as unknown as AnyObject).status?.loadBalancer?.ingress, [{ ip: '192.168.1.5', ipMode: 'VIP' }, { hostname: 'lb.example.com' }]);
});

test('validation of the LoadBalancer fields, with kube v1.32 paths and messages', () => {
  const onlyLB = "Forbidden: may only be used when `type` is 'LoadBalancer'";
  checkValidationCases(
    {
      'allocateLoadBalancerNodePorts on a ClusterIP Service': { base: cip, mutate: (o) => (o.spec.allocateLoadBalancerNodePorts = false), expected: [{ path: 'spec.allocateLoadBalancerNodePorts', message: onlyLB }] },
      'source ranges: CIDRs, space padding allowed': { base: lb, mutate: (o) => (o.spec.loadBalancerSourceRanges = [' 10.0.0.0/8', '192.168.1.0/24 ', '2001:db8::/64']), expected: [] },
      'source ranges: not a CIDR': {
        base: lb,
        mutate: (o) => (o.spec.loadBalancerSourceRanges = ['10.0.0.0/8', '10.0.0.1', '10.0.0.0/33']),
        expected: [
          { path: 'spec.LoadBalancerSourceRanges[1]', message: 'Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' },
          { path: 'spec.LoadBalancerSourceRanges[2]', message: 'Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' },
        ],
      },
      'source ranges on a ClusterIP Service': { base: cip, mutate: (o) => (o.spec.loadBalancerSourceRanges = ['10.0.0.0/8']), expected: [{ path: 'spec.LoadBalancerSourceRanges', message: onlyLB }] },
      'source ranges annotation: checked when the field is empty': {
        base: lb,
        mutate: (o) => (o.metadata.annotations = { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8, nope' }),
        expected: [
          {
            path: 'metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]',
            message: 'Invalid value: "nope": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
          },
        ],
      },
      'loadBalancerClass: a qualified name': { base: lb, mutate: (o) => (o.spec.loadBalancerClass = 'example.com/lb'), expected: [] },
      'loadBalancerClass: not a qualified name': { base: lb, mutate: (o) => (o.spec.loadBalancerClass = 'a/b/c'), expected: [{ path: 'spec.loadBalancerClass', message: /^Invalid value: "a\/b\/c": a qualified name must/ as unknown as string }] },
      'loadBalancerClass on a ClusterIP Service': { base: cip, mutate: (o) => (o.spec.loadBalancerClass = 'example.com/lb'), expected: [{ path: 'spec.loadBalancerClass', message: "Forbidden: may only be used when service type is 'LoadBalancer'" }] },
      'healthCheckNodePort without Local policy': {
        base: lb,
        mutate: (o) => (o.spec.healthCheckNodePort = 30100),
        expected: [{ path: 'spec.healthCheckNodePort', message: "Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'" }],
      },
      'healthCheckNodePort with Local policy': { base: lb, mutate: (o) => Object.assign(o.spec, { healthCheckNodePort: 30100, externalTrafficPolicy: 'Local' }), expected: [] },
      'loadBalancerIP empty is accepted': { base: lb, mutate: (o) => (o.spec.loadBalancerIP = ''), expected: [] },
      'loadBalancerIP set is not supported': { base: lb, mutate: (o) => (o.spec.loadBalancerIP = '192.168.1.5'), expected: [{ path: 'spec.loadBalancerIP', message: 'Unsupported value: not supported by k1s yet (refused rather than ignored)' }] },
    },
    errorsOf,
  );
});

test('status validation: ip, ipMode, hostname, and only on a LoadBalancer', () => {
  const withIngress = (type: string, ingress: unknown[]) => ({ ...(lb() as unknown as Service), spec: { ...(lb() as unknown as Service).spec, type }, status: { loadBalancer: { ingress } } }) as Service;
  assert.deepEqual(validateLoadBalancerStatus(withIngress('LoadBalancer', [{ ip: '192.168.1.5', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }])), []);
  assert.deepEqual(
    validateLoadBalancerStatus(withIngress('LoadBalancer', [{ ip: 'x', ipMode: 'VIP' }, { ip: '1.2.3.4', ipMode: 'Tunnel' }, { hostname: 'h.example', ipMode: 'VIP' }, { ip: '1.2.3.5' }, { hostname: '1.2.3.4' }])),
    [
      { path: 'status.loadBalancer.ingress[0].ip', message: 'Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' },
      { path: 'status.loadBalancer.ingress[1].ipMode', message: 'Unsupported value: "Tunnel": supported values: "Proxy", "VIP"' },
      { path: 'status.loadBalancer.ingress[2].ipMode', message: 'Forbidden: may not be specified when `ip` is not set' },
      { path: 'status.loadBalancer.ingress[3].ipMode', message: 'Required value: must be specified when `ip` is set' },
      { path: 'status.loadBalancer.ingress[4].hostname', message: 'Invalid value: "1.2.3.4": must be a DNS name, not an IP address' },
    ],
  );
  assert.deepEqual(validateLoadBalancerStatus(withIngress('ClusterIP', [{ ip: '1.2.3.4', ipMode: 'VIP' }])), [
    { path: 'status.loadBalancer.ingress', message: "Forbidden: may only be used when `spec.type` is 'LoadBalancer'" },
  ]);
  // the kind's status strategy runs it
  assert.equal(byKind('Service')!.validateStatusUpdate!(withIngress('NodePort', [{ ip: '1.2.3.4', ipMode: 'VIP' }]) as never, lb() as never).length, 1);
});

test('loadBalancerClass may not change while the Service stays a LoadBalancer; it may be set when it becomes one', () => {
  const a = defaulted(lb());
  const b = structuredClone(a);
  b.spec.loadBalancerClass = 'example.com/lb';
  assert.deepEqual(validateLoadBalancerClassUpdate(b, a), [{ path: 'spec.loadBalancerClass', message: 'Invalid value: "example.com/lb": may not change once set' }]);
  const c = defaulted(cip());
  assert.deepEqual(validateLoadBalancerClassUpdate(b, c), []);
});

test('source ranges as kube-proxy reads them: the field, else the annotation', () => {
  const s = lb() as unknown as Service;
  assert.deepEqual(loadBalancerSourceRanges(s), []);
  s.metadata.annotations = { 'service.beta.kubernetes.io/load-balancer-source-ranges': ' 10.0.0.0/8 ,192.168.0.0/16' };
  assert.deepEqual(loadBalancerSourceRanges(s), ['10.0.0.0/8', '192.168.0.0/16']);
  s.spec.loadBalancerSourceRanges = [' 172.16.0.0/12'];
  assert.deepEqual(loadBalancerSourceRanges(s), ['172.16.0.0/12']);
});

test('type change LoadBalancer -> ClusterIP: fields the writer kept as stored are dropped, changed ones are left to validation', () => {
  const stored = defaulted(lb());
  Object.assign(stored.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 30100, loadBalancerClass: 'example.com/lb' });
  stored.spec.ports![0].nodePort = 30080;
  const body = structuredClone(stored) as unknown as AnyObject;
  (body as unknown as Service).spec.type = 'ClusterIP';
  const dropped = dropTypeDependentFields(body, stored) as Service;
  assert.equal(dropped.spec.allocateLoadBalancerNodePorts, undefined);
  assert.equal(dropped.spec.healthCheckNodePort, undefined);
  assert.equal(dropped.spec.loadBalancerClass, undefined);
  assert.equal(dropped.spec.externalTrafficPolicy, undefined);
  assert.equal(dropped.spec.ports![0].nodePort, undefined);
  assert.deepEqual(errorsOf(dropped as unknown as AnyObject), []);
  // a node port the writer changed stays, and is refused
  (body as unknown as Service).spec.ports![0].nodePort = 30081;
  const kept = dropTypeDependentFields(body, stored) as Service;
  assert.equal(kept.spec.ports![0].nodePort, 30081);
  assert.equal(errorsOf(kept as unknown as AnyObject)[0].path, 'spec.ports[0].nodePort');
  // nothing is dropped while it stays a LoadBalancer with Local policy
  const same = dropTypeDependentFields(structuredClone(stored), stored) as Service;
  assert.deepEqual(same.spec, stored.spec);
});

const cfg: AllocatorConfig = { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 30003 }, reservedIPs: [] };

test('allocateLoadBalancerNodePorts false: no node port picked, one given is kept', () => {
  const s = defaulted(lb());
  s.spec.allocateLoadBalancerNodePorts = false;
  s.spec.ports = [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'b', port: 81, protocol: 'TCP', nodePort: 30002 }];
  assert.deepEqual(allocateServiceAddresses(s, undefined, [], cfg), []);
  assert.deepEqual(s.spec.ports.map((p) => p.nodePort), [undefined, 30002]);
  const t = defaulted(lb());
  assert.deepEqual(allocateServiceAddresses(t, undefined, [], cfg, () => 0), []);
  assert.equal(t.spec.ports![0].nodePort, 30000);
});

test('healthCheckNodePort: picked for LoadBalancer + Local apart from node ports, kept on update, checked when given, released when not needed', () => {
  const s = defaulted(lb());
  s.spec.externalTrafficPolicy = 'Local';
  s.metadata.uid = 'a';
  assert.deepEqual(allocateServiceAddresses(s, undefined, [], cfg, () => 0), []);
  assert.equal(s.spec.ports![0].nodePort, 30000);
  assert.equal(s.spec.healthCheckNodePort, 30001);
  // another Service's picks avoid both
  const o = defaulted(lb());
  o.spec.externalTrafficPolicy = 'Local';
  assert.deepEqual(allocateServiceAddresses(o, undefined, [s], cfg, () => 0), []);
  assert.deepEqual([o.spec.ports![0].nodePort, o.spec.healthCheckNodePort], [30002, 30003]);
  // an update that omits it keeps it
  const upd = structuredClone(s);
  delete upd.spec.healthCheckNodePort;
  assert.deepEqual(allocateServiceAddresses(upd, s, [o], cfg), []);
  assert.equal(upd.spec.healthCheckNodePort, 30001);
  // given: taken or out of range
  const taken = defaulted(lb());
  Object.assign(taken.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 30001 });
  assert.deepEqual(allocateServiceAddresses(taken, undefined, [s], cfg).map((e) => e.message), ['Invalid value: 30001: provided port is already allocated']);
  const outside = defaulted(lb());
  Object.assign(outside.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 80 });
  assert.match(allocateServiceAddresses(outside, undefined, [], cfg)[0].message, /not in the valid range\. The range of valid ports is 30000-30003/);
  // Cluster policy: none
  const cluster = structuredClone(s);
  cluster.spec.externalTrafficPolicy = 'Cluster';
  delete cluster.spec.healthCheckNodePort;
  assert.deepEqual(allocateServiceAddresses(cluster, s, [], cfg), []);
  assert.equal(cluster.spec.healthCheckNodePort, undefined);
});

test("EXTERNAL-IP as kube's printer: the ingress IPs (else hostnames) sorted, then externalIPs; <pending> without", () => {
  const row = (svc: Service) => byKind('Service')!.printer.row(svc as never, new Date())[3];
  const s = defaulted(lb());
  assert.equal(row(s), '<pending>');
  s.status = { loadBalancer: { ingress: [{ ip: '192.168.1.9', ipMode: 'VIP' }, { ip: '10.0.0.5', ipMode: 'VIP' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.5', ipMode: 'VIP' }] } };
  assert.equal(row(s), '10.0.0.5,192.168.1.9,lb.example.com');
  s.spec.externalIPs = ['198.51.100.1'];
  assert.equal(row(s), '10.0.0.5,192.168.1.9,lb.example.com,198.51.100.1');
});
