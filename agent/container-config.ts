// What the kubelet asks of the runtime for a pod's sandbox and containers beyond image and
// command (kuberuntime_container_linux.go, kuberuntime_sandbox_linux.go, security_context.go),
// as Docker HostConfig values. Pure: the pod spec in, Docker settings out, or the kubelet's
// CreateContainerConfigError when the spec cannot be honoured.
import type { Container, Pod } from '../src/api/types.js';
import { computePodQOS } from '../src/api/podspec/qos.js';
import { parseQuantity } from '../src/api/quantity.js';

/** The Docker settings of one app container (all optional: absent means Docker's default). */
export interface DockerSecurityAndResources {
  user?: string;
  groupAdd?: string[];
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  readonlyRootfs?: boolean;
  securityOpt?: string[];
  memoryBytes?: number;
  memorySwapBytes?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  oomScoreAdj?: number;
  pidMode?: string;
  ipcMode?: string;
}

/** The sandbox's: the pod's network, IPC and published host ports. */
export interface DockerSandboxConfig {
  hostNetwork: boolean;
  ipcMode: string;
  /** "8080/tcp" -> [{ HostIp, HostPort }] */
  portBindings: Record<string, { HostIp: string; HostPort: string }[]>;
}

const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MIN_QUOTA_US = 1_000;

/** kubelet's MilliCPUToShares: 1 CPU = 1024 shares, at least 2. */
export function milliCPUToShares(milli: number): number {
  return Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000));
}

/** kubelet's MilliCPUToQuota with the 100 ms period: 0 (unlimited) without a limit. */
export function milliCPUToQuota(milli: number): number {
  if (milli === 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((milli * CPU_PERIOD_US) / 1000));
}

function quantity(resources: Record<string, string | number> | undefined, name: string): number | undefined {
  const q = resources?.[name];
  return q === undefined ? undefined : parseQuantity(q);
}

/** kubelet's policy.GetContainerOOMScoreAdjust. */
export function oomScoreAdj(pod: Pod, c: Container, memoryCapacity: number): number {
  switch (computePodQOS(pod.spec)) {
    case 'Guaranteed':
      return -997;
    case 'BestEffort':
      return 1000;
    default: {
      const request = quantity(c.resources?.requests, 'memory') ?? 0;
      const adj = 1000 - Math.floor((1000 * request) / memoryCapacity);
      return Math.min(999, Math.max(2, adj));
    }
  }
}

function capability(name: string): string {
  return name.startsWith('CAP_') || name === 'ALL' ? name : `CAP_${name}`;
}

/** The container's effective security context: the container's fields over the pod's. */
function effective(pod: Pod, c: Container) {
  const p = pod.spec.securityContext ?? {};
  const s = c.securityContext ?? {};
  return {
    runAsUser: s.runAsUser ?? p.runAsUser,
    runAsGroup: s.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: s.runAsNonRoot ?? p.runAsNonRoot,
    seccomp: s.seccompProfile ?? p.seccompProfile,
  };
}

/**
 * kubelet's verifyRunAsNonRoot: with runAsNonRoot the user must be known not to be root, from
 * runAsUser or else from the image's user (numeric only). `imageUser` is the image's USER.
 */
export function verifyRunAsNonRoot(pod: Pod, c: Container, imageUser: string): string | undefined {
  const sc = effective(pod, c);
  if (!sc.runAsNonRoot) return undefined;
  const podDesc = `pod: "${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})", container: ${c.name}`;
  if (sc.runAsUser !== undefined) {
    return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy (${podDesc})` : undefined;
  }
  const user = imageUser.split(':')[0];
  if (user === '' || user === '0' || user === 'root') return `container has runAsNonRoot and image will run as root (${podDesc})`;
  if (!/^\d+$/.test(user)) return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (${podDesc})`;
  return undefined;
}

export function containerSettings(pod: Pod, c: Container, sandboxId: string, memoryCapacity: number): DockerSecurityAndResources {
  const out: DockerSecurityAndResources = {};
  const sc = effective(pod, c);
  const csc = c.securityContext ?? {};
  if (sc.runAsUser !== undefined) out.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  // the kubelet adds fsGroup to the supplemental groups of every container
  const groups = [...(pod.spec.securityContext?.supplementalGroups ?? [])];
  if (pod.spec.securityContext?.fsGroup !== undefined) groups.push(pod.spec.securityContext.fsGroup);
  if (groups.length) out.groupAdd = [...new Set(groups)].map(String);
  if (csc.privileged) out.privileged = true;
  if (csc.capabilities?.add?.length) out.capAdd = csc.capabilities.add.map(capability);
  if (csc.capabilities?.drop?.length) out.capDrop = csc.capabilities.drop.map(capability);
  if (csc.readOnlyRootFilesystem) out.readonlyRootfs = true;
  const opts: string[] = [];
  if (csc.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  // Kubernetes runs containers Unconfined unless a profile is asked for (the kubelet's
  // SeccompDefault is off by default); RuntimeDefault is Docker's own profile.
  if (!csc.privileged && sc.seccomp?.type !== 'RuntimeDefault') opts.push('seccomp=unconfined');
  if (opts.length) out.securityOpt = opts;

  const memLimit = quantity(c.resources?.limits, 'memory');
  if (memLimit) {
    out.memoryBytes = Math.floor(memLimit);
    out.memorySwapBytes = Math.floor(memLimit); // no swap, as the kubelet
  }
  const cpuRequest = quantity(c.resources?.requests, 'cpu');
  const cpuLimit = quantity(c.resources?.limits, 'cpu');
  out.cpuShares = milliCPUToShares(Math.round((cpuRequest ?? cpuLimit ?? 0) * 1000));
  if (cpuLimit) {
    out.cpuQuota = milliCPUToQuota(Math.round(cpuLimit * 1000));
    out.cpuPeriod = CPU_PERIOD_US;
  }
  out.oomScoreAdj = oomScoreAdj(pod, c, memoryCapacity);

  // the pod's containers share its IPC namespace, and its PID namespace when asked to
  out.ipcMode = pod.spec.hostIPC ? 'host' : `container:${sandboxId}`;
  if (pod.spec.hostPID) out.pidMode = 'host';
  else if (pod.spec.shareProcessNamespace) out.pidMode = `container:${sandboxId}`;
  return out;
}

export function sandboxSettings(pod: Pod): DockerSandboxConfig {
  const portBindings: DockerSandboxConfig['portBindings'] = {};
  if (!pod.spec.hostNetwork) {
    for (const c of pod.spec.containers) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        const key = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`;
        (portBindings[key] ??= []).push({ HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) });
      }
    }
  }
  return { hostNetwork: !!pod.spec.hostNetwork, ipcMode: pod.spec.hostIPC ? 'host' : 'shareable', portBindings };
}
