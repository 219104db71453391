// The Node object the agent registers and keeps up to date, as the kubelet's node status setters
// build it (pkg/kubelet/nodestatus/setters.go): addresses, capacity and allocatable, nodeInfo, and
// the MemoryPressure, DiskPressure, PIDPressure and Ready conditions. The functions that decide are
// pure (table-tested); hostFacts and hostSample read this machine.
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';
import type { Node } from '../src/api/types.js';
import { RUNTIME_DOWN_MESSAGE, type RuntimeHealthStatus } from './runtime-health.js';

export type NodeStatus = NonNullable<Node['status']>;
export type NodeCondition = NonNullable<NodeStatus['conditions']>[number];

export interface HostFacts {
  name: string;
  /** the host's own addresses, first the one other machines reach it by */
  addresses: string[];
  cpus: number;
  memoryBytes: number;
  /** Size of the filesystem holding the data dir (the kubelet's nodefs: its root dir's). */
  ephemeralStorageBytes: number;
  kernelVersion: string;
  osImage: string;
  architecture: string;
  machineID: string;
  bootID: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  podCIDR: string;
}

/** What changes from one status update to the next: the eviction manager's signals. */
export interface HostSample {
  /** memory.available: MemAvailable of /proc/meminfo. */
  memoryAvailableBytes: number;
  /** nodefs.available: free blocks of the data dir's filesystem for an unprivileged user. */
  nodefsAvailableBytes: number;
  /** nodefs.inodesFree and the filesystem's inodes (absent when the filesystem has no inode count). */
  nodefsInodesFree?: number;
  nodefsInodes?: number;
  /** pid.available and the kernel's pid_max (only read when a pid threshold is set). */
  pidsAvailable?: number;
  pidMax?: number;
}

/**
 * The kubelet's hard eviction thresholds: its defaults on Linux are memory.available<100Mi,
 * nodefs.available<10%, nodefs.inodesFree<5% (and imagefs.available<15%, imagefs.inodesFree<5%:
 * Docker's own filesystem, which k1s does not watch). No default for pid.available, so PIDPressure
 * stays False unless one is set.
 */
export interface EvictionThresholds {
  memoryAvailableBytes: number;
  nodefsAvailableFraction: number;
  nodefsInodesFreeFraction: number;
  pidAvailableFraction?: number;
}

export const DEFAULT_EVICTION_HARD: EvictionThresholds = {
  memoryAvailableBytes: 100 * 1024 ** 2,
  nodefsAvailableFraction: 0.1,
  nodefsInodesFreeFraction: 0.05,
};

/** The most pods a node takes (the kubelet's --max-pods default). */
const MAX_PODS = 110;

/** A byte count as resource.Quantity prints a BinarySI value: the largest power-of-1024 suffix
 * that divides it exactly, else plain bytes ("16393220Ki", "93478772582"). */
export function binarySI(bytes: number): string {
  let n = Math.max(0, Math.floor(bytes));
  if (n < 1024) return String(n);
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (i < suffixes.length - 1 && n % 1024 === 0 && n > 0) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

/**
 * capacity, and allocatable = capacity minus the hard eviction thresholds (kube's
 * GetNodeAllocatableReservation with no system or kube reservation): memory less 100Mi,
 * ephemeral-storage less 10% of itself; cpu and pods as they are.
 */
export function nodeResources(f: HostFacts, thresholds: EvictionThresholds = DEFAULT_EVICTION_HARD): Pick<NodeStatus, 'capacity' | 'allocatable'> {
  const capacity = { cpu: String(f.cpus), 'ephemeral-storage': binarySI(f.ephemeralStorageBytes), memory: binarySI(f.memoryBytes), pods: String(MAX_PODS) };
  const storageReserved = Math.trunc(f.ephemeralStorageBytes * thresholds.nodefsAvailableFraction);
  const allocatable = {
    ...capacity,
    'ephemeral-storage': binarySI(f.ephemeralStorageBytes - storageReserved),
    memory: binarySI(f.memoryBytes - thresholds.memoryAvailableBytes),
  };
  return { capacity, allocatable };
}

export interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/** The eviction manager's verdict: a signal below its threshold. */
export function pressureOf(f: HostFacts, s: HostSample, t: EvictionThresholds = DEFAULT_EVICTION_HARD): Pressure {
  const inodesLow = s.nodefsInodes !== undefined && s.nodefsInodesFree !== undefined && s.nodefsInodes > 0 && s.nodefsInodesFree < s.nodefsInodes * t.nodefsInodesFreeFraction;
  const pidLow = t.pidAvailableFraction !== undefined && s.pidMax !== undefined && s.pidsAvailable !== undefined && s.pidsAvailable < s.pidMax * t.pidAvailableFraction;
  return {
    memory: s.memoryAvailableBytes < t.memoryAvailableBytes,
    disk: s.nodefsAvailableBytes < f.ephemeralStorageBytes * t.nodefsAvailableFraction || inodesLow,
    pid: pidLow,
  };
}

const PRESSURE_CONDITIONS = [
  { type: 'MemoryPressure', key: 'memory', ok: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'], bad: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'] },
  { type: 'DiskPressure', key: 'disk', ok: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'], bad: ['KubeletHasDiskPressure', 'kubelet has disk pressure'] },
  { type: 'PIDPressure', key: 'pid', ok: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'], bad: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'] },
] as const;

