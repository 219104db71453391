// The Node object the agent registers, as the kubelet's node status setters build it: addresses,
// capacity, nodeInfo and a Ready condition. nodeObject is pure (table-tested); hostFacts reads
// this machine.
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';
import type { Node } from '../src/api/types.js';

export interface HostFacts {
  name: string;
  /** the host's own addresses, first the one other machines reach it by */
  addresses: string[];
  cpus: number;
  memoryBytes: number;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineID: string;
  bootID: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  podCIDR: string;
}

/** The most pods a node takes (the kubelet's --max-pods default). */
const MAX_PODS = 110;

export function nodeObject(f: HostFacts, now: string): Node {
  const memKi = Math.floor(f.memoryBytes / 1024);
  const capacity = { cpu: String(f.cpus), memory: `${memKi}Ki`, pods: String(MAX_PODS), 'ephemeral-storage': '0' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: f.name,
      labels: {
        'kubernetes.io/hostname': f.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': f.architecture,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': f.architecture,
        // one node is the whole cluster: it is the control plane too, as with k3s
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: f.podCIDR, podCIDRs: [f.podCIDR] },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        { type: 'Ready', status: 'True', lastHeartbeatTime: now, lastTransitionTime: now, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      addresses: [...f.addresses.slice(0, 1).map((address) => ({ type: 'InternalIP' as const, address })), { type: 'Hostname', address: f.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: f.machineID,
        systemUUID: f.machineID,
        bootID: f.bootID,
        kernelVersion: f.kernelVersion,
        osImage: f.osImage,
        containerRuntimeVersion: f.containerRuntimeVersion,
        kubeletVersion: f.kubeletVersion,
        kubeProxyVersion: f.kubeletVersion,
        operatingSystem: 'linux',
        architecture: f.architecture,
      },
    },
  };
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** PRETTY_NAME of /etc/os-release, as the kubelet reports osImage. */
export function osImageOf(osRelease: string): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease);
  return m?.[1] ?? 'Linux';
}

/** The host's IPv4 addresses, without loopback and without the bridges of containers. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const [name, list] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|k1s|cni|flannel)/.test(name)) continue;
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

export function hostFacts(opts: { name?: string; containerRuntimeVersion: string; kubeletVersion: string; podCIDR: string }): HostFacts {
  const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm' };
  return {
    name: opts.name ?? hostname(),
    addresses: hostAddresses(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    kernelVersion: release(),
    osImage: osImageOf(readOr('/etc/os-release', '')),
    architecture: goArch[arch()] ?? arch(),
    machineID: readOr('/etc/machine-id', ''),
    bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
    containerRuntimeVersion: opts.containerRuntimeVersion,
    kubeletVersion: opts.kubeletVersion,
    podCIDR: opts.podCIDR,
  };
}
