// The namespace controller: its pure step, then the controller itself over the in-process API
// server (the real registry, informers and DELETE path; the test plays the node agent).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject, Namespace } from '../../../src/api/types.js';
import { namespaceDeletion } from '../../../src/controllers/namespace.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const obj = (kind: string, name: string, deleting = false): AnyObject =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'team', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } }) as AnyObject;

test('namespaceDeletion: delete what is not yet going, finalize once empty', () => {
  const ns = (): Namespace =>
    ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Terminating' } }) as Namespace;
  const cases: Record<string, { mutate?: (n: Namespace) => void; contents: AnyObject[]; expected: ReturnType<typeof namespaceDeletion> }> = {
    'everything is good (not being deleted); do nothing': { mutate: (n) => delete n.metadata.deletionTimestamp, contents: [obj('Pod', 'a')], expected: { delete: [], remaining: 1 } },
    'delete everything in it, in the order given': {
      contents: [obj('Deployment', 'd'), obj('Pod', 'a'), obj('ConfigMap', 'c')],
      expected: { delete: [obj('Deployment', 'd'), obj('Pod', 'a'), obj('ConfigMap', 'c')], remaining: 3 },
    },
    'what is already being deleted is waited for, not deleted again': {
      contents: [obj('Pod', 'a', true), obj('ConfigMap', 'c')],
      expected: { delete: [obj('ConfigMap', 'c')], remaining: 2 },
    },
    'only pods stopping: wait': { contents: [obj('Pod', 'a', true)], expected: { delete: [], remaining: 1 } },
    'empty: remove our finalizer': { contents: [], expected: { delete: [], remaining: 0, finalizers: [] } },
    "empty: someone else's finalizer stays": {
      mutate: (n) => (n.spec!.finalizers = ['example.com/x', 'kubernetes']),
      contents: [],
      expected: { delete: [], remaining: 0, finalizers: ['example.com/x'] },
    },
    'empty, finalized by us already, another finalizer left: nothing to do': {
      mutate: (n) => (n.spec!.finalizers = ['example.com/x']),
      contents: [],
      expected: { delete: [], remaining: 0 },
    },
    'empty, with no finalizer at all (made before namespaces had one): delete it': {
      mutate: (n) => delete n.spec,
      contents: [],
      expected: { delete: [], remaining: 0, remove: true },
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    const n = ns();
    c.mutate?.(n);
    assert.deepEqual(namespaceDeletion(n, c.contents), c.expected, name);
  }
});

let api: InProcessApi;
before(async () => {
  api = await startInProcessApi({ namespaceController: true });
});
after(() => api.stop());

async function until(what: string, check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a deleted namespace is emptied (a running pod only after its final delete) and then removed', async () => {
  const { registry, store } = api;
  const r = (kind: string) => byKind(kind)!;
  registry.create(r('Namespace'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const tpl = { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
  registry.create(r('Deployment'), 'team', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { selector: { matchLabels: { app: 'w' } }, template: tpl } });
  registry.create(r('ConfigMap'), 'team', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  registry.create(r('Service'), 'team', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'w' }, ports: [{ port: 80 }] } });
  registry.create(r('Pod'), 'team', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pending' }, spec: tpl.spec });
  const running = registry.create(r('Pod'), 'team', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'running' }, spec: { ...tpl.spec, nodeName: 'node1' } });
  const other = registry.create(r('ConfigMap'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });

  const marked = registry.delete(r('Namespace'), undefined, 'team') as Namespace;
  assert.equal(marked.status?.phase, 'Terminating');
  const inTeam = () => store.list('/registry/').items.filter((o) => (o.metadata as { namespace?: string }).namespace === 'team');
  // everything goes but the pod whose containers still run: it waits, Terminating, for the agent
  await until('the namespace emptied but for the running pod', () => inTeam().length === 1);
  const left = inTeam()[0] as unknown as AnyObject;
  assert.equal(left.metadata.name, 'running');
  assert.equal(left.metadata.deletionGracePeriodSeconds, 30);
  assert.equal((registry.get(r('Namespace'), undefined, 'team') as Namespace).status?.phase, 'Terminating');

  // the agent's final delete, once the containers stopped
  registry.delete(r('Pod'), 'team', 'running', { gracePeriodSeconds: 0, preconditions: { uid: running.metadata.uid } });
  await until('the namespace removed', () => !store.get('/registry/core/namespaces/team'));
  assert.equal(inTeam().length, 0);
  assert.equal(registry.get(r('ConfigMap'), 'default', 'c').metadata.uid, other.metadata.uid, 'another namespace is untouched');
});
