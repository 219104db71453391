// The local-path provisioner's only side effects on the machine: making a volume's directory and
// removing it. Behind this narrow interface so the controller's tests run without a filesystem.
import { chmod, mkdir, rm } from 'node:fs/promises';

export interface VolumeDirs {
  /** creates the directory (and its parents), world-writable as local-path makes it: any pod user may write */
  create(path: string): Promise<void>;
  /** removes the directory and everything in it; a missing one is fine */
  remove(path: string): Promise<void>;
}

export class HostVolumeDirs implements VolumeDirs {
  async create(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
    await chmod(path, 0o777); // mkdir's mode is filtered by the umask
  }

  async remove(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }
}

/** In memory, for tests: the set of directories that exist. */
export class FakeVolumeDirs implements VolumeDirs {
  readonly dirs = new Set<string>();
  readonly log: string[] = [];

  async create(path: string): Promise<void> {
    this.dirs.add(path);
    this.log.push(`create ${path}`);
  }

  async remove(path: string): Promise<void> {
    this.dirs.delete(path);
    this.log.push(`remove ${path}`);
  }
}
