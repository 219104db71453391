// Where the CPU of one request goes, by kernel function group, from `perf record -a` during a wrk
// run: the evidence for why one data path costs more than another (iptables rule walks, conntrack,
// NAT, re-routing after a DNAT of locally generated packets, docker-proxy in user space).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Sample {
  comm: string;
  sym: string;
  samples: number;
}

/** `perf report --no-children --sort comm,sym -n -g none --stdio` rows. */
export function parsePerfReport(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(\S+)\s+\[[^\]]\]\s+(.+?)\s*$/.exec(line);
    if (m) out.push({ samples: Number(m[1]), comm: m[2], sym: m[3] });
  }
  return out;
}

/** Kernel function groups, first match wins; the rest of our processes' samples are "other". */
export const GROUPS: [string, RegExp][] = [
  ['iptables', /^(ipt_do_table|ip6t_do_table|xt_|\w+_mt\d?$|\w+_tg\d?$|\w+_mt_v\d$)/],
  ['conntrack', /^(_*nf_conntrack|nf_ct_|hash_conntrack|nf_confirm|ipv4_confirm|ipv4_conntrack|nf_tcp_|tcp_in_window|__nf_ct)/],
  ['nat', /^(_*nf_nat|nf_xfrm_me_harder|_*masquerade|nf_masq|l4proto_manip_pkt|tcp_manip_pkt|inet_proto_csum_replace)/],
  ['reroute', /^(ip_route_me_harder|ip_route_output|__ip_route_output|fib_table_lookup|fib4_rule|__fib_lookup|fib_lookup|xfrm_lookup|dst_release|ipv4_dst_)/],
  ['hooks', /^(nf_hook_slow|br_nf_|nf_hook_)/],
];

/** The processes whose samples belong to the request: client, server, proxy, deferred softirqs. */
export function isOurs(comm: string): boolean {
  return comm === 'wrk' || comm === 'fastd' || comm === 'docker-proxy' || comm.startsWith('ksoftirqd/');
}

export interface Profile {
  /** CPU microseconds per request in our processes, in total and per group */
  usPerReq: Record<string, number>;
  /** share of all non-idle samples taken by other processes (someone else's load) */
  othersShare: number;
}

/** Turns samples into CPU µs per request, given the sampling frequency and the request count. */
export function profileOf(samples: Sample[], hz: number, requests: number): Profile {
  const us = (n: number) => ((n * 1e6) / hz) / requests;
  const idle = (s: Sample) => s.comm.startsWith('swapper') || /idle|halt/.test(s.sym);
  const ours = samples.filter((s) => isOurs(s.comm));
  const byGroup: Record<string, number> = { total: 0, ...Object.fromEntries(GROUPS.map(([g]) => [g, 0])), other: 0 };
  for (const s of ours) {
    byGroup.total += s.samples;
    const g = GROUPS.find(([, re]) => re.test(s.sym))?.[0] ?? 'other';
    byGroup[g] += s.samples;
  }
  const busy = samples.filter((s) => !idle(s)).reduce((n, s) => n + s.samples, 0);
  const theirs = samples.filter((s) => !idle(s) && !isOurs(s.comm)).reduce((n, s) => n + s.samples, 0);
  return { usPerReq: Object.fromEntries(Object.entries(byGroup).map(([k, v]) => [k, us(v)])), othersShare: busy ? theirs / busy : 0 };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

/** Runs argv (a wrk command) under `perf record -a` and returns wrk's output and the samples. */
export async function profiled(argv: string[], hz: number): Promise<{ output: string; samples: Sample[] }> {
  const file = join(tmpdir(), `k1s-bench-perf-${process.pid}.data`);
  try {
    const output = await run('perf', ['record', '-q', '-a', '-F', String(hz), '-o', file, '--', ...argv]);
    const report = await run('perf', ['report', '-i', file, '--no-children', '--sort', 'comm,sym', '-n', '-g', 'none', '--stdio']);
    return { output, samples: parsePerfReport(report) };
  } finally {
    rmSync(file, { force: true });
  }
}
