// kube's AtomicWriter (pkg/volume/util/atomic_writer.go), the layout every configMap, secret,
// downwardAPI and projected volume has, and that applications watching a mounted ConfigMap rely on:
//
//   <dir>/..2026_12_02_13_40_00.123456789/   the files (a new directory per change)
//   <dir>/..data -> ..2026_12_02_13_40_00.123456789   swapped atomically with rename(2)
//   <dir>/<key> -> ..data/<key>               one per top-level name of the payload
//
// A reader following <key> always sees one complete version. Names starting with '..' are the
// writer's own. Not safe for concurrent writes to one dir: the caller serialises.
import { randomInt } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, readdir, readlink, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { removeTree } from './fs-safe.js';

export interface FileProjection {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileProjection>;

export interface AtomicWriteOptions {
  now?: () => Date;
  /** Runs after the files are written and before ..data is swapped (the fsGroup ownership). */
  setPerms?: () => Promise<void>;
}

const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
const TS_DIR = /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/;

/** validatePath: relative, no '..' element, not starting with '..', names of at most 255 bytes. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (p.startsWith('/')) return `invalid path: must be relative path: ${p}`;
  if (p.length > 4096) return 'invalid path: must be less than or equal to 4096 characters';
  const items = p.split('/');
  if (items.includes('..')) return `invalid path: must not contain '..': ${p}`;
  if (items.some((i) => Buffer.byteLength(i) > 255)) return 'invalid path: filenames must be less than or equal to 255 characters';
  if (items[0].startsWith('..') && items[0].length > 2) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** `..2006_01_02_15_04_05.` in UTC, as Go's time format the kubelet uses, then a random number. */
export function timestampDirName(now: Date, suffix: number): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const ts = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${ts}.${suffix}`;
}

function exists(e: unknown): boolean {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
  throw e;
}

async function readLinkOrEmpty(path: string): Promise<string> {
  return readlink(path).catch((e) => (exists(e), ''));
}

/** Every path below dir, relative, files and directories (filepath.Walk in pathsToRemove). */
async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(dir, rel), { withFileTypes: true }).catch((e) => (exists(e), []));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r);
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
  }
  return out;
}

async function differs(path: string, data: Buffer): Promise<boolean> {
  const onDisk = await readFile(path).catch((e) => (exists(e), undefined));
  return onDisk === undefined || !onDisk.equals(data);
}

/**
 * Projects payload into dir (which must exist). Returns whether a new version was written: an
 * unchanged payload costs a readlink and a read of each file, nothing else.
 */
export async function writeAtomic(dir: string, payload: Payload, opts: AtomicWriteOptions = {}): Promise<boolean> {
  // (1) validate and clean the paths
  const clean: Payload = new Map();
  for (const [p, f] of payload) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
    clean.set(posix.normalize(p).replace(/\/+$/, ''), f);
  }

  // (2) the current version
  const dataDirPath = join(dir, DATA_DIR);
  const oldTsDir = await readLinkOrEmpty(dataDirPath);
  const oldTsPath = oldTsDir ? join(dir, oldTsDir) : '';

  // (3) what the old version has that the new one drops; (4) whether anything changed
  let toRemove: string[] = [];
  let write = true;
  if (oldTsDir) {
    const keep = new Set<string>();
    for (const p of clean.keys()) for (let s = p; s && s !== '.'; s = posix.dirname(s)) keep.add(s);
    toRemove = (await walk(oldTsPath)).filter((p) => !keep.has(p));
    let changed = false;
    for (const [p, f] of clean) if (await differs(join(oldTsPath, p), f.data)) (changed = true);
    write = changed || toRemove.length > 0;
  }

  let newTsDir = oldTsDir;
  if (write) {
    // (5) a new timestamped directory, 0755 whatever the umask
    const now = (opts.now ?? (() => new Date()))();
    for (;;) {
      newTsDir = timestampDirName(now, randomInt(1, 2 ** 31 - 1));
      try {
        await mkdir(join(dir, newTsDir));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    const tsPath = join(dir, newTsDir);
    await chmod(tsPath, 0o755);
    try {
      // (6) the files, with their exact modes
      for (const [p, f] of clean) {
        const full = join(tsPath, p);
        await mkdir(dirname(full), { recursive: true, mode: 0o755 });
        await writeFile(full, f.data, { mode: f.mode });
        await chmod(full, f.mode);
      }
      // (7) ownership for the pod's fsGroup
      await opts.setPerms?.();
      // (8) ..data_tmp -> the new dir; (9) renamed over ..data: the atomic switch
      await unlink(join(dir, NEW_DATA_DIR)).catch((e) => exists(e));
      await symlink(newTsDir, join(dir, NEW_DATA_DIR));
      await rename(join(dir, NEW_DATA_DIR), dataDirPath);
    } catch (e) {
      await unlink(join(dir, NEW_DATA_DIR)).catch(() => {});
      await removeTree(tsPath).catch(() => {});
      throw e;
    }
  }

  // (10) the user-visible symlinks, also when nothing was written (kubernetes#121472: a restart
  // between the swap and this step must not leave a key without its link)
  for (const p of clean.keys()) {
    const top = p.split('/')[0];
    const link = join(dir, top);
    const present = await lstat(link).then(() => true, (e) => exists(e));
    if (!present) await symlink(posix.join(DATA_DIR, top), link);
  }

  if (write) {
    // (11) top-level names the new version dropped
    for (const p of toRemove) if (!p.includes('/')) await unlink(join(dir, p)).catch((e) => exists(e));
    // (12) the old version, and any timestamped dir a crash left behind
    for (const name of await readdir(dir)) {
      if (name !== newTsDir && TS_DIR.test(name)) await removeTree(join(dir, name));
    }
  }
  return write;
}
