// The volume manager on a real file system in a temp dir, with the in-memory Mounter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret } from '../../../../src/api/types.js';
import { FakeMounter, VolumeManager, type SetUpResult, type VolumeSources } from '../../../../agent/volumes/index.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface World {
  root: string;
  host: string;
  cms: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
  claims: Map<string, any>;
  pvs: Map<string, any>;
  mounter: FakeMounter;
  vm: VolumeManager;
  podDir: string;
}

async function world(fn: (w: World) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'k1s-vol-'));
  const host = join(root, 'host');
  await mkdir(host);
  const cms = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const claims = new Map<string, any>();
  const pvs = new Map<string, any>();
  const sources: VolumeSources = {
    configMap: (ns, name) => cms.get(`${ns}/${name}`),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    persistentVolumeClaim: (ns, name) => claims.get(`${ns}/${name}`),
    persistentVolume: (name) => pvs.get(name),
  };
  const mounter = new FakeMounter();
  const vm = new VolumeManager({
    dataDir: join(root, 'data'),
    sources,
    mounter,
    now: () => new Date('2026-12-02T13:40:00Z'),
    nodeAllocatable: async () => ({ cpuCores: 2, memoryBytes: 2 ** 30, ephemeralStorageBytes: 1e10 }),
  });
  try {
    await fn({ root, host, cms, secrets, claims, pvs, mounter, vm, podDir: join(root, 'data', 'pods', 'uid-1') });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function configMap(data: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data } as ConfigMap;
}

function pod(volumes: any[], mounts: any[] = [], extra: (p: any) => void = () => {}): Pod {
  const p: any = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', uid: 'uid-1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'i:1', volumeMounts: mounts }, { name: 'side', image: 'i:1' }], volumes },
  };
  extra(p);
  return p as Pod;
}

function ok(r: SetUpResult): Extract<SetUpResult, { ok: true }> {
  if (!r.ok) assert.fail(`setUp failed: ${r.reason}: ${r.message}`);
  return r;
}

function failed(r: SetUpResult): Extract<SetUpResult, { ok: false }> {
  if (r.ok) assert.fail('setUp should have failed');
  return r;
}

const vdir = (w: World, plugin: string, name: string) => join(w.podDir, 'volumes', plugin, name);

test('setUp: every source in its kube directory, and each container gets binds for its own mounts', () =>
  world(async (w) => {
    w.cms.set('default/app-config', configMap({ 'app.conf': 'x=1' }));
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { password: b64('s3cret') } } as Secret);
    w.claims.set('default/data', { spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } });
    w.pvs.set('pv-1', { spec: { hostPath: { path: join(w.host, 'pv') } } });
    const p = pod(
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'cfg', configMap: { name: 'app-config' } },
        { name: 'creds', secret: { secretName: 'db', defaultMode: 0o400 } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'all', projected: { sources: [{ configMap: { name: 'app-config' } }, { secret: { name: 'db' } }] } },
        { name: 'logs', hostPath: { path: w.host, type: 'Directory' } },
        { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      ],
      [
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'cache', mountPath: '/cache' },
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'creds', mountPath: '/secrets' },
        { name: 'info', mountPath: '/etc/podinfo' },
        { name: 'all', mountPath: '/all' },
        { name: 'logs', mountPath: '/logs', readOnly: true },
        { name: 'data', mountPath: 'data' },
      ],
    );
    const r = ok(await w.vm.setUp(p));
    assert.deepEqual(r.mounts('web'), [
      `${vdir(w, 'kubernetes.io~empty-dir', 'scratch')}:/scratch`,
      `${vdir(w, 'kubernetes.io~empty-dir', 'cache')}:/cache`,
      `${vdir(w, 'kubernetes.io~configmap', 'cfg')}:/etc/app:ro`,
      `${vdir(w, 'kubernetes.io~secret', 'creds')}:/secrets:ro`,
      `${vdir(w, 'kubernetes.io~downward-api', 'info')}:/etc/podinfo:ro`,
      `${vdir(w, 'kubernetes.io~projected', 'all')}:/all:ro`,
      `${w.host}:/logs:ro`,
      `${join(w.host, 'pv')}:/data:ro`,
    ]);
    assert.deepEqual(r.mounts('side'), []);
    assert.deepEqual(r.mounts('nope'), []);

    assert.equal((await stat(vdir(w, 'kubernetes.io~empty-dir', 'scratch'))).mode & 0o777, 0o777);
    assert.equal(await readFile(join(vdir(w, 'kubernetes.io~configmap', 'cfg'), 'app.conf'), 'utf8'), 'x=1');
    const pw = join(vdir(w, 'kubernetes.io~secret', 'creds'), 'password');
    assert.equal(await readFile(pw, 'utf8'), 's3cret');
    assert.equal((await stat(pw)).mode & 0o777, 0o400);
    assert.equal(await readFile(join(vdir(w, 'kubernetes.io~downward-api', 'info'), 'labels'), 'utf8'), 'app="web"');
    assert.deepEqual((await readdir(vdir(w, 'kubernetes.io~projected', 'all'))).filter((n) => !n.startsWith('..')).sort(), ['app.conf', 'password']);
    // memory-backed: the emptyDir with medium Memory (sizeLimit as the size), the secret and the projected volume
    assert.deepEqual(
      [...w.mounter.mounts].map(([d, o]) => [d.slice(w.podDir.length), o.sizeBytes]),
      [
        ['/volumes/kubernetes.io~empty-dir/cache', 64 * 2 ** 20],
        ['/volumes/kubernetes.io~secret/creds', 2 ** 30],
        ['/volumes/kubernetes.io~projected/all', 2 ** 30],
      ],
    );
  }));

