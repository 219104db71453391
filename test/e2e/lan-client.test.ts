// The seed notes' NodePort Service (../shared/seeds/001: port 8081, targetPort 80, nodePort 32002)
// reached as users reach it: on 127.0.0.1, on the host's own address, and from "another machine on
// the LAN" (a network namespace this test makes, joined to the host by a veth pair with its own
// addresses, its default route through the host). Then the same with the firewalls users have:
// the FORWARD policy DROP (Docker sets it; set here explicitly) and Docker 28's isolation rules,
// which drop traffic into the bridge from other interfaces and packets addressed straight to
// container addresses (reproduced here in chains of the test's own, since Docker 28 cannot be
// installed on this machine; they are removed at the end, as is the namespace).
//
// Traffic goes only to the host's own addresses, from the test's own namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BUSYBOX_INDEX_HTML } from '../fixtures/images.js';
import { engineSuite } from './engine-suite.js';
import { ROOT } from './harness.js';
import { addDocker28Rules, docker28RawDrops, forwardPolicy, hostAddress, lanClient, quietly, removeDocker28Rules, sh } from './lan-netns.js';

const lan = lanClient('lan', 10 + (process.pid % 100));
const HOST_SIDE = lan.hostSide;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: myapp}
spec:
  replicas: 2
  selector: {matchLabels: {app: myapp}}
  template:
    metadata: {labels: {app: myapp}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: myapp-container
        image: k1s.local/busybox:1.36
        command: [httpd, -f, -p, "80", -h, /www]
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata:
  name: myapp-service-np
spec:
  type: NodePort
  selector:
    app: myapp
  ports:
    - protocol: TCP
      port: 8081      # Service is accessible inside cluster at this port
      targetPort: 80  # Container inside the Pod listens on port 80
      nodePort: 32002 # Static port exposed on all nodes
`;

describe('the seed NodePort Service from the host and from another machine on the LAN, through the firewalls users have', { skip: process.getuid?.() !== 0 && 'needs root (ip netns, iptables)' }, () => {
  const s = engineSuite({ deleteFirst: ['deployments'] });
  let policy = '';

  before(() => {
    policy = forwardPolicy();
    lan.create();
  });

  after(() => {
    removeDocker28Rules();
    if (policy) quietly('iptables', ['-P', 'FORWARD', policy]);
    lan.remove();
  });

  test('applied as the notes write it; kubectl and k1s show 8081:32002/TCP', () => {
    assert.match(s.ok(['apply', '-f', '-'], MANIFEST), /service\/myapp-service-np created/);
    assert.match(s.ok(['rollout', 'status', 'deployment/myapp', '--timeout=90s']), /successfully rolled out/);
    assert.match(s.ok(['get', 'svc', 'myapp-service-np']), /^myapp-service-np\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+8081:32002\/TCP\s+\S+\n$/m);
    const k1s = spawnSync(join(ROOT, 'bin/k1s'), ['get', 'svc', 'myapp-service-np', '--kubeconfig', s.h.kubeconfig], { encoding: 'utf8' });
    assert.match(k1s.stdout, /8081:32002\/TCP/, k1s.stderr);
  });

  test('answers on 127.0.0.1, on the host address, and from the LAN client (policy as Docker left it)', async () => {
    // the proxy programs the endpoints a moment after the pods are Ready
    for (const deadline = Date.now() + 10_000; lan.get('http://127.0.0.1:32002/', false) !== BUSYBOX_INDEX_HTML; ) {
      assert.ok(Date.now() < deadline, 'the node port answers on 127.0.0.1 within 10 s of the rollout');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(lan.get(`http://${hostAddress()}:32002/`, false), BUSYBOX_INDEX_HTML);
    assert.equal(lan.get(`http://${HOST_SIDE}:32002/`, true), BUSYBOX_INDEX_HTML, 'the LAN client through the host address on its link');
    assert.equal(lan.get(`http://${hostAddress()}:32002/`, true), BUSYBOX_INDEX_HTML, "the LAN client through the host's main address");
  });

  test('FORWARD policy DROP: still answers from the LAN client', () => {
    sh('iptables', ['-P', 'FORWARD', 'DROP']);
    for (let i = 0; i < 5; i++) assert.equal(lan.get(`http://${HOST_SIDE}:32002/`, true), BUSYBOX_INDEX_HTML, `request ${i}`);
  });

  test("Docker 28's isolation rules: the NodePort still answers from the LAN client; a pod's address straight from the LAN does not", () => {
    addDocker28Rules();
    try {
      for (let i = 0; i < 5; i++) assert.equal(lan.get(`http://${HOST_SIDE}:32002/`, true), BUSYBOX_INDEX_HTML, `request ${i}`);
      assert.equal(lan.get('http://127.0.0.1:32002/', false), BUSYBOX_INDEX_HTML);
      // the rules are really there and really drop: a pod's own address, from the LAN, meets them
      sh('ip', ['-n', lan.ns, 'route', 'add', '10.244.0.0/16', 'via', HOST_SIDE]);
      const podIP = s.jsonpath(['pods', '-l', 'app=myapp'], '{.items[0].status.podIP}');
      assert.equal(lan.get(`http://${podIP}:80/`, true), undefined);
      assert.ok(docker28RawDrops() > 0, 'the reproduced raw rule dropped the packets to the pod address');
    } finally {
      removeDocker28Rules();
    }
  });
});
