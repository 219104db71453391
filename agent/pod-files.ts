// The files the agent keeps per pod under <dataDir>/pods/<uid>/ (the kubelet's pod directory):
// the pod's resolv.conf, bind-mounted over /etc/resolv.conf in every container. The volumes live
// beside it (volumes/); the volume manager's tearDown removes the whole directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
}
