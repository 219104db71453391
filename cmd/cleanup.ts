// `k1s cleanup`: removes what k1s made on this machine (io.k1s containers and networks, K1S-
// chains and the jumps into them, the sysctls it changed, the tmpfs mounts of its pods' Secret
// and memory-backed volumes under the data dir), and nothing else. State in the data dir is kept.
import { join } from 'node:path';
import { Docker } from '../agent/runtime.js';
import { LinuxMounter } from '../agent/volumes/index.js';
import { cleanupNetfilter, restoreSysctls } from '../proxy/proxier.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';

/** Pods go first: the service-range guard stays in place until nothing is left to send. */
export async function cleanup(opts: { dataDir?: string } = {}): Promise<void> {
  const docker = new Docker();
  const containers = await docker.listContainers({ all: true, filters: { label: ['io.k1s.managed=true'] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const networks = await docker.listNetworks({ filters: { label: ['io.k1s.managed=true'] } });
  let kept = 0;
  for (const n of networks) {
    try {
      await docker.getNetwork(n.Id).remove();
    } catch (err) {
      // Docker 20.10 can keep endpoints of containers already removed (a burst of removals); the
      // network is harmless then, and the rest of the cleanup must still happen. A dockerd restart
      // clears them.
      if (!/active endpoints/.test(String(err))) throw err;
      kept++;
      process.stderr.write(`warning: network ${n.Name} kept: Docker still lists endpoints of removed containers (a dockerd restart clears them)\n`);
    }
  }
  // only under <data dir>/pods: a kubelet on the same machine mounts the same way elsewhere
  const mounter = new LinuxMounter();
  const mounts = (await mounter.mountsUnder(join(opts.dataDir ?? '/var/lib/k1s', 'pods'))).reverse();
  for (const m of mounts) await mounter.unmount(m);
  const { chains } = await cleanupNetfilter(new IptablesNetfilter());
  const sysctls = await restoreSysctls();
  const restored = sysctls.length ? `; restored ${sysctls.join(', ')}` : '';
  const unmounted = mounts.length ? `, ${mounts.length} volume mounts` : '';
  process.stdout.write(`removed ${containers.length} containers, ${networks.length - kept} networks, ${chains} iptables chains${unmounted}${restored}\n`);
}

