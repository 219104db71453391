// type LoadBalancer on the real server with the real kubectl, as k3s's ServiceLB does it on a bare
// host: EXTERNAL-IP is the Node's address and the service port answers there from the host and
// from another machine on the LAN (lan-netns.ts's namespace); a second LoadBalancer on the same port,
// or one on a port a host process listens on, stays <pending> with the event `kubectl describe`
// shows, and gets the address once the port frees; loadBalancerSourceRanges keep the LAN client
// out while the host still gets in; allocateLoadBalancerNodePorts false allocates no node port;
// a Local one's healthCheckNodePort answers the LAN, also where INPUT drops everything else.
//
// Traffic goes only to the host's own addresses, from the test's own namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BUSYBOX_INDEX_HTML } from '../fixtures/images.js';
import { engineSuite } from './engine-suite.js';
import { lanClient, quietly, sh } from './lan-netns.js';

const lan = lanClient('lb', 210 + (process.pid % 40));
/** the test's own chain (not K1S-: the proxy owns those) */
const INPUT_DROP = 'K1STEST-INDROP';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: lbweb}
spec:
  replicas: 1
  selector: {matchLabels: {app: lbweb}}
  template:
    metadata: {labels: {app: lbweb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: k1s.local/busybox:1.36
        command: [httpd, -f, -p, "80", -h, /www]
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
`;

function lbService(name: string, port: number, extra = ''): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  type: LoadBalancer
  selector: {app: lbweb}
  ports: [{port: ${port}, targetPort: 80}]
${extra}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('type LoadBalancer: the host address as EXTERNAL-IP, ports first come first served', { skip: process.getuid?.() !== 0 && 'needs root (ip netns, iptables)' }, () => {
  const s = engineSuite({ deleteFirst: ['deployments', 'services'] });
  let nodeIP = '';
  let hostProcess: ChildProcess | undefined;

  /** EXTERNAL-IP of `kubectl get svc` (the server-side table's column). */
  const externalIP = (name: string) => s.ok(['get', 'svc', name, '--no-headers']).trim().split(/\s+/)[3];
  async function waitExternalIP(name: string, want: string, ms = 15_000): Promise<void> {
    for (const deadline = Date.now() + ms; externalIP(name) !== want; ) {
      assert.ok(Date.now() < deadline, `${name}'s EXTERNAL-IP becomes ${want} within ${ms} ms (is ${externalIP(name)})`);
      await sleep(200);
    }
  }
  async function answers(url: string, fromLan: boolean, ms = 10_000): Promise<void> {
    for (const deadline = Date.now() + ms; lan.get(url, fromLan) !== BUSYBOX_INDEX_HTML; ) {
      assert.ok(Date.now() < deadline, `${url} answers from ${fromLan ? 'the LAN client' : 'the host'} within ${ms} ms`);
      await sleep(200);
    }
  }

  before(() => lan.create());
  after(() => {
    hostProcess?.kill('SIGKILL');
    lan.remove();
  });

  test("a LoadBalancer's EXTERNAL-IP is the Node's address; curl from the host and from the LAN client answers", async () => {
    s.ok(['apply', '-f', '-'], DEPLOYMENT);
    assert.match(s.ok(['rollout', 'status', 'deployment/lbweb', '--timeout=90s']), /successfully rolled out/);
    nodeIP = s.jsonpath(['node'], '{.items[0].status.addresses[?(@.type=="InternalIP")].address}');
    assert.match(nodeIP, /^\d+\.\d+\.\d+\.\d+$/);
    s.ok(['apply', '-f', '-'], lbService('lb1', 8090));
    await waitExternalIP('lb1', nodeIP);
    assert.equal(s.jsonpath(['svc', 'lb1'], '{.status.loadBalancer.ingress[0].ipMode}'), 'VIP');
    assert.match(s.ok(['get', 'svc', 'lb1', '-o', 'jsonpath={.spec.ports[0].nodePort}']), /^3\d{4}$/, 'a node port by default');
    await answers(`http://${nodeIP}:8090/`, false);
    await answers(`http://${nodeIP}:8090/`, true);
    assert.match(s.ok(['describe', 'svc', 'lb1']), /EnsuredLoadBalancer\s+\S+\s+service-controller\s+Ensured load balancer/);
  });

  test('a second LoadBalancer on the same port stays <pending> with the event, and gets the address when the first is deleted', async () => {
    s.ok(['apply', '-f', '-'], lbService('lb2', 8090));
    for (const deadline = Date.now() + 10_000; !/SyncLoadBalancerFailed/.test(s.ok(['describe', 'svc', 'lb2'])); ) {
      assert.ok(Date.now() < deadline, 'the SyncLoadBalancerFailed event within 10 s');
      await sleep(200);
    }
    assert.equal(externalIP('lb2'), '<pending>');
    assert.match(s.ok(['describe', 'svc', 'lb2']), /Warning\s+SyncLoadBalancerFailed\s+\S+\s+service-controller\s+Error syncing load balancer: failed to ensure load balancer: port 8090\/TCP is already used by Service default\/lb1/);
    s.ok(['delete', 'svc', 'lb1']);
    await waitExternalIP('lb2', nodeIP);
    await answers(`http://${nodeIP}:8090/`, true);
    s.ok(['delete', 'svc', 'lb2']);
  });

  test('a LoadBalancer on a port a host process listens on stays <pending> until the process stops', async () => {
    hostProcess = spawn('python3', ['-m', 'http.server', '8091', '--bind', '0.0.0.0'], { stdio: 'ignore', cwd: '/tmp' });
    for (const deadline = Date.now() + 10_000; lan.get('http://127.0.0.1:8091/', false, 1) === undefined; ) {
      assert.ok(Date.now() < deadline, 'the host process listens within 10 s');
      await sleep(100);
    }
    s.ok(['apply', '-f', '-'], lbService('lb3', 8091));
    for (const deadline = Date.now() + 10_000; !/SyncLoadBalancerFailed/.test(s.ok(['describe', 'svc', 'lb3'])); ) {
      assert.ok(Date.now() < deadline, 'the SyncLoadBalancerFailed event within 10 s');
      await sleep(200);
    }
    assert.match(s.ok(['describe', 'svc', 'lb3']), /port 8091\/TCP is already used by a process on the host listening on (0\.0\.0\.0|\[::\]):8091/);
    await sleep(4000); // a re-check or more: still pending
    assert.equal(externalIP('lb3'), '<pending>');
    hostProcess.kill('SIGTERM');
    await new Promise((r) => hostProcess!.once('exit', r));
    hostProcess = undefined;
    await waitExternalIP('lb3', nodeIP);
    await answers(`http://${nodeIP}:8091/`, false);
    s.ok(['delete', 'svc', 'lb3']);
  });

  test('loadBalancerSourceRanges leaving the LAN client out: it is refused while the host still answers', async () => {
    s.ok(['apply', '-f', '-'], lbService('lb4', 8092, '  loadBalancerSourceRanges: [192.0.2.0/24]\n'));
    await waitExternalIP('lb4', nodeIP);
    await answers(`http://${nodeIP}:8092/`, false);
    assert.equal(lan.get(`http://${nodeIP}:8092/`, true, 3), undefined, 'the LAN client is not in the ranges');
    // the same Service letting the LAN client's address in
    s.ok(['patch', 'svc', 'lb4', '--type=merge', '-p', JSON.stringify({ spec: { loadBalancerSourceRanges: ['192.0.2.0/24', `${lan.lanSide}/32`] } })]);
    await answers(`http://${nodeIP}:8092/`, true);
    s.ok(['delete', 'svc', 'lb4']);
  });

  test('allocateLoadBalancerNodePorts: false has no nodePort', async () => {
    s.ok(['apply', '-f', '-'], lbService('lb5', 8093, '  allocateLoadBalancerNodePorts: false\n'));
    const yaml = s.ok(['get', 'svc', 'lb5', '-o', 'yaml']);
    assert.match(yaml, /allocateLoadBalancerNodePorts: false/);
    assert.doesNotMatch(yaml, /nodePort:/);
    await waitExternalIP('lb5', nodeIP);
    await answers(`http://${nodeIP}:8093/`, true);
    assert.match(s.ok(['get', 'svc', 'lb5', '--no-headers']), /\s8093\/TCP\s/);
  });

  test("externalTrafficPolicy Local: the healthCheckNodePort answers kube-proxy's 200 from the LAN, and 503 once no endpoint is ready", async () => {
    s.ok(['apply', '-f', '-'], lbService('lb6', 8094, '  externalTrafficPolicy: Local\n'));
    const port = Number(s.jsonpath(['svc', 'lb6'], '{.spec.healthCheckNodePort}'));
    assert.ok(port >= 30000 && port <= 32767, `healthCheckNodePort ${port} is in the node port range`);
    const health = async (): Promise<{ status: number; body: unknown }> => {
      const res = await fetch(`http://${nodeIP}:${port}/`, { headers: { connection: 'close' } }).catch(() => undefined);
      return res ? { status: res.status, body: await res.json() } : { status: 0, body: undefined };
    };
    const want = (n: number) => ({ service: { namespace: 'default', name: 'lb6' }, localEndpoints: n, serviceProxyHealthy: true });
    for (const deadline = Date.now() + 10_000; (await health()).status !== 200; await sleep(200)) {
      assert.ok(Date.now() < deadline, 'the health check port answers 200 within 10 s');
    }
    assert.deepEqual(await health(), { status: 200, body: want(1) });
    assert.deepEqual(JSON.parse(lan.get(`http://${nodeIP}:${port}/`, true) ?? 'null'), want(1), 'from the LAN client too');
    // A host whose INPUT drops what it does not allow (here: everything from the LAN link, after
    // our jumps, as a DROP policy would): the health check port is still let in, another host port not.
    const other = createServer((_, res) => res.end('open\n')).listen(0, '0.0.0.0');
    await once(other, 'listening');
    sh('iptables', ['-w', '-N', INPUT_DROP]);
    try {
      sh('iptables', ['-w', '-A', INPUT_DROP, '-i', lan.hostVeth, '-j', 'DROP']);
      sh('iptables', ['-w', '-A', 'INPUT', '-j', INPUT_DROP]);
      assert.deepEqual(JSON.parse(lan.get(`http://${nodeIP}:${port}/`, true) ?? 'null'), want(1), 'the health check port from the LAN with INPUT dropping');
      assert.equal(lan.get(`http://${nodeIP}:${(other.address() as AddressInfo).port}/`, true, 2), undefined, 'another port of the host is dropped');
    } finally {
      quietly('iptables', ['-w', '-D', 'INPUT', '-j', INPUT_DROP]);
      quietly('iptables', ['-w', '-F', INPUT_DROP]);
      quietly('iptables', ['-w', '-X', INPUT_DROP]);
      other.close();
    }
    s.ok(['scale', 'deployment/lbweb', '--replicas=0']);
    for (const deadline = Date.now() + 15_000; (await health()).status !== 503; await sleep(200)) {
      assert.ok(Date.now() < deadline, 'no ready endpoint: 503 within 15 s');
    }
    assert.deepEqual((await health()).body, want(0));
    s.ok(['delete', 'svc', 'lb6']);
    for (const deadline = Date.now() + 10_000; (await health()).status !== 0; await sleep(200)) {
      assert.ok(Date.now() < deadline, 'the port is closed once the Service is gone');
    }
  });
});
