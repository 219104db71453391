// The walking skeleton end to end, on the real Docker engine and real iptables: the user's
// journey from `k1s apply` to a NodePort answered through iptables DNAT and a service name a pod
// resolves, then self-healing, deletion, restart with adoption, and cleanup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { UDPClient } from 'dns2';
import { ensureTestImages } from '../fixtures/images.js';
import { startFakeUpstream } from './upstream.js';
import { ROOT, ServerHarness, httpGet, sleep, waitFor } from './harness.js';

interface PodJSON {
  metadata: { name: string; uid: string; labels?: Record<string, string> };
  status?: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number; containerID?: string }[] };
}

const docker = new Docker();
const ready = (p: PodJSON) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const iptables = () => execFileSync('iptables-save', { encoding: 'utf8' });

describe('hello: a Deployment and a NodePort Service', () => {
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
  let h: ServerHarness;

  const helloPods = () => h.getJSON<{ items: PodJSON[] }>(['pods', '-l', 'app=hello']).items;
  const appContainers = async (podName?: string) =>
    docker.listContainers({
      all: true,
      filters: { label: ['io.k1s.managed=true', ...(podName ? [`io.k1s.pod.name=${podName}`] : [])] },
    });

  const routeLocalnet = () => readFileSync('/proc/sys/net/ipv4/conf/all/route_localnet', 'utf8').trim();
  let routeLocalnetBefore = '';

  before(async () => {
    routeLocalnetBefore = routeLocalnet();
    await ensureTestImages(docker);
    upstream = await startFakeUpstream({ 'outside.example.': '192.0.2.44' });
    h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
    await h.start();
  });

  after(async () => {
    await h?.stop();
    execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]); // pods' volume mounts too
    h?.removeDataDir();
    await upstream?.stop();
  });

  test('apply creates the objects and prints what it did', () => {
    const r = h.k1s(['apply', '-f', join(ROOT, 'test/fixtures/hello.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/hello created\nservice/hello created\n');
    const again = h.k1s(['apply', '-f', join(ROOT, 'test/fixtures/hello.yaml')]);
    assert.equal(again.stdout, 'deployment.apps/hello unchanged\nservice/hello unchanged\n');
  });

  test('two pods become Running and Ready with pod-network IPs', async () => {
    const pods = await waitFor('2 ready hello pods', () => {
      const items = helloPods();
      return items.length === 2 && items.every(ready) ? items : undefined;
    });
    for (const p of pods) assert.match(p.status!.podIP!, /^10\.244\.\d+\.\d+$/);
    const wide = h.k1s(['get', 'pods', '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    assert.match(wide.stdout, /hello-\S+\s+1\/1\s+Running\s+0\s/);
  });

  test('the NodePort on 127.0.0.1 and the ClusterIP answer, and both pods serve', async () => {
    const svc = h.getJSON<{ spec: { clusterIP: string } }>(['svc', 'hello']);
    assert.match(svc.spec.clusterIP, /^10\.96\.\d+\.\d+$/);
    await waitFor('the NodePort to answer', async () => (await httpGet('http://127.0.0.1:30080/')).body.startsWith('hello from'));
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { status, body } = await httpGet(i % 2 ? 'http://127.0.0.1:30080/' : `http://${svc.spec.clusterIP}:80/`);
      assert.equal(status, 200);
      seen.add(body.trim());
    }
    const names = helloPods().map((p) => `hello from ${p.metadata.name}`).sort();
    assert.deepEqual([...seen].sort(), names, 'over 50 requests both pods answer');
    // DNAT, not a userspace proxy: the service's chain carries its comment
    assert.match(iptables(), /-A K1S-SVC-\w+ .*default\/hello/);
  });

  test('a pod resolves and fetches the service by its DNS names', async () => {
    const [pod] = helloPods();
    const [c] = (await appContainers(pod.metadata.name)).filter((x) => x.Labels['io.k1s.container.name'] === 'web');
    const wget = (url: string) => execFileSync('docker', ['exec', c.Id, 'wget', '-q', '-O-', url], { encoding: 'utf8', timeout: 20_000 });
    assert.match(wget('http://hello.default.svc.cluster.local/'), /^hello from hello-/);
    assert.match(wget('http://hello/'), /^hello from hello-/);
    const resolv = execFileSync('docker', ['exec', c.Id, 'cat', '/etc/resolv.conf'], { encoding: 'utf8' });
    assert.match(resolv, /nameserver 10\.96\.0\.10/);
    assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    assert.match(resolv, /options ndots:5/);
    // a name outside the cluster, relayed to the (fake) upstream while this thread waits in execFileSync
    const outside = execFileSync('docker', ['exec', c.Id, 'nslookup', '-timeout=3', 'outside.example.'], { encoding: 'utf8', timeout: 20_000 });
    assert.match(outside, /Name:\s+outside\.example\s+Address:\s+192\.0\.2\.44/);
  });

  test('a headless Service answers a pod with every ready pod behind it (EndpointSlices to the DNS workers)', async () => {
    const pods = helloPods();
    const [c] = (await appContainers(pods[0].metadata.name)).filter((x) => x.Labels['io.k1s.container.name'] === 'web');
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: hello-headless}\nspec: {clusterIP: None, selector: {app: hello}, ports: [{name: http, port: 80, targetPort: 8080}]}\n';
    assert.equal(h.k1s(['apply', '-f', '-'], svc).code, 0);
    const want = pods.map((p) => p.status!.podIP!).sort();
    try {
      await waitFor('both pod IPs from nslookup in a pod', () => {
        const r = spawnSync('docker', ['exec', c.Id, 'nslookup', '-timeout=2', 'hello-headless.default.svc.cluster.local'], { encoding: 'utf8', timeout: 20_000 });
        const got = [...(r.stdout ?? '').matchAll(/Address:\s+(10\.244\.\d+\.\d+)/g)].map((m) => m[1]).sort();
        return JSON.stringify(got) === JSON.stringify(want);
      });
    } finally {
      assert.equal(h.k1s(['delete', 'service', 'hello-headless']).code, 0);
    }
  });

  test('the cluster DNS answers the host on the service IP: names, NODATA for a namespace, NXDOMAIN, forwarding', async () => {
    const ask = (name: string) => UDPClient({ dns: '10.96.0.10', port: 53, timeout: 3000, retryOverTCP: false })(name, 'A');
    const svc = h.getJSON<{ spec: { clusterIP: string } }>(['svc', 'hello']);
    assert.deepEqual((await ask('hello.default.svc.cluster.local')).answers.map((a) => a.address), [svc.spec.clusterIP]);
    assert.equal(h.k1s(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: quiet}\n').code, 0);
    const quiet = await waitFor('the new namespace in DNS', async () => {
      const r = await ask('quiet.svc.cluster.local');
      return r.header.rcode === 0 ? r : undefined;
    });
    assert.equal(quiet.answers.length, 0, 'an existing namespace without services is NODATA');
    assert.equal((await ask('nope.quiet.svc.cluster.local')).header.rcode, 3, 'NXDOMAIN');
    assert.deepEqual((await ask('outside.example')).answers.map((a) => a.address), ['192.0.2.44'], 'forwarded to the fake upstream');
    assert.equal(h.k1s(['delete', 'namespace', 'quiet']).code, 0);
  });

  test('a pod reaches itself through its own Service (hairpin)', async () => {
    const solo = `apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: k1s.local/busybox:1.36
    command: [sh, -c, 'mkdir -p /tmp/w && echo solo > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w']
---
apiVersion: v1
kind: Service
metadata: {name: solo}
spec:
  selector: {app: solo}
  ports: [{port: 80, targetPort: 8080}]
`;
    assert.equal(h.k1s(['apply', '-f', '-'], solo).code, 0);
    await waitFor('solo ready', () => ready(h.getJSON<PodJSON>(['pod', 'solo'])));
    const [c] = await appContainers('solo');
    try {
      // The only endpoint is the pod itself; without hairpin the connect never completes. (The
      // bare name "solo" would be the pod's own /etc/hosts entry, as in Kubernetes.)
      for (let i = 0; i < 5; i++) {
        const out = execFileSync('docker', ['exec', c.Id, 'timeout', '5', 'wget', '-q', '-O-', 'http://solo.default.svc.cluster.local/'], { encoding: 'utf8' });
        assert.equal(out.trim(), 'solo');
      }
    } finally {
      assert.equal(h.k1s(['delete', '-f', '-'], solo).code, 0);
    }
  });

  test('logs print the server output', async () => {
    const [pod] = helloPods();
    await httpGet(`http://${pod.status!.podIP}:8080/`).catch(() => undefined);
    const r = await waitFor('an access log line', () => {
      const out = h.k1s(['logs', pod.metadata.name]);
      return out.code === 0 && out.stdout.length > 0 ? out : undefined;
    });
    assert.ok(r.stdout.length > 0);
  });

  test('an idle cluster writes nothing to the store', async () => {
    const wal = join(h.dataDir, 'state.db-wal');
    const before = statSync(wal);
    await sleep(6000); // three agent resyncs
    const after = statSync(wal);
    assert.deepEqual([after.size, after.mtimeMs], [before.size, before.mtimeMs]);
    assert.equal(statSync(join(h.dataDir, 'state.db')).mode & 0o777, 0o600, 'the store holds Secrets');
  });

  test('docker rm -f of an app container brings the pod back to Ready', async () => {
    const [pod] = helloPods();
    const [c] = (await appContainers(pod.metadata.name)).filter((x) => x.Labels['io.k1s.container.name'] === 'web' && x.State === 'running');
    await docker.getContainer(c.Id).remove({ force: true });
    const back = await waitFor('the pod to restart its container', () => {
      const p = helloPods().find((x) => x.metadata.uid === pod.metadata.uid);
      return p && ready(p) && p.status!.containerStatuses![0].restartCount === 1 ? p : undefined;
    }).catch((e: Error) => {
      // what the pod showed instead, and what the server said about it
      const now = helloPods().find((x) => x.metadata.uid === pod.metadata.uid);
      const said = h.logs.split('\n').slice(-30).join('\n');
      throw new Error(`${e.message}\nstatus: ${JSON.stringify(now?.status)}\nserver:\n${said}`);
    });
    assert.equal(back.metadata.name, pod.metadata.name);
  });

  test('restarting the server keeps every object and adopts every container', async () => {
    const before = h.getJSON<{ items: { metadata: { uid: string; resourceVersion: string } }[] }>(['all']);
    const containersBefore = (await appContainers()).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    await h.stop();
    await h.start();
    const afterRestart = h.getJSON<{ items: { metadata: { uid: string } }[] }>(['all']);
    assert.deepEqual(afterRestart.items.map((o) => o.metadata.uid).sort(), before.items.map((o) => o.metadata.uid).sort());
    await waitFor('pods ready again', () => helloPods().every(ready));
    const containersAfter = (await appContainers()).filter((c) => c.State === 'running').map((c) => c.Id).sort();
    assert.deepEqual(containersAfter, containersBefore);
    assert.equal((await httpGet('http://127.0.0.1:30080/')).status, 200);
  });

  test('a template change makes a new ReplicaSet and scales the old one to 0', async () => {
    const changed = join(mkdtempSync(join(tmpdir(), 'k1s-hello-')), 'hello.yaml');
    writeFileSync(changed, readFileSync(join(ROOT, 'test/fixtures/hello.yaml'), 'utf8').replace('hello from', 'hi from'));
    assert.equal(h.k1s(['apply', '-f', changed]).stdout, 'deployment.apps/hello configured\nservice/hello unchanged\n');
    type RS = { metadata: { name: string }; spec: { replicas: number }; status?: { readyReplicas?: number } };
    const sets = await waitFor('the new ReplicaSet ready and the old one at 0', () => {
      const items = h.getJSON<{ items: RS[] }>(['rs']).items;
      const ok = items.length === 2 && items.some((r) => r.spec.replicas === 0) && items.some((r) => r.status?.readyReplicas === 2);
      return ok ? items : undefined;
    });
    assert.equal(sets.length, 2);
    await waitFor('only new pods answering', async () => {
      const pods = helloPods();
      return pods.length === 2 && pods.every(ready) && (await httpGet('http://127.0.0.1:30080/')).body.startsWith('hi from');
    });
  });

  test('deleting the Service removes its chains; deleting the Deployment removes its containers', async () => {
    assert.equal(h.k1s(['delete', 'svc', 'hello']).stdout, 'service "hello" deleted\n');
    await waitFor('the service chains to go', () => !iptables().includes('default/hello'));
    assert.equal(h.k1s(['delete', 'deployment', 'hello']).code, 0);
    await waitFor('the pods to go', () => helloPods().length === 0);
    await waitFor('the containers to go', async () => (await appContainers()).length === 0, 60_000);
  });

  test('bad input names the file, the document and the field, and stores nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k1s-bad-'));
    const ok = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  a: "1"\n';
    const cases: [string, string, RegExp][] = [
      ['syntax.yaml', `${ok}---\nkind: [unclosed\n`, /syntax\.yaml: document 2\b/],
      ['kind.yaml', `${ok}---\napiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n`, /kind\.yaml: document 2\b.*Foo/],
      ['field.yaml', `${ok}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x:1\n    imagePullPolcy: Always\n`, /field\.yaml: document 2\b.*spec\.containers\[0\]\.imagePullPolcy/],
      ['type.yaml', `${ok}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: eighty\n`, /type\.yaml: document 2\b.*spec\.ports\[0\]\.port/],
    ];
    for (const [file, text, pattern] of cases) {
      const path = join(dir, file);
      writeFileSync(path, text);
      const r = h.k1s(['apply', '-f', path]);
      assert.notEqual(r.code, 0, `${file} must fail`);
      assert.match(r.stderr, pattern);
    }
    const cms = h.getJSON<{ items: { metadata: { name: string } }[] }>(['configmaps']);
    assert.deepEqual(cms.items.filter((c) => c.metadata.name === 'first'), [], 'no document of a bad file is stored');
  });

  test('the API is served over TLS; requests without the right token get 401', async () => {
    const path = '/api/v1/namespaces/default/pods';
    assert.equal(await h.apiStatus(path), 401);
    assert.equal(await h.apiStatus(path, 'Bearer wrong'), 401);
    assert.equal(await h.apiStatus(path, `Bearer ${h.token()}`), 200);
    assert.match(readFileSync(h.kubeconfig, 'utf8'), /server: https:\/\/127\.0\.0\.1:\d+/);
    assert.equal(statSync(h.kubeconfig).mode & 0o777, 0o600);
  });

  const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
  test('real kubectl reads the kubeconfig and lists the same objects', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
    const out = execFileSync('kubectl', ['--kubeconfig', h.kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
    assert.match(out, /namespace\/kube-system/);
  });

  test('cleanup leaves no K1S- chain and no io.k1s container', async () => {
    await h.stop();
    execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', h.dataDir]); // pods' volume mounts too
    assert.equal((iptables().match(/^:K1S-/gm) ?? []).length, 0);
    assert.equal((await appContainers()).length, 0);
    assert.equal(routeLocalnet(), routeLocalnetBefore, 'route_localnet is put back with the CVE-2020-8558 DROP rule gone');
  });
});
