// The real Mounter (mount(8), umount(8), /proc/self/mountinfo): runs only as root with the right
// to mount (CAP_SYS_ADMIN), skips otherwise. Every mount is made in a temp dir and undone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Secret } from '../../../../src/api/types.js';
import { LinuxMounter, VolumeManager, parseMountInfo } from '../../../../agent/volumes/index.js';
import { removeTree } from '../../../../agent/volumes/fs-safe.js';

async function canMount(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  const dir = await mkdtemp(join(tmpdir(), 'k1s-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'cannot mount a tmpfs here (no CAP_SYS_ADMIN?)';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const skip = await canMount();

async function mountsBelow(dir: string): Promise<{ mountPoint: string; fsType: string }[]> {
  const real = await realpath(dir).catch(() => dir);
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((e) => e.mountPoint === real || e.mountPoint.startsWith(`${real}/`));
}

/** Whatever a failed assertion left mounted is unmounted, deepest first, before the dir goes. */
async function cleanUp(root: string): Promise<void> {
  for (const m of (await mountsBelow(root)).reverse()) execFileSync('umount', [m.mountPoint]);
  await rm(root, { recursive: true, force: true });
}

test('LinuxMounter: mounts a sized tmpfs, sees it in mountinfo, unmounts it', { skip }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'k1s-mnt-'));
  try {
    const dir = join(root, 'vol');
    await mkdir(dir);
    const m = new LinuxMounter();
    assert.equal(await m.isMountPoint(dir), false);
    await m.mountTmpfs(dir, { sizeBytes: 1 << 20, mode: 0o700 });
    assert.equal(await m.isMountPoint(dir), true);
    assert.deepEqual(await m.mountsUnder(root), [await realpath(dir)]);
    assert.equal((await stat(dir)).mode & 0o7777, 0o700);
    const realDir = await realpath(dir);
    const line = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.includes(` ${realDir} `))!;
    assert.match(line, / - tmpfs tmpfs .*size=1024k/);
    await m.unmount(dir);
    assert.equal(await m.isMountPoint(dir), false);
    assert.deepEqual(await mountsBelow(root), []);
  } finally {
    await cleanUp(root);
  }
});

test('VolumeManager with the real mounter: a secret lands on a tmpfs; tearDown leaves nothing mounted', { skip }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'k1s-vm-'));
  try {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { pw: Buffer.from('s3cret').toString('base64') } } as Secret;
    const vm = new VolumeManager({
      dataDir: root,
      mounter: new LinuxMounter(),
      sources: { configMap: () => undefined, secret: () => secret, persistentVolumeClaim: () => undefined, persistentVolume: () => undefined },
      nodeAllocatable: async () => ({ cpuCores: 1, memoryBytes: 16 << 20, ephemeralStorageBytes: 0 }),
    });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'uid-real' },
      spec: { containers: [{ name: 'c', image: 'i:1' }], volumes: [{ name: 's', secret: { secretName: 'db' } }, { name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] },
    } as Pod;
    const r = await vm.setUp(pod);
    assert.ok(r.ok, r.ok ? '' : r.message);
    const below = await mountsBelow(root);
    assert.deepEqual(below.map((e) => [e.mountPoint.slice(root.length), e.fsType]).sort(), [
      ['/pods/uid-real/volumes/kubernetes.io~empty-dir/m', 'tmpfs'],
      ['/pods/uid-real/volumes/kubernetes.io~secret/s', 'tmpfs'],
    ]);
    assert.equal(await readFile(join(root, 'pods/uid-real/volumes/kubernetes.io~secret/s/pw'), 'utf8'), 's3cret');
    assert.ok((await vm.setUp(pod)).ok, 'a second sync finds the mounts in place');
    assert.equal((await mountsBelow(root)).length, 2);

    await vm.tearDown('uid-real');
    assert.deepEqual(await mountsBelow(root), []);
    await assert.rejects(stat(join(root, 'pods/uid-real')), { code: 'ENOENT' });
  } finally {
    await cleanUp(root);
  }
});

test('removeTree refuses to empty a mount that is still in place', { skip }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'k1s-rm-'));
  try {
    const dir = join(root, 'pod/vol');
    await mkdir(dir, { recursive: true });
    await new LinuxMounter().mountTmpfs(dir, { sizeBytes: 64 << 10 });
    await writeFile(join(dir, 'data'), 'x');
    await assert.rejects(removeTree(join(root, 'pod')), /it is a mount point/);
    assert.equal(await readFile(join(dir, 'data'), 'utf8'), 'x');
  } finally {
    await cleanUp(root);
  }
});
