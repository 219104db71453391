// Mounts are the one side effect of the volume manager that needs privileges: behind a narrow
// interface, real (mount(8)/umount(8), /proc/self/mountinfo) or in memory for the unit tests.
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TmpfsOptions {
  sizeBytes?: number;
  /** The root directory's mode; the kernel's default for tmpfs is 01777. */
  mode?: number;
}

export interface Mounter {
  mountTmpfs(dir: string, opts: TmpfsOptions): Promise<void>;
  unmount(dir: string): Promise<void>;
  isMountPoint(dir: string): Promise<boolean>;
  /** Every mount point at or below dir, deepest first (so they can be unmounted in that order). */
  mountsUnder(dir: string): Promise<string[]>;
}

export interface MountInfoEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \040 \011 \012 \134. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** /proc/self/mountinfo (proc(5)): `id parent major:minor root mountPoint opts [optional...] - fsType source superOpts`. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 7 || sep < 0) continue;
    out.push({ mountPoint: unescape(f[4]), fsType: f[sep + 1] ?? '', source: unescape(f[sep + 2] ?? '') });
  }
  return out;
}

function isAtOrBelow(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Deepest first; ties keep mountinfo's order reversed (the latest mount over a path first). */
export function mountPointsUnder(entries: MountInfoEntry[], dir: string): string[] {
  const hits = entries.map((e) => e.mountPoint).filter((m) => isAtOrBelow(m, dir));
  return hits.reverse().sort((a, b) => b.split('/').length - a.split('/').length);
}

/** The real thing: we run as root with CAP_SYS_ADMIN in the host's mount namespace. */
export class LinuxMounter implements Mounter {
  constructor(private readonly mountInfoPath = '/proc/self/mountinfo') {}

  async mountTmpfs(dir: string, opts: TmpfsOptions): Promise<void> {
    const o: string[] = [];
    if (opts.sizeBytes !== undefined) o.push(`size=${Math.ceil(opts.sizeBytes)}`);
    if (opts.mode !== undefined) o.push(`mode=${opts.mode.toString(8).padStart(4, '0')}`);
    const args = ['-t', 'tmpfs', ...(o.length ? ['-o', o.join(',')] : []), 'tmpfs', dir];
    await run('mount', args).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`mount failed: ${(e.stderr || e.message).trim()}`);
    });
  }

  async unmount(dir: string): Promise<void> {
    await run('umount', [dir]).catch((e: { stderr?: string; message: string }) => {
      throw new Error(`unmount failed: ${(e.stderr || e.message).trim()}`);
    });
  }

  async isMountPoint(dir: string): Promise<boolean> {
    const real = await realpath(dir).catch(() => undefined);
    if (!real) return false;
    return (await this.entries()).some((e) => e.mountPoint === real);
  }

  async mountsUnder(dir: string): Promise<string[]> {
    const real = await realpath(dir).catch(() => resolve(dir));
    return mountPointsUnder(await this.entries(), real);
  }

  private async entries(): Promise<MountInfoEntry[]> {
    return parseMountInfo(await readFile(this.mountInfoPath, 'utf8'));
  }
}

/** In memory: a mount is a record; a test may make the next mounts fail. */
export class FakeMounter implements Mounter {
  readonly mounts = new Map<string, TmpfsOptions>();
  readonly calls: string[] = [];
  /** When set, mountTmpfs throws this message (as a full /proc or a missing privilege would). */
  failMount: string | undefined;

  async mountTmpfs(dir: string, opts: TmpfsOptions): Promise<void> {
    this.calls.push(`mount ${dir}`);
    if (this.failMount) throw new Error(this.failMount);
    if (this.mounts.has(dir)) throw new Error(`${dir} already mounted`);
    this.mounts.set(dir, { ...opts });
  }

  async unmount(dir: string): Promise<void> {
    this.calls.push(`unmount ${dir}`);
    if (!this.mounts.delete(dir)) throw new Error(`umount: ${dir}: not mounted`);
  }

  async isMountPoint(dir: string): Promise<boolean> {
    return this.mounts.has(dir);
  }

  async mountsUnder(dir: string): Promise<string[]> {
    return mountPointsUnder([...this.mounts.keys()].map((m) => ({ mountPoint: m, fsType: 'tmpfs', source: 'tmpfs' })), dir);
  }
}
