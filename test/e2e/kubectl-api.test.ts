// Real kubectl against the API server alone (no Docker): server-side tables, discovery, scale,
// label/annotate, field selectors, cascading deletes, graceful pod and namespace deletion, and dry
// runs that leave the store untouched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../src/api/resources.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';
import { WEB_DEPLOYMENT, WEB_SERVICE } from '../fixtures/manifests.js';

/** Resolves once check() holds (10 s at most). */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const DEPLOYMENT = WEB_DEPLOYMENT;
const SERVICE = WEB_SERVICE;

describe('kubectl against the API server', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  const ok = (args: string[], input?: string) => h.ok(args, input);
  const fails = (args: string[], input?: string) => h.fails(args, input);
  /** Writes must leave the store's revision where it was. */
  const unchanged = async (fn: () => Promise<void>) => {
    const before = h.store.revision;
    await fn();
    assert.equal(h.store.revision, before, 'the store was written');
  };

  before(async () => {
    h = await startApi();
    await ok(['create', '-f', '-'], DEPLOYMENT);
    await ok(['create', '-f', '-'], SERVICE);
  });
  after(() => h?.stop());

  test('get prints the usual columns from server-side tables', async () => {
    assert.match(await ok(['get', 'namespaces']), /^NAME\s+STATUS\s+AGE\n(.*\n)*default\s+Active\s+\d+s\n/m);
    assert.match(await ok(['get', 'deploy']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\d+s\n$/);
    assert.match(await ok(['get', 'deploy', '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR\n.*web\s+k1s\.local\/busybox:1\.36\s+app=web\n$/);
    const svc = await ok(['get', 'svc', 'web']);
    assert.match(svc, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP\s+\d+s\n$/);
    assert.match(await ok(['get', 'deploy', '-A']), /^NAMESPACE\s+NAME\s+READY/);
    assert.match(await ok(['get', 'deploy', '--show-labels']), /LABELS\nweb\s.*app=web\n$/);
    // one namespace per page: kubectl follows the continue tokens and prints one table
    const paged = await ok(['get', 'namespaces', '--chunk-size=1']);
    assert.equal(paged.match(/^NAME/gm)?.length, 1);
    assert.deepEqual(paged.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  test('get all lists the kinds in category "all"; api-resources lists short names and verbs', async () => {
    const all = await ok(['get', 'all']);
    assert.match(all, /service\/web\s+NodePort/);
    assert.match(all, /deployment\.apps\/web\s+0\/2/);
    const res = await ok(['api-resources']);
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(res, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(res, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(await ok(['api-resources', '--categories', 'all', '-o', 'name']), /deployments\.apps/);
  });

  test('auth can-i, auth whoami, cluster-info, version', async () => {
    assert.equal((await ok(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
    assert.equal((await ok(['auth', 'can-i', 'delete', 'nodes', '--all-namespaces'])).trim(), 'yes');
    assert.match(await ok(['auth', 'can-i', '--list']), /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n\*\.\*\s+\[\]\s+\[\]\s+\[\*\]\n/);
    assert.match(await ok(['auth', 'whoami']), /^ATTRIBUTE\s+VALUE\nUsername\s+k1s-admin\nGroups\s+\[system:masters system:authenticated\]\n$/);
    assert.match(await ok(['cluster-info']), /Kubernetes control plane.* is running at .*https:\/\/127\.0\.0\.1:\d+/);
    assert.match(await ok(['version']), /Server Version: v1\.32\.0-k1s/);
  });

  test('get -w prints the table, then a row per change', async () => {
    h.registry.create(byKind('ConfigMap')!, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed' }, data: { a: '1' } });
    const child = spawn('kubectl', ['--kubeconfig', h.kubeconfig, '--cache-dir', join(h.dir, 'cache'), 'get', 'configmaps', '-w', '--request-timeout=20s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await until(() => /^NAME\s+DATA\s+AGE\nlisted\s+1\s+\d+s\n/.test(out));
      h.registry.create(byKind('ConfigMap')!, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { a: '1', b: '2' } });
      await until(() => /^watched\s+2\s+\d+s$/m.test(out));
      assert.equal(out.match(/^NAME/gm)?.length, 1, 'the header is printed once');
    } finally {
      child.kill();
    }
  });

  test('scale writes spec.replicas through the scale subresource', async () => {
    assert.equal((await ok(['scale', 'deployment', 'web', '--replicas=3'])).trim(), 'deployment.apps/web scaled');
    assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
    assert.match(await fails(['scale', 'deployment', 'web', '--replicas=-1']), /replicas/);
  });

  test('set image, set env and patch (strategic, merge, json) change what they name and keep the rest', async () => {
    assert.equal((await ok(['set', 'image', 'deploy/web', 'web=k1s.local/busybox:1.37'])).trim(), 'deployment.apps/web image updated');
    assert.equal((await ok(['set', 'env', 'deploy/web', 'GREETING=hi'])).trim(), 'deployment.apps/web env updated');
    const c = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0]}']));
    assert.equal(c.image, 'k1s.local/busybox:1.37');
    assert.deepEqual(c.env, [{ name: 'GREETING', value: 'hi' }]);
    assert.deepEqual(c.command, ['httpd', '-f', '-p', '8080'], 'the rest of the container is kept');
    assert.deepEqual(c.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
    // strategic (kubectl's default): a second container is added by name, the first one stays
    await ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"k1s.local/busybox:1.36"}]}}}}']);
    assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[*].name}']), 'side web');
    await ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}}}']);
    assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[*].name}']), 'web');
    await ok(['patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":2}}']);
    await ok(['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/minReadySeconds","value":3}]']);
    assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.minReadySeconds}']), '3');
    assert.match(await fails(['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/nothing"}]']), /the server rejected our request due to an error in our request/);
    assert.match(await fails(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"x:1"}]}}}}']), /does not contain declared merge key: name/);
  });

  test('imperative create (protobuf bodies), expose and delete', async () => {
    assert.equal((await ok(['create', 'deployment', 'hello', '--image=k1s.local/busybox:1.36', '--replicas=2', '--port=8080'])).trim(), 'deployment.apps/hello created');
    assert.equal((await ok(['create', 'configmap', 'cfg', '--from-literal=a=1'])).trim(), 'configmap/cfg created');
    assert.equal((await ok(['create', 'secret', 'generic', 'pw', '--from-literal=p=x'])).trim(), 'secret/pw created');
    assert.equal((await ok(['create', 'namespace', 'team'])).trim(), 'namespace/team created');
    assert.equal((await ok(['create', 'service', 'clusterip', 'plain', '--tcp=80:8080'])).trim(), 'service/plain created');
    assert.equal((await ok(['expose', 'deployment', 'hello', '--port=80', '--target-port=8080', '--type=NodePort'])).trim(), 'service/hello exposed');
    assert.equal(await ok(['get', 'deploy', 'hello', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}']), '2 k1s.local/busybox:1.36');
    assert.equal(await ok(['get', 'secret', 'pw', '-o', 'jsonpath={.data.p}']), Buffer.from('x').toString('base64'));
    assert.equal(await ok(['get', 'svc', 'hello', '-o', 'jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}']), 'hello 8080');
    assert.match(await ok(['delete', 'svc', 'hello', 'plain']), /service "hello" deleted\nservice "plain" deleted/);
    assert.match(await ok(['delete', 'ns', 'team']), /namespace "team" deleted/);
  });

  test('apply --prune -l removes what the manifest no longer has, over kubectl\'s default allowlist (no --prune-allowlist)', async () => {
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}, labels: {set: pruned}}\ndata: {x: "1"}\n`;
    await ok(['apply', '-f', '-'], `${cm('keep')}---\n${cm('drop')}`);
    // kubectl walks every kind of its default list (ReplicationController and Ingress among them)
    // and fails on the first one the server lacks
    const r = await h.kubectl(['apply', '--prune', '-l', 'set=pruned', '-f', '-'], cm('keep'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'configmap/keep unchanged\nconfigmap/drop pruned\n');
    assert.equal(await ok(['get', 'cm', '-l', 'set=pruned', '-o', 'name']), 'configmap/keep\n');
    // what the label does not select stays
    assert.equal(await ok(['get', 'deploy,svc', 'web', '-o', 'name']), 'deployment.apps/web\nservice/web\n');
  });

  test('label and annotate patch the object', async () => {
    assert.equal((await ok(['label', 'deploy', 'web', 'tier=front'])).trim(), 'deployment.apps/web labeled');
    assert.equal((await ok(['annotate', 'svc', 'web', 'note=hi'])).trim(), 'service/web annotated');
    assert.equal((await ok(['get', 'deploy', '-l', 'tier=front', '-o', 'name'])).trim(), 'deployment.apps/web');
    await ok(['label', 'deploy', 'web', 'tier-']);
    assert.equal((await ok(['get', 'deploy', '-l', 'tier=front', '-o', 'name'])).trim(), '');
  });

  test('dry runs never write: create, scale, label, delete', async () => {
    await unchanged(async () => {
      assert.match(await ok(['create', '--dry-run=server', '-f', '-'], DEPLOYMENT.replace('name: web\n', 'name: dry\n')), /deployment\.apps\/dry created \(server dry run\)/);
      await ok(['scale', 'deployment', 'web', '--replicas=7', '--dry-run=server']);
      await ok(['label', 'deploy', 'web', 'dry=run', '--dry-run=server']);
      assert.match(await ok(['delete', 'deploy', 'web', '--dry-run=server']), /deployment\.apps "web" deleted \(server dry run\)/);
      assert.match(await ok(['delete', 'svc', 'web', '--dry-run=server']), /service "web" deleted \(server dry run\)/);
    });
    assert.equal(await ok(['get', 'deploy', 'dry', '--ignore-not-found', '-o', 'name']), '');
    assert.equal(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '3');
  });

  test('field selectors: supported fields filter, others are refused with the API server wording', async () => {
    assert.equal((await ok(['get', 'ns', '--field-selector', 'metadata.name=default', '-o', 'name'])).trim(), 'namespace/default');
    assert.match(await fails(['get', 'pods', '--field-selector', 'spec.foo=bar']), /field label not supported: spec\.foo/);
    assert.match(await fails(['get', 'deploy', '--field-selector', 'spec.foo=bar']), /"spec\.foo" is not a known field selector: only "metadata\.name", "metadata\.namespace"/);
  });

  test('delete --cascade=foreground removes the dependents, and theirs, first', async () => {
    const ns = 'default';
    const dep = h.registry.create(byKind('Deployment')!, ns, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'fg' }, spec: { selector: { matchLabels: { app: 'fg' } }, template: { metadata: { labels: { app: 'fg' } }, spec: { containers: [{ name: 'c', image: 'k1s.local/busybox:1.36' }] } } } });
    const ref = (o: { metadata: { name: string; uid?: string } }, kind: string, apiVersion: string) => [{ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    const rs = h.registry.create(byKind('ReplicaSet')!, ns, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'fg-1', ownerReferences: ref(dep, 'Deployment', 'apps/v1') }, spec: { selector: { matchLabels: { app: 'fg' } }, template: { metadata: { labels: { app: 'fg' } }, spec: { containers: [{ name: 'c', image: 'k1s.local/busybox:1.36' }] } } } });
    h.registry.create(byKind('Pod')!, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fg-1-a', labels: { app: 'fg' }, ownerReferences: ref(rs, 'ReplicaSet', 'apps/v1') }, spec: { containers: [{ name: 'c', image: 'k1s.local/busybox:1.36' }] } });
    assert.match(await ok(['delete', 'deploy', 'fg', '--cascade=foreground']), /deployment\.apps "fg" deleted/);
    assert.equal(await ok(['get', 'rs/fg-1', 'pod/fg-1-a', '--ignore-not-found', '-o', 'name']), '');
  });

  /** A pod bound to a node, as the scheduler leaves it: its DELETE is graceful. */
  const boundPod = (name: string, ns = 'default') =>
    h.registry.create(byKind('Pod')!, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'k1s.local/busybox:1.36' }] } });

  /** The node agent's part: once a pod is marked, its containers "stop" and it is deleted for good. */
  const agent = (ns: string) => {
    const Pod = byKind('Pod')!;
    const timer = setInterval(() => {
      for (const p of h.registry.list(Pod, ns).items) {
        if (p.metadata.deletionTimestamp) h.registry.delete(Pod, ns, p.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      }
    }, 50);
    return () => clearInterval(timer);
  };

  test('delete pod: --wait=false leaves it Terminating; --grace-period=0 --force removes it; the default waits for the final delete', async () => {
    boundPod('slow');
    assert.equal(await ok(['delete', 'pod', 'slow', '--wait=false']), 'pod "slow" deleted\n');
    assert.match(await ok(['get', 'pod', 'slow']), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nslow\s+0\/1\s+Terminating\s+0\s+\d+s\n$/);
    assert.equal(await ok(['get', 'pod', 'slow', '-o', 'jsonpath={.metadata.deletionGracePeriodSeconds}']), '30');
    // a shorter grace period shortens it; a second plain delete changes nothing
    await ok(['delete', 'pod', 'slow', '--wait=false', '--grace-period=5']);
    await ok(['delete', 'pod', 'slow', '--wait=false']);
    assert.equal(await ok(['get', 'pod', 'slow', '-o', 'jsonpath={.metadata.deletionGracePeriodSeconds}']), '5');
    const forced = await h.kubectl(['delete', 'pod', 'slow', '--grace-period=0', '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(forced.stdout, 'pod "slow" force deleted\n');
    assert.match(forced.stderr, /^Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated\. The resource may continue to run on the cluster indefinitely\.\n$/);
    assert.match(await fails(['get', 'pod', 'slow']), /pods "slow" not found/);

    boundPod('waited');
    const stop = agent('default');
    try {
      assert.equal(await ok(['delete', 'pod', 'waited']), 'pod "waited" deleted\n');
    } finally {
      stop();
    }
    assert.match(await fails(['get', 'pod', 'waited']), /pods "waited" not found/);
    // a pod no node runs goes at once
    h.registry.create(byKind('Pod')!, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: 'k1s.local/busybox:1.36' }] } });
    await unchanged(async () => {
      await ok(['delete', 'pod', 'unbound', '--dry-run=server']);
    });
    assert.equal(await ok(['delete', 'pod', 'unbound', '--wait=false']), 'pod "unbound" deleted\n');
    assert.match(await fails(['get', 'pod', 'unbound']), /pods "unbound" not found/);
  });

  test('delete ns: Terminating until the namespace controller has emptied it (pods after their final delete), then gone', async () => {
    await ok(['create', 'namespace', 'doomed']);
    await ok(['-n', 'doomed', 'create', '-f', '-'], DEPLOYMENT);
    await ok(['-n', 'doomed', 'create', 'configmap', 'cfg', '--from-literal=a=1']);
    boundPod('worker', 'doomed');
    // kubectl waits until the namespace is gone; meanwhile it is seen Terminating
    const deleting = ok(['delete', 'ns', 'doomed']);
    await until(() => Boolean(h.registry.get(byKind('Namespace')!, undefined, 'doomed').metadata.deletionTimestamp));
    assert.match(await ok(['get', 'ns', 'doomed']), /^NAME\s+STATUS\s+AGE\ndoomed\s+Terminating\s+\d+s\n$/);
    assert.match(await fails(['-n', 'doomed', 'create', 'configmap', 'late']), /unable to create new content in namespace doomed because it is being terminated/);
    // the pod whose containers run waits for the agent; everything else is gone
    await until(() => h.registry.list(byKind('ConfigMap')!, 'doomed').items.length === 0 && h.registry.list(byKind('Deployment')!, 'doomed').items.length === 0);
    assert.match(await ok(['-n', 'doomed', 'get', 'pods']), /^worker\s+0\/1\s+Terminating/m);
    assert.match(await ok(['get', 'ns', 'doomed']), /doomed\s+Terminating/);
    const stop = agent('doomed');
    try {
      assert.equal(await deleting, 'namespace "doomed" deleted\n');
    } finally {
      stop();
    }
    assert.match(await fails(['get', 'ns', 'doomed']), /namespaces "doomed" not found/);
    const left = h.store.list('/registry/').items.filter((o) => (o.metadata as { namespace?: string }).namespace === 'doomed');
    assert.deepEqual(left, []);
  });

  test('delete --cascade=orphan leaves dependents without their owner reference', async () => {
    const owner = h.registry.get(byKind('Deployment')!, 'default', 'web');
    const rs = h.registry.create(byKind('ReplicaSet')!, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: owner.metadata.uid!, controller: true }] },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'k1s.local/busybox:1.36' }] } } },
    });
    assert.ok(rs.metadata.ownerReferences?.length);
    assert.match(await ok(['delete', 'deploy', 'web', '--cascade=orphan']), /deployment\.apps "web" deleted/);
    assert.equal(await ok(['get', 'rs', 'web-1', '-o', 'jsonpath={.metadata.ownerReferences}']), '');
  });
});
