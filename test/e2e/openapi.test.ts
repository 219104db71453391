// The real kubectl 1.32 against the in-process API server (no Docker), with no --validate flag:
// create, apply and replace read /openapi/v3 (or /openapi/v2 when v3 is missing), find that the
// server takes fieldValidation, and leave validation to it; explain reads the v3 documents, and
// --output=plaintext-openapiv2 the v2 protobuf.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readKubeconfig, writeKubeconfig } from '../../src/kubeconfig.js';
import { byKind } from '../../src/api/resources.js';
import { hasKubectl, run, startApi, type ApiHarness } from './api-harness.js';
import { WEB_DEPLOYMENT, WEB_SERVICE } from '../fixtures/manifests.js';

const DEPLOYMENT = WEB_DEPLOYMENT;
const SERVICE = WEB_SERVICE;

const CONFIG = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: ${value}}
`;

describe('kubectl with OpenAPI: validation left to the server, explain', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  const ok = async (args: string[], input?: string) => {
    const r = await h.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const fails = (args: string[], input?: string) => h.fails(args, input);

  before(async () => {
    h = await startApi();
  });
  after(() => h?.stop());

  test('apply -f of a Deployment and a Service, then a change of both: no --validate flag', async () => {
    const created = await ok(['apply', '-f', '-'], `${DEPLOYMENT}---\n${SERVICE}`);
    assert.equal(created.stdout, 'deployment.apps/web created\nservice/web created\n');
    assert.equal(created.stderr, '');

    // The second apply patches: kubectl computes a strategic merge patch from the v3 schema (the
    // PATCH operation accepts strategic-merge-patch+json) and sends fieldValidation=Strict.
    const changed = DEPLOYMENT.replace('replicas: 2', 'replicas: 3').replace('busybox:1.36', 'busybox:1.37');
    const applied = await ok(['apply', '-v=6', '-f', '-'], `${changed}---\n${SERVICE.replace('port: 80,', 'port: 81,')}`);
    assert.match(applied.stdout, /^deployment\.apps\/web configured\nservice\/web configured\n$/);
    assert.match(applied.stderr, /GET https:\/\/127\.0\.0\.1:\d+\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}&timeout=32s 200 OK/);
    assert.match(applied.stderr, /PATCH https:\/\/\S+\/deployments\/web\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 200 OK/);
    assert.doesNotMatch(applied.stderr, /warning|error/i);
    const d = h.registry.get(byKind('Deployment')!, 'default', 'web') as unknown as { spec: { replicas: number; template: { spec: { containers: { image: string; command: string[] }[] } } } };
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.containers[0].image, 'k1s.local/busybox:1.37');
    assert.deepEqual(d.spec.template.spec.containers[0].command, ['httpd', '-f', '-p', '8080']);
  });

  test('apply -f with an unknown field: the server refuses it, in kube-apiserver words', async () => {
    const stderr = await fails(['apply', '-f', '-'], DEPLOYMENT.replace('name: web\n', 'name: typo\n').replace('  replicas: 2\n', '  replicas: 2\n  foo: 1\n'));
    assert.equal(
      stderr,
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"\n',
    );
    assert.equal(h.registry.list(byKind('Deployment')!, 'default', {}).items.length, 1);
  });

  test('create -f and replace -f', async () => {
    assert.equal((await ok(['create', '-f', '-'], CONFIG('hello'))).stdout, 'configmap/settings created\n');
    assert.match(await fails(['create', '-f', '-'], CONFIG('hello')), /AlreadyExists.*configmaps "settings" already exists/);
    assert.equal((await ok(['replace', '-f', '-'], CONFIG('bonjour'))).stdout, 'configmap/settings replaced\n');
    assert.deepEqual((h.registry.get(byKind('ConfigMap')!, 'default', 'settings') as unknown as { data: object }).data, { greeting: 'bonjour' });
    const stderr = await fails(['replace', '-f', '-'], CONFIG('x').replace(/^data:/m, 'dta:'));
    assert.match(stderr, /error when replacing "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta"/);
  });

  test('explain pods: the kind, its description and fields', async () => {
    const { stdout } = await ok(['explain', 'pods']);
    assert.match(stdout, /^KIND:\s+Pod\nVERSION:\s+v1\n\nDESCRIPTION:\n\s+Pod is a collection of containers that can run on a host\./);
    assert.match(stdout, /\n {2}apiVersion\t<string>\n {4}APIVersion defines the versioned schema of this representation of an object\./);
    assert.match(stdout, /\n {2}spec\t<PodSpec> -required-\n {4}PodSpec is a description of a pod\./);
    assert.match(stdout, /\n {2}status\t<PodStatus>\n/);
    // kubectl keeps the documents in its HTTP cache: the hashed document is not asked for again
    // (Cache-Control: public, immutable), the index is revalidated with its ETag.
    const again = await ok(['explain', 'pods', '-v=8']);
    const requests = again.stderr.split(/^.*round_trippers\.go:\d+\] (?=GET )/m).slice(1);
    const doc = requests.find((r) => /^GET https:\/\/\S+\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}&timeout=32s\n/.test(r));
    assert.ok(doc, again.stderr);
    assert.match(doc, /Cache-Control: public, immutable\n/);
    assert.match(doc, /X-From-Cache: 1\n/);
  });

  test('explain deployment.spec.template.spec.containers: k1s fields, Kubernetes words, refused fields marked', async () => {
    const { stdout } = await ok(['explain', 'deployment.spec.template.spec.containers']);
    assert.match(stdout, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: containers <\[\]Container>\n/);
    assert.match(stdout, /A single application container that you want to run within a pod\./);
    assert.match(stdout, /\n {2}image\t<string> -required-\n {4}Container image name\./);
    assert.match(stdout, /\n {2}imagePullPolicy\t<string>\n {2}enum: Always, IfNotPresent, Never\n/);
    assert.match(stdout, /\n {2}env\t<\[\]EnvVar>\n/);
    assert.match(stdout, /\n {2}resources\t<ResourceRequirements>\n {4}Compute Resources required by this container\./);
    assert.doesNotMatch(stdout, /volumeDevices|resizePolicy/, 'fields k1s does not take are not offered');
  });

  test('explain svc.spec.ports --recursive', async () => {
    const { stdout } = await ok(['explain', 'svc.spec.ports', '--recursive']);
    assert.match(stdout, /^KIND:\s+Service\nVERSION:\s+v1\n\nFIELD: ports <\[\]ServicePort>\n/);
    assert.match(stdout, /The list of ports that are exposed by this service\./);
    assert.match(stdout, /ServicePort contains information on service's port\./);
    const fields = stdout.slice(stdout.indexOf('FIELDS:\n') + 'FIELDS:\n'.length);
    assert.equal(fields, '  appProtocol\t<string>\n  name\t<string>\n  nodePort\t<integer>\n  port\t<integer> -required-\n  protocol\t<string>\n  enum: TCP, UDP, SCTP\n  targetPort\t<IntOrString>\n\n');
  });

  test('explain from the v2 protobuf document', async () => {
    const { stdout } = await ok(['explain', '--output=plaintext-openapiv2', 'deployment.spec.strategy']);
    assert.match(stdout, /^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nRESOURCE: strategy <Object>\n/);
    assert.match(stdout, /DeploymentStrategy describes how to replace existing pods with new ones\./);
    assert.match(stdout, /\n {3}rollingUpdate\t<Object>\n/);
    assert.match(stdout, /\n {3}type\t<string>\n/);
  });

  describe('where /openapi/v3 is not served', () => {
    // A proxy that answers 404 for /openapi/v3 and forwards the rest: kubectl's field validation
    // check falls back to the v2 document, read as protobuf.
    let proxy: Server;
    let kubeconfig: string;
    before(async () => {
      const upstream = readKubeconfig(h.kubeconfig);
      const tls = { cert: readFileSync(join(h.dir, 'pki', 'apiserver.crt'), 'utf8'), key: readFileSync(join(h.dir, 'pki', 'apiserver.key'), 'utf8') };
      proxy = createHttpsServer(tls, (req, res) => {
        if (req.url?.startsWith('/openapi/v3')) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
          return;
        }
        const target = new URL(req.url ?? '/', upstream.server);
        const out = httpsRequest(target, { method: req.method, headers: req.headers, ca: upstream.ca }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        req.pipe(out);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      kubeconfig = join(h.dir, 'kubeconfig-v2');
      writeKubeconfig(kubeconfig, `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`, upstream.token, upstream.ca!);
    });
    after(() => {
      proxy?.closeAllConnections();
      proxy?.close();
    });
    const kubectl = (args: string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(h.dir, 'cache-v2'), ...args], input);

    test('apply reads /openapi/v2 as protobuf and still leaves validation to the server', async () => {
      const applied = await kubectl(['apply', '-v=6', '-f', '-'], CONFIG('hallo').replace('settings', 'v2-settings'));
      assert.equal(applied.status, 0, applied.stderr);
      assert.match(applied.stdout, /^configmap\/v2-settings created\n$/);
      assert.match(applied.stderr, /GET https:\/\/\S+\/openapi\/v3\?timeout=32s 404 Not Found/);
      assert.match(applied.stderr, /GET https:\/\/\S+\/openapi\/v2\?timeout=32s 200 OK/);
      assert.match(applied.stderr, /POST https:\/\/\S+\/configmaps\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 201 Created/);

      const refused = await kubectl(['apply', '-f', '-'], CONFIG('x').replace('settings', 'v2-typo').replace(/^data:/m, 'dta:'));
      assert.notEqual(refused.status, 0);
      assert.equal(refused.stderr, 'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta"\n');
    });
  });
});
