// The data-path benchmark's decisions, pure: which host address is "the host's own", and the
// summary of the rounds (medians, ratios to the floor of the same client).
import type { NetworkInterfaceInfo } from 'node:os';
import type { WrkResult } from './wrk.js';
import { median } from './util.js';

/** Bridges and veths belong to Docker and k1s; the host's own address is on another interface. */
const NOT_THE_HOSTS = /^(lo|docker\d*|k1s\d*|br-.*|veth.*|cni.*|flannel.*|virbr.*)$/;

/** The host's first non-loopback IPv4 address outside the container bridges, or undefined. */
export function hostAddress(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  for (const [name, addrs] of Object.entries(ifaces)) {
    if (NOT_THE_HOSTS.test(name)) continue;
    const v4 = (addrs ?? []).find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

export interface Path {
  name: string;
  url: string;
  /** the path whose req/s is this one's denominator (the pod IP from the same client) */
  floor: string;
  /** run from inside the client pod's network namespace */
  fromPod?: boolean;
  /** the server answering: k1s's pod or Docker's peer container */
  backend: 'pod' | 'peer';
}

export interface Run extends WrkResult {
  path: string;
  round: number;
  /** docker-proxy's CPU over the run, % of one core (which paths go through the userland proxy) */
  proxyCpu: number;
  /** CPU time of wrk + the backend + docker-proxy per request, in microseconds: what a path
   *  costs, much less moved than req/s by other load on a shared machine (softirq work run
   *  while another process was on the CPU is not in it) */
  cpuUsPerReq: number;
}

export interface SummaryRow {
  path: string;
  rps: number;
  minRps: number;
  maxRps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  proxyCpu: number;
  cpuUsPerReq: number;
  /** median req/s over the floor's median req/s */
  ratio: number;
  /** the median over rounds of (req/s / the floor's req/s in the same round): less moved by a
   *  machine whose other load drifts between rounds */
  roundRatio: number;
}

/** One row per path, in the paths' order: medians over the rounds and the ratio to the floor. */
export function summarize(paths: Path[], runs: Run[]): SummaryRow[] {
  const of = (name: string) => runs.filter((r) => r.path === name);
  const rps = (name: string) => median(of(name).map((r) => r.requestsPerSec));
  return paths
    .filter((p) => of(p.name).length > 0)
    .map((p) => {
      const rs = of(p.name);
      return {
        path: p.name,
        rps: rps(p.name),
        minRps: Math.min(...rs.map((r) => r.requestsPerSec)),
        maxRps: Math.max(...rs.map((r) => r.requestsPerSec)),
        p50ms: median(rs.map((r) => r.p50ms)),
        p99ms: median(rs.map((r) => r.p99ms)),
        errors: rs.reduce((s, r) => s + r.errors, 0),
        proxyCpu: median(rs.map((r) => r.proxyCpu)),
        cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
        ratio: of(p.floor).length ? rps(p.name) / rps(p.floor) : NaN,
        roundRatio: roundRatio(rs, of(p.floor)),
      };
    });
}

function roundRatio(runs: Run[], floor: Run[]): number {
  const ratios = runs.flatMap((r) => {
    const f = floor.find((x) => x.round === r.round);
    return f ? [r.requestsPerSec / f.requestsPerSec] : [];
  });
  return ratios.length ? median(ratios) : NaN;
}

/** Each round starts one path later, so no path always runs first (on a cold cache) or last. */
export function roundOrder<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