test('setUp: idempotent — a second sync mounts nothing more and writes no new version', () =>
  world(async (w) => {
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { k: b64('v') } } as Secret);
    const p = pod([{ name: 'creds', secret: { secretName: 'db' } }, { name: 'm', emptyDir: { medium: 'Memory' } }]);
    ok(await w.vm.setUp(p));
    const link = await readlink(join(vdir(w, 'kubernetes.io~secret', 'creds'), '..data'));
    const calls = w.mounter.calls.length;
    ok(await w.vm.setUp(p));
    assert.equal(w.mounter.calls.length, calls);
    assert.equal(await readlink(join(vdir(w, 'kubernetes.io~secret', 'creds'), '..data')), link);
  }));

test('setUp: a changed ConfigMap reaches the volume through a new ..data; removed keys disappear', () =>
  world(async (w) => {
    w.cms.set('default/app-config', configMap({ a: '1', b: '2' }));
    const p = pod([{ name: 'cfg', configMap: { name: 'app-config' } }]);
    ok(await w.vm.setUp(p));
    const dir = vdir(w, 'kubernetes.io~configmap', 'cfg');
    const first = await readlink(join(dir, '..data'));
    w.cms.set('default/app-config', configMap({ a: '10' }));
    ok(await w.vm.setUp(p));
    assert.notEqual(await readlink(join(dir, '..data')), first);
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), '10');
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')), ['a']);
    assert.equal((await readdir(dir)).filter((n) => /^\.\.\d/.test(n)).length, 1, 'the old version is removed');
  }));

