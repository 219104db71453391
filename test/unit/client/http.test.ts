// HttpClient.watch against the real API server in-process: it outlives broken connections and a
// compacted history, reporting every change once, deletions included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { Registry } from '../../../src/apiserver/registry.js';
import { HttpClient } from '../../../src/client/http.js';
import type { WatchEvent } from '../../../src/client/client.js';
import type { Store } from '../../../src/store/store.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

let store: Store;
let registry: Registry;
let client: HttpClient;
let api: InProcessApi;

before(async () => {
  // one revision kept: a client that misses anything must list again
  api = await startInProcessApi({ token: 't', store: { keepRevisions: 1 }, reservedIPs: [] });
  ({ store, registry } = api);
  client = new HttpClient({ server: api.base, token: 't', namespace: 'default' });
});

after(() => api.stop());

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } });
const ConfigMap = byKind('ConfigMap')!;

/** Resolves once the events seen satisfy check (5 s at most). */
function until(events: WatchEvent[], check: (evs: WatchEvent[]) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const poll = () => (check(events) ? resolve() : Date.now() > deadline ? reject(new Error(`timed out; saw ${JSON.stringify(events.map((e) => [e.type, e.object.metadata.name]))}`)) : setTimeout(poll, 20));
    poll();
  });
}

const seen = (events: WatchEvent[], type: string, name: string) => events.some((e) => e.type === type && e.object.metadata.name === name);

test('a watch reconnects from its last resourceVersion after the connection breaks', async () => {
  const events: WatchEvent[] = [];
  const stop = client.watch('ConfigMap', 'default', {}, (ev) => events.push(ev));
  try {
    registry.create(ConfigMap, 'default', cm('one'));
    await until(events, (e) => seen(e, 'ADDED', 'one'));
    api.server.closeAllConnections();
    registry.create(ConfigMap, 'default', cm('two'));
    await until(events, (e) => seen(e, 'ADDED', 'two'));
    assert.equal(events.filter((e) => e.object.metadata.name === 'one').length, 1, 'no event is delivered twice');
  } finally {
    stop();
  }
});

test('a watch whose history was compacted lists again and reports deletions it missed', async () => {
  const events: WatchEvent[] = [];
  registry.create(ConfigMap, 'default', cm('gone-soon'));
  const stop = client.watch('ConfigMap', 'default', {}, (ev) => events.push(ev));
  try {
    await until(events, (e) => seen(e, 'ADDED', 'gone-soon'));
    // While the client is away, the object is deleted and the history compacted past it.
    const rv = store.revision;
    api.server.closeAllConnections();
    registry.delete(ConfigMap, 'default', 'gone-soon');
    for (let i = 0; i < 3; i++) registry.create(ConfigMap, 'default', cm(`filler-${i}`));
    store.compact();
    assert.ok(store.revision > rv + 1);
    await until(events, (e) => seen(e, 'DELETED', 'gone-soon') && seen(e, 'ADDED', 'filler-2'));
  } finally {
    stop();
  }
});
