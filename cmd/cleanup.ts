// `k1s cleanup`: removes what k1s made on this machine (io.k1s containers and networks, K1S-
// chains and the jumps into them, the sysctls it changed), and nothing else. State in the data
// dir is kept.
import { Docker } from '../agent/runtime.js';
import { cleanupNetfilter, restoreSysctls } from '../proxy/proxier.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';

/** Pods go first: the service-range guard stays in place until nothing is left to send. */
export async function cleanup(): Promise<void> {
  const docker = new Docker();
  const containers = await docker.listContainers({ all: true, filters: { label: ['io.k1s.managed=true'] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const networks = await docker.listNetworks({ filters: { label: ['io.k1s.managed=true'] } });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  const { chains } = await cleanupNetfilter(new IptablesNetfilter());
  const sysctls = await restoreSysctls();
  const restored = sysctls.length ? `; restored ${sysctls.join(', ')}` : '';
  process.stdout.write(`removed ${containers.length} containers, ${networks.length} networks, ${chains} iptables chains${restored}\n`);
}

