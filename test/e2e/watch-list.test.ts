// Real kubectl 1.32 as a watch-list client: with KUBE_FEATURE_WatchListClient=true client-go's
// reflector (kubectl wait, kubectl rollout status) watches with sendInitialEvents=true and syncs
// only on the bookmark annotated k8s.io/initial-events-end; without it they hang to their timeout.
// (`kubectl get -w` does not use a reflector, so it never sends sendInitialEvents.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { byKind } from '../../src/api/resources.js';
import type { AnyObject } from '../../src/api/types.js';
import { hasKubectl, startApi, type ApiHarness, type KubectlResult } from './api-harness.js';
import { WEB_DEPLOYMENT } from '../fixtures/manifests.js';

describe('kubectl as a watch-list client', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;

  /** kubectl -v=6 with the client-go WatchListClient feature on. */
  const watchListKubectl = (args: string[]): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', h.kubeconfig, '--cache-dir', join(h.dir, 'cache'), '-v=6', ...args], {
        env: { ...process.env, KUBE_FEATURE_WatchListClient: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 30_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });

  before(async () => {
    h = await startApi();
  });
  after(() => h?.stop());

  test('kubectl wait syncs on the initial-events-end bookmark, then sees the live change', async () => {
    const cm = byKind('ConfigMap')!;
    h.registry.create(cm, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flag' }, data: { ready: 'no' } });
    const waiting = watchListKubectl(['wait', '--for=jsonpath={.data.ready}=yes', 'configmap/flag', '--timeout=15s']);
    await new Promise((r) => setTimeout(r, 1500));
    const current = h.registry.get<AnyObject & { data: Record<string, string> }>(cm, 'default', 'flag');
    h.registry.update(cm, 'default', 'flag', { ...current, data: { ready: 'yes' } });
    const r = await waiting;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'configmap/flag condition met\n');
    assert.match(r.stderr, /GET \S+\/configmaps\?\S*sendInitialEvents=true\S* 200 OK/, 'kubectl used watch-list');
  });

  test('kubectl rollout status of a finished rollout returns once the watch-list has synced', async () => {
    const dep = byKind('Deployment')!;
    await h.ok(['create', '-f', '-'], WEB_DEPLOYMENT);
    const d = h.registry.get<AnyObject & { spec: { replicas: number } }>(dep, 'default', 'web');
    const n = d.spec.replicas;
    // no controllers run here: the status a finished rollout would have
    h.registry.update(dep, 'default', 'web', {
      ...d,
      status: { observedGeneration: d.metadata.generation, replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n },
    }, { subresource: 'status' });
    const started = Date.now();
    const r = await watchListKubectl(['rollout', 'status', 'deployment/web', '--timeout=15s']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'deployment "web" successfully rolled out\n');
    assert.match(r.stderr, /GET \S+\/deployments\?\S*sendInitialEvents=true\S* 200 OK/);
    assert.ok(Date.now() - started < 10_000, 'did not wait for its timeout');
  });
});
