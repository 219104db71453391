// The API server in-process: the real registry over a temporary SQLite store, the real HTTP
// handler on a loopback port, and plain fetch as the client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { parsePath } from '../../../src/apiserver/routes.js';
import type { Store } from '../../../src/store/store.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const TOKEN = 'test-token';
let base = '';
let store: Store;
let api: InProcessApi;

before(async () => {
  api = await startInProcessApi({ token: TOKEN });
  ({ base, store } = api);
});

after(() => api.stop());

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

test('routes: Kubernetes REST paths', () => {
  const r = (p: string) => {
    const x = parsePath(p);
    return x.type === 'resource' ? [x.route.resource.resource, x.route.namespace, x.route.name, x.route.subresource] : x.type;
  };
  assert.deepEqual(r('/api/v1/namespaces/default/pods/web/log'), ['pods', 'default', 'web', 'log']);
  assert.deepEqual(r('/apis/apps/v1/deployments'), ['deployments', undefined, undefined, undefined]);
  assert.deepEqual(r('/api/v1/namespaces/kube-system'), ['namespaces', undefined, 'kube-system', undefined]);
  assert.deepEqual(r('/api/v1/namespaces'), ['namespaces', undefined, undefined, undefined]);
  assert.deepEqual(r('/api/v1/namespaces/team/finalize'), ['namespaces', undefined, 'team', 'finalize']);
  assert.deepEqual(r('/api/v1/namespaces/team/status'), ['namespaces', undefined, 'team', 'status']);
  assert.deepEqual(r('/api/v1/namespaces/team/pods'), ['pods', 'team', undefined, undefined]);
  assert.equal(r('/apis/apps/v2/deployments'), 'unknown');
  assert.equal(r('/api/v1/widgets'), 'unknown');
  assert.equal(r('/version'), 'discovery');
  assert.equal(r('/apis/metrics.k8s.io/v1beta1'), 'discovery');
  assert.equal(r('/apis/apps/v2'), 'discovery'); // a 404 from discoveryDocument
});

test('no token or a wrong token: 401 Status', async () => {
  for (const headers of [{ Authorization: '' }, { Authorization: 'Bearer nope' }]) {
    const r = await call('GET', '/api/v1/namespaces/default/configmaps', undefined, headers);
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }
});

test('create, get, list with labelSelector, and the Status errors kubectl expects', async () => {
  const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('one', { a: '1' }, { tier: 'x' }));
  assert.equal(created.status, 201);
  assert.match(created.body.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(created.body.metadata.resourceVersion, /^\d+$/);
  assert.equal(created.body.metadata.namespace, 'default');
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('two'));

  const again = await call('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  assert.equal(again.status, 409);
  assert.equal(again.body.reason, 'AlreadyExists');
  assert.equal(again.body.message, 'configmaps "one" already exists');

  const missing = await call('GET', '/apis/apps/v1/namespaces/default/deployments/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'deployments.apps "nope" not found');

  const list = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=tier%3Dx');
  assert.equal(list.body.kind, 'ConfigMapList');
  assert.deepEqual(list.body.items.map((i: any) => i.metadata.name), ['one']);

  const noNs = await call('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
  assert.equal(noNs.status, 404);
  assert.equal(noNs.body.message, 'namespaces "nowhere" not found');
});

test('invalid objects: 422 with field causes', async () => {
  const r = await call('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'Bad_Name' },
    spec: { ports: [{ port: 80 }] },
  });
  assert.equal(r.status, 422);
  assert.equal(r.body.reason, 'Invalid');
  assert.ok(r.body.details.causes.some((c: any) => c.field === 'metadata.name'), JSON.stringify(r.body));
});

test('unknown fields: Strict (the default) refuses with the strict decoder wording, Warn drops and warns, Ignore drops', async () => {
  const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, bogus: 1 }], selectr: {} } });
  const strict = await call('POST', '/api/v1/namespaces/default/services?fieldValidation=Strict', svc('strict'));
  assert.equal(strict.status, 400);
  assert.equal(strict.body.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].bogus", unknown field "spec.selectr"');
  const byDefault = await call('POST', '/api/v1/namespaces/default/services', svc('default'));
  assert.equal(byDefault.status, 400);

  const res = await fetch(`${base}/api/v1/namespaces/default/services?fieldValidation=Warn`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(svc('warned')),
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('warning'), '299 - "unknown field \\"spec.ports[0].bogus\\"", 299 - "unknown field \\"spec.selectr\\""');
  const warned = (await res.json()) as any;
  assert.deepEqual(warned.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(warned.spec.selectr, undefined);

  const ignored = await call('POST', '/api/v1/namespaces/default/services?fieldValidation=Ignore', svc('ignored'));
  assert.equal(ignored.status, 201);
  const bad = await call('POST', '/api/v1/namespaces/default/services?fieldValidation=Loud', svc('loud'));
  assert.equal(bad.status, 400);
});

