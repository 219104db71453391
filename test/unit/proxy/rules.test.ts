import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCleanup,
  buildRules,
  endpointProbabilities,
  parseIptablesSave,
  serviceChainName,
  tokenize,
} from '../../../proxy/rules.js';
import { FakeNetfilter } from '../../../proxy/netfilter.js';
import { chainLines, config, DOCKER_ONLY, endpoints, service, tableLines } from './fixtures.js';

const web = service('web', '10.96.0.20', [{ name: 'http', port: 80, targetPort: 'web' }]);
// 10.244.0.9 is not ready: it must get no rule.
const webEp = endpoints('web', [{ ips: ['10.244.0.6', '10.244.0.5'], notReady: ['10.244.0.9'], ports: [{ name: 'http', port: 8080 }] }]);

/** What iptables holds after applying `payload` on top of `existing` (restore semantics, in memory). */
async function applied(existing: string, payload: string): Promise<string> {
  const nf = new FakeNetfilter(existing);
  await nf.restore(payload);
  return nf.save();
}

const FIRST_SYNC = `*filter
:K1S-CANARY - [0:0]
:K1S-EXTERNAL-SERVICES - [0:0]
:K1S-FIREWALL - [0:0]
:K1S-FORWARD - [0:0]
:K1S-GUARD - [0:0]
:K1S-NODEPORTS - [0:0]
:K1S-SERVICES - [0:0]
-A K1S-GUARD -m comment --comment "untranslated service traffic must not leave" -d 10.96.0.0/16 -j REJECT
-A K1S-CANARY -j RETURN
-A K1S-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A K1S-FORWARD -m comment --comment "service traffic requiring SNAT" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A K1S-FORWARD -m comment --comment "established service connections" -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j ACCEPT
-A K1S-FORWARD -m comment --comment "service traffic to pods keeping the client address" -d 10.244.0.0/16 -m conntrack --ctstate DNAT -j ACCEPT
-I DOCKER-USER 1 -m comment --comment "k1s service guard" -j K1S-GUARD
-I FORWARD 1 -m comment --comment "k1s forwarding rules" -j K1S-FORWARD
-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES
-I FORWARD 1 -m comment --comment "k1s service guard" -j K1S-GUARD
-I INPUT 1 -m conntrack --ctstate NEW -m comment --comment "k1s node ports without endpoints" -j K1S-EXTERNAL-SERVICES
-I INPUT 1 -m comment --comment "k1s health check service ports" -j K1S-NODEPORTS
-I INPUT 1 -m comment --comment "k1s firewall" -j K1S-FIREWALL
-I OUTPUT 1 -m comment --comment "k1s firewall" -j K1S-FIREWALL
-I OUTPUT 1 -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES
-I OUTPUT 1 -m comment --comment "k1s service guard" -j K1S-GUARD
COMMIT
*nat
:K1S-CANARY - [0:0]
:K1S-MARK-MASQ - [0:0]
:K1S-NODEPORTS - [0:0]
:K1S-POSTROUTING - [0:0]
:K1S-SEP-7U6MWNJWR3SADOJA - [0:0]
:K1S-SEP-WBD4CCV6JIIBARLY - [0:0]
:K1S-SERVICES - [0:0]
:K1S-SVC-CDGGSHYLG3RE2FKL - [0:0]
-A K1S-CANARY -j RETURN
-A K1S-SERVICES -m comment --comment "default/web:http cluster IP" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j K1S-SVC-CDGGSHYLG3RE2FKL
-A K1S-SERVICES -m comment --comment "k1s service nodeports; must be last" -m addrtype --dst-type LOCAL -j K1S-NODEPORTS
-A K1S-MARK-MASQ -j MARK --or-mark 0x4000
-A K1S-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A K1S-POSTROUTING -j MARK --xor-mark 0x4000
-A K1S-POSTROUTING -m comment --comment "service traffic requiring SNAT" -j MASQUERADE
-A K1S-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http cluster IP" ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j K1S-MARK-MASQ
-A K1S-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.5:8080" -m statistic --mode random --probability 0.5000000000 -j K1S-SEP-7U6MWNJWR3SADOJA
-A K1S-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.6:8080" -j K1S-SEP-WBD4CCV6JIIBARLY
-A K1S-SEP-7U6MWNJWR3SADOJA -m comment --comment "default/web:http" -s 10.244.0.5/32 -j K1S-MARK-MASQ
-A K1S-SEP-7U6MWNJWR3SADOJA -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 10.244.0.5:8080
-A K1S-SEP-WBD4CCV6JIIBARLY -m comment --comment "default/web:http" -s 10.244.0.6/32 -j K1S-MARK-MASQ
-A K1S-SEP-WBD4CCV6JIIBARLY -m comment --comment "default/web:http" -p tcp -m tcp -j DNAT --to-destination 10.244.0.6:8080
-I OUTPUT 1 -m comment --comment "k1s service portals" -j K1S-SERVICES
-I POSTROUTING 1 -m comment --comment "k1s postrouting rules" -j K1S-POSTROUTING
-I PREROUTING 1 -m comment --comment "k1s service portals" -j K1S-SERVICES
COMMIT
`;

