// HttpClient.watch against the real API server in-process: it outlives broken connections and a
// compacted history, reporting every change once, deletions included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byKind } from '../../../src/api/resources.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { createApiHandler, listen } from '../../../src/apiserver/server.js';
import { HttpClient } from '../../../src/client/http.js';
import type { WatchEvent } from '../../../src/client/client.js';
import { silentLogger } from '../../../src/log.js';
import { Store } from '../../../src/store/store.js';

let server: Server;
let store: Store;
let registry: Registry;
let client: HttpClient;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'k1s-http-'));
  store = new Store(join(dir, 'state.db'), { keepRevisions: 1 });
  registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: [] });
  registry.bootstrap();
  const l = await listen(createApiHandler({ registry, token: 't', logger: silentLogger }), '127.0.0.1', 0);
  server = l.server;
  client = new HttpClient({ server: `http://127.0.0.1:${l.port}`, token: 't', namespace: 'default' });
});

after(() => {
  server.closeAllConnections();
  server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

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
    server.closeAllConnections();
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
    server.closeAllConnections();
    registry.delete(ConfigMap, 'default', 'gone-soon');
    for (let i = 0; i < 3; i++) registry.create(ConfigMap, 'default', cm(`filler-${i}`));
    store.compact();
    assert.ok(store.revision > rv + 1);
    await until(events, (e) => seen(e, 'DELETED', 'gone-soon') && seen(e, 'ADDED', 'filler-2'));
  } finally {
    stop();
  }
});