test('update with a stale resourceVersion: 409 Conflict; an unchanged update keeps the resourceVersion', async () => {
  const { body: v1 } = await call('POST', '/api/v1/namespaces/default/configmaps', cm('conflict'));
  const { body: v2 } = await call('PUT', '/api/v1/namespaces/default/configmaps/conflict', { ...v1, data: { a: '2' } });
  assert.notEqual(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
  const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/conflict', { ...v1, data: { a: '3' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /the object has been modified; please apply your changes to the latest version and try again/);
  const same = await call('PUT', '/api/v1/namespaces/default/configmaps/conflict', v2);
  assert.equal(same.body.metadata.resourceVersion, v2.metadata.resourceVersion);
});

test('merge patch; the status subresource only writes status, the main resource never does', async () => {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
  };
  const created = await call('POST', '/apis/apps/v1/namespaces/default/deployments', dep);
  assert.equal(created.body.spec.replicas, 1, 'defaulted');
  assert.equal(created.body.metadata.generation, 1);
  const patched = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.body.spec.replicas, 3);
  assert.equal(patched.body.metadata.generation, 2);
  const withStatus = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { ...patched.body, spec: { ...patched.body.spec, replicas: 9 }, status: { replicas: 3 } });
  assert.equal(withStatus.body.status.replicas, 3);
  assert.equal(withStatus.body.spec.replicas, 3, '/status ignores spec');
  const mainWithStatus = await call('PUT', '/apis/apps/v1/namespaces/default/deployments/web', { ...withStatus.body, status: { replicas: 99 } });
  assert.equal(mainWithStatus.body.status.replicas, 3, 'the main resource ignores status');
  const badType = await call('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', {}, { 'Content-Type': 'text/plain' });
  assert.equal(badType.status, 415);
});

test('Service create allocates a ClusterIP and refuses a taken nodePort with 422', async () => {
  const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80, nodePort: 30080 }] } });
  const first = await call('POST', '/api/v1/namespaces/default/services', svc('first'));
  assert.equal(first.status, 201);
  assert.match(first.body.spec.clusterIP, /^10\.96\.\d+\.\d+$/);
  assert.equal(first.body.spec.ports[0].targetPort, 80, 'targetPort defaults to port');
  const second = await call('POST', '/api/v1/namespaces/default/services', svc('second'));
  assert.equal(second.status, 422);
  assert.match(second.body.message, /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
});

test('watch streams newline-delimited events from a resourceVersion', async () => {
  const { body: start } = await call('POST', '/api/v1/namespaces/default/configmaps', cm('watched'));
  const ctrl = new AbortController();
  const res = await fetch(`${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${start.metadata.resourceVersion}`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    signal: ctrl.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  await call('PUT', '/api/v1/namespaces/default/configmaps/watched', { ...start, data: { b: '2' } });
  await call('DELETE', '/api/v1/namespaces/default/configmaps/watched');
  let text = '';
  while (text.split('\n').filter(Boolean).length < 2) text += new TextDecoder().decode((await reader.read()).value);
  ctrl.abort();
  const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [
    ['MODIFIED', 'watched'],
    ['DELETED', 'watched'],
  ]);
});

