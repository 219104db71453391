// The frame of an e2e suite on the real engine: a real `k1s server` (with a fake upstream DNS)
// started before the suite's tests, the real kubectl pointed at it, and after the tests every pod
// gone, the server stopped and what it made on the machine removed. Call it inside describe().
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureTestImages } from '../fixtures/images.js';
import { ROOT, ServerHarness, waitFor, type CliResult } from './harness.js';
import { startFakeUpstream } from './upstream.js';

export interface EngineSuite {
  readonly h: ServerHarness;
  kubectl(args: string[], input?: string): CliResult;
  /** kubectl that must succeed: its stdout. */
  ok(args: string[], input?: string): string;
  jsonpath(what: string[], path: string): string;
}

export function engineSuite(
  opts: {
    serverArgs?: string[];
    deleteFirst?: string[];
    kubectlTimeoutMs?: number;
    /** A names the fake upstream answers (fully qualified: 'outside.example.'); the rest are NXDOMAIN */
    upstreamRecords?: Record<string, string>;
  } = {},
): EngineSuite {
  const docker = new Docker();
  let upstream: Awaited<ReturnType<typeof startFakeUpstream>> | undefined;
  let server: ServerHarness | undefined;
  const suite: EngineSuite = {
    get h() {
      if (!server) throw new Error('the server is not started');
      return server;
    },
    kubectl(args, input) {
      const r = spawnSync('kubectl', ['--kubeconfig', suite.h.kubeconfig, ...args], { encoding: 'utf8', input, timeout: opts.kubectlTimeoutMs ?? 180_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    ok(args, input) {
      const r = suite.kubectl(args, input);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    jsonpath: (what, path) => suite.ok(['get', ...what, '-o', `jsonpath=${path}`]),
  };

  before(async () => {
    await ensureTestImages(docker);
    upstream = await startFakeUpstream(opts.upstreamRecords ?? {});
    server = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`, ...(opts.serverArgs ?? [])]);
    await server.start();
  });

  after(async () => {
    if (server) {
      // the owners first, so nothing makes new pods while they go
      for (const kinds of opts.deleteFirst ?? []) suite.kubectl(['delete', kinds, '--all']);
      suite.kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force']);
      const left = async () => (await docker.listContainers({ all: true, filters: { label: ['io.k1s.pod.namespace=default'] } })).length === 0;
      await waitFor('the pods to be removed', left, 60_000).catch(() => undefined);
      await server.stop();
      execFileSync(join(ROOT, 'bin/k1s'), ['cleanup', '--data-dir', server.dataDir]); // pods' volume mounts too
      server.removeDataDir();
    }
    await upstream?.stop();
  });
  return suite;
}
