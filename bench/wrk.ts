// wrk (Debian's package) as the data-path benchmark's load generator: how to run it, from the host
// or inside a pod's network namespace, and what its text output says.
import { spawn, spawnSync } from 'node:child_process';

export interface WrkOptions {
  threads: number;
  connections: number;
  seconds: number;
  /** run inside this process's network namespace (a pod's sandbox) instead of the host's */
  netnsPid?: number;
  /** pin wrk to these CPUs (taskset -c) */
  cpus?: string;
}

export interface WrkResult {
  requestsPerSec: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  /** socket errors (connect, read, write, timeout) plus non-2xx/3xx responses */
  errors: number;
}

/** wrk's durations: "34.00us", "3.29ms", "1.02s", "2.00m" (wrk's own units), in milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk duration: ${JSON.stringify(text)}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'us' | 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * scale;
}

/** Reads the figures out of `wrk --latency` output; throws when a figure is missing. */
export function parseWrk(out: string): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output has no ${what}:\n${out}`);
    return m;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requestsPerSec: Number(need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')[1]),
    requests: Number(need(/^\s*(\d+) requests in /m, 'request count')[1]),
    p50ms: parseDurationMs(need(/^\s*50%\s+(\S+)/m, '50% latency (run it with --latency)')[1]),
    p99ms: parseDurationMs(need(/^\s*99%\s+(\S+)/m, '99% latency')[1]),
    errors: (socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
  };
}

/** The argv that runs wrk: keep-alive (wrk's default), latency percentiles, in a netns if asked. */
export function wrkArgv(url: string, o: WrkOptions): string[] {
  const wrk = ['wrk', '--latency', '-t', String(o.threads), '-c', String(o.connections), '-d', `${o.seconds}s`, url];
  const inNetns = o.netnsPid ? ['nsenter', '-t', String(o.netnsPid), '-n', ...wrk] : wrk;
  return o.cpus ? ['taskset', '-c', o.cpus, ...inNetns] : inNetns;
}

/** Runs wrk once and parses its output. (Asynchronously: the caller's watches keep running.) */
export function runWrk(url: string, o: WrkOptions): Promise<WrkResult> {
  const [cmd, ...args] = wrkArgv(url, o);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`));
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Why wrk cannot run here, or undefined when it can. It is a bench-only tool: not in setup.sh. */
export function wrkMissing(): string | undefined {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return 'wrk is not installed: apt-get install -y wrk (Debian package, bench only)';
  return undefined;
}