test('setUp errors: the kubelet FailedMount wording, naming the volume', () =>
  world(async (w) => {
    const cases: Record<string, { volumes: any[]; setup?: () => Promise<void> | void; message: string }> = {
      'configMap not found': { volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }], message: 'MountVolume.SetUp failed for volume "cfg" : configmap "app-config" not found' },
      'secret not found': { volumes: [{ name: 's', secret: { secretName: 'db' } }], message: 'MountVolume.SetUp failed for volume "s" : secret "db" not found' },
      'missing key': {
        volumes: [{ name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'nope', path: 'x' }] } }],
        setup: () => void w.cms.set('default/app-config', configMap({ a: '1' })),
        message: 'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: nope',
      },
      'hostPath Directory on a file': {
        volumes: [{ name: 'h', hostPath: { path: join(w.host, 'f'), type: 'Directory' } }],
        setup: () => writeFile(join(w.host, 'f'), ''),
        message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(w.host, 'f')} is not a directory`,
      },
      'hostPath File on a directory': {
        volumes: [{ name: 'h', hostPath: { path: w.host, type: 'File' } }],
        message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${w.host} is not a file`,
      },
      'hostPath Socket missing': {
        volumes: [{ name: 'h', hostPath: { path: join(w.host, 'sock'), type: 'Socket' } }],
        message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${join(w.host, 'sock')} is not a socket file`,
      },
      'hostPath CharDevice on a directory': {
        volumes: [{ name: 'h', hostPath: { path: w.host, type: 'CharDevice' } }],
        message: `MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${w.host} is not a character device`,
      },
      'hostPath BlockDevice on /dev/null': {
        volumes: [{ name: 'h', hostPath: { path: '/dev/null', type: 'BlockDevice' } }],
        message: 'MountVolume.SetUp failed for volume "h" : hostPath type check failed: /dev/null is not a block device',
      },
      'claim not found': {
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
        message: 'MountVolume.SetUp failed for volume "d" : persistentvolumeclaim "data" not found',
      },
      'claim not bound': {
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
        setup: () => void w.claims.set('default/data', { spec: {}, status: { phase: 'Pending' } }),
        message: 'MountVolume.SetUp failed for volume "d" : persistentvolumeclaim "data" is not bound',
      },
      'local PV path missing': {
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }],
        setup: () => {
          w.claims.set('default/data', { spec: { volumeName: 'pv' }, status: { phase: 'Bound' } });
          w.pvs.set('pv', { spec: { local: { path: join(w.host, 'nope') } } });
        },
        message: `MountVolume.SetUp failed for volume "d" : path "${join(w.host, 'nope')}" does not exist`,
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      w.cms.clear();
      w.claims.clear();
      await c.setup?.();
      const r = failed(await w.vm.setUp(pod([{ name: 'ok', emptyDir: {} }, ...c.volumes])));
      assert.deepEqual({ reason: r.reason, volume: r.volume, message: r.message }, { reason: 'FailedMount', volume: c.volumes[0].name, message: c.message }, name);
    }
  }));

test('setUp: hostPath *OrCreate types create what is missing (0755 dir, empty 0644 file), CharDevice accepts /dev/null', () =>
  world(async (w) => {
    const d = join(w.host, 'new/dir');
    const f = join(w.host, 'new.log');
    ok(
      await w.vm.setUp(
        pod([
          { name: 'd', hostPath: { path: d, type: 'DirectoryOrCreate' } },
          { name: 'f', hostPath: { path: f, type: 'FileOrCreate' } },
          { name: 'n', hostPath: { path: '/dev/null', type: 'CharDevice' } },
          { name: 'any', hostPath: { path: join(w.host, 'absent') } },
        ]),
      ),
    );
    assert.equal((await stat(d)).mode & 0o777, 0o755 & ~process.umask());
    const fs = await stat(f);
    assert.ok(fs.isFile());
    assert.equal(fs.size, 0);
    assert.equal(fs.mode & 0o777, 0o644 & ~process.umask());
    await assert.rejects(stat(join(w.host, 'absent')), { code: 'ENOENT' }, "type '' checks (and creates) nothing");
  }));

test('setUp: optional objects missing are empty volumes; a key appears once the object does', () =>
  world(async (w) => {
    const p = pod([{ name: 'cfg', configMap: { name: 'app-config', optional: true } }]);
    ok(await w.vm.setUp(p));
    const dir = vdir(w, 'kubernetes.io~configmap', 'cfg');
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')), []);
    w.cms.set('default/app-config', configMap({ a: '1' }));
    ok(await w.vm.setUp(p));
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), '1');
  }));

test('setUp: a secret is never written where no tmpfs is mounted', () =>
  world(async (w) => {
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { k: b64('v') } } as Secret);
    w.mounter.failMount = 'mount: permission denied';
    const r = failed(await w.vm.setUp(pod([{ name: 's', secret: { secretName: 'db' } }])));
    assert.equal(r.message, 'MountVolume.SetUp failed for volume "s" : mount: permission denied');
    assert.deepEqual(await readdir(vdir(w, 'kubernetes.io~secret', 's')), []);
  }));

test('subPath: a missing directory is created with the volume mode; a file of a configMap binds its real path', () =>
  world(async (w) => {
    w.cms.set('default/app-config', configMap({ 'app.conf': 'x=1' }));
    const r = ok(
      await w.vm.setUp(
        pod(
          [
            { name: 'scratch', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'app-config' } },
          ],
          [
            { name: 'scratch', mountPath: '/var/cache', subPath: 'cache/web' },
            { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
          ],
        ),
      ),
    );
    const scratch = vdir(w, 'kubernetes.io~empty-dir', 'scratch');
    const cfg = vdir(w, 'kubernetes.io~configmap', 'cfg');
    const ts = await readlink(join(cfg, '..data'));
    assert.deepEqual(r.mounts('web'), [`${scratch}/cache/web:/var/cache`, `${cfg}/${ts}/app.conf:/etc/app.conf:ro`]);
    assert.equal((await stat(join(scratch, 'cache/web'))).mode & 0o7777, 0o777);
  }));

test('subPath: a symlink leading out of the volume is refused, nothing is created outside', () =>
  world(async (w) => {
    const p = pod([{ name: 'scratch', emptyDir: {} }], [{ name: 'scratch', mountPath: '/x', subPath: 'evil/sub' }]);
    ok(await w.vm.setUp(pod([{ name: 'scratch', emptyDir: {} }])));
    const scratch = vdir(w, 'kubernetes.io~empty-dir', 'scratch');
    await symlink(w.host, join(scratch, 'evil')); // what a container could do in its volume
    const r = failed(await w.vm.setUp(p));
    assert.deepEqual(
      { reason: r.reason, volume: r.volume, message: r.message },
      { reason: 'CreateContainerConfigError', volume: 'scratch', message: 'failed to create subPath directory for volumeMount "scratch" of container "web"' },
    );
    await assert.rejects(stat(join(w.host, 'sub')), { code: 'ENOENT' });

    await mkdir(join(w.host, 'sub'));
    const r2 = failed(await w.vm.setUp(p));
    assert.equal(r2.message, 'failed to prepare subPath for volumeMount "scratch" of container "web"');
  }));

test('tearDown: unmounts every tmpfs, removes the pod dir, never follows a symlink out of it', () =>
  world(async (w) => {
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { k: b64('v') } } as Secret);
    await writeFile(join(w.host, 'precious'), 'keep me');
    ok(
      await w.vm.setUp(
        pod([
          { name: 's', secret: { secretName: 'db' } },
          { name: 'm', emptyDir: { medium: 'Memory' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'h', hostPath: { path: w.host } },
        ]),
      ),
    );
    await writeFile(join(w.podDir, 'resolv.conf'), 'nameserver 10.96.0.10\n');
    await symlink(w.host, join(vdir(w, 'kubernetes.io~empty-dir', 'scratch'), 'host-dir'));
    await symlink(join(w.host, 'precious'), join(vdir(w, 'kubernetes.io~empty-dir', 'scratch'), 'host-file'));
    assert.equal(w.mounter.mounts.size, 2);

    await w.vm.tearDown('uid-1');
    assert.equal(w.mounter.mounts.size, 0);
    assert.deepEqual(w.mounter.calls.filter((c) => c.startsWith('unmount')).length, 2);
    await assert.rejects(lstat(w.podDir), { code: 'ENOENT' });
    assert.equal(await readFile(join(w.host, 'precious'), 'utf8'), 'keep me');
    await w.vm.tearDown('uid-1'); // again: nothing left, no error
  }));

test('tearDown: refuses a uid that is not one path segment', () =>
  world(async (w) => {
    await assert.rejects(() => w.vm.tearDown('../..'), /invalid pod uid/);
    assert.equal(failed(await w.vm.setUp(pod([], [], (p) => (p.metadata.uid = '../x')))).message, 'invalid pod uid "../x"');
  }));

test('fsGroup: emptyDir, configMap, secret, downwardAPI and projected volumes belong to the group, directories setgid', () =>
  world(async (w) => {
    w.cms.set('default/app-config', configMap({ 'app.conf': 'x=1' }));
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { k: b64('v') } } as Secret);
    const p = pod(
      [
        { name: 'scratch', emptyDir: {} },
        { name: 'cfg', configMap: { name: 'app-config', defaultMode: 0o600 } },
        { name: 's', secret: { secretName: 'db' } },
        { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        { name: 'all', projected: { sources: [{ configMap: { name: 'app-config' } }] } },
        { name: 'h', hostPath: { path: w.host } },
      ],
      [],
      (x) => (x.spec.securityContext = { fsGroup: 2000 }),
    );
    ok(await w.vm.setUp(p));
    const scratch = await stat(vdir(w, 'kubernetes.io~empty-dir', 'scratch'));
    assert.equal(scratch.gid, 2000);
    assert.equal(scratch.mode & 0o7777, 0o2777);
    const cfgDir = vdir(w, 'kubernetes.io~configmap', 'cfg');
    const file = await stat(join(cfgDir, 'app.conf'));
    assert.equal(file.gid, 2000);
    assert.equal(file.mode & 0o7777, 0o640, 'read-only volumes get g+r, not g+w');
    const ts = await stat(join(cfgDir, await readlink(join(cfgDir, '..data'))));
    assert.equal(ts.gid, 2000);
    assert.equal(ts.mode & 0o7777, 0o2755);
    for (const [plugin, name, f] of [
      ['kubernetes.io~secret', 's', 'k'],
      ['kubernetes.io~downward-api', 'info', 'name'],
      ['kubernetes.io~projected', 'all', 'app.conf'],
    ]) {
      assert.equal((await stat(join(vdir(w, plugin, name), f))).gid, 2000, `${plugin}/${name}`);
    }
    assert.notEqual((await stat(w.host)).gid, 2000, 'hostPath is not re-owned');

    // a file the pod makes later inherits the group (setgid), and is not re-moded by the next sync
    const mine = join(vdir(w, 'kubernetes.io~empty-dir', 'scratch'), 'mine');
    await writeFile(mine, '', { mode: 0o600 });
    await chmod(mine, 0o600);
    assert.equal((await stat(mine)).gid, 2000);
    ok(await w.vm.setUp(p));
    assert.equal((await stat(mine)).mode & 0o777, 0o600);
  }));

test('setUp: concurrent syncs of one pod are serialised (one version, one mount)', () =>
  world(async (w) => {
    w.secrets.set('default/db', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { k: b64('v') } } as Secret);
    const p = pod([{ name: 's', secret: { secretName: 'db' } }]);
    const rs = await Promise.all([w.vm.setUp(p), w.vm.setUp(p), w.vm.setUp(p)]);
    for (const r of rs) ok(r);
    assert.equal(w.mounter.calls.filter((c) => c.startsWith('mount')).length, 1);
    assert.equal((await readdir(vdir(w, 'kubernetes.io~secret', 's'))).filter((n) => /^\.\.\d/.test(n)).length, 1);
  }));

test('setUp: a volume dir wiped behind the agent is made again on the next sync', () =>
  world(async (w) => {
    w.cms.set('default/app-config', configMap({ a: '1' }));
    const p = pod([{ name: 'cfg', configMap: { name: 'app-config' } }]);
    ok(await w.vm.setUp(p));
    await rm(join(w.podDir, 'volumes'), { recursive: true });
    ok(await w.vm.setUp(p));
    assert.equal(await readFile(join(vdir(w, 'kubernetes.io~configmap', 'cfg'), 'a'), 'utf8'), '1');
  }));
