import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, mkdir, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timestampDirName, validatePayloadPath, writeAtomic, type Payload } from '../../../../agent/volumes/atomic-writer.js';

const TS = /^\.\.2026_12_02_13_40_00\.\d+$/;
const now = () => new Date('2026-12-02T13:40:00.123Z');

function payload(files: Record<string, string | [string, number]>): Payload {
  return new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(Array.isArray(v) ? v[0] : v), mode: Array.isArray(v) ? v[1] : 0o644 }]));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'k1s-aw-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('timestampDirName: Go layout ..2006_01_02_15_04_05.<n>, in UTC', () => {
  assert.equal(timestampDirName(new Date('2026-01-02T03:04:05.999+02:00'), 42), '..2026_01_02_01_04_05.42');
});

test('validatePayloadPath: relative, no .. element, no reserved ..name', () => {
  assert.equal(validatePayloadPath('a/b'), undefined);
  assert.equal(validatePayloadPath('..'), "invalid path: must not contain '..': ..");
  assert.equal(validatePayloadPath('/etc/passwd'), 'invalid path: must be relative path: /etc/passwd');
  assert.equal(validatePayloadPath('a/../b'), "invalid path: must not contain '..': a/../b");
  assert.equal(validatePayloadPath('..data'), "invalid path: must not start with '..': ..data");
  assert.equal(validatePayloadPath(''), 'invalid path: must not be empty');
});

test('atomic writer: first write makes the timestamped dir, ..data and one link per top-level name, with exact modes', () =>
  withDir(async (dir) => {
    const old = process.umask(0o077); // the writer must not depend on the umask
    try {
      assert.equal(await writeAtomic(dir, payload({ 'app.conf': 'x=1', 'tls/key.pem': ['k', 0o600], 'tls/ca.pem': ['c', 0o444] }), { now }), true);
    } finally {
      process.umask(old);
    }
    const names = (await readdir(dir)).sort();
    assert.equal(names.length, 4);
    const ts = names.find((n) => TS.test(n))!;
    assert.ok(ts, `a timestamped dir among ${names}`);
    assert.deepEqual(names.filter((n) => n !== ts), ['..data', 'app.conf', 'tls']);
    assert.equal(await readlink(join(dir, '..data')), ts);
    assert.equal(await readlink(join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(await readlink(join(dir, 'tls')), '..data/tls');
    assert.equal(await readFile(join(dir, 'app.conf'), 'utf8'), 'x=1');
    assert.equal(await readFile(join(dir, 'tls/key.pem'), 'utf8'), 'k');
    assert.equal((await stat(join(dir, ts))).mode & 0o7777, 0o755);
    assert.equal((await stat(join(dir, 'app.conf'))).mode & 0o7777, 0o644);
    assert.equal((await stat(join(dir, 'tls/key.pem'))).mode & 0o7777, 0o600);
    assert.equal((await stat(join(dir, 'tls/ca.pem'))).mode & 0o7777, 0o444);
  }));

test('atomic writer: an unchanged payload writes nothing; a change swaps ..data to a new dir and removes the old one', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1', b: '2' }), { now });
    const first = await readlink(join(dir, '..data'));
    assert.equal(await writeAtomic(dir, payload({ a: '1', b: '2' }), { now }), false);
    assert.equal(await readlink(join(dir, '..data')), first);

    assert.equal(await writeAtomic(dir, payload({ a: '1', b: '3' }), { now }), true);
    const second = await readlink(join(dir, '..data'));
    assert.notEqual(second, first);
    assert.match(second, TS);
    assert.equal(await readFile(join(dir, 'b'), 'utf8'), '3');
    assert.deepEqual((await readdir(dir)).filter((n) => TS.test(n)), [second], 'the old version is gone');
  }));

test('atomic writer: keys the new payload drops disappear, nested paths included', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1', gone: '2', 'sub/x': '3', 'sub/y': '4' }), { now });
    await writeAtomic(dir, payload({ a: '1', 'sub/x': '3' }), { now });
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')).sort(), ['a', 'sub']);
    assert.deepEqual(await readdir(join(dir, 'sub')), ['x']);
    await assert.rejects(lstat(join(dir, 'gone')), { code: 'ENOENT' });
  }));

test('atomic writer: a removed key alone (no content change) still makes a new version', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1', b: '2' }), { now });
    assert.equal(await writeAtomic(dir, payload({ a: '1' }), { now }), true);
    assert.deepEqual((await readdir(dir)).filter((n) => !n.startsWith('..')), ['a']);
  }));

test('atomic writer: an empty payload (an absent optional object) is an empty volume with ..data', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, new Map(), { now });
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => !TS.test(n)), ['..data']);
  }));

test('atomic writer: a missing user-visible link is recreated even when the data is current', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1' }), { now });
    await rm(join(dir, 'a'));
    assert.equal(await writeAtomic(dir, payload({ a: '1' }), { now }), false);
    assert.equal(await readlink(join(dir, 'a')), '..data/a');
  }));

test('atomic writer: timestamped dirs a crash left behind are removed with the next version', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1' }), { now });
    await mkdir(join(dir, '..2020_01_01_00_00_00.7'));
    await writeAtomic(dir, payload({ a: '2' }), { now });
    assert.equal((await readdir(dir)).filter((n) => /^\.\.\d/.test(n)).length, 1);
  }));

test('atomic writer: setPerms runs after the files are written and before ..data points at them', () =>
  withDir(async (dir) => {
    await writeAtomic(dir, payload({ a: '1' }), { now });
    const before = await readlink(join(dir, '..data'));
    let seen = '';
    await writeAtomic(dir, payload({ a: '2' }), {
      now,
      setPerms: async () => {
        seen = await readlink(join(dir, '..data'));
        const fresh = (await readdir(dir)).filter((n) => TS.test(n) && n !== before);
        assert.equal(await readFile(join(dir, fresh[0], 'a'), 'utf8'), '2');
      },
    });
    assert.equal(seen, before);
  }));

test('atomic writer: an invalid path is refused before anything is written', () =>
  withDir(async (dir) => {
    await assert.rejects(writeAtomic(dir, payload({ '../escape': 'x' }), { now }), /must not contain '\.\.'/);
    assert.deepEqual(await readdir(dir), []);
  }));
