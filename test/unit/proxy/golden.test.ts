// Golden tests of the WHOLE generated payload, one per kind of Service (issue 8's table). Each
// golden file was generated, then read line by line against kube-proxy's iptables mode; a change
// in the rules shows up here as a diff to review. Regenerate deliberately with
//   K1S_UPDATE_GOLDEN=1 node --test dist/test/unit/proxy/golden.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildRules } from '../../../proxy/rules.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { config, DOCKER_ONLY, endpoints, service } from './fixtures.js';

const GOLDEN = new URL('../../../../test/fixtures/proxy-golden/', import.meta.url);

const withSpec = (svc: Service, spec: Partial<Service['spec']>): Service => ({ ...svc, spec: { ...svc.spec, ...spec } });
const NODE_IP = '192.168.1.10';
type Ingress = NonNullable<NonNullable<NonNullable<Service['status']>['loadBalancer']>['ingress']>;
const withStatus = (svc: Service, ingress: Ingress): Service => ({ ...svc, status: { loadBalancer: { ingress } } });
const twoPods = (name: string, port: number, portName?: string) => endpoints(name, [{ ips: ['10.244.0.2', '10.244.0.3'], ports: [{ name: portName, port }] }]);

const handWritten: EndpointSlice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'legacy-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'legacy' } },
  addressType: 'IPv4',
  endpoints: [{ addresses: ['192.168.1.20'] }],
  ports: [{ name: '', protocol: 'TCP', port: 8000 }],
};

