// The API server alone, in-process (real registry over a temporary SQLite store, the real HTTPS
// handler on a loopback port), driven by the real kubectl through a kubeconfig of its own. No
// Docker, no iptables: for the many API cases that need no pods to run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Registry } from '../../src/apiserver/registry.js';
import type { ApiServerDeps } from '../../src/apiserver/server.js';
import { writeKubeconfig } from '../../src/kubeconfig.js';
import type { Store } from '../../src/store/store.js';
import { startInProcessApi } from '../fixtures/api-server.js';

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface ApiHarness {
  registry: Registry;
  store: Store;
  kubeconfig: string;
  dir: string;
  /**
   * kubectl with this server's kubeconfig; never throws, the exit status is in the result.
   * Asynchronous: the server answering it runs in this process.
   */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** kubectl that must succeed: its stdout */
  ok(args: string[], input?: string): Promise<string>;
  /** kubectl that must fail (with exit status 1): its stderr */
  fails(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

export async function startApi(extra: Partial<ApiServerDeps> = {}): Promise<ApiHarness> {
  // kubectl delete ns waits until the namespace is gone: the namespace controller empties it
  const api = await startInProcessApi({ tls: true, token: 'kubectl-test-token', deps: extra, namespaceController: true });
  const kubeconfig = join(api.dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, api.base, api.token, api.tls!.cert);
  // A fresh cache dir per server: kubectl caches discovery and OpenAPI per host:port.
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(api.dir, 'cache'), ...args], input);
  return {
    registry: api.registry,
    store: api.store,
    kubeconfig,
    dir: api.dir,
    kubectl,
    async ok(args, input) {
      const r = await kubectl(args, input);
      assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    async fails(args, input) {
      const r = await kubectl(args, input);
      assert.equal(r.status, 1, `kubectl ${args.join(' ')} should fail with 1: ${r.status} ${r.stdout}`);
      return r.stderr;
    },
    stop: () => api.stop(),
  };
}

/** Runs a command to its end (30 s at most), collecting its output. */
export function run(cmd: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
