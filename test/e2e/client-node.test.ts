// @kubernetes/client-node 1.x (the Kubernetes JavaScript client; 1.x runs on Node 20) against the
// API server in-process: what its users do first works as against Kubernetes: a create without
// apiVersion/kind, list by label, its default patch (JSON patch), replace, a watch, delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startApi, type ApiHarness } from './api-harness.js';

describe('@kubernetes/client-node against the API server', () => {
  let h: ApiHarness;
  let core: k8s.CoreV1Api;
  let kc: k8s.KubeConfig;

  before(async () => {
    h = await startApi();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(h.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(() => h?.stop());

  test('create without apiVersion and kind, read, list by label', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'app', labels: { tier: 'web' } }, data: { a: '1' } } });
    assert.equal(created.kind, 'ConfigMap');
    assert.equal(created.apiVersion, 'v1');
    assert.ok(created.metadata?.uid);
    const read = await core.readNamespacedConfigMap({ name: 'app', namespace: 'default' });
    assert.deepEqual(read.data, { a: '1' });
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'tier=web' });
    assert.deepEqual(list.items.map((c) => c.metadata?.name), ['app']);
  });

  test('its default patch is a JSON patch; replace keeps optimistic concurrency', async () => {
    const patched = await core.patchNamespacedConfigMap({ name: 'app', namespace: 'default', body: [{ op: 'add', path: '/data/b', value: '2' }] });
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    const replaced = await core.replaceNamespacedConfigMap({ name: 'app', namespace: 'default', body: { ...patched, data: { c: '3' } } });
    assert.deepEqual(replaced.data, { c: '3' });
    await assert.rejects(core.replaceNamespacedConfigMap({ name: 'app', namespace: 'default', body: { ...patched, data: { d: '4' } } }), (e: { code?: number }) => e.code === 409);
  });

  test('a watch sees a change; delete removes', async () => {
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    let done!: () => void;
    const modified = new Promise<void>((resolve) => (done = resolve));
    const ctl = await watch.watch('/api/v1/namespaces/default/configmaps', {}, (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
      if (type === 'MODIFIED') done();
    }, () => {});
    await core.patchNamespacedConfigMap({ name: 'app', namespace: 'default', body: [{ op: 'replace', path: '/data/c', value: 'x' }] });
    await modified;
    ctl.abort();
    assert.deepEqual(seen, ['ADDED app', 'MODIFIED app']);
    await core.deleteNamespacedConfigMap({ name: 'app', namespace: 'default' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'app', namespace: 'default' }), (e: { code?: number }) => e.code === 404);
  });
});