test('first sync: one ClusterIP service with two ready endpoints (golden)', () => {
  const r = buildRules({ services: [web], slices: webEp, existing: DOCKER_ONLY, config });
  assert.equal(r.payload, FIRST_SYNC);
  assert.deepEqual(r.stats, { servicePorts: 1, endpoints: 2, withoutEndpoints: 0, nodePorts: 0 });
  assert.deepEqual(r.skipped, []);
  assert.ok(r.repairs.length > 0, 'a first sync inserts jumps and creates chains');
});

test('the guard is the first rule of filter OUTPUT and FORWARD, before Docker', async () => {
  const after = await applied(DOCKER_ONLY, buildRules({ services: [], slices: [], existing: DOCKER_ONLY, config }).payload);
  for (const chain of ['OUTPUT', 'FORWARD']) {
    assert.match(chainLines(after, 'filter', chain)[0], /-j K1S-GUARD$/, chain);
  }
  assert.deepEqual(chainLines(after, 'filter', 'K1S-GUARD'), [
    '-A K1S-GUARD -m comment --comment "untranslated service traffic must not leave" -d 10.96.0.0/16 -j REJECT',
  ]);
  // Docker's own rules are all still there, below ours.
  assert.deepEqual(chainLines(after, 'filter', 'FORWARD').slice(3), chainLines(DOCKER_ONLY, 'filter', 'FORWARD'));
  // Docker keeps DOCKER-USER first in FORWARD (it moves it back up on every network change), so the
  // guard is jumped from there as well.
  assert.deepEqual(chainLines(after, 'filter', 'DOCKER-USER'), [
    '-A DOCKER-USER -m comment --comment "k1s service guard" -j K1S-GUARD',
    '-A DOCKER-USER -j RETURN',
  ]);
  // Without Docker there is no DOCKER-USER chain, and we do not create one.
  const bare = buildRules({ services: [], slices: [], existing: '', config }).payload;
  assert.doesNotMatch(bare, /DOCKER-USER/);
});

test('second sync over the applied state: no jump is added again, only our chains are rewritten', async () => {
  const first = buildRules({ services: [web], slices: webEp, existing: DOCKER_ONLY, config });
  const state = await applied(DOCKER_ONLY, first.payload);
  const second = buildRules({ services: [web], slices: webEp, existing: state, config });
  assert.deepEqual(second.repairs, []);
  assert.deepEqual(second.chains, first.chains);
  assert.deepEqual(second.ruleCounts, first.ruleCounts);
  assert.doesNotMatch(second.payload, /^-[ID] /m);
  // Apart from the jump inserts, the payload is the same text.
  assert.equal(second.payload, FIRST_SYNC.split('\n').filter((l) => !l.startsWith('-I ')).join('\n'));
  // Applying it again changes nothing: no duplicated jumps.
  assert.equal(await applied(state, second.payload), state);
});

