// bench/proxy-sync: the proxy's sync cost with N selector-less Services of E hand-written
// endpoints each (issue 8's 1,000 x 5). Prints, beside the payload size:
//  - the pure work on the server's thread: a full build (parse iptables-save + plan + render),
//    a partial build for one endpoint moved, an idle partial build (nothing to write);
//    The partial builds go through one RulePlanner as the proxier's do (one service re-planned).
//  - with --iptables (root, under `flock /tmp/k1s-e2e.lock`): real full syncs (the first one, and
//    --rounds more that each move an endpoint), --rounds real partial syncs of one endpoint change,
//    the idle sync, check(), and `iptables-restore` of the same full and partial payloads alone
//    (spawned from this small process) as the floors. Everything of ours is removed at the end.
//  Beside each phase: the event loop's worst block during it (a 1 ms timer's lateness): nothing
//  the proxy does may hold the server's thread for more than 20 ms (issue 8).
//   node dist/bench/proxy-sync.js [--services 1000] [--endpoints 5] [--iptables]
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { buildPartial, buildRules, RulePlanner } from '../proxy/rules.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';
import { cleanupNetfilter, restoreSysctls, ServiceProxy } from '../proxy/proxier.js';
import { FakeConntrack } from '../proxy/conntrack.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { silentLogger } from '../src/log.js';
import { loopBlock, median, numberArg } from './util.js';

const N = numberArg('services', 1000);
const E = numberArg('endpoints', 5);
const REAL = process.argv.includes('--iptables');
const config = { serviceCIDR: '10.96.0.0/16', podCIDR: '10.244.0.0/16' };

/** As the informers hold them: every object with its resourceVersion (the moved slice's is new). */
function cluster(moved = -1): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < N; i++) {
    const name = `s${i}`;
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench', uid: name, resourceVersion: '1' }, spec: { type: 'ClusterIP', clusterIP: `10.96.${100 + (i >> 8)}.${i & 255}`, ports: [{ port: 80, protocol: 'TCP' }] } });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'bench', resourceVersion: i === moved ? '2' : '1', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      // TEST-NET-2 addresses: never routed anywhere, and no packet is sent to them here
      endpoints: Array.from({ length: E }, (_, j) => ({ addresses: [`198.51.100.${(j + (i === moved ? 100 : 0)) % 250}`] })),
      ports: [{ name: '', protocol: 'TCP', port: 8000 + (i % 1000) }],
    });
  }
  return { services, slices };
}

const ROUNDS = numberArg('rounds', 10);

interface Sample {
  ms: number;
  block: number;
}

/** Runs fn `rounds` times (fn gets the round's index); each run's time and the loop's worst block during it. */
async function sampled(rounds: number, fn: (i: number) => unknown): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    const lag = loopBlock();
    const t = performance.now();
    await fn(i);
    const ms = performance.now() - t;
    out.push({ ms, block: lag.stop() });
  }
  return out;
}

/** "min / median / max" of the times and of the worst blocks, every run's figure listed. */
function describe(samples: Sample[]): string {
  const t = samples.map((x) => x.ms);
  const b = samples.map((x) => x.block);
  const f = (v: number[]) => `min ${Math.min(...v).toFixed(1)}, median ${median(v).toFixed(1)}, max ${Math.max(...v).toFixed(1)} ms`;
  return `${f(t)} over ${samples.length}; event loop blocked at worst: ${f(b)}\n    runs: ${samples.map((x) => `${x.ms.toFixed(1)}/${x.block.toFixed(0)}`).join(' ')} (ms/blocked ms)`;
}

