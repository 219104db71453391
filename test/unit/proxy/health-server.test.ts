import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthBody, healthChecks } from '../../../proxy/health-server.js';
import type { Service } from '../../../src/api/types.js';
import { endpoints, service } from './fixtures.js';

const lb = (name: string, policy: 'Cluster' | 'Local', hc?: number, type: Service['spec']['type'] = 'LoadBalancer'): Service => {
  const s = service(name, '10.96.0.20', [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'https', port: 443, protocol: 'TCP', nodePort: 30443 }], { type, externalTrafficPolicy: policy });
  if (hc) (s.spec as { healthCheckNodePort?: number }).healthCheckNodePort = hc;
  return s;
};
const both = [{ name: 'http', port: 8080 }, { name: 'https', port: 8443 }];

test('which Services get a health check node port, and their local ready endpoints (kube-proxy NeedsHealthCheck, LocalReadyEndpoints), table', () => {
  const cases: [string, Service[], ReturnType<typeof endpoints>, [string, { port: number; localEndpoints: number }][]][] = [
    ['LoadBalancer + Local: counted once per IP across ports', [lb('web', 'Local', 31000)], endpoints('web', [{ ips: ['10.244.0.2', '10.244.0.3'], ports: both }]), [['default/web', { port: 31000, localEndpoints: 2 }]]],
    ['not ready and terminating endpoints do not count', [lb('web', 'Local', 31000)], endpoints('web', [{ ips: ['10.244.0.2'], notReady: ['10.244.0.4'], terminating: ['10.244.0.5'], ports: both }]), [['default/web', { port: 31000, localEndpoints: 1 }]]],
    ['only terminating ones left: 0 (the node must fail its check)', [lb('web', 'Local', 31000)], endpoints('web', [{ ips: [], terminating: ['10.244.0.5'], ports: both }]), [['default/web', { port: 31000, localEndpoints: 0 }]]],
    ['no slices at all: 0', [lb('web', 'Local', 31000)], [], [['default/web', { port: 31000, localEndpoints: 0 }]]],
    ['Cluster policy: none', [lb('web', 'Cluster', 31000)], endpoints('web', [{ ips: ['10.244.0.2'], ports: both }]), []],
    ['NodePort + Local: none (only LoadBalancers have one)', [lb('web', 'Local', 31000, 'NodePort')], [], []],
    ['no port allocated: none', [lb('web', 'Local')], [], []],
  ];
  for (const [name, services, slices, want] of cases) {
    assert.deepEqual([...healthChecks(services, slices)], want, name);
  }
});

test("the body is kube-proxy's, tab-indented", () => {
  assert.equal(
    healthBody('shop/web', 2, true),
    '{\n\t"service": {\n\t\t"namespace": "shop",\n\t\t"name": "web"\n\t},\n\t"localEndpoints": 2,\n\t"serviceProxyHealthy": true\n}',
  );
  assert.deepEqual(JSON.parse(healthBody('shop/web', 0, false)), { service: { namespace: 'shop', name: 'web' }, localEndpoints: 0, serviceProxyHealthy: false });
});
