// Real kubectl against the in-process API server (no Docker, no controllers): the LoadBalancer
// fields of a Service as kubectl sends them (kubectl create service loadbalancer's protobuf body,
// apply's JSON), kube's validation wording, healthCheckNodePort allocation, a LoadBalancer turned
// into a ClusterIP Service by kubectl apply, and the EXTERNAL-IP column before and after a status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

const svc = (spec: string) => `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
${spec}`;

describe('kubectl: Service type LoadBalancer fields', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  before(async () => {
    h = await startApi();
  });
  after(async () => {
    await h?.stop();
  });

  test('kubectl create service loadbalancer: <pending>, a node port, allocateLoadBalancerNodePorts defaulted', async () => {
    assert.equal(await h.ok(['create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080']), 'service/lb created\n');
    assert.match(await h.ok(['get', 'svc', 'lb']), /^lb\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+<pending>\s+80:3\d{4}\/TCP\s+\d+s$/m);
    assert.equal(await h.ok(['get', 'svc', 'lb', '-o', 'jsonpath={.spec.allocateLoadBalancerNodePorts}']), 'true');
    assert.equal(await h.ok(['delete', 'svc', 'lb']), 'service "lb" deleted\n');
  });

  test("kube's words for bad LoadBalancer fields", async () => {
    const bad = await h.fails(['apply', '-f', '-'], svc('  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.1]\n  loadBalancerIP: 192.168.1.5\n'));
    assert.match(bad, /spec\.LoadBalancerSourceRanges\[0\]: Invalid value: "10\.0\.0\.1": must be a valid CIDR value, \(e\.g\. 10\.9\.8\.0\/24 or 2001:db8::\/64\)/);
    assert.match(bad, /spec\.loadBalancerIP: Unsupported value: not supported by k1s yet/);
    const notLB = await h.fails(['apply', '-f', '-'], svc('  allocateLoadBalancerNodePorts: false\n'));
    assert.match(notLB, /spec\.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'/);
  });

  test('Local policy gets a healthCheckNodePort; kubectl apply turns the LoadBalancer into a ClusterIP Service, dropping its LoadBalancer fields', async () => {
    await h.ok(['apply', '-f', '-'], svc('  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerClass: example.com/lb\n'));
    const hc = await h.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.healthCheckNodePort}']);
    assert.match(hc, /^3\d{4}$/);
    assert.notEqual(hc, await h.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']));
    const changed = await h.fails(['apply', '-f', '-'], svc('  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerClass: example.com/other\n'));
    assert.match(changed, /spec\.loadBalancerClass: Invalid value: "example\.com\/other": may not change once set/);
    assert.equal(await h.ok(['apply', '-f', '-'], svc('')), 'service/web configured\n');
    const spec = JSON.parse(await h.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec}']));
    assert.equal(spec.type, 'ClusterIP');
    for (const gone of ['healthCheckNodePort', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'externalTrafficPolicy']) assert.equal(spec[gone], undefined, gone);
    assert.equal(spec.ports[0].nodePort, undefined);
  });
});
