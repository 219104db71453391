// Real kubectl against the API server with the PersistentVolume controller and the local-path
// provisioner running in-process (no Docker): the default class, claims provisioned and bound,
// kube's columns, and a deleted claim taking its volume and directory with it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LocalClient } from '../../src/client/client.js';
import { createInformers } from '../../src/controllers/context.js';
import { StoreEventRecorder } from '../../src/controllers/events.js';
import { PersistentVolumeController } from '../../src/controllers/persistentvolume.js';
import { HostVolumeDirs } from '../../src/controllers/volume-dirs.js';
import { silentLogger } from '../../src/log.js';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const IMMEDIATE_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: now}
provisioner: rancher.io/local-path
volumeBindingMode: Immediate
`;

const claim = (name: string, cls?: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, labels: {app: x}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
${cls ? `  storageClassName: ${cls}\n` : ''}`;

describe('kubectl: persistent volumes, claims and the local-path provisioner', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  let stop: () => void;
  let storageDir: string;
  const ok = (args: string[], input?: string) => h.ok(args, input);

  before(async () => {
    h = await startApi();
    storageDir = join(h.dir, 'storage');
    const client = new LocalClient(h.registry);
    const informers = createInformers(client);
    informers.all.forEach((i) => i.start());
    const events = new StoreEventRecorder(client, silentLogger, 'vm');
    const controller = new PersistentVolumeController({ client, informers, logger: silentLogger, events }, { nodeName: 'vm', storageDir, dirs: new HostVolumeDirs() });
    controller.start();
    stop = () => {
      controller.stop();
      informers.all.forEach((i) => i.close());
    };
  });
  after(async () => {
    stop?.();
    await h?.stop();
  });

  test('the default class is local-path, as k3s', async () => {
    assert.match(
      await ok(['get', 'sc']),
      /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\d+s\n$/,
    );
    assert.match(await ok(['api-resources']), /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
    assert.match(await ok(['api-resources']), /^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m);
  });

  test('a claim of an Immediate class is provisioned and bound; deleting it deletes the volume and its directory', async () => {
    await ok(['apply', '-f', '-'], IMMEDIATE_CLASS);
    await ok(['apply', '-f', '-'], claim('fast', 'now'));
    await until(async () => (await ok(['get', 'pvc', 'fast', '-o', 'jsonpath={.status.phase}'])) === 'Bound', 'the claim to bind');
    const uid = await ok(['get', 'pvc', 'fast', '-o', 'jsonpath={.metadata.uid}']);
    const out = await ok(['get', 'pvc']);
    assert.match(out, new RegExp(`^NAME\\s+STATUS\\s+VOLUME\\s+CAPACITY\\s+ACCESS MODES\\s+STORAGECLASS\\s+VOLUMEATTRIBUTESCLASS\\s+AGE\\nfast\\s+Bound\\s+pvc-${uid}\\s+1Gi\\s+RWO\\s+now\\s+<unset>\\s+\\d+s\\n$`));
    assert.match(
      await ok(['get', 'pv']),
      new RegExp(`^NAME\\s+CAPACITY\\s+ACCESS MODES\\s+RECLAIM POLICY\\s+STATUS\\s+CLAIM\\s+STORAGECLASS\\s+VOLUMEATTRIBUTESCLASS\\s+REASON\\s+AGE\\npvc-${uid}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+default/fast\\s+now\\s+<unset>\\s+\\d+s\\n$`),
    );
    const all = await ok(['get', 'pv,pvc,sc']);
    assert.match(all, /persistentvolume\/pvc-/);
    assert.match(all, /persistentvolumeclaim\/fast\s+Bound/);
    assert.match(all, /storageclass\.storage\.k8s\.io\/now\s+rancher\.io\/local-path/);
    const dir = join(storageDir, `pvc-${uid}_default_fast`);
    assert.equal(statSync(dir).mode & 0o777, 0o777);
    const described = await ok(['describe', 'pvc', 'fast']);
    assert.match(described, /^Status:\s+Bound$/m);
    assert.match(described, new RegExp(`^Volume:\\s+pvc-${uid}$`, 'm'));
    assert.match(described, /pv\.kubernetes\.io\/bind-completed: yes/);
    assert.match(described, /Normal\s+ProvisioningSucceeded\s+.*Successfully provisioned volume pvc-/);

    await ok(['delete', 'pvc', 'fast']);
    await until(async () => (await ok(['get', 'pv', '-o', 'name'])) === '', 'the volume to go');
    assert.equal(existsSync(dir), false);
  });

  test('a claim without a class gets the default one and waits for its first consumer; the scheduler\'s node binds it', async () => {
    await ok(['apply', '-f', '-'], claim('later'));
    assert.equal(await ok(['get', 'pvc', 'later', '-o', 'jsonpath={.spec.storageClassName}']), 'local-path');
    await until(async () => /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(await ok(['describe', 'pvc', 'later'])), 'the event');
    assert.equal(await ok(['get', 'pvc', 'later', '-o', 'jsonpath={.status.phase}']), 'Pending');
    // what the scheduler does once a pod using the claim is scheduled
    await ok(['annotate', 'pvc', 'later', 'volume.kubernetes.io/selected-node=vm']);
    await until(async () => (await ok(['get', 'pvc', 'later', '-o', 'jsonpath={.status.phase}'])) === 'Bound', 'the claim to bind');
    assert.match(await ok(['get', 'pvc', 'later']), /later\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+local-path\s/);
  });

  test('a static hostPath volume binds a matching claim; Retain keeps it Released when the claim goes', async () => {
    const pv = `apiVersion: v1
kind: PersistentVolume
metadata: {name: manual-disk, labels: {disk: one}}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: ${join(h.dir, 'manual')}}
`;
    await ok(['apply', '-f', '-'], pv);
    await ok(['apply', '-f', '-'], `${claim('static', '""')}  selector: {matchLabels: {disk: one}}\n`);
    await until(async () => (await ok(['get', 'pvc', 'static', '-o', 'jsonpath={.spec.volumeName}'])) === 'manual-disk', 'the claim to bind');
    await until(async () => (await ok(['get', 'pv', 'manual-disk', '-o', 'jsonpath={.status.phase}'])) === 'Bound', 'the volume to be Bound');
    assert.match(await ok(['get', 'pvc', 'static']), /static\s+Bound\s+manual-disk\s+2Gi\s+RWO\s+<unset>\s+\d+s/);
    await ok(['delete', 'pvc', 'static']);
    await until(async () => (await ok(['get', 'pv', 'manual-disk', '-o', 'jsonpath={.status.phase}'])) === 'Released', 'Released');
    assert.match(await ok(['get', 'pv', 'manual-disk']), /manual-disk\s+2Gi\s+RWO\s+Retain\s+Released\s+default\/static\s/);
  });

  test('validation errors are kube\'s', async () => {
    const err = await h.fails(['apply', '-f', '-'], 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad}\nspec: {resources: {requests: {storage: 1Gi}}}\n');
    assert.match(err, /PersistentVolumeClaim "bad" is invalid: spec\.accessModes: Required value: at least 1 access mode is required/);
  });

  test('apply --prune -l with kubectl\'s default allowlist (claims and volumes among its kinds)', async () => {
    const r = await h.kubectl(['apply', '--prune', '-l', 'app=x', '-f', '-'], claim('later'));
    assert.equal(r.status, 0, r.stderr);
    // the claim an earlier case made, or a new one when run alone
    assert.match(r.stdout, /^persistentvolumeclaim\/later (created|unchanged)\n$/);
  });
});
