import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerUsage, parseMeminfo, parseProcStat, usageQuantities } from '../../../agent/metrics.js';
import { nodeObject, osImageOf, type HostFacts } from '../../../agent/node-status.js';

test('containerUsage: CPU as the share of machine time scaled to cores, memory as the working set', () => {
  const cases: Record<string, { stats: Parameters<typeof containerUsage>[0]; expected: ReturnType<typeof containerUsage> }> = {
    'half a core on a 2-core machine, cgroup v1': {
      stats: {
        cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 12_000_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 10_000_000_000 },
        memory_stats: { usage: 10 << 20, stats: { total_inactive_file: 2 << 20 } },
      },
      expected: { cpuNanoCores: 500_000_000, memoryBytes: 8 << 20 },
    },
    'cgroup v2 names the cache inactive_file': {
      stats: { memory_stats: { usage: 5 << 20, stats: { inactive_file: 1 << 20 } } },
      expected: { cpuNanoCores: 0, memoryBytes: 4 << 20 },
    },
    'a first sample (no previous reading) is no CPU, not a spike': {
      stats: { cpu_stats: { cpu_usage: { total_usage: 9e9 }, system_cpu_usage: 9e12, online_cpus: 2 }, precpu_stats: {} , memory_stats: {} },
      expected: { cpuNanoCores: Math.round((9e9 / 9e12) * 2 * 1e9), memoryBytes: 0 },
    },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(containerUsage(c.stats, 2), c.expected, name);
});

test('/proc readers and quantities as metrics-server writes them', () => {
  assert.deepEqual(parseProcStat('cpu  10 1 5 100 4 1 1 0 0 0\ncpu0 1 2 3\n'), { busy: 18, total: 122 });
  assert.equal(parseMeminfo('MemTotal:       2048 kB\nMemFree:  10 kB\nMemAvailable:   1024 kB\n'), 1024 * 1024);
  assert.deepEqual(usageQuantities({ cpuNanoCores: 1234567, memoryBytes: 4096 * 1024 }), { cpu: '1234567n', memory: '4096Ki' });
});

test('nodeObject: the node as the kubelet registers it', () => {
  const facts: HostFacts = {
    name: 'box',
    addresses: ['192.168.1.5', '172.17.0.1'],
    cpus: 2,
    memoryBytes: 4 * 1024 ** 3,
    ephemeralStorageBytes: 100 * 1024 ** 3,
    kernelVersion: '6.1.0',
    osImage: 'Debian GNU/Linux 12 (bookworm)',
    architecture: 'amd64',
    machineID: 'm',
    bootID: 'b',
    containerRuntimeVersion: 'docker://20.10.24',
    kubeletVersion: 'v1.32.0-k1s.0.1.0',
    podCIDR: '10.244.0.0/16',
  };
  const node = nodeObject(facts, '2026-01-01T00:00:00Z');
  assert.equal(node.metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
  assert.deepEqual(node.status?.addresses, [
    { type: 'InternalIP', address: '192.168.1.5' },
    { type: 'Hostname', address: 'box' },
  ]);
  assert.deepEqual(node.status?.capacity, { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '100Gi' });
  assert.deepEqual(node.status?.conditions?.map((c) => c.type), ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
  assert.equal(osImageOf('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(osImageOf(''), 'Linux');
});
