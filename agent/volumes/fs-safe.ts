// File system walks that never follow a symlink out of the tree they work on: a hostPath, or a
// symlink a container planted inside a volume, must not make the agent touch the host's files.
import { chmod, lstat, mkdir, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}

/**
 * rm -rf --one-file-system without following symlinks: a symlink is unlinked (its target is
 * untouched), and a directory on another device (a mount still in place) is refused rather than
 * emptied, so a failed unmount cannot turn into deleting what is mounted there.
 */
export async function removeTree(path: string): Promise<void> {
  const st = await lstat(path).catch((e) => {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) return;
  await removeEntry(path, st.dev);
}

async function removeEntry(path: string, dev: number): Promise<void> {
  const st = await lstat(path);
  if (!st.isDirectory()) {
    await unlink(path);
    return;
  }
  if (st.dev !== dev) throw new Error(`refusing to remove ${path}: it is a mount point`);
  for (const name of await readdir(path)) await removeEntry(join(path, name), dev);
  await rmdir(path);
}

/**
 * The real path of base/sub, refused when it resolves outside base (a symlink in the volume
 * pointing at /etc): the kubelet's PrepareSafeSubpath. undefined when base/sub does not exist.
 */
export async function resolveWithin(base: string, sub: string): Promise<string | undefined> {
  const realBase = await realpath(base);
  const real = await realpath(join(base, sub)).catch((e) => {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (real === undefined) return undefined;
  if (!isWithin(real, realBase)) throw new Error(`${sub} resolves outside the volume`);
  return real;
}

/**
 * mkdir -p base/sub with the given mode for what it creates, refusing when the part that exists
 * resolves outside base (the kubelet's SafeMakeDir): a subPath directory created for a mount.
 */
export async function safeMakeDir(base: string, sub: string, mode: number): Promise<void> {
  const parts = sub.split('/').filter((p) => p && p !== '.');
  if (parts.includes('..')) throw new Error(`${sub} must not contain '..'`);
  const realBase = await realpath(base);
  let existing = 0;
  while (existing < parts.length) {
    const p = join(base, ...parts.slice(0, existing + 1));
    const found = await lstat(p).catch((e) => {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    });
    if (!found) break;
    existing++;
  }
  let cur = await realpath(join(base, ...parts.slice(0, existing)));
  if (!isWithin(cur, realBase)) throw new Error(`${sub} resolves outside the volume`);
  for (const part of parts.slice(existing)) {
    cur = join(cur, part);
    await mkdir(cur, { mode });
    await chmod(cur, mode); // mkdir's mode is filtered by the umask
  }
}
