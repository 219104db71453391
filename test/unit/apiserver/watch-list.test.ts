// Watch-list (sendInitialEvents) over raw HTTP against the in-process API server: the initial
// state as ADDED events, the bookmark annotated k8s.io/initial-events-end at the state's
// resourceVersion, then live events; ValidateListOptions' 422s; the 504 for a resourceVersion the
// store has not reached. Also the pure option reading and validation, table-tested.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listOptionsErrors, readListOptions } from '../../../src/apiserver/list-options.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const TOKEN = 'test-token';
const NS = 'wl';
let api: InProcessApi;

before(async () => {
  api = await startInProcessApi({ token: TOKEN });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
});
after(() => api.stop());

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(api.base + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const cm = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { a: '1' } });
const WATCH_LIST = 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

/** Opens a watch; next(n) resolves with the first n events; close() ends it. */
async function openWatch(query: string, ns = NS) {
  const ctrl = new AbortController();
  const res = await fetch(`${api.base}/api/v1/namespaces/${ns}/configmaps?${query}`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: ctrl.signal });
  if (res.status !== 200) assert.fail(`watch ${query}: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let text = '';
  return {
    async next(n: number): Promise<any[]> {
      while (text.split('\n').filter(Boolean).length < n) {
        const chunk = await Promise.race([reader.read(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`timed out waiting for ${n} events; got ${text}`)), 3000))]);
        text += new TextDecoder().decode(chunk.value);
      }
      return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    close: () => ctrl.abort(),
  };
}

const summary = (events: any[]) =>
  events.map((e) => (e.type === 'BOOKMARK' ? ['BOOKMARK', e.object.metadata.annotations?.['k8s.io/initial-events-end'] ?? '-'] : [e.type, e.object.metadata.name]));

test('sendInitialEvents: every matching object as ADDED, then the initial-events-end bookmark at the state, then live events', async () => {
  await call('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('a', { app: 'x' }));
  await call('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('b', { app: 'y' }));
  const { body: c } = await call('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('c', { app: 'x' }));
  const stateRV = Number(c.metadata.resourceVersion);
  for (const rv of ['', '0', String(stateRV - 1), String(stateRV)]) {
    const w = await openWatch(`${WATCH_LIST}&labelSelector=app%3Dx${rv === '' ? '' : `&resourceVersion=${rv}`}`);
    const initial = await w.next(3);
    assert.deepEqual(summary(initial), [['ADDED', 'a'], ['ADDED', 'c'], ['BOOKMARK', 'true']], `resourceVersion=${JSON.stringify(rv)}`);
    const mark = initial[2].object;
    assert.equal(mark.kind, 'ConfigMap');
    assert.equal(mark.apiVersion, 'v1');
    assert.equal(mark.metadata.resourceVersion, String(api.store.revision), 'the bookmark carries the revision the state was read at');
    w.close();
  }
  const w = await openWatch(`${WATCH_LIST}&labelSelector=app%3Dx`);
  await w.next(3);
  await call('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('d', { app: 'y' })); // not selected
  await call('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('e', { app: 'x' }));
  await call('DELETE', `/api/v1/namespaces/${NS}/configmaps/a`);
  assert.deepEqual(summary((await w.next(5)).slice(3)), [['ADDED', 'e'], ['DELETED', 'a']]);
  w.close();
});

test('sendInitialEvents without allowWatchBookmarks: the initial events, no bookmark (not a watch-list request)', async () => {
  const ns = 'wl-nobookmark';
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('only'));
  const w = await openWatch('watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan', ns);
  await w.next(1);
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('later'));
  assert.deepEqual(summary(await w.next(2)), [['ADDED', 'only'], ['ADDED', 'later']]);
  w.close();
});

test('sendInitialEvents=false: no initial state; from now without a resourceVersion, from it with one', async () => {
  const ns = 'wl-false';
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const { body: first } = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('first'));
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('second'));
  const base = 'watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
  const fromNow = await openWatch(base, ns);
  const fromFirst = await openWatch(`${base}&resourceVersion=${first.metadata.resourceVersion}`, ns);
  await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('third'));
  assert.deepEqual(summary(await fromNow.next(1)), [['ADDED', 'third']]);
  assert.deepEqual(summary(await fromFirst.next(2)), [['ADDED', 'second'], ['ADDED', 'third']]);
  fromNow.close();
  fromFirst.close();
});

test('a watch-list from a resourceVersion the store has not reached: 504 Too large resource version after the wait', async () => {
  const ahead = api.store.revision + 1000;
  const started = Date.now();
  const r = await call('GET', `/api/v1/namespaces/${NS}/configmaps?${WATCH_LIST}&resourceVersion=${ahead}`);
  assert.ok(Date.now() - started >= 2900, 'waits for the store first');
  assert.equal(r.status, 504);
  assert.equal(r.body.reason, 'Timeout');
  assert.equal(r.body.message, `Timeout: Too large resource version: ${ahead}, current: ${api.store.revision}`);
  assert.deepEqual(r.body.details, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
});

test('a watch-list from the next resourceVersion starts once a write reaches it', async () => {
  const ns = 'wl-next';
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const next = api.store.revision + 1;
  const opening = openWatch(`${WATCH_LIST}&resourceVersion=${next}`, ns);
  await new Promise((r) => setTimeout(r, 100));
  const { body } = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('reached'));
  const w = await opening;
  const events = await w.next(2);
  assert.deepEqual(summary(events), [['ADDED', 'reached'], ['BOOKMARK', 'true']]);
  assert.equal(events[1].object.metadata.resourceVersion, body.metadata.resourceVersion);
  w.close();
});

test('ValidateListOptions: 422 ListOptions.meta.k8s.io with kube-apiserver wording', async () => {
  const cases: Record<string, { query: string; message: string }> = {
    'sendInitialEvents on a list': {
      query: 'sendInitialEvents=true',
      message: 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list',
    },
    'sendInitialEvents without resourceVersionMatch': {
      query: 'watch=true&sendInitialEvents=true&allowWatchBookmarks=true',
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    },
    'sendInitialEvents with resourceVersionMatch=Exact': {
      query: 'watch=true&sendInitialEvents=true&resourceVersionMatch=Exact&resourceVersion=5',
      message:
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
    },
    'resourceVersionMatch on a watch without sendInitialEvents': {
      query: 'watch=true&resourceVersionMatch=NotOlderThan',
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    },
    'resourceVersionMatch on a list without resourceVersion': {
      query: 'resourceVersionMatch=NotOlderThan',
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = await call('GET', `/api/v1/namespaces/${NS}/configmaps?${c.query}`);
    assert.equal(r.status, 422, name);
    assert.equal(r.body.reason, 'Invalid', name);
    assert.equal(r.body.message, c.message, name);
    assert.equal(r.body.details.kind, 'ListOptions', name);
    assert.equal(r.body.details.group, 'meta.k8s.io', name);
  }
  // a malformed resourceVersion stays a 400, as before
  const bad = await call('GET', `/api/v1/namespaces/${NS}/configmaps?${WATCH_LIST}&resourceVersion=abc`);
  assert.equal(bad.status, 400);
});

test('list options: read as kube reads query booleans, validated as ValidateListOptions', () => {
  const read = (s: string) => readListOptions(new URLSearchParams(s));
  assert.deepEqual(read('watch=1&sendInitialEvents=FALSE&allowWatchBookmarks='), {
    watch: true,
    sendInitialEvents: false,
    allowWatchBookmarks: true, // any value but "0" and "false" is true, the empty one too
    resourceVersion: undefined,
    resourceVersionMatch: undefined,
    continue: undefined,
  });
  assert.equal(read('watch=false').watch, false);
  assert.equal(read('watch=0').watch, false);
  assert.equal(read('').sendInitialEvents, undefined);
  const errors = (s: string) => listOptionsErrors(read(s)).map((e) => `${e.path}: ${e.message}`);
  const cases: Record<string, { query: string; expected: string[] }> = {
    'a plain watch is fine': { query: 'watch=true&resourceVersion=5', expected: [] },
    'a watch-list is fine': { query: `${WATCH_LIST}&resourceVersion=5`, expected: [] },
    'sendInitialEvents=false with NotOlderThan is fine': { query: 'watch=true&sendInitialEvents=false&resourceVersionMatch=NotOlderThan', expected: [] },
    'a list NotOlderThan a resourceVersion is fine': { query: 'resourceVersion=5&resourceVersionMatch=NotOlderThan', expected: [] },
    'a list Exact resourceVersion 0': {
      query: 'resourceVersion=0&resourceVersionMatch=Exact',
      expected: ['resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
    },
    'a list with an unknown match and continue': {
      query: 'resourceVersion=5&resourceVersionMatch=Newest&continue=abc',
      expected: [
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
        'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
      ],
    },
    'a watch-list with continue': {
      query: `${WATCH_LIST}&continue=abc`,
      expected: ['resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided'],
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(errors(c.query), c.expected, name);
});
