// Real kubectl's server-side apply against the API server alone (no Docker): creating, re-applying
// with no change, conflicts with `kubectl scale` and `kubectl set image` in kube-apiserver's
// words, --force-conflicts, fields dropped from the manifest, two appliers side by side, the
// managedFields `get --show-managed-fields` prints, and kubectl's move from client-side apply.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../src/api/resources.js';
import type { AnyObject } from '../../src/api/types.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

const deployment = (opts: { replicas?: number; image?: string; tier?: boolean; ports?: boolean } = {}) => {
  const { replicas = 2, image = 'k1s.local/busybox:1.36', tier = true, ports = true } = opts;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web${tier ? ', tier: front' : ''}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        command: [httpd, -f, -p, "8080"]
${ports ? '        ports: [{containerPort: 8080}]\n' : ''}`;
};

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('')}`;

describe('kubectl apply --server-side', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  const ok = (args: string[], input?: string) => h.ok(args, input);
  const fails = (args: string[], input?: string) => h.fails(args, input);
  const get = (kind: string, name: string) => h.registry.get<AnyObject & { spec?: any; data?: any }>(byKind(kind)!, 'default', name);
  const managers = (o: AnyObject) => (o.metadata.managedFields ?? []).map((e) => [e.manager, e.operation, ...(e.subresource ? [e.subresource] : [])]);
  const applySSA = ['apply', '--server-side', '-f', '-'];

  before(async () => {
    h = await startApi();
  });
  after(() => h?.stop());

  test('creates the object, owned by "kubectl" through an Apply entry', async () => {
    assert.equal(await ok(applySSA, deployment()), 'deployment.apps/web serverside-applied\n');
    const d = get('Deployment', 'web');
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(managers(d), [['kubectl', 'Apply']]);
    const fields = d.metadata.managedFields![0].fieldsV1 as any;
    assert.deepEqual(fields['f:metadata'], { 'f:labels': { 'f:app': {}, 'f:tier': {} } });
    assert.deepEqual(fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']['f:ports'], { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } });
    assert.ok(!('f:imagePullPolicy' in fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']), 'defaults are no one\'s');
  });

  test('re-applying the same manifest writes nothing', async () => {
    const before = h.store.revision;
    assert.equal(await ok(applySSA, deployment()), 'deployment.apps/web serverside-applied\n');
    assert.equal(h.store.revision, before);
  });

  test('a field kubectl scale changed is a conflict, in kube-apiserver\'s words, and kubectl exits 1', async () => {
    await ok(['scale', 'deployment/web', '--replicas=5']);
    assert.deepEqual(managers(get('Deployment', 'web')), [['kubectl', 'Apply'], ['kubectl', 'Update', 'scale']]);
    const stderr = await fails(applySSA, deployment());
    assert.match(stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas\nPlease review the fields above/);
    assert.equal(get('Deployment', 'web').spec.replicas, 5, 'nothing was written');
  });

  test('kubectl scale and patch --subresource=scale record Update entries of subresource "scale" without a time, as kube-apiserver', async () => {
    const entry = (manager: string) => get('Deployment', 'web').metadata.managedFields!.find((e) => e.manager === manager && e.subresource === 'scale');
    assert.deepEqual(entry('kubectl'), { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' });
    await ok(['patch', 'deployment/web', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":6}}', '--field-manager=scaler']);
    assert.equal(get('Deployment', 'web').spec.replicas, 6);
    assert.equal(entry('kubectl'), undefined, 'the scaler took spec.replicas');
    assert.equal(entry('scaler')?.operation, 'Update');
    // kubectl 1.32 cannot send a Scale to apply (it has no mapping for kind Scale), and the
    // Deployment it can send is not a Scale: refused in kube-apiserver's words
    const stderr = await fails(['apply', '--server-side', '--subresource=scale', '-f', '-'], deployment());
    assert.equal(stderr, 'Error from server (BadRequest): invalid object type: apps/v1, Kind=Deployment\n');
    await ok(['scale', 'deployment/web', '--replicas=5']);
  });

  test('conflicts with several managers are listed per manager', async () => {
    await ok(['set', 'image', 'deployment/web', 'web=k1s.local/busybox:1.37']);
    const stderr = await fails(applySSA, deployment());
    assert.ok(
      stderr.startsWith(
        'error: Apply failed with 2 conflicts: conflicts with "kubectl" with subresource "scale" using apps/v1:\n- .spec.replicas\nconflicts with "kubectl-set" using apps/v1:\n- .spec.template.spec.containers[name="web"].image\n',
      ),
      stderr,
    );
  });

  test('--force-conflicts wins: the fields and their ownership move to the applier', async () => {
    assert.equal(await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], deployment()), 'deployment.apps/web serverside-applied\n');
    const d = get('Deployment', 'web');
    assert.equal(d.spec.replicas, 2);
    assert.equal(d.spec.template.spec.containers[0].image, 'k1s.local/busybox:1.36');
    assert.deepEqual(managers(d), [['kubectl', 'Apply']], 'the scaler and the image setter owned nothing else');
  });

  test('a field removed from the manifest is removed from the object, unless another manager owns it too', async () => {
    // ops applies the same tier label: the two share it
    await ok(['apply', '--server-side', '--field-manager=ops', '-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {tier: front}}\n');
    await ok(applySSA, deployment({ tier: false, ports: false }));
    let d = get('Deployment', 'web');
    assert.equal(d.spec.template.spec.containers[0].ports, undefined);
    assert.deepEqual(d.metadata.labels, { app: 'web', tier: 'front' }, 'ops still owns tier');
    await ok(['apply', '--server-side', '--field-manager=ops', '-f', '-'], 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n');
    d = get('Deployment', 'web');
    assert.deepEqual(d.metadata.labels, { app: 'web' }, 'now no one does');
    assert.deepEqual(managers(d), [['kubectl', 'Apply']]);
  });

  test('two managers applying different fields both keep theirs', async () => {
    await ok(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], configMap('shared', { a: '1' }));
    await ok(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], configMap('shared', { b: '2' }));
    assert.deepEqual(get('ConfigMap', 'shared').data, { a: '1', b: '2' });
    await ok(['apply', '--server-side', '--field-manager=team-a', '-f', '-'], configMap('shared', { a: '3' }));
    assert.deepEqual(get('ConfigMap', 'shared').data, { a: '3', b: '2' });
    const stderr = await fails(['apply', '--server-side', '--field-manager=team-b', '-f', '-'], configMap('shared', { a: '4', b: '2' }));
    assert.match(stderr, /Apply failed with 1 conflict: conflict with "team-a": \.data\.a/);
  });

  test('get -o yaml --show-managed-fields shows the entries; without the flag kubectl hides them', async () => {
    const shown = await ok(['get', 'configmap', 'shared', '-o', 'yaml', '--show-managed-fields']);
    assert.match(shown, /\n  managedFields:\n  - apiVersion: v1\n/);
    // entries are sorted by time, then manager: team-a's re-apply may fall in a later second than team-b's
    for (const [manager, key] of [['team-a', 'a'], ['team-b', 'b']]) {
      const entry = new RegExp(`  - apiVersion: v1\\n    fieldsType: FieldsV1\\n    fieldsV1:\\n      f:data:\\n        f:${key}: \\{\\}\\n    manager: ${manager}\\n    operation: Apply\\n    time: "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"\\n`);
      assert.match(shown, entry, manager);
    }
    assert.ok(!(await ok(['get', 'configmap', 'shared', '-o', 'yaml'])).includes('managedFields'));
  });

  test('kubectl moves an object from client-side apply to server-side apply without conflicts', async () => {
    await ok(['apply', '-f', '-'], configMap('migrated', { a: '1' }));
    assert.deepEqual(managers(get('ConfigMap', 'migrated')), [['kubectl-client-side-apply', 'Update']]);
    await ok(applySSA, configMap('migrated', { a: '2' }));
    const cm = get('ConfigMap', 'migrated');
    assert.deepEqual(cm.data, { a: '2' });
    // kubectl hands the client-side entry over to its Apply entry (and one for the annotation)
    assert.deepEqual(managers(cm).sort(), [['kubectl', 'Apply'], ['kubectl-last-applied', 'Apply']]);
    assert.match(cm.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'], /"data":\{"a":"2"\}/);
  });
});
