// SetVolumeOwnership (pkg/volume/volume_linux.go): with a pod fsGroup, every file of the volume
// belongs to that group, is group-readable (and group-writable unless the volume is read-only),
// and directories get the setgid bit so files created later inherit the group.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/** The mode a file gets: kube ORs the masks into what is there, it never takes bits away. */
export function ownedMode(mode: number, isDir: boolean, readOnly: boolean): number {
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (isDir) mask |= SETGID | EXEC_MASK;
  return (mode & 0o7777) | mask;
}

/** Walks dir without following symlinks (a symlink itself is re-grouped, its target is not touched). */
export async function setVolumeOwnership(dir: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await lstat(dir);
  await lchown(dir, st.uid, fsGroup);
  if (st.isSymbolicLink()) return;
  await chmod(dir, ownedMode(st.mode, st.isDirectory(), readOnly));
  if (st.isDirectory()) for (const name of await readdir(dir)) await setVolumeOwnership(join(dir, name), fsGroup, readOnly);
}
