// bench/exec: the round trip of `kubectl exec POD -- true` against k1s, beside `docker exec
// CONTAINER true` on the very same container in the same run (both are a CLI process start, a
// few API calls, an exec in the container, the exit code back). Runs alternate so drift in the
// machine's load falls on both alike. A third row, `kubectl get pod` (kubectl's start-up, its
// kubeconfig and one API call), shows the part of the difference that is kubectl's own, and the
// last two each client's bare process start (`kubectl version --client`, `docker version` of the
// client alone): the floor neither server can go under.
//   node dist/bench/exec.js [--runs 20]
import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { ensureTestImages, BUSYBOX_IMAGE } from '../test/fixtures/images.js';
import { K1S, ServerHarness, waitFor } from '../test/e2e/harness.js';
import { startFakeUpstream } from '../test/e2e/upstream.js';
import { numberArg, quantile } from './util.js';

const RUNS = numberArg('runs', 20);
const POD = 'k1s-bench-exec';
const MANIFEST = `apiVersion: v1
kind: Pod
metadata: {name: ${POD}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${BUSYBOX_IMAGE}
    command: [sleep, '3600']
`;

function timed(cmd: string, argv: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

async function main() {
  const docker = new Docker();
  await ensureTestImages(docker);
  const upstream = await startFakeUpstream({});
  const h = new ServerHarness(['--upstream', `127.0.0.1:${upstream.port}`]);
  await h.start();
  try {
    if (h.k1s(['apply', '-f', '-'], MANIFEST).code !== 0) throw new Error('apply failed');
    await waitFor('the pod to be ready', () =>
      h.getJSON<{ status?: { conditions?: { type: string; status: string }[] } }>(['pod', POD]).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const [c] = await docker.listContainers({ filters: { label: [`io.k1s.pod.name=${POD}`, 'io.k1s.container.name=app'] } });
    const kubectl = ['--kubeconfig', h.kubeconfig, 'exec', POD, '--', 'true'];
    // warm both paths (page cache for the binaries, TLS session, Docker's exec machinery)
    for (let i = 0; i < 3; i++) timed('kubectl', kubectl), timed('docker', ['exec', c.Id, 'true']);
    const get = ['--kubeconfig', h.kubeconfig, 'get', 'pod', POD, '-o', 'name'];
    const k: number[] = [];
    const d: number[] = [];
    const g: number[] = [];
    const kv: number[] = [];
    const dv: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      k.push(timed('kubectl', kubectl));
      d.push(timed('docker', ['exec', c.Id, 'true']));
      g.push(timed('kubectl', get));
      kv.push(timed('kubectl', ['version', '--client']));
      dv.push(timed('docker', ['version', '--format', '{{.Client.Version}}']));
    }
    const row = (name: string, v: number[]) => `${name.padEnd(34)} median ${quantile(v, 0.5).toFixed(1).padStart(6)} ms   p90 ${quantile(v, 0.9).toFixed(1).padStart(6)} ms`;
    console.log(`exec round trip, ${RUNS} runs each, alternating:`);
    console.log(row('kubectl exec POD -- true (k1s)', k));
    console.log(row('docker exec CONTAINER true', d));
    console.log(row('kubectl get pod POD (client floor)', g));
    console.log(row('kubectl version --client (start)', kv));
    console.log(row('docker version --format (client)', dv));
    console.log(`ratio (k1s / docker): median ${(quantile(k, 0.5) / quantile(d, 0.5)).toFixed(2)}x   p90 ${(quantile(k, 0.9) / quantile(d, 0.9)).toFixed(2)}x`);
  } finally {
    h.k1s(['delete', '-f', '-'], MANIFEST);
    await waitFor('the pod containers to be removed', async () => (await docker.listContainers({ all: true, filters: { label: [`io.k1s.pod.name=${POD}`] } })).length === 0, 30_000).catch(() => undefined);
    await h.stop();
    spawnSync(K1S, ['cleanup'], { stdio: 'ignore' }); // chains, network, sysctls: leave the machine as found
    h.removeDataDir();
    await upstream.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
