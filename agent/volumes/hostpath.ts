// hostPath volumes (pkg/volume/hostpath): the host's path is bound as is, after the type check.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeError } from './types.js';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  return stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
}

/** checkTypeInternal: '' (or unset) checks nothing; the *OrCreate types create what is missing. */
export async function checkHostPathType(path: string, type: string | undefined): Promise<void> {
  if (!type) return;
  let st = await statOrUndefined(path);
  const fail = (what: string) => new VolumeError(`hostPath type check failed: ${path} is not a ${what}`);
  if (type === 'DirectoryOrCreate' && !st) {
    await mkdir(path, { recursive: true, mode: 0o755 });
    return;
  }
  if (type === 'FileOrCreate' && !st) {
    // O_CREAT without O_EXCL: a file a concurrent pod just made is fine; the parent must exist
    await writeFile(path, '', { flag: 'a', mode: 0o644 }).catch((e: Error) => {
      throw new VolumeError(e.message);
    });
    st = await stat(path);
  }
  switch (type) {
    case 'DirectoryOrCreate':
    case 'Directory':
      if (!st?.isDirectory()) throw fail('directory');
      return;
    case 'FileOrCreate':
    case 'File':
      if (!st?.isFile()) throw fail('file');
      return;
    case 'Socket':
      if (!st?.isSocket()) throw fail('socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw fail('character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw fail('block device');
      return;
    default:
      throw new VolumeError(`hostPath type check failed: unsupported type ${type}`);
  }
}