test('a jump pushed down by Docker (or deleted) is moved back to the top, nothing duplicated', async () => {
  const state = await applied(DOCKER_ONLY, buildRules({ services: [web], slices: webEp, existing: DOCKER_ONLY, config }).payload);
  // Docker restarts and puts DOCKER-USER first again.
  const disturbed = state.replace('-A FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD\n', '')
    .replace('-A FORWARD -m conntrack', '-A FORWARD -j DOCKER-USER\n-A FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD\n-A FORWARD -m conntrack')
    .replace('-A FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-ISOLATION-STAGE-1', '-A FORWARD -j DOCKER-ISOLATION-STAGE-1');
  assert.match(chainLines(disturbed, 'filter', 'FORWARD')[0], /DOCKER-USER/);
  const r = buildRules({ services: [web], slices: webEp, existing: disturbed, config });
  assert.deepEqual(r.repairs, ['filter FORWARD: jumps K1S-GUARD,K1S-SERVICES,K1S-FORWARD -> K1S-GUARD,K1S-SERVICES,K1S-FORWARD']);
  assert.deepEqual(tableLines(r.payload, 'filter').filter((l) => /^-[ID] /.test(l)), [
    '-D FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD',
    '-D FORWARD -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES',
    '-D FORWARD -m comment --comment "k1s forwarding rules" -j K1S-FORWARD',
    '-I FORWARD 1 -m comment --comment "k1s forwarding rules" -j K1S-FORWARD',
    '-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES',
    '-I FORWARD 1 -m comment --comment "k1s service guard" -j K1S-GUARD',
  ]);
  const repaired = await applied(disturbed, r.payload);
  assert.equal(repaired, state);
});

