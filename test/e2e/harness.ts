// Runs a real `k1s server` as a child process and the real CLI against it, for e2e tests and
// benchmarks. DNS forwarding points at an upstream the harness starts on 127.0.0.1, never at the
// machine's resolver.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get as httpsGet } from 'node:https';
import { readKubeconfig } from '../../src/kubeconfig.js';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
export const K1S = join(ROOT, 'bin/k1s');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class ServerHarness {
  readonly dataDir: string;
  private child?: ChildProcess;
  private output = '';

  constructor(
    private readonly extraArgs: string[] = [],
    dataDir?: string,
  ) {
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'k1s-e2e-'));
  }

  get kubeconfig(): string {
    return join(this.dataDir, 'kubeconfig');
  }

  /** the server process (bin/k1s execs node, so this is the server itself) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logs(): string {
    return this.output;
  }

  /** Starts the server and resolves once its API answers. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (existsSync(this.kubeconfig)) unlinkSync(this.kubeconfig);
    this.output = '';
    const child = spawn(K1S, ['server', '--data-dir', this.dataDir, '--port', '0', ...this.extraArgs], {
      env: { ...process.env, K1S_LOG_LEVEL: process.env.K1S_LOG_LEVEL ?? 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`k1s server exited with ${child.exitCode}:\n${this.output}`);
      if (existsSync(this.kubeconfig) && this.k1s(['version']).stdout.includes('Server Version: v')) return;
      await sleep(200);
    }
    throw new Error(`k1s server did not become ready in ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM and wait for exit (pods keep running). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  removeDataDir(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  k1s(args: string[], input?: string): CliResult {
    const r = spawnSync(K1S, ['--kubeconfig', this.kubeconfig, ...args], { encoding: 'utf8', input, timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** The JSON of `k1s get ... -o json`. */
  getJSON<T = { items: unknown[] }>(args: string[]): T {
    const r = this.k1s(['get', ...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`k1s get ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** GET on the API over TLS (trusting the kubeconfig's CA) with the given Authorization header. */
  apiStatus(path: string, authorization?: string): Promise<number> {
    const { server, ca } = readKubeconfig(this.kubeconfig);
    return new Promise((resolve, reject) => {
      const headers = authorization ? { Authorization: authorization } : {};
      httpsGet(new URL(path, server), { ca, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
  }

  token(): string {
    return readKubeconfig(this.kubeconfig).token;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls fn until it returns a truthy value; the last error or value is in the timeout message. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000, everyMs = 250): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

/** GET http://host:port/path with a short timeout; resolves with the body. */
export async function httpGet(url: string, timeoutMs = 3000, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: res.status, body: await res.text() };
}
