// Resource usage as metrics-server reports it (what `kubectl top` shows): CPU as a rate in
// nanocores over a short window, memory as the working set (usage minus inactive file cache, as
// the kubelet computes it). The arithmetic is pure; the readers take Docker's stats and /proc.
import { readFile } from 'node:fs/promises';

/** The part of Docker's /containers/{id}/stats (stream=false) the arithmetic needs. */
export interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

export interface Usage {
  /** CPU in nanocores (1e9 = one core busy) */
  cpuNanoCores: number;
  memoryBytes: number;
}

/**
 * A container's usage from one Docker stats sample: its CPU time over the engine's window, scaled
 * from the share of the whole machine's time to cores.
 */
export function containerUsage(s: DockerStats, cpus: number): Usage {
  const used = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const system = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const online = s.cpu_stats?.online_cpus || cpus;
  const cpuNanoCores = used > 0 && system > 0 ? Math.round((used / system) * online * 1e9) : 0;
  const stats = s.memory_stats?.stats ?? {};
  // cgroup v1 names it total_inactive_file, v2 inactive_file
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  const memoryBytes = Math.max(0, (s.memory_stats?.usage ?? 0) - inactive);
  return { cpuNanoCores, memoryBytes };
}

/** The busy and total jiffies of the machine from /proc/stat's first line. */
export function parseProcStat(text: string): { busy: number; total: number } {
  const fields = /^cpu\s+(.*)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Memory in use from /proc/meminfo: MemTotal - MemAvailable, in bytes. */
export function parseMeminfo(text: string): number {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return Math.max(0, kb('MemTotal') - kb('MemAvailable')) * 1024;
}

/** The machine's usage: CPU over windowMs (two /proc/stat readings), memory now. */
export async function nodeUsage(cpus: number, windowMs = 500): Promise<Usage> {
  const first = parseProcStat(await readFile('/proc/stat', 'utf8'));
  await new Promise((r) => setTimeout(r, windowMs));
  const second = parseProcStat(await readFile('/proc/stat', 'utf8'));
  const total = second.total - first.total;
  const cpuNanoCores = total > 0 ? Math.round(((second.busy - first.busy) / total) * cpus * 1e9) : 0;
  return { cpuNanoCores, memoryBytes: parseMeminfo(await readFile('/proc/meminfo', 'utf8')) };
}

/** Quantities as metrics-server writes them: "1234567n" and "2048Ki". */
export function usageQuantities(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${u.cpuNanoCores}n`, memory: `${Math.round(u.memoryBytes / 1024)}Ki` };
}
