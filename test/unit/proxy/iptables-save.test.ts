// The iptables-save parser: the sliced one (the full sync's, yielding to the event loop between
// slices) reads exactly what the one-go parser reads, and counts our chains' skipped rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIptablesSaveSliced, parseSave } from '../../../proxy/iptables-save.js';
import { buildRules } from '../../../proxy/rules.js';
import { FakeNetfilter } from '../../../proxy/netfilter.js';
import { config, DOCKER_ONLY, endpoints, service } from './fixtures.js';

const services = Array.from({ length: 30 }, (_, i) => service(`s${i}`, `10.96.1.${i + 1}`, [{ port: 80 }]));
const slices = services.flatMap((s, i) => endpoints(s.metadata.name, [{ ips: [`10.244.1.${i + 1}`, `10.244.2.${i + 1}`], ports: [{ port: 80 }] }]));
// what iptables-save prints after our first sync: Docker's rules, our jumps first, our chains
const kernel = new FakeNetfilter(DOCKER_ONLY);
await kernel.restore(buildRules({ services, slices, existing: DOCKER_ONLY, config }).payload);
const saved = await kernel.save();

test('sliced parse = one-go parse, at any slice size, with or without a final newline', async () => {
  for (const text of [saved, saved.trimEnd()]) {
    const whole = parseSave(text, 'K1S');
    for (const size of [1, 7, 100, 1_000_000]) assert.deepEqual(await parseIptablesSaveSliced(text, 'K1S', size), whole, `slice ${size}`);
  }
});

test('the sliced parse lets the event loop run between slices', async () => {
  // a callback that re-queues itself at every turn: it runs once per slice boundary
  let immediates = 0;
  const spin = () => {
    immediates++;
    if (!done) setImmediate(spin);
  };
  let done = false;
  setImmediate(spin);
  const lines = saved.split('\n').length;
  await parseIptablesSaveSliced(saved, 'K1S', 50);
  done = true;
  assert.ok(immediates >= Math.floor(lines / 50) - 1, `${immediates} turns for ${lines} lines in slices of 50`);
});

test('our rules are counted per chain, not kept; foreign rules are kept with their targets', () => {
  const { tables, skippedCounts } = parseSave(saved, 'K1S');
  assert.equal(skippedCounts.get('filter/K1S-GUARD'), 1);
  assert.equal(skippedCounts.get('nat/K1S-SERVICES'), 31); // 30 cluster IPs + the node ports rule
  assert.equal(skippedCounts.get('nat/K1S-POSTROUTING'), 3);
  assert.equal([...skippedCounts.keys()].filter((k) => k.startsWith('nat/K1S-SEP-')).length, 60);
  const nat = tables.get('nat')!;
  assert.ok(nat.chains.includes('K1S-SERVICES'));
  assert.ok(nat.rules.every((r) => !r.chain.startsWith('K1S-')));
  assert.deepEqual(
    nat.rules.filter((r) => r.target?.startsWith('K1S-')).map((r) => `${r.chain} -> ${r.target}`),
    ['PREROUTING -> K1S-SERVICES', 'OUTPUT -> K1S-SERVICES', 'POSTROUTING -> K1S-POSTROUTING'],
  );
});
