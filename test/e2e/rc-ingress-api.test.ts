// Real kubectl against the API server with the replication manager and the garbage collector
// running in-process (no Docker, no node agent: pods stay Pending): ReplicationControllers
// (get, scale, describe, cascading delete), Ingresses (kubectl create ingress's protobuf body, the
// warning that k1s routes nothing, kube's columns and validation) and IngressClasses (the default
// class given to an Ingress that names none).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalClient } from '../../src/client/client.js';
import { createInformers } from '../../src/controllers/context.js';
import { StoreEventRecorder } from '../../src/controllers/events.js';
import { GarbageCollector } from '../../src/controllers/gc.js';
import { replicationManager } from '../../src/controllers/replication.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const WARNING = 'Warning: k1s has no ingress controller yet: this Ingress is stored, but no traffic is routed by it\n';

const RC = `apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: httpd, image: k1s.local/busybox:1.36}]}
`;

// the seed's example (/work/shared/seeds/000_46ef1b4ae5429052.txt, "14.2 Ingress Controllers"), as written there
const SEED_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: my-ingress
spec:
  rules:
    - http:
        paths:
          - path: /app
            pathType: Prefix
            backend:
              service:
                name: my-service
                port:
                  number: 80
`;

describe('kubectl: ReplicationControllers, Ingresses and IngressClasses', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let stop: () => void;
  const ok = (args: string[], input?: string) => h.ok(args, input);

  before(async () => {
    h = await startApi();
    const client = new LocalClient(h.registry);
    const informers = createInformers(client);
    informers.all.forEach((i) => i.start());
    const ctx = { client, informers, logger: silentLogger, events: new StoreEventRecorder(client, silentLogger, 'vm') };
    const controllers = [replicationManager(ctx), new GarbageCollector(ctx)];
    controllers.forEach((c) => c.start());
    stop = () => {
      controllers.forEach((c) => c.stop());
      informers.all.forEach((i) => i.close());
    };
  });
  after(async () => {
    stop?.();
    await h?.stop();
  });

  const podsOf = async (app: string) => (await ok(['get', 'pods', '-l', `app=${app}`, '-o', 'name'])).split('\n').filter(Boolean);

  test('an RC: get rc with kube\'s columns, scale rc, describe, and a delete that takes its pods', async () => {
    assert.equal(await ok(['apply', '-f', '-'], RC), 'replicationcontroller/web created\n');
    await until(async () => (await podsOf('web')).length === 2, '2 pods');
    await until(async () => (await ok(['get', 'rc', 'web', '-o', 'jsonpath={.status.replicas}'])) === '2', 'status.replicas 2');
    assert.match(await ok(['get', 'rc']), /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nweb\s+2\s+2\s+0\s+\d+s\n$/);
    assert.match(await ok(['get', 'rc', '-o', 'wide']), /CONTAINERS\s+IMAGES\s+SELECTOR\nweb\s+2\s+2\s+0\s+\d+s\s+httpd\s+k1s\.local\/busybox:1\.36\s+app=web\n$/);
    // SetDefaults_ReplicationController: the selector and the RC's own labels from the template
    assert.equal(await ok(['get', 'rc', 'web', '-o', 'jsonpath={.spec.selector.app} {.metadata.labels.app}']), 'web web');
    assert.match(await ok(['get', 'all']), /replicationcontroller\/web\s+2\s+2\s+0/);

    assert.equal(await ok(['scale', 'rc/web', '--replicas=3']), 'replicationcontroller/web scaled\n');
    await until(async () => (await podsOf('web')).length === 3, '3 pods');
    assert.equal(await ok(['scale', 'rc', 'web', '--replicas=1']), 'replicationcontroller/web scaled\n');
    await until(async () => (await podsOf('web')).length === 1, '1 pod');
    const owner = await ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].apiVersion}']);
    assert.equal(owner, 'ReplicationController/v1');

    const described = await ok(['describe', 'rc', 'web']);
    assert.match(described, /^Selector:\s+app=web$/m);
    assert.match(described, /^Replicas:\s+1 current \/ 1 desired$/m);
    assert.match(described, /Normal\s+SuccessfulDelete\s+.*replication-controller\s+Deleted pod: web-/);

    // a selector that does not match the template: kube's words
    const err = await h.fails(['apply', '-f', '-'], RC.replace('name: web}', 'name: bad}').replace('replicas: 2', 'replicas: 2\n  selector: {app: other}'));
    assert.match(err, /The ReplicationController "bad" is invalid: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);

    assert.equal(await ok(['delete', 'rc', 'web']), 'replicationcontroller "web" deleted\n');
    await until(async () => (await podsOf('web')).length === 0, 'the pods collected');
  });

  test('kubectl create ingress: created with the warning, served with kube\'s columns', async () => {
    const r = await h.kubectl(['create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'ingress.networking.k8s.io/simple created\n');
    assert.equal(r.stderr, WARNING);
    assert.equal(
      await ok(['get', 'ing', 'simple', '-o', 'jsonpath={.spec.rules[0].host} {.spec.rules[0].http.paths[0].path} {.spec.rules[0].http.paths[0].pathType} {.spec.rules[0].http.paths[0].backend.service.name}:{.spec.rules[0].http.paths[0].backend.service.port.number}']),
      'foo.com /bar Exact svc1:8080',
    );
    // no controller: no address, as on a cluster without one
    assert.match(await ok(['get', 'ing']), /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nsimple\s+<none>\s+foo\.com\s+80\s+\d+s\n$/);
    assert.equal(await ok(['get', 'ingress', 'simple', '-o', 'jsonpath={.status}']), '{"loadBalancer":{}}');
    // not in "all", as kube's discovery has it
    assert.doesNotMatch(await ok(['get', 'all']), /ingress/);
    // an update answers with the warning too
    const labelled = await h.kubectl(['label', 'ing', 'simple', 'tier=edge']);
    assert.equal(labelled.stdout, 'ingress.networking.k8s.io/simple labeled\n');
    assert.equal(labelled.stderr, WARNING);
  });

  test('the seed\'s my-ingress applies; a path without pathType is refused in kube\'s words', async () => {
    const r = await h.kubectl(['apply', '-f', '-'], SEED_INGRESS);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'ingress.networking.k8s.io/my-ingress created\n');
    assert.equal(r.stderr, WARNING);
    assert.match(await ok(['get', 'ing', 'my-ingress']), /\nmy-ingress\s+<none>\s+\*\s+80\s+\d+s\n$/);
    const err = await h.fails(['apply', '-f', '-'], SEED_INGRESS.replace('my-ingress', 'no-type').replace('            pathType: Prefix\n', ''));
    assert.match(err, /The Ingress "no-type" is invalid: spec\.rules\[0\]\.http\.paths\[0\]\.pathType: Required value: pathType must be specified/);
  });

  test('an IngressClass marked default is given to an Ingress that names no class', async () => {
    const cls = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: edge
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec:
  controller: example.com/ingress-controller
  parameters: {apiGroup: k8s.example.com, kind: IngressParameters, name: external-lb}
`;
    assert.equal(await ok(['apply', '-f', '-'], cls), 'ingressclass.networking.k8s.io/edge created\n');
    assert.match(await ok(['get', 'ingressclass']), /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nedge\s+example\.com\/ingress-controller\s+IngressParameters\.k8s\.example\.com\/external-lb\s+\d+s\n$/);
    assert.equal(await ok(['get', 'ingressclass', 'edge', '-o', 'jsonpath={.spec.parameters.scope}']), 'Cluster');
    await ok(['create', 'ingress', 'classless', '--rule=bar.com/*=svc1:80']);
    assert.match(await ok(['get', 'ing', 'classless']), /\nclassless\s+edge\s+bar\.com\s+80\s+\d+s\n$/);
    assert.equal(await ok(['get', 'ing', 'classless', '-o', 'jsonpath={.spec.rules[0].http.paths[0].pathType}']), 'Prefix');
    const err = await h.fails(['apply', '-f', '-'], cls.replace('example.com/ingress-controller', 'example.com/other'));
    assert.match(err, /The IngressClass "edge" is invalid: spec\.controller: Invalid value: "example\.com\/other": field is immutable/);
    await ok(['delete', 'ingressclass', 'edge']);
  });
});