const cases: { name: string; services: Service[]; slices: EndpointSlice[]; sctp?: boolean; skipped?: string[] }[] = [
  { name: 'clusterip', services: [service('web', '10.96.0.20', [{ port: 80, targetPort: 8080 }])], slices: twoPods('web', 8080) },
  // the seed 001 example: 8081:32002/TCP -> 80
  { name: 'nodeport', services: [service('hello', '10.96.0.21', [{ port: 8081, targetPort: 80, nodePort: 32002 }], { type: 'NodePort' })], slices: twoPods('hello', 80) },
  {
    name: 'several-ports',
    services: [service('app', '10.96.0.22', [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'metrics', port: 9090, targetPort: 9100 }])],
    slices: endpoints('app', [{ ips: ['10.244.0.2', '10.244.0.3'], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }] }]),
  },
  // targetPort "web" resolved per pod: one pod listens on 8080, the other on 8081 (one slice each)
  {
    name: 'named-targetport',
    services: [service('named', '10.96.0.23', [{ name: 'http', port: 80, targetPort: 'web' }])],
    slices: endpoints('named', [
      { ips: ['10.244.0.2'], ports: [{ name: 'http', port: 8080 }] },
      { ips: ['10.244.0.3'], ports: [{ name: 'http', port: 8081 }] },
    ]),
  },
  {
    name: 'clientip-affinity',
    services: [withSpec(service('sticky', '10.96.0.24', [{ port: 80, targetPort: 8080 }]), { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })],
    slices: twoPods('sticky', 8080),
  },
  {
    name: 'local-policy',
    services: [service('keep', '10.96.0.25', [{ port: 80, targetPort: 8080, nodePort: 30025 }], { type: 'NodePort', externalTrafficPolicy: 'Local' })],
    slices: twoPods('keep', 8080),
  },
  {
    name: 'no-endpoints',
    services: [withSpec(service('empty', '10.96.0.26', [{ port: 80, targetPort: 8080, nodePort: 30026 }], { type: 'NodePort' }), { externalIPs: ['192.0.2.10'] })],
    slices: endpoints('empty', [{ ips: [], notReady: ['10.244.0.2'], ports: [{ port: 8080 }] }]),
  },
  { name: 'headless', services: [service('db', 'None', [{ port: 5432 }])], slices: twoPods('db', 5432) },
  {
    name: 'externalname',
    services: [{ ...service('ext', '', [{ port: 80 }]), spec: { type: 'ExternalName', externalName: 'example.org' } }],
    slices: [],
  },
  {
    name: 'external-ips',
    services: [
      withSpec(service('eip', '10.96.0.27', [{ port: 80, targetPort: 8080 }]), { externalIPs: ['192.0.2.10', '198.51.100.7'] }),
      withSpec(service('eip-local', '10.96.0.28', [{ port: 81, targetPort: 8080, nodePort: 30028 }], { type: 'NodePort', externalTrafficPolicy: 'Local' }), { externalIPs: ['192.0.2.10'] }),
    ],
    slices: [...twoPods('eip', 8080), ...twoPods('eip-local', 8080)],
  },
  { name: 'udp', services: [service('dns', '10.96.0.29', [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }])], slices: endpoints('dns', [{ ips: ['10.244.0.2'], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }] }]) },
  // no selector, a slice written by hand (no managed-by label) pointing at a process on the LAN
  { name: 'selectorless', services: [service('legacy', '10.96.0.30', [{ port: 80, targetPort: 8000 }])], slices: [handWritten] },
  // a rollout's old pod in its grace period is the only one serving: it keeps the service answering
  {
    name: 'terminating-fallback',
    services: [service('drain', '10.96.0.31', [{ port: 80, targetPort: 8080 }])],
    slices: endpoints('drain', [{ ips: [], notReady: ['10.244.0.3'], terminating: ['10.244.0.2'], ports: [{ port: 8080 }] }]),
  },
  // k1s's ServiceLB wrote the node address into the status; a Proxy-mode ingress and a pending
  // (no ingress) LoadBalancer get no LoadBalancer rules; one without endpoints is refused there too
  {
    name: 'loadbalancer',
    services: [
      withStatus(service('lb', '10.96.0.40', [{ port: 80, targetPort: 8080, nodePort: 30040 }], { type: 'LoadBalancer' }), [{ ip: NODE_IP, ipMode: 'VIP' }]),
      withStatus(withSpec(service('lb-local', '10.96.0.41', [{ port: 81, targetPort: 8080 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }), { allocateLoadBalancerNodePorts: false, healthCheckNodePort: 30041 }), [{ ip: NODE_IP, ipMode: 'VIP' }]),
      withStatus(service('lb-proxy', '10.96.0.42', [{ port: 82, targetPort: 8080, nodePort: 30042 }], { type: 'LoadBalancer' }), [{ ip: '203.0.113.9', ipMode: 'Proxy' }]),
      service('lb-pending', '10.96.0.43', [{ port: 80, targetPort: 8080, nodePort: 30043 }], { type: 'LoadBalancer' }),
      withStatus(service('lb-empty', '10.96.0.44', [{ port: 83, targetPort: 8080, nodePort: 30044 }], { type: 'LoadBalancer' }), [{ ip: NODE_IP, ipMode: 'VIP' }]),
    ],
    slices: [...twoPods('lb', 8080), ...twoPods('lb-local', 8080), ...twoPods('lb-proxy', 8080), ...twoPods('lb-pending', 8080)],
  },
  // loadBalancerSourceRanges (normalized as iptables prints them) and the annotation kube-proxy reads
  {
    name: 'lb-source-ranges',
    services: [
      withStatus(withSpec(service('fw', '10.96.0.45', [{ port: 80, targetPort: 8080, nodePort: 30045 }], { type: 'LoadBalancer' }), { loadBalancerSourceRanges: ['10.1.2.3/8', ' 198.18.7.2/32', '2001:db8::/64'] }), [{ ip: NODE_IP, ipMode: 'VIP' }]),
      withStatus(
        { ...service('fw-ann', '10.96.0.46', [{ port: 81, targetPort: 8080, nodePort: 30046 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }), metadata: { name: 'fw-ann', namespace: 'default', annotations: { 'service.beta.kubernetes.io/load-balancer-source-ranges': '192.168.0.0/16' } } },
        [{ ip: NODE_IP, ipMode: 'VIP' }],
      ),
    ],
    slices: [...twoPods('fw', 8080), ...twoPods('fw-ann', 8080)],
  },
  { name: 'sctp', sctp: true, services: [service('sig', '10.96.0.32', [{ port: 3868, protocol: 'SCTP' }])], slices: endpoints('sig', [{ ips: ['10.244.0.2'], ports: [{ port: 3868, protocol: 'SCTP' }] }]) },
  {
    name: 'sctp-unavailable',
    sctp: false,
    services: [service('sig', '10.96.0.32', [{ port: 3868, protocol: 'SCTP' }])],
    slices: endpoints('sig', [{ ips: ['10.244.0.2'], ports: [{ port: 3868, protocol: 'SCTP' }] }]),
    skipped: ["default/sig: SCTP is not available in this kernel's netfilter (no sctp match)"],
  },
];

for (const c of cases) {
  test(`golden payload: ${c.name}`, () => {
    const r = buildRules({ services: c.services, slices: c.slices, existing: DOCKER_ONLY, config, host: { sctp: c.sctp ?? false } });
    assert.deepEqual(r.skipped, c.skipped ?? []);
    const file = new URL(`${c.name}.txt`, GOLDEN);
    if (process.env.K1S_UPDATE_GOLDEN === '1' || !existsSync(file)) {
      if (process.env.K1S_UPDATE_GOLDEN !== '1') assert.fail(`golden file ${c.name}.txt missing: run with K1S_UPDATE_GOLDEN=1 and review it`);
      writeFileSync(file, r.payload);
    }
    assert.equal(r.payload, readFileSync(file, 'utf8'));
  });
}
