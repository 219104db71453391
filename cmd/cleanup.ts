// `k1s cleanup`: removes what k1s made on this machine (io.k1s containers and networks, K1S-
// chains and the jumps into them), and nothing else. State in the data dir is kept.
import { Docker } from '../agent/runtime.js';
import { cleanupNetfilter } from '../proxy/proxier.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';

export async function cleanup(): Promise<void> {
  const { chains } = await cleanupNetfilter(new IptablesNetfilter());
  const docker = new Docker();
  const containers = await docker.listContainers({ all: true, filters: { label: ['io.k1s.managed=true'] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const networks = await docker.listNetworks({ filters: { label: ['io.k1s.managed=true'] } });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  process.stdout.write(`removed ${containers.length} containers, ${networks.length} networks, ${chains} iptables chains\n`);
}

