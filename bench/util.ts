// What the API benchmarks share: quantiles, a small table, the process's RSS, and HTTPS requests
// to an in-process API server with its kubeconfig's token and CA.
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { readKubeconfig } from '../src/kubeconfig.js';

/** The q-quantile by the nearest-rank method (p99 of 200 samples is the 198th smallest). */
/** `--name N` from the command line, or dflt. */
export function numberArg(name: string, dflt: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.min(s.length - 1, Math.ceil(q * s.length) - 1))];
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Prints rows as aligned columns; the first row is the header. */
export function printTable(rows: (string | number)[][]): void {
  const text = rows.map((r) => r.map(String));
  const widths = text[0].map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  for (const r of text) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   '));
}

export function ms(x: number): string {
  return x.toFixed(2);
}

export function rssMB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface Endpoint {
  host: string;
  port: number;
  token: string;
  ca?: string;
}

export function endpointOf(kubeconfig: string): Endpoint {
  const kc = readKubeconfig(kubeconfig);
  const url = new URL(kc.server);
  return { host: url.hostname, port: Number(url.port), token: kc.token, ca: kc.ca };
}

export function requestOptions(ep: Endpoint, path: string, extra: RequestOptions = {}): RequestOptions {
  return {
    host: ep.host,
    port: ep.port,
    path,
    ca: ep.ca,
    ...extra,
    headers: { Authorization: `Bearer ${ep.token}`, ...extra.headers },
  };
}

/** One request; resolves with the status and the whole body once the response has ended. */
export function fetchText(ep: Endpoint, path: string, extra: RequestOptions & { body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(requestOptions(ep, path, extra), (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(extra.body);
  });
}

export function keepAliveAgent(ep: Endpoint, maxSockets = Infinity): Agent {
  return new Agent({ keepAlive: true, maxSockets, ca: ep.ca });
}
