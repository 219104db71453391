// The API server alone, in-process (real registry over a temporary SQLite store, the real HTTPS
// handler on a loopback port), driven by the real kubectl through a kubeconfig of its own. No
// Docker, no iptables: for the many API cases that need no pods to run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../../src/apiserver/registry.js';
import { createApiHandler, listen, type ApiServerDeps } from '../../src/apiserver/server.js';
import { ensureServingCert } from '../../src/apiserver/tls.js';
import { writeKubeconfig } from '../../src/kubeconfig.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'k1s-kubectl-'));
  const store = new Store(join(dir, 'state.db'));
  const registry = new Registry(store, { serviceCIDR: '10.96.0.0/16', nodePortRange: { min: 30000, max: 32767 }, reservedIPs: ['10.96.0.10'] });
  registry.bootstrap();
  const token = 'kubectl-test-token';
  const tls = ensureServingCert(dir, ['127.0.0.1']);
  const { server, port } = await listen(createApiHandler({ registry, token, logger: silentLogger, ...extra }), '127.0.0.1', 0, tls);
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, `https://127.0.0.1:${port}`, token, tls.cert);
  // A fresh cache dir per server: kubectl caches discovery and OpenAPI per host:port.
  const kubectl = (args: string[], input?: string) => run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], input);
  return {
    registry,
    store,
    kubeconfig,
    dir,
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
    async stop() {
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
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
