// bench/proxy-sync: the proxy's sync cost with N selector-less Services of E hand-written
// endpoints each (issue 8's 1,000 x 5). Prints, beside the payload size:
//  - the pure work on the server's thread: a full build (parse iptables-save + plan + render),
//    a partial build for one endpoint moved, an idle partial build (nothing to write);
//  - with --iptables (root, under `flock /tmp/k1s-e2e.lock`): the real full sync, the real
//    partial sync of one endpoint change, the idle check(), and `iptables-restore` of the same
//    full payload alone as the floor. Everything of ours is removed at the end.
//   node dist/bench/proxy-sync.js [--services 1000] [--endpoints 5] [--iptables]
import { performance } from 'node:perf_hooks';
import { buildPartial, buildRules } from '../proxy/rules.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';
import { cleanupNetfilter, restoreSysctls, ServiceProxy } from '../proxy/proxier.js';
import { FakeConntrack } from '../proxy/conntrack.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { silentLogger } from '../src/log.js';
import { numberArg } from './util.js';

const N = numberArg('services', 1000);
const E = numberArg('endpoints', 5);
const REAL = process.argv.includes('--iptables');
const config = { serviceCIDR: '10.96.0.0/16', podCIDR: '10.244.0.0/16' };

function cluster(moved = -1): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < N; i++) {
    const name = `s${i}`;
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench' }, spec: { type: 'ClusterIP', clusterIP: `10.96.${100 + (i >> 8)}.${i & 255}`, ports: [{ port: 80, protocol: 'TCP' }] } });
    slices.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${name}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      // TEST-NET-2 addresses: never routed anywhere, and no packet is sent to them here
      endpoints: Array.from({ length: E }, (_, j) => ({ addresses: [`198.51.100.${(j + (i === moved ? 100 : 0)) % 250}`] })),
      ports: [{ name: '', protocol: 'TCP', port: 8000 + (i % 1000) }],
    });
  }
  return { services, slices };
}

const ms = (t: number) => `${(performance.now() - t).toFixed(1)} ms`;
const ROUNDS = numberArg('rounds', 10);

/** min and median of ROUNDS runs: the machine is shared, the minimum is the work itself. */
function timed<T>(fn: () => T): { value: T; text: string } {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    value = fn();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  return { value, text: `min ${times[0].toFixed(1)} ms, median ${times[times.length >> 1].toFixed(1)} ms over ${ROUNDS}` };
}

async function main() {
  const a = cluster();
  const b = cluster(7);
  const f = timed(() => buildRules({ ...a, existing: '', config, host: { sctp: false } }));
  const full = f.value;
  console.log(`pure full build: ${f.text}; payload ${(full.payload.length / 1024).toFixed(0)} KiB, ${full.payload.split('\n').length} lines`);
  const saved = full.payload.replace(/^-I (\S+) 1 /gm, '-A $1 ');
  const g = timed(() => buildRules({ ...a, existing: saved, config, host: { sctp: false } }));
  console.log(`pure full build over an iptables-save of the same rules: ${g.text}`);
  const p = timed(() => buildPartial({ ...b, config, host: { sctp: false }, dockerUser: false }, full.chains));
  console.log(`pure partial build, one endpoint moved: ${p.text}; payload ${p.value.payload.length} bytes, ${p.value.changed} chains written, ${p.value.deleted} deleted`);
  const i = timed(() => buildPartial({ ...a, config, host: { sctp: false }, dockerUser: false }, full.chains));
  console.log(`pure partial build, idle: ${i.text}; payload ${i.value.payload.length} bytes`);
  if (!REAL) return;

  const netfilter = new IptablesNetfilter();
  await cleanupNetfilter(netfilter);
  const proxy = new ServiceProxy({ netfilter, config, logger: silentLogger, conntrack: new FakeConntrack() });
  try {
    let t = performance.now();
    await proxy.sync(a.services, a.slices);
    console.log(`real full sync (save + build + restore): ${ms(t)}`);
    t = performance.now();
    await proxy.sync(b.services, b.slices);
    console.log(`real partial sync, one endpoint moved: ${ms(t)}`);
    t = performance.now();
    await proxy.sync(b.services, b.slices);
    console.log(`real idle sync: ${ms(t)} (restores so far ${proxy.restores})`);
    t = performance.now();
    const ok = await proxy.check();
    console.log(`real check() (filter table + nat canary): ${ms(t)}, intact ${ok}`);
    t = performance.now();
    await netfilter.saveTable('filter');
    console.log(`  of which iptables -t filter -S: ${ms(t)}`);
    t = performance.now();
    await netfilter.chainRules('nat', 'K1S-CANARY');
    console.log(`  of which iptables -t nat -S K1S-CANARY: ${ms(t)}`);
    const state = await netfilter.save();
    const payload = buildRules({ ...b, existing: state, config, host: { sctp: false } }).payload;
    t = performance.now();
    await netfilter.restore(payload);
    console.log(`floor: iptables-restore of the full payload alone: ${ms(t)} (${(payload.length / 1024).toFixed(0)} KiB)`);
  } finally {
    await cleanupNetfilter(netfilter);
    await restoreSysctls();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
