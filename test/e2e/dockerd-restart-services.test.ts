// Issue 8: "nothing of ours is lost when Docker restarts and rewrites its chains". The real dockerd
// stopped and started again under a running `k1s server`: Docker puts its own jumps back at the top
// of FORWARD and rebuilds its chains, every container stops and the pods come back on new
// containers (new addresses, maybe). Afterwards a NodePort serves the LAN client again, and the
// guard is the first thing forwarded packets meet, without anyone touching k1s.
//
// Stopping dockerd stops every container on the machine: CI only, or K1S_TEST_DOCKERD_RESTART=1
// (test/fixtures/dockerd.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { ourDockerd, startDockerd } from '../fixtures/dockerd.js';
import { engineSuite } from './engine-suite.js';
import { sleep, waitFor } from './harness.js';
import { lanClient, sh } from './lan-netns.js';

const NODE_PORT = 31821;
const lan = lanClient('drs', 250 + (process.pid % 6));
const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${BUSYBOX_IMAGE}
        command: [sh, -c, 'mkdir -p /tmp/w && hostname > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w']
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: ${NODE_PORT}}]
`;

const found = ourDockerd();
const skip = process.getuid?.() !== 0 ? 'needs root (ip netns, iptables)' : typeof found === 'string' ? found : false;

describe('Services after dockerd restarts under a running server', { skip, timeout: 240_000 }, () => {
  const s = engineSuite({ deleteFirst: ['deployments'] });
  const docker = new Docker();
  const pinged = () => docker.ping().then(() => true, () => false);
  const pods = () => s.jsonpath(['pods', '-l', 'app=web'], '{.items[*].metadata.name}').split(' ').filter(Boolean);
  const rulesOf = (chain: string) => sh('iptables', ['-w', '-S', chain]).split('\n').filter((l) => l.startsWith('-A '));

  test('a NodePort serves the LAN client', async () => {
    lan.create();
    s.ok(['apply', '-f', '-'], MANIFEST);
    s.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']);
    const names = pods();
    await waitFor('the LAN client served', () => names.includes(lan.get(`http://${lan.hostSide}:${NODE_PORT}/`, true, 2)?.trim() ?? ''), 15_000, 100);
  });

  test('dockerd stopped and started: the pods come back and the LAN client is served again, the guard first in FORWARD', async (t) => {
    const engine = found as { pid: number; argv: string[] };
    try {
      process.kill(engine.pid, 'SIGTERM');
      await waitFor('dockerd exited', () => !existsSync(`/proc/${engine.pid}`), 60_000, 100);
      await sleep(1_000);
      const started = Date.now();
      startDockerd(engine.argv);
      await waitFor('dockerd answers', pinged, 60_000, 100);
      t.diagnostic(`dockerd answers ${Date.now() - started} ms after its start`);
      // Docker's own jumps were put back at the top on its start; ours go back above them at the
      // proxy's next check (every 1.5 s), with the guard first in any case (DOCKER-USER's first rule)
      await waitFor('the pods Ready again', () => s.kubectl(['rollout', 'status', 'deployment/web', '--timeout=1s']).code === 0 && pods().length === 2, 90_000, 500);
      const names = pods();
      await waitFor('the LAN client served again', () => names.includes(lan.get(`http://${lan.hostSide}:${NODE_PORT}/`, true, 2)?.trim() ?? ''), 15_000, 100);
      t.diagnostic(`the LAN client served again ${Date.now() - started} ms after dockerd's start`);
      await waitFor('our jumps back on top of FORWARD', () => /-j K1S-GUARD$/.test(rulesOf('FORWARD')[0]), 5_000, 100);
      assert.match(rulesOf('DOCKER-USER')[0], /-j K1S-GUARD$/, "and the guard first in Docker's DOCKER-USER");
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) seen.add(lan.get(`http://${lan.hostSide}:${NODE_PORT}/`, true, 2)?.trim() ?? 'failed');
      assert.deepEqual([...seen].sort(), names.sort(), 'both new pods serve, nothing fails');
    } finally {
      if (!(await pinged())) {
        startDockerd(engine.argv);
        await waitFor('dockerd answers', pinged, 60_000, 200);
      }
      lan.remove();
    }
  });
});
