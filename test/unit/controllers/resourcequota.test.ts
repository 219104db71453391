// The resource quota controller: its pure status computation, then the controller over the
// in-process API server (status follows creates, deletes, a pod ending and a quota spec change).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { AnyObject, KubeObject, Pod, ResourceQuota } from '../../../src/api/types.js';
import { quotaStatus } from '../../../src/controllers/resourcequota.js';
import { startInProcessApi, type InProcessApi } from '../../fixtures/api-server.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const pod = (name: string, cpu?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'team' },
  spec: { containers: [{ name: 'c', image: 'x', ...(cpu ? { resources: { requests: { cpu }, limits: { cpu } } } : {}) }] },
});
const quota = (hard: Record<string, string>): ResourceQuota => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'team' }, spec: { hard } });

test('quotaStatus: hard copied in canonical form, used summed per resource, 0 for what nothing uses', () => {
  const objects: Record<string, KubeObject[]> = {
    Pod: [pod('a', '500m'), pod('b', '1'), { ...pod('done', '4'), status: { phase: 'Succeeded' } } as Pod],
    ConfigMap: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'team' } } as KubeObject],
  };
  const of = (kind: string) => objects[kind] ?? [];
  const cases: Record<string, { hard: Record<string, string>; expected: ReturnType<typeof quotaStatus> }> = {
    'no hard limits: nothing to report': { hard: {}, expected: { hard: {}, used: {} } },
    'pods and cpu (an ended pod counts in count/pods only)': {
      hard: { pods: '10', 'requests.cpu': '4000m', 'count/pods': '5' },
      expected: { hard: { pods: '10', 'requests.cpu': '4', 'count/pods': '5' }, used: { 'count/pods': '3', pods: '2', 'requests.cpu': '1500m' } },
    },
    'object counts, and zero for a kind with no objects': {
      hard: { configmaps: '3', secrets: '2', 'count/deployments.apps': '1' },
      expected: { hard: { configmaps: '3', secrets: '2', 'count/deployments.apps': '1' }, used: { configmaps: '1', 'count/deployments.apps': '0', secrets: '0' } },
    },
    'a resource no kind accounts for gets no used value': {
      hard: { 'count/widgets.example.com': '1' },
      expected: { hard: { 'count/widgets.example.com': '1' }, used: {} },
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(quotaStatus(quota(c.hard), of, NOW), c.expected, name);
});

let api: InProcessApi;
before(async () => {
  api = await startInProcessApi({ namespaceController: true });
  api.registry.create(byKind('Namespace')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
});
after(() => api.stop());

async function until(what: string, check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('the controller keeps status.used as objects come, end and go, and status.hard as the spec changes', async () => {
  const R = byKind('ResourceQuota')!;
  const P = byKind('Pod')!;
  const used = () => (api.registry.get(R, 'team', 'q') as ResourceQuota).status?.used;
  api.registry.create(R, 'team', quota({ pods: '3', 'requests.cpu': '2' }));
  await until('status of the new quota', () => used()?.pods === '0');
  api.registry.create(P, 'team', pod('a', '500m'));
  api.registry.create(P, 'team', pod('b', '250m'));
  await until('two pods counted', () => used()?.pods === '2' && used()?.['requests.cpu'] === '750m');
  // a pod that ends stops counting
  const b = api.registry.get(P, 'team', 'b') as AnyObject;
  api.registry.update(P, 'team', 'b', { ...b, status: { phase: 'Succeeded' } }, { subresource: 'status' });
  await until('the ended pod released', () => used()?.pods === '1' && used()?.['requests.cpu'] === '500m');
  api.registry.delete(P, 'team', 'a', { gracePeriodSeconds: 0 });
  await until('the deleted pod released', () => used()?.pods === '0' && used()?.['requests.cpu'] === '0');
  const q = api.registry.get(R, 'team', 'q') as ResourceQuota;
  api.registry.update(R, 'team', 'q', { ...q, spec: { hard: { pods: '5' } } });
  await until('hard follows the spec', () => {
    const s = (api.registry.get(R, 'team', 'q') as ResourceQuota).status;
    return JSON.stringify(s) === JSON.stringify({ hard: { pods: '5' }, used: { pods: '0' } });
  });
});