test('watchers of one collection get the same lines, live or replayed (each event is serialized once)', async () => {
  const { body: start } = await call('POST', '/api/v1/namespaces/default/configmaps', cm('shared'));
  const rv = start.metadata.resourceVersion;
  const ctrl = new AbortController();
  const open = async (query: string, accept?: string) => {
    const res = await fetch(`${base}/api/v1/namespaces/default/configmaps?watch=true&${query}`, {
      headers: { Authorization: `Bearer ${TOKEN}`, ...(accept ? { Accept: accept } : {}) },
      signal: ctrl.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    return async (n: number) => {
      while (text.split('\n').filter(Boolean).length < n) text += new TextDecoder().decode((await reader.read()).value);
      return text.split('\n').filter(Boolean);
    };
  };
  const live = await open(`resourceVersion=${rv}`);
  const table = await open(`resourceVersion=${rv}`, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  const { body: second } = await call('PUT', '/api/v1/namespaces/default/configmaps/shared', { ...start, data: { b: '2' } });
  const replayed = await open(`resourceVersion=${rv}`); // gets the first update from the log
  const other = await open(`resourceVersion=${rv}&labelSelector=app%3Dnone`);
  await call('PUT', '/api/v1/namespaces/default/configmaps/shared', { ...second, data: { b: '3' } });
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('marker', { a: '1' }, { app: 'none' }));
  const lines = await live(3);
  assert.deepEqual(lines.map((l) => [JSON.parse(l).type, JSON.parse(l).object.data]), [
    ['MODIFIED', { b: '2' }],
    ['MODIFIED', { b: '3' }],
    ['ADDED', { a: '1' }],
  ]);
  assert.deepEqual(await replayed(3), lines);
  assert.deepEqual((await other(1)).map((l) => JSON.parse(l).object.metadata.name), ['marker']);
  assert.deepEqual((await table(3)).map((l) => JSON.parse(l).object.kind), ['Table', 'Table', 'Table']);
  ctrl.abort();
});

/** POSTs `size` bytes of filler, chunked or with Content-Length, writing on after any answer. */
function postFiller(size: number, chunked: boolean): Promise<{ status: number; body: any; error?: string }> {
  return new Promise((resolve) => {
    const url = new URL(base);
    const headers: Record<string, string | number> = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    if (!chunked) headers['Content-Length'] = size;
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: undefined, error: e.code }));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

test('a body over 3 MiB is a 413, with Content-Length or chunked, though the client goes on sending', async () => {
  for (const chunked of [false, true]) {
    const r = await postFiller(8 * 1024 * 1024, chunked);
    assert.equal(r.error, undefined, `chunked=${chunked}`);
    assert.equal(r.status, 413);
    assert.equal(r.body.reason, 'RequestEntityTooLarge');
    assert.equal(r.body.message, 'Request entity too large: limit is 3145728');
  }
  // at the limit the body is read (and here refused as JSON)
  const atLimit = await postFiller(3 * 1024 * 1024, true);
  assert.equal(atLimit.status, 400);
});

test('a namespace delete marks it Terminating and its finalizer keeps it until /finalize; system namespaces cannot be deleted', async () => {
  const { body: created } = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tmp' } });
  assert.deepEqual(created.spec, { finalizers: ['kubernetes'] });
  await call('POST', '/api/v1/namespaces/tmp/configmaps', cm('inside'));
  const deleted = await call('DELETE', '/api/v1/namespaces/tmp');
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.status.phase, 'Terminating');
  assert.match(deleted.body.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(deleted.body.spec, { finalizers: ['kubernetes'] });
  // nothing in it is touched here (that is the namespace controller's work), and nothing new gets in
  assert.equal((await call('GET', '/api/v1/namespaces/tmp/configmaps/inside')).status, 200);
  assert.equal((await call('POST', '/api/v1/namespaces/tmp/configmaps', cm('late'))).status, 403);
  // a second DELETE, an edit dropping the finalizer: the namespace stays as it was
  const again = await call('DELETE', '/api/v1/namespaces/tmp');
  assert.equal(again.status, 200);
  assert.equal(again.body.metadata.resourceVersion, deleted.body.metadata.resourceVersion);
  const edited = await call('PUT', '/api/v1/namespaces/tmp', { ...deleted.body, spec: {} });
  assert.deepEqual(edited.body.spec, { finalizers: ['kubernetes'] });
  assert.equal(edited.body.metadata.deletionTimestamp, deleted.body.metadata.deletionTimestamp);
  // the controller's last step: /finalize without "kubernetes" removes it
  await call('DELETE', '/api/v1/namespaces/tmp/configmaps/inside');
  const finalized = await call('PUT', '/api/v1/namespaces/tmp/finalize', { ...edited.body, spec: { finalizers: [] } });
  assert.equal(finalized.status, 200, JSON.stringify(finalized.body));
  assert.equal((await call('GET', '/api/v1/namespaces/tmp')).status, 404);
  const refused = await call('DELETE', '/api/v1/namespaces/default');
  assert.equal(refused.status, 403);
});

test('a pod re-applied without nodeName stays bound; deletionTimestamp cannot be set by a client', async () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
  const { body: created } = await call('POST', '/api/v1/namespaces/default/pods', pod);
  const { body: bound } = await call('PUT', '/api/v1/namespaces/default/pods/bound', { ...created, spec: { ...created.spec, nodeName: 'node1' } });
  assert.equal(bound.spec.nodeName, 'node1');
  const again = await call('PUT', '/api/v1/namespaces/default/pods/bound', { ...pod, metadata: { ...pod.metadata, resourceVersion: bound.metadata.resourceVersion } });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.spec.nodeName, 'node1');
  const forged = await call('PATCH', '/api/v1/namespaces/default/pods/bound', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(forged.body.metadata.deletionTimestamp, undefined);
});

test('DELETE reads gracePeriodSeconds from the query or a DeleteOptions body', async () => {
  const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'x:1' }] } });
  const { body: created } = await call('POST', '/api/v1/namespaces/default/pods', pod('graceful'));
  const marked = await call('DELETE', '/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=7');
  assert.equal(marked.status, 200);
  assert.equal(marked.body.metadata.deletionGracePeriodSeconds, 7);
  const shortened = await call('DELETE', '/api/v1/namespaces/default/pods/graceful', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 2 });
  assert.equal(shortened.body.metadata.deletionGracePeriodSeconds, 2);
  assert.equal(Date.parse(shortened.body.metadata.deletionTimestamp) - Date.parse(marked.body.metadata.deletionTimestamp), -5000);
  const bad = await call('DELETE', '/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=soon');
  assert.equal(bad.status, 400);
  const stale = await call('DELETE', '/api/v1/namespaces/default/pods/graceful', { gracePeriodSeconds: 0, preconditions: { uid: 'not-this-one' } });
  assert.equal(stale.status, 409);
  const final = await call('DELETE', '/api/v1/namespaces/default/pods/graceful', { gracePeriodSeconds: 0, preconditions: { uid: created.metadata.uid } });
  assert.equal(final.status, 200);
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/graceful')).status, 404);
});

