// The files the agent keeps per pod under <dataDir>/pods/<uid>/ (the kubelet's pod directory):
// the pod's resolv.conf, bind-mounted over /etc/resolv.conf in every container, and one
// termination message file per container attempt (containers/<name>/<random id>, as the kubelet
// makes them). The volumes live beside it (volumes/); the volume manager's tearDown removes the
// whole directory.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../src/api/types.js';
import { resolvConf, type DnsOptions } from './dns.js';

export class PodFiles {
  constructor(
    private readonly dataDir: string,
    private readonly dns: DnsOptions,
    /** The host's resolv.conf (for dnsPolicy Default). */
    private readonly hostResolvConfPath = '/etc/resolv.conf',
  ) {}

  podDir(uid: string): string {
    return join(this.dataDir, 'pods', uid);
  }

  /** Written before each container creation: cheap, and a wiped data dir must not turn the bind
   * mount source into a directory (Docker creates missing sources as directories). */
  async writeResolvConf(pod: Pod): Promise<string> {
    const dir = this.podDir(pod.metadata.uid ?? '');
    await mkdir(dir, { recursive: true });
    // read each time: ClusterFirst keeps the host's search domains too, and they may change
    const hostText = await readFile(this.hostResolvConfPath, 'utf8').catch(() => '');
    const path = join(dir, 'resolv.conf');
    await writeFile(path, resolvConf(pod, this.dns, hostText), { mode: 0o644 });
    return path;
  }

  /** A new empty file, writable by any user in the container (0666, whatever the umask), for one
   * container attempt's termination message: a restarted container gets its own, so the previous
   * attempt (lastState) keeps its message. */
  async createTerminationMessageFile(uid: string, container: string): Promise<string> {
    const dir = join(this.podDir(uid), 'containers', container);
    await mkdir(dir, { recursive: true });
    const path = join(dir, randomBytes(4).toString('hex'));
    await writeFile(path, '', { flag: 'wx' });
    await chmod(path, 0o666);
    return path;
  }

  /** The last `maxBytes` bytes of a file; undefined when it does not exist (tail.ReadAtMost). */
  async readTail(path: string, maxBytes: number): Promise<Buffer | undefined> {
    let f;
    try {
      f = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const { size } = await f.stat();
      const length = Math.min(size, maxBytes);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await f.read(buf, 0, length, size - length);
      return buf.subarray(0, bytesRead);
    } finally {
      await f.close();
    }
  }
}