async function main() {
  const a = cluster();
  const b = cluster(7);
  const host = { sctp: false };
  const full = buildRules({ ...a, existing: '', config, host });
  console.log(`payload: ${(full.payload.length / 1024).toFixed(0)} KiB, ${full.payload.split('\n').length} lines (${N} services x ${E} endpoints)`);
  console.log(`pure full build, fresh: ${describe(await sampled(ROUNDS, () => buildRules({ ...a, existing: '', config, host })))}`);
  const saved = full.payload.replace(/^-I (\S+) 1 /gm, '-A $1 ');
  console.log(`pure full build over an iptables-save of the same rules, fresh: ${describe(await sampled(ROUNDS, () => buildRules({ ...a, existing: saved, config, host })))}`);
  const planner = new RulePlanner();
  buildPartial({ ...a, config, host, dockerUser: false }, full.chains, planner);
  const ab = [b, a];
  const moved = buildPartial({ ...b, config, host, dockerUser: false }, full.chains);
  let chains = full.chains;
  const p = await sampled(ROUNDS, (i) => (chains = buildPartial({ ...ab[i % 2], config, host, dockerUser: false }, chains, planner).chains));
  console.log(`pure partial build, one endpoint moved (memoized planner: ${planner.planned} planned, ${planner.reused} reused): ${describe(p)}; payload ${moved.payload.length} bytes, ${moved.changed} chains written, ${moved.deleted} deleted`);
  chains = buildPartial({ ...a, config, host, dockerUser: false }, chains, planner).chains;
  const i = await sampled(ROUNDS, () => (chains = buildPartial({ ...a, config, host, dockerUser: false }, chains, planner).chains));
  console.log(`pure partial build, idle (memoized, over its own last chains as the proxier's): ${describe(i)}`);
  const c = await sampled(ROUNDS, () => buildPartial({ ...a, config, host, dockerUser: false }, full.chains, planner));
  console.log(`pure partial build, idle, over another map of chains (every chain compared): ${describe(c)}`);
  if (!REAL) return;

  const netfilter = new IptablesNetfilter();
  await cleanupNetfilter(netfilter);
  const proxy = new ServiceProxy({ netfilter, config, logger: silentLogger, conntrack: new FakeConntrack() });
  // the same proxy state, but every sync a full one (read, parse, repair, rewrite)
  const fullProxy = new ServiceProxy({ netfilter, config, logger: silentLogger, conntrack: new FakeConntrack(), fullSyncPeriodMs: 0 });
  try {
    console.log(`real first full sync (empty kernel): ${describe(await sampled(1, () => proxy.sync(a.services, a.slices)))}`);
    const partial = await sampled(ROUNDS, (i) => proxy.sync(ab[i % 2].services, ab[i % 2].slices));
    console.log(`real partial sync, one endpoint moved: ${describe(partial)}`);
    const state = ab[(ROUNDS - 1) % 2]; // what the kernel holds now
    const idle = await sampled(ROUNDS, () => proxy.sync(state.services, state.slices));
    console.log(`real idle sync: ${describe(idle)} (restores so far ${proxy.restores})`);
    await fullProxy.sync(state.services, state.slices); // its first: learns the state
    const fulls = await sampled(ROUNDS, (i) => fullProxy.sync(ab[i % 2].services, ab[i % 2].slices));
    console.log(`real full sync over ${N} services, one endpoint moved (iptables-save + parse + build + restore): ${describe(fulls)}`);
    const now = ab[(ROUNDS - 1) % 2];
    await proxy.sync(now.services, now.slices); // a partial that writes nothing: fullProxy wrote the same
    console.log(`real check() (filter table + nat canary): ${describe(await sampled(ROUNDS, () => proxy.check()))}`);

    // Floors: iptables-restore alone, spawned from this process, of the same payloads.
    const restore = (payload: string) => execFileSync('iptables-restore', ['--noflush', '-w', '5'], { input: payload });
    const other = now === a ? b : a;
    const chainsNow = buildRules({ ...now, existing: '', config, host }).chains;
    const chainsOther = buildRules({ ...other, existing: '', config, host }).chains;
    const there = buildPartial({ ...other, config, host, dockerUser: false }, chainsNow).payload;
    const back = buildPartial({ ...now, config, host, dockerUser: false }, chainsOther).payload;
    const pf = await sampled(ROUNDS, (i) => restore(i % 2 === 0 ? there : back));
    console.log(`floor: iptables-restore of the partial payload alone (${there.length} bytes): ${describe(pf)}`);
    const fullPayload = buildRules({ ...now, existing: await netfilter.save(), config, host }).payload;
    const ff = await sampled(ROUNDS, () => restore(fullPayload));
    console.log(`floor: iptables-restore of the full payload alone (${(fullPayload.length / 1024).toFixed(0)} KiB): ${describe(ff)}`);
    const save = await sampled(ROUNDS, () => execFileSync('iptables-save', { maxBuffer: 64 << 20 }));
    console.log(`floor: iptables-save alone: ${describe(save)}`);
  } finally {
    await cleanupNetfilter(netfilter);
    await restoreSysctls();
    netfilter.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