/**
 * The conditions, in the order the kubelet first appends them (Ready last). Every heartbeat is
 * `now`; a transition time moves only when the status does, as the setters keep them.
 */
export function nodeConditions(previous: NodeCondition[] | undefined, pressure: Pressure, runtime: Pick<RuntimeHealthStatus, 'up'>, now: string): NodeCondition[] {
  const make = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type, status, lastHeartbeatTime: now, lastTransitionTime, reason, message };
  };
  const conditions = PRESSURE_CONDITIONS.map((c) => {
    const [reason, message] = pressure[c.key] ? c.bad : c.ok;
    return make(c.type, pressure[c.key] ? 'True' : 'False', reason, message);
  });
  conditions.push(runtime.up ? make('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : make('Ready', 'False', 'KubeletNotReady', RUNTIME_DOWN_MESSAGE));
  return conditions;
}

export interface NodeStatusInput {
  facts: HostFacts;
  sample: HostSample;
  runtime: Pick<RuntimeHealthStatus, 'up'>;
  thresholds?: EvictionThresholds;
}

/** The whole status, from the host and the runtime, carrying the transition times of `previous`. */
export function desiredNodeStatus(input: NodeStatusInput, previous: NodeStatus | undefined, now: string): NodeStatus {
  const f = input.facts;
  return {
    ...nodeResources(f, input.thresholds),
    conditions: nodeConditions(previous?.conditions, pressureOf(f, input.sample, input.thresholds), input.runtime, now),
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
  };
}

/** A sample with plenty of everything: registration before the first reading, and tests. */
export function ampleSample(f: HostFacts): HostSample {
  return { memoryAvailableBytes: f.memoryBytes, nodefsAvailableBytes: f.ephemeralStorageBytes };
}

export function nodeObject(f: HostFacts, now: string, sample: HostSample = ampleSample(f), runtime: Pick<RuntimeHealthStatus, 'up'> = { up: true }): Node {
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
    status: desiredNodeStatus({ facts: f, sample, runtime }, undefined, now),
  };
}

/**
 * kubelet's nodeStatusHasChanged: anything but the conditions' heartbeats. The kubelet writes the
 * status every 10 s only when this says so, and otherwise every nodeStatusReportFrequency (5 min).
 */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  const strip = (s: NodeStatus | undefined) => (s ? { ...s, conditions: s.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c) } : s);
  return JSON.stringify(canonical(strip(a))) !== JSON.stringify(canonical(strip(b)));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, canonical(x)]),
    );
  }
  return v;
}

/** The status update frequencies of the kubelet (nodeStatusUpdateFrequency, nodeStatusReportFrequency). */
export const NODE_STATUS_UPDATE_MS = 10_000;
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

/** Should the status be written now? Changed, or unreported for 5 minutes (or never reported). */
export function shouldReportNodeStatus(stored: NodeStatus | undefined, desired: NodeStatus, lastReportMs: number | undefined, nowMs: number): boolean {
  if (lastReportMs === undefined || nowMs - lastReportMs >= NODE_STATUS_REPORT_MS) return true;
  return nodeStatusChanged(stored, desired);
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

/** Size, free blocks and inodes of the filesystem holding `path` (statfs, as cadvisor reads them). */
export function filesystemOf(path: string): { capacityBytes: number; availableBytes: number; inodes: number; inodesFree: number } {
  const s = statfsSync(path);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize, inodes: s.files, inodesFree: s.ffree };
}

/** MemAvailable of /proc/meminfo, in bytes (MemFree when the kernel is too old to say). */
export function memAvailableOf(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo) ?? /^MemFree:\s+(\d+) kB$/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** The eviction signals of this machine now. */
export function hostSample(dataDir: string, thresholds: EvictionThresholds = DEFAULT_EVICTION_HARD): HostSample {
  const fs = filesystemOf(dataDir);
  const sample: HostSample = {
    memoryAvailableBytes: memAvailableOf(readOr('/proc/meminfo', '')) ?? totalmem(),
    nodefsAvailableBytes: fs.availableBytes,
    ...(fs.inodes > 0 ? { nodefsInodes: fs.inodes, nodefsInodesFree: fs.inodesFree } : {}),
  };
  if (thresholds.pidAvailableFraction !== undefined) {
    const pidMax = Number(readOr('/proc/sys/kernel/pid_max', '0'));
    const running = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
    if (pidMax > 0) Object.assign(sample, { pidMax, pidsAvailable: pidMax - running });
  }
  return sample;
}

export function hostFacts(opts: { name?: string; containerRuntimeVersion: string; kubeletVersion: string; podCIDR: string; dataDir: string }): HostFacts {
  const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm' };
  return {
    name: opts.name ?? hostname(),
    addresses: hostAddresses(),
    cpus: cpus().length,
    memoryBytes: totalmem(),
    ephemeralStorageBytes: filesystemOf(opts.dataDir).capacityBytes,
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