test('bad input gets the Status kube-apiserver gives, and nothing is written', async () => {
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('bad-input'));
  const raw = (method: string, path: string, body: string | Uint8Array, headers: Record<string, string>) =>
    fetch(base + path, { method, headers: { Authorization: `Bearer ${TOKEN}`, ...headers }, body: body as BodyInit }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const before = store.revision;
  const cases: Record<string, { run: () => Promise<{ status: number; body: any }>; status: number; reason?: string; message?: RegExp }> = {
    'a body that is not JSON': {
      run: () => raw('POST', '/api/v1/namespaces/default/configmaps', '{"kind": ', { 'Content-Type': 'application/json' }),
      status: 400,
      reason: 'BadRequest',
      message: /not valid JSON/,
    },
    'a body that is not YAML': {
      run: () => raw('POST', '/api/v1/namespaces/default/configmaps', 'a: [b', { 'Content-Type': 'application/yaml' }),
      status: 400,
      reason: 'BadRequest',
    },
    'a body that is not protobuf': {
      run: () => raw('POST', '/api/v1/namespaces/default/configmaps', Buffer.from('not protobuf'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' }),
      status: 400,
      reason: 'BadRequest',
    },
    'text/plain': {
      run: () => raw('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify(cm('plain')), { 'Content-Type': 'text/plain' }),
      status: 415,
      reason: 'UnsupportedMediaType',
      message: /accepted media types include: application\/json, application\/yaml, application\/vnd\.kubernetes\.protobuf/,
    },
    'a JSON patch that does not apply': {
      run: () => raw('PATCH', '/api/v1/namespaces/default/configmaps/bad-input', '[{"op":"remove","path":"/data/nope"}]', { 'Content-Type': 'application/json-patch+json' }),
      status: 422,
      reason: 'Invalid',
    },
    'an unknown subresource': {
      run: () => call('GET', '/api/v1/namespaces/default/configmaps/bad-input/scale'),
      status: 404,
      reason: 'NotFound',
    },
    'a field selector on an unsupported field': {
      run: () => call('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=spec.foo%3Dbar'),
      status: 400,
      message: /field label not supported: spec\.foo/,
    },
    'a watch from a resourceVersion that is not one': {
      run: () => call('GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc'),
      status: 400,
    },
    'a dryRun value other than All': {
      run: () => call('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', cm('dry')),
      status: 400,
    },
    'a body over 3 MiB': {
      run: () => raw('POST', '/api/v1/namespaces/default/configmaps', Buffer.alloc(3 * 1024 * 1024 + 1, 0x20), { 'Content-Type': 'application/json' }),
      status: 413,
      reason: 'RequestEntityTooLarge',
      message: /^Request entity too large: limit is 3145728$/,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = await c.run();
    assert.equal(r.status, c.status, `${name}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.kind, 'Status', name);
    if (c.reason) assert.equal(r.body.reason, c.reason, name);
    if (c.message) assert.match(r.body.message, c.message, name);
  }
  assert.equal(store.revision, before, 'nothing was written');
});

test('lists page with limit and continue, as kubectl --chunk-size and informers ask', async () => {
  for (const n of ['page-a', 'page-b', 'page-c']) await call('POST', '/api/v1/namespaces/default/configmaps', cm(n, { a: '1' }, { paged: 'yes' }));
  const first = await call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=paged%3Dyes&limit=2');
  assert.deepEqual(first.body.items.map((i: any) => i.metadata.name), ['page-a', 'page-b']);
  assert.ok(first.body.metadata.continue, 'a token for the rest');
  // a write between pages: the next page still reports the first page's resourceVersion
  await call('POST', '/api/v1/namespaces/default/configmaps', cm('page-d', { a: '1' }, { paged: 'yes' }));
  const rest = await call('GET', `/api/v1/namespaces/default/configmaps?labelSelector=paged%3Dyes&limit=2&continue=${first.body.metadata.continue}`);
  assert.deepEqual(rest.body.items.map((i: any) => i.metadata.name), ['page-c', 'page-d']);
  assert.equal(rest.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
  assert.equal(rest.body.metadata.continue, undefined);
  const all = await call('GET', '/api/v1/namespaces/default/configmaps?limit=1');
  assert.equal(all.body.items.length, 1);
  assert.ok(all.body.metadata.remainingItemCount >= 4, 'counted when nothing is filtered');
  const bad = await call('GET', '/api/v1/namespaces/default/configmaps?limit=1&continue=garbage');
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /continue key is not valid/);
});
