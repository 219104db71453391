// The pod network: one Docker bridge network every sandbox joins. Docker does the IPAM (one
// address per sandbox out of the subnet) and the bridge; the proxy adds the service rules.
import type Docker from 'dockerode';
import { LABEL_MANAGED } from './labels.js';

export interface NetworkConfig {
  /** Docker network name, default `k1s`. */
  name: string;
  /** Pod CIDR, default 10.244.0.0/16. */
  subnet: string;
  /** Bridge address, default 10.244.0.1. */
  gateway: string;
  /** Linux bridge device, default `k1s0` (stable name for iptables rules). */
  bridgeName: string;
}

export const DEFAULT_NETWORK: NetworkConfig = {
  name: 'k1s',
  subnet: '10.244.0.0/16',
  gateway: '10.244.0.1',
  bridgeName: 'k1s0',
};

/** The body of POST /networks/create for `cfg`. Pure, for tests. */
export function networkCreateOptions(cfg: NetworkConfig): Docker.NetworkCreateOptions {
  return {
    Name: cfg.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: cfg.subnet, Gateway: cfg.gateway }] },
    Options: { 'com.docker.network.bridge.name': cfg.bridgeName },
    Labels: { [LABEL_MANAGED]: 'true' },
  };
}

/** The HTTP status dockerode attaches to an engine error. */
export function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as { statusCode?: number }).statusCode : undefined;
}

async function inspectNetwork(docker: Docker, name: string): Promise<Docker.NetworkInspectInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

/** An existing network of that name is used only if it has our subnet: never repurpose a
 * network someone else made for something else. */
function checkExisting(info: Docker.NetworkInspectInfo, cfg: NetworkConfig): void {
  const subnets = (info.IPAM?.Config ?? []).map((c) => c.Subnet);
  if (info.Driver !== 'bridge' || !subnets.includes(cfg.subnet)) {
    throw new Error(
      `docker network "${cfg.name}" exists with driver ${info.Driver} and subnets [${subnets.join(', ')}], ` +
        `not bridge ${cfg.subnet}: remove it or choose another network name`,
    );
  }
}

export async function ensureDockerNetwork(docker: Docker, cfg: NetworkConfig): Promise<{ created: boolean }> {
  const existing = await inspectNetwork(docker, cfg.name);
  if (existing) {
    checkExisting(existing, cfg);
    return { created: false };
  }
  try {
    await docker.createNetwork(networkCreateOptions(cfg));
    return { created: true };
  } catch (err) {
    // Another process created it between our inspect and create: fine if it is the same shape.
    if (statusCode(err) === 409) {
      const info = await inspectNetwork(docker, cfg.name);
      if (info) {
        checkExisting(info, cfg);
        return { created: false };
      }
    }
    throw err;
  }
}