test('jump comparison tolerates iptables-save printing matches in another order', () => {
  const reordered = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m comment --comment "k1s firewall" -j K1S-FIREWALL
-A INPUT -m comment --comment "k1s health check service ports" -j K1S-NODEPORTS
-A INPUT -m comment --comment "k1s node ports without endpoints" -m conntrack --ctstate NEW -j K1S-EXTERNAL-SERVICES
COMMIT
`;
  const r = buildRules({ services: [], slices: [], existing: reordered, config });
  assert.ok(!r.repairs.some((x) => x.startsWith('filter INPUT')), r.repairs.join('\n'));
});

test('NodePort service: K1S-NODEPORTS marks for masquerade and jumps to the service chain (golden)', () => {
  const np = service('web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'NodePort' });
  const r = buildRules({ services: [np], slices: webEp, existing: DOCKER_ONLY, config });
  assert.deepEqual(chainLines(r.payload, 'nat', 'K1S-NODEPORTS'), [
    '-A K1S-NODEPORTS -m comment --comment "default/web:http" -p tcp -m tcp --dport 30080 -j K1S-MARK-MASQ',
    '-A K1S-NODEPORTS -m comment --comment "default/web:http" -p tcp -m tcp --dport 30080 -j K1S-SVC-CDGGSHYLG3RE2FKL',
  ]);
  const services = chainLines(r.payload, 'nat', 'K1S-SERVICES');
  assert.equal(
    services.at(-1),
    '-A K1S-SERVICES -m comment --comment "k1s service nodeports; must be last" -m addrtype --dst-type LOCAL -j K1S-NODEPORTS',
  );
  assert.equal(r.stats.nodePorts, 1);
  // externalTrafficPolicy: Local keeps the client address, except 127.0.0.0/8 which cannot be answered.
  const local = service('web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'LoadBalancer', externalTrafficPolicy: 'Local' });
  assert.equal(
    chainLines(buildRules({ services: [local], slices: webEp, existing: '', config }).payload, 'nat', 'K1S-NODEPORTS')[0],
    '-A K1S-NODEPORTS -m comment --comment "default/web:http" -p tcp -m tcp --dport 30080 -s 127.0.0.0/8 -j K1S-MARK-MASQ',
  );
  // A nodePort on a ClusterIP service is not opened.
  const cip = service('web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }]);
  assert.deepEqual(chainLines(buildRules({ services: [cip], slices: webEp, existing: '', config }).payload, 'nat', 'K1S-NODEPORTS'), []);
});

test('a service port without ready endpoints is REJECTed in filter, nothing in nat (golden)', () => {
  const np = service('api', '10.96.0.30', [{ port: 443, nodePort: 30443 }, { name: 'dns', port: 53, protocol: 'UDP' }], { type: 'NodePort', namespace: 'prod' });
  const onlyNotReady = endpoints('api', [{ ips: [], notReady: ['10.244.0.7'], ports: [{ port: 8443 }] }], 'prod');
  const r = buildRules({ services: [np], slices: onlyNotReady, existing: DOCKER_ONLY, config });
  assert.deepEqual(chainLines(r.payload, 'filter', 'K1S-SERVICES'), [
    '-A K1S-SERVICES -m comment --comment "prod/api has no endpoints" -d 10.96.0.30/32 -p tcp -m tcp --dport 443 -j REJECT',
    '-A K1S-SERVICES -m comment --comment "prod/api:dns has no endpoints" -d 10.96.0.30/32 -p udp -m udp --dport 53 -j REJECT',
  ]);
  assert.deepEqual(chainLines(r.payload, 'filter', 'K1S-EXTERNAL-SERVICES'), [
    '-A K1S-EXTERNAL-SERVICES -m comment --comment "prod/api has no endpoints" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30443 -j REJECT',
  ]);
  assert.deepEqual(chainLines(r.payload, 'nat', 'K1S-SERVICES'), [
    '-A K1S-SERVICES -m comment --comment "k1s service nodeports; must be last" -m addrtype --dst-type LOCAL -j K1S-NODEPORTS',
  ]);
  assert.doesNotMatch(r.payload, /K1S-(SVC|SEP)-/);
  assert.deepEqual(r.stats, { servicePorts: 2, endpoints: 0, withoutEndpoints: 2, nodePorts: 1 });
});

test('stale K1S- chains are flushed and deleted; other chains are left alone', async () => {
  const before = await applied(DOCKER_ONLY, buildRules({ services: [web], slices: webEp, existing: DOCKER_ONLY, config }).payload);
  // The service is deleted.
  const r = buildRules({ services: [], slices: [], existing: before, config });
  const nat = tableLines(r.payload, 'nat');
  assert.deepEqual(
    nat.filter((l) => /K1S-(SVC|SEP)-/.test(l) && !l.startsWith('-A K1S-SERVICES')),
    [
      ':K1S-SEP-7U6MWNJWR3SADOJA - [0:0]',
      ':K1S-SEP-WBD4CCV6JIIBARLY - [0:0]',
      ':K1S-SVC-CDGGSHYLG3RE2FKL - [0:0]',
      '-X K1S-SEP-7U6MWNJWR3SADOJA',
      '-X K1S-SEP-WBD4CCV6JIIBARLY',
      '-X K1S-SVC-CDGGSHYLG3RE2FKL',
    ],
  );
  assert.deepEqual(r.repairs, ['nat: delete stale K1S-SEP-7U6MWNJWR3SADOJA,K1S-SEP-WBD4CCV6JIIBARLY,K1S-SVC-CDGGSHYLG3RE2FKL']);
  const after = await applied(before, r.payload);
  assert.doesNotMatch(after, /K1S-(SVC|SEP)-/);
  assert.match(after, /^-A DOCKER -i docker0 -j RETURN$/m);
});

test('stale chains in another table and jumps to chains we no longer have are removed', () => {
  const existing = `${DOCKER_ONLY}*mangle
:PREROUTING ACCEPT [0:0]
:K1S-OLD - [0:0]
-A PREROUTING -j K1S-OLD
-A PREROUTING -j MARK --set-mark 1
COMMIT
`;
  const r = buildRules({ services: [], slices: [], existing, config });
  assert.deepEqual(tableLines(r.payload, 'mangle'), [':K1S-OLD - [0:0]', '-D PREROUTING -j K1S-OLD', '-X K1S-OLD']);
});

test('every line of the payload touches only K1S- chains or jumps into them', () => {
  const np = service('web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'NodePort' });
  const { payload } = buildRules({ services: [np], slices: webEp, existing: DOCKER_ONLY, config });
  for (const line of payload.split('\n')) {
    if (line === '' || line === 'COMMIT' || line.startsWith('*')) continue;
    if (/^(:|-A |-X )/.test(line)) assert.match(line, /^(:|-A |-X )K1S-/, line);
    else assert.match(line, /^-[ID] [A-Z-]+ .* -j K1S-[A-Z-]+$/, line);
  }
});

test('headless and ExternalName services get no rules; IPv6 is skipped with a reason', () => {
  const headless = service('db', 'None', [{ port: 5432 }]);
  const external: ReturnType<typeof service> = { ...service('ext', '', [{ port: 80 }]), spec: { type: 'ExternalName', externalName: 'example.org' } };
  const v6 = service('six', 'fd00::10', [{ port: 80 }]);
  const r = buildRules({
    services: [headless, external, v6],
    slices: endpoints('db', [{ ips: ['10.244.0.5'], ports: [{ port: 5432 }] }]),
    existing: '',
    config,
  });
  assert.equal(r.stats.servicePorts, 0);
  assert.doesNotMatch(r.payload, /default\/(db|ext|six)/);
  assert.deepEqual(r.skipped, ['default/six: clusterIP fd00::10 is not IPv4']);
});

test('endpoint ports are matched to service ports by name (targetPort already resolved)', () => {
  const svc = service('app', '10.96.0.40', [
    { name: 'http', port: 80, targetPort: 'web' },
    { name: 'metrics', port: 9090, targetPort: 9100 },
  ]);
  const ep = endpoints('app', [
    { ips: ['10.244.0.5'], ports: [{ name: 'metrics', port: 9100 }, { name: 'http', port: 8080 }] },
    { ips: ['10.244.0.8'], ports: [{ name: 'http', port: 8081 }] },
  ]);
  const { payload } = buildRules({ services: [svc], slices: ep, existing: '', config });
  const dnat = payload.split('\n').filter((l) => l.includes('-j DNAT'));
  assert.deepEqual(
    dnat.map((l) => /--comment "([^"]+)".*--to-destination (\S+)/.exec(l)!.slice(1).join(' ')),
    ['default/app:http 10.244.0.5:8080', 'default/app:http 10.244.0.8:8081', 'default/app:metrics 10.244.0.5:9100'],
  );
  // Unnamed single port: undefined and '' are the same name; the protocol must match too.
  const one = service('one', '10.96.0.41', [{ port: 53, protocol: 'UDP' }]);
  const oneEp = endpoints('one', [{ ips: ['10.244.0.5'], ports: [{ name: '', port: 5353, protocol: 'UDP' }, { port: 5353, protocol: 'TCP' }] }]);
  const r = buildRules({ services: [one], slices: oneEp, existing: '', config });
  assert.deepEqual(
    r.payload.split('\n').filter((l) => l.includes('-j DNAT')),
    ['-A K1S-SEP-ZY7SDNFYV7QRXTW5 -m comment --comment "default/one" -p udp -m udp -j DNAT --to-destination 10.244.0.5:5353'],
  );
});

test('chain names follow kube-proxy (same hashes as KUBE-SVC-* for the same service port)', () => {
  // Values seen in real clusters' iptables-save output.
  assert.equal(serviceChainName('KUBE', 'default/kubernetes:https', 'TCP'), 'KUBE-SVC-NPX46M4PTMTKRN6Y');
  assert.equal(serviceChainName('KUBE', 'kube-system/kube-dns:dns', 'UDP'), 'KUBE-SVC-TCOU7JCQXEZGVUNU');
  assert.equal(serviceChainName('KUBE', 'kube-system/kube-dns:dns-tcp', 'TCP'), 'KUBE-SVC-ERIFXISQEP7F7OF4');
  assert.equal(serviceChainName('K1S', 'kube-system/kube-dns:metrics', 'TCP'), 'K1S-SVC-JD5MR3NA4I4DYORP');
  assert.ok(serviceChainName('K1S', 'a-very-long-namespace-name/and-a-long-service:and-port', 'SCTP').length <= 28);
});

test('probabilities: rule i of n matches with 1/(n-i), the last unconditionally', () => {
  const table: Record<number, (string | undefined)[]> = {
    1: [undefined],
    2: ['0.5000000000', undefined],
    3: ['0.3333333333', '0.5000000000', undefined],
    4: ['0.2500000000', '0.3333333333', '0.5000000000', undefined],
    5: ['0.2000000000', '0.2500000000', '0.3333333333', '0.5000000000', undefined],
  };
  for (const [n, expected] of Object.entries(table)) assert.deepEqual(endpointProbabilities(Number(n)), expected, `n=${n}`);
  // Every endpoint ends up with 1/n of the connections.
  for (const n of [2, 3, 7, 10]) {
    let remaining = 1;
    for (const p of endpointProbabilities(n)) {
      const share = remaining * (p === undefined ? 1 : Number(p));
      assert.ok(Math.abs(share - 1 / n) < 1e-9, `n=${n}`);
      remaining -= share;
    }
  }
});

test('output is deterministic: input order does not matter', () => {
  const a = service('a', '10.96.0.50', [{ port: 80 }]);
  const b = service('b', '10.96.0.51', [{ port: 80 }]);
  const epA = endpoints('a', [{ ips: ['10.244.0.2', '10.244.0.3'], ports: [{ port: 80 }] }]);
  const epB = endpoints('b', [{ ips: ['10.244.0.4'], ports: [{ port: 80 }] }]);
  const x = buildRules({ services: [a, b], slices: [...epA, ...epB], existing: DOCKER_ONLY, config });
  const y = buildRules({ services: [b, a], slices: [...epB, { ...epA[0], endpoints: [...epA[0].endpoints].reverse() }], existing: DOCKER_ONLY, config });
  assert.equal(x.payload, y.payload);
});

test('cleanup payload removes our chains and the jumps into them, nothing else (golden)', async () => {
  const state = await applied(DOCKER_ONLY, buildRules({ services: [web], slices: webEp, existing: DOCKER_ONLY, config }).payload);
  const c = buildCleanup(state);
  assert.equal(c.chains, 15);
  assert.equal(c.jumps, 13);
  assert.equal(
    c.payload,
    `*filter
:K1S-CANARY - [0:0]
:K1S-EXTERNAL-SERVICES - [0:0]
:K1S-FIREWALL - [0:0]
:K1S-FORWARD - [0:0]
:K1S-GUARD - [0:0]
:K1S-NODEPORTS - [0:0]
:K1S-SERVICES - [0:0]
-D INPUT -m comment --comment "k1s firewall" -j K1S-FIREWALL
-D INPUT -m comment --comment "k1s health check service ports" -j K1S-NODEPORTS
-D INPUT -m conntrack --ctstate NEW -m comment --comment "k1s node ports without endpoints" -j K1S-EXTERNAL-SERVICES
-D FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD
-D FORWARD -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES
-D FORWARD -m comment --comment "k1s forwarding rules" -j K1S-FORWARD
-D OUTPUT -m comment --comment "k1s service guard" -j K1S-GUARD
-D OUTPUT -m conntrack --ctstate NEW -m comment --comment "k1s services without endpoints" -j K1S-SERVICES
-D OUTPUT -m comment --comment "k1s firewall" -j K1S-FIREWALL
-D DOCKER-USER -m comment --comment "k1s service guard" -j K1S-GUARD
-X K1S-CANARY
-X K1S-EXTERNAL-SERVICES
-X K1S-FIREWALL
-X K1S-FORWARD
-X K1S-GUARD
-X K1S-NODEPORTS
-X K1S-SERVICES
COMMIT
*nat
:K1S-CANARY - [0:0]
:K1S-MARK-MASQ - [0:0]
:K1S-NODEPORTS - [0:0]
:K1S-POSTROUTING - [0:0]
:K1S-SEP-7U6MWNJWR3SADOJA - [0:0]
:K1S-SEP-WBD4CCV6JIIBARLY - [0:0]
:K1S-SERVICES - [0:0]
:K1S-SVC-CDGGSHYLG3RE2FKL - [0:0]
-D PREROUTING -m comment --comment "k1s service portals" -j K1S-SERVICES
-D OUTPUT -m comment --comment "k1s service portals" -j K1S-SERVICES
-D POSTROUTING -m comment --comment "k1s postrouting rules" -j K1S-POSTROUTING
-X K1S-CANARY
-X K1S-MARK-MASQ
-X K1S-NODEPORTS
-X K1S-POSTROUTING
-X K1S-SEP-7U6MWNJWR3SADOJA
-X K1S-SEP-WBD4CCV6JIIBARLY
-X K1S-SERVICES
-X K1S-SVC-CDGGSHYLG3RE2FKL
COMMIT
`,
  );
  assert.equal(await applied(state, c.payload), await applied(DOCKER_ONLY, ''));
  assert.deepEqual(buildCleanup(DOCKER_ONLY), { payload: '', chains: 0, jumps: 0 });
});

test('parsing iptables-save: quoted comments and targets', () => {
  assert.deepEqual(tokenize('-m comment --comment "a b \\"c\\"" -j X'), ['-m', 'comment', '--comment', 'a b "c"', '-j', 'X']);
  const t = parseIptablesSave(DOCKER_ONLY).get('nat')!;
  assert.deepEqual(t.chains, ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'DOCKER']);
  assert.deepEqual(t.rules.map((r) => r.target), ['DOCKER', 'DOCKER', 'MASQUERADE', 'RETURN']);
});
