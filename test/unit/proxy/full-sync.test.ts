// The full sync given what we last wrote (buildRules' `written`) rewrites only what needs it. For
// each kind of drift (ours: services changed; someone else's: flushed, edited, deleted, leftover,
// jumps moved), applied to the kernel it must leave exactly the state a complete rewrite leaves,
// while writing only the chains named in `rewritten`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRules, RulePlanner } from '../../../proxy/rules.js';
import { FakeNetfilter } from '../../../proxy/netfilter.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { byChain, config, DOCKER_ONLY, endpoints, service } from './fixtures.js';

const web = service('web', '10.96.0.20', [{ port: 80, targetPort: 8080 }]);
const db = service('db', '10.96.0.21', [{ port: 5432 }], { type: 'NodePort' });
const slicesOf = (webIPs: string[]): EndpointSlice[] => [
  ...endpoints('web', [{ ips: webIPs, ports: [{ port: 8080 }] }]),
  ...endpoints('db', [{ ips: ['10.244.0.7'], ports: [{ port: 5432 }] }]),
];
const cluster = { services: [web, db] as Service[], slices: slicesOf(['10.244.0.2', '10.244.0.3']) };

/** Edits of iptables-save text, as someone else (or Docker) would make them. */
const dropLines = (re: RegExp) => (text: string) => text.split('\n').filter((l) => !re.test(l)).join('\n');
const inTable = (table: string, edit: (section: string) => string) => (text: string) => {
  const at = text.indexOf(`*${table}\n`);
  const end = text.indexOf('COMMIT\n', at);
  return text.slice(0, at) + edit(text.slice(at, end)) + text.slice(end);
};

const cases: { name: string; tamper?: (saved: string) => string; next?: typeof cluster; rewritten: string[]; repairs?: RegExp }[] = [
  { name: 'nothing changed: nothing written', rewritten: [] },
  {
    name: 'an endpoint moved: the service chain and the new endpoint chain',
    next: { ...cluster, slices: slicesOf(['10.244.0.2', '10.244.0.9']) },
    rewritten: ['nat K1S-SEP-', 'nat K1S-SVC-'],
    repairs: /create K1S-SEP-[\s\S]*delete stale K1S-SEP-/,
  },
  { name: 'nat flushed (iptables -t nat -F): every nat chain with rules', tamper: inTable('nat', (s) => s.replace(/^-A .*\n/gm, '')), rewritten: ['nat *'], repairs: /jumps|rewrite/ },
  { name: 'K1S-GUARD flushed: that chain only', tamper: dropLines(/^-A K1S-GUARD /), rewritten: ['filter K1S-GUARD'], repairs: /rewrite K1S-GUARD/ },
  {
    name: 'a rule added by hand to an endpoint chain: that chain only',
    tamper: (t) => t.replace(/^(-A (K1S-SEP-\S+) .*DNAT.*)$/m, '$1\n-A $2 -j ACCEPT'),
    rewritten: ['nat K1S-SEP-'],
    repairs: /rewrite K1S-SEP-/,
  },
  { name: 'a stale chain of ours left behind: deleted', tamper: inTable('nat', (s) => s.replace(/^(:K1S-CANARY .*)$/m, '$1\n:K1S-SEP-OLDOLDOLDOLDOLD - [0:0]\n-A K1S-SEP-OLDOLDOLDOLDOLD -j RETURN')), rewritten: [], repairs: /stale/ },
  { name: 'our jump deleted from OUTPUT: re-inserted', tamper: dropLines(/^-A OUTPUT .*-j K1S-GUARD/), rewritten: [], repairs: /OUTPUT/ },
  {
    name: 'a chain of ours deleted with the rule jumping to it: created, the jumping chain rewritten',
    tamper: (t) => {
      const svc = /-j (K1S-SVC-\S+)/.exec(t)![1];
      return dropLines(new RegExp(`(^:${svc} )|(^-A ${svc} )|(-j ${svc}$)`))(t);
    },
    rewritten: ['nat K1S-SERVICES', 'nat K1S-SVC-'],
    repairs: /create/,
  },
];

// Through a planner that made the first build (the proxier's way: only the changed Services are
// looked at), and without one (every chain compared): the same outcome.
for (const c of cases.flatMap((x) => [{ ...x, planner: false }, { ...x, planner: true }])) {
  test(`full sync over what we wrote${c.planner ? ', through the planner' : ''}: ${c.name}`, async () => {
    const kernel = new FakeNetfilter(DOCKER_ONLY);
    const planner = c.planner ? new RulePlanner() : undefined;
    const first = buildRules({ ...cluster, existing: await kernel.save(), config }, { planner });
    await kernel.restore(first.payload);
    if (c.tamper) kernel.saveText = c.tamper(kernel.saveText);
    const next = c.next ?? cluster;
    const state = await kernel.save();

    const minimal = buildRules({ ...next, existing: state, config }, { written: first.chains, planner });
    if (planner) assert.equal(planner.incremental, true, 'only the changed Services looked at');
    const complete = buildRules({ ...next, existing: state, config });
    assert.deepEqual(minimal.chains, complete.chains);
    assert.deepEqual(minimal.ruleCounts, complete.ruleCounts);
    if (c.repairs) assert.match(minimal.repairs.join('\n'), c.repairs);
    else assert.deepEqual(minimal.repairs, []);
    // which chains the payload rewrites (declared and filled), by table
    const rewritten: string[] = [];
    let table = '';
    for (const line of minimal.payload.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      const m = /^-A (K1S-\S+) /.exec(line);
      if (m && !rewritten.includes(`${table} ${m[1]}`)) rewritten.push(`${table} ${m[1]}`);
    }
    // endpoint and service chains by kind (their names are hashes); 'nat *': every nat chain with rules
    const all = c.rewritten.includes('nat *');
    const got = all ? rewritten.sort() : [...new Set(rewritten.map((r) => r.replace(/-(SEP|SVC)-\S+$/, '-$1-')))].sort();
    const want = all ? [...complete.chains].filter(([k, v]) => k.startsWith('nat/') && v !== '').map(([k]) => k.replace('/', ' ')).sort() : [...c.rewritten].sort();
    assert.deepEqual(got, want, minimal.payload);
    if (c.rewritten.length === 0 && !c.repairs) assert.equal(minimal.payload, '');

    // applied, the kernel holds exactly what the complete rewrite leaves
    const viaMinimal = new FakeNetfilter(state);
    if (minimal.payload) await viaMinimal.restore(minimal.payload);
    const viaComplete = new FakeNetfilter(state);
    await viaComplete.restore(complete.payload);
    assert.deepEqual(byChain(viaMinimal.saveText), byChain(viaComplete.saveText));
    // and the next full sync has nothing left to do
    assert.equal(buildRules({ ...next, existing: viaMinimal.saveText, config }, { written: minimal.chains, planner }).payload, '');
  });
}

test('without what we wrote (first sync, after a failed write) every chain of ours is rewritten', async () => {
  const kernel = new FakeNetfilter(DOCKER_ONLY);
  const first = buildRules({ ...cluster, existing: await kernel.save(), config });
  await kernel.restore(first.payload);
  const again = buildRules({ ...cluster, existing: await kernel.save(), config });
  assert.equal(again.payload.split('\n').filter((l) => l.startsWith('-A ')).length, first.payload.split('\n').filter((l) => l.startsWith('-A ')).length);
});
