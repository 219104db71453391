import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNetfilter, NetfilterError } from '../../../proxy/netfilter.js';
import { cleanupNetfilter, ServiceProxy, type Sysctl } from '../../../proxy/proxier.js';
import { FakeConntrack } from '../../../proxy/conntrack.js';
import { RulePlanner } from '../../../proxy/rules.js';
import { silentLogger } from '../../../src/log.js';
import { byChain, chainLines, config, DOCKER_ONLY, endpoints, service } from './fixtures.js';

class FakeSysctl implements Sysctl {
  constructor(readonly values: Record<string, string>) {}
  async get(key: string) {
    return this.values[key];
  }
  async set(key: string, value: string) {
    this.values[key] = value;
  }
}

const web = service('web', '10.96.0.20', [{ name: 'http', port: 80, nodePort: 30080 }], { type: 'NodePort' });
const webEp = endpoints('web', [{ ips: ['10.244.0.5'], ports: [{ name: 'http', port: 8080 }] }]);

function setup(sysctl = new FakeSysctl({ 'net.ipv4.conf.all.route_localnet': '0', 'net.bridge.bridge-nf-call-iptables': '1' })) {
  const netfilter = new FakeNetfilter(DOCKER_ONLY);
  const conntrack = new FakeConntrack();
  const proxy = new ServiceProxy({ netfilter, config, logger: silentLogger, sysctl, conntrack });
  return { netfilter, proxy, sysctl, conntrack };
}

test('sync: one restore per change, none when idle', async () => {
  const { netfilter, proxy } = setup();
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 1);
  assert.match(netfilter.payloads[0], /^\*filter\n[\s\S]*COMMIT\n\*nat\n[\s\S]*COMMIT\n$/);
  await proxy.sync([web], webEp);
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 1, 'idle syncs must not write');
  // An endpoint change rewrites our chains, without touching the jumps.
  await proxy.sync([web], endpoints('web', [{ ips: ['10.244.0.5', '10.244.0.6'], ports: [{ name: 'http', port: 8080 }] }]));
  assert.equal(netfilter.payloads.length, 2);
  assert.doesNotMatch(netfilter.payloads[1], /^-[ID] /m);
  assert.equal(proxy.restores, 2);
});

test('sync repairs a jump someone deleted, even when the services did not change', async () => {
  const { netfilter, proxy } = setup();
  await proxy.sync([web], webEp);
  assert.equal(await proxy.check(), true);
  netfilter.saveText = netfilter.saveText.replace('-A OUTPUT -m comment --comment "k1s service guard" -j K1S-GUARD\n', '');
  assert.equal(await proxy.check(), false, 'the every-second check sees the jump gone');
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 2);
  assert.match(chainLines(await netfilter.save(), 'filter', 'OUTPUT')[0], /-j K1S-GUARD$/);
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 2);
});

test('sync repairs a flushed guard chain, even when the services did not change', async () => {
  const { netfilter, proxy } = setup();
  await proxy.sync([web], webEp);
  const guardRules = chainLines(await netfilter.save(), 'filter', 'K1S-GUARD');
  assert.ok(guardRules.length > 0);
  // someone ran `iptables -F K1S-GUARD`
  netfilter.saveText = netfilter.saveText.split('\n').filter((l) => !l.startsWith('-A K1S-GUARD ')).join('\n');
  assert.equal(await proxy.check(), false, 'the every-second check sees the guard flushed');
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 2, 'the guard is rewritten');
  assert.deepEqual(chainLines(await netfilter.save(), 'filter', 'K1S-GUARD'), guardRules);
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 2, 'and then idle again');
});

test('concurrent syncs are serialized and the last one wins', async () => {
  const { netfilter, proxy } = setup();
  await Promise.all([proxy.sync([web], []), proxy.sync([web], webEp)]);
  const state = await netfilter.save();
  assert.equal(chainLines(state, 'filter', 'K1S-SERVICES').length, 0);
  assert.equal(chainLines(state, 'filter', 'OUTPUT').filter((l) => l.includes('K1S-GUARD')).length, 1);
  assert.match(state, /--to-destination 10\.244\.0\.5:8080/);
});

test('a failed restore rejects with the error and the next sync writes again', async () => {
  const { netfilter, proxy } = setup();
  netfilter.failNext = new NetfilterError('iptables-restore failed', 'line 3 failed', 1);
  await assert.rejects(proxy.sync([web], webEp), /iptables-restore failed/);
  await proxy.sync([web], webEp);
  assert.equal(netfilter.payloads.length, 2);
  assert.match(await netfilter.save(), /K1S-GUARD/);
});

test('sysctls: route_localnet set before the first sync and recorded; missing bridge key is tolerated', async () => {
  const sysctl = new FakeSysctl({ 'net.ipv4.conf.all.route_localnet': '0' });
  const { proxy } = setup(sysctl);
  await proxy.sync([], []);
  assert.equal(sysctl.values['net.ipv4.conf.all.route_localnet'], '1');
  assert.deepEqual(proxy.sysctlChanges, [{ key: 'net.ipv4.conf.all.route_localnet', from: '0', to: '1' }]);
  const noRouteLocalnet = setup(new FakeSysctl({}));
  await assert.rejects(noRouteLocalnet.proxy.sync([], []), /route_localnet not found/);
  assert.equal(noRouteLocalnet.netfilter.payloads.length, 0);
});

test('cleanupNetfilter leaves exactly what was there before k1s', async () => {
  const { netfilter, proxy } = setup();
  const before = await netfilter.save();
  await proxy.sync([web], webEp);
  assert.deepEqual(await cleanupNetfilter(netfilter), { chains: 14 }); // 6 filter + 5 nat + SVC + SEP
  assert.equal(await netfilter.save(), before);
  assert.deepEqual(await cleanupNetfilter(netfilter), { chains: 0 });
  assert.equal(netfilter.payloads.length, 2, 'nothing to clean: no restore');
});

test('UDP: flows of a removed endpoint are deleted after the rules changed, TCP ones are left alone', async () => {
  const { proxy, conntrack } = setup();
  const dns = service('dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53 }]);
  const two = endpoints('dns', [{ ips: ['10.244.0.5', '10.244.0.6'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53 }] }]);
  await proxy.sync([dns], two);
  // first sync: the UDP port went from nothing to endpoints -> un-NATed flows to the IP go
  assert.deepEqual(conntrack.deleted, [{ protocol: 'udp', origDst: '10.96.0.10' }]);
  await proxy.sync([dns], two);
  assert.equal(conntrack.deleted.length, 1, 'an idle sync deletes nothing');
  await proxy.sync([dns], endpoints('dns', [{ ips: ['10.244.0.6'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53 }] }]));
  assert.deepEqual(conntrack.deleted.slice(1), [{ protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }]);
});

test('SCTP: a netfilter without SCTP support skips SCTP ports and programs the rest', async () => {
  const { netfilter, proxy } = setup();
  netfilter.sctp = false;
  const sig = service('sig', '10.96.0.30', [{ name: 'sctp', port: 3868, protocol: 'SCTP' }, { name: 'tcp', port: 3868 }]);
  await proxy.sync([sig], endpoints('sig', [{ ips: ['10.244.0.5'], ports: [{ name: 'sctp', port: 3868, protocol: 'SCTP' }, { name: 'tcp', port: 3868 }] }]));
  assert.doesNotMatch(netfilter.saveText, /-p sctp/);
  assert.match(netfilter.saveText, /default\/sig:tcp cluster IP/);
});

test('partial sync: an endpoint change rewrites only the changed chains and reads no iptables-save', async () => {
  const { netfilter, proxy } = setup();
  const other = service('other', '10.96.0.21', [{ port: 80 }]);
  const otherEp = endpoints('other', [{ ips: ['10.244.0.9'], ports: [{ port: 80 }] }]);
  await proxy.sync([web, other], [...webEp, ...otherEp]);
  assert.equal(netfilter.saves, 1, 'the first sync is a full one');
  await proxy.sync([web, other], [...webEp, ...otherEp]);
  assert.equal(netfilter.payloads.length, 1, 'idle: nothing written');
  assert.equal(netfilter.saves, 1, 'idle: nothing read either');
  const moved = endpoints('web', [{ ips: ['10.244.0.6'], ports: [{ name: 'http', port: 8080 }] }]);
  await proxy.sync([web, other], [...moved, ...otherEp]);
  assert.equal(netfilter.saves, 1);
  const payload = netfilter.payloads[1];
  // the web service chain (new endpoint), the new endpoint chain and the old one (deleted); nothing of "other"
  assert.deepEqual(
    payload.split('\n').filter((l) => l.startsWith(':') || l.startsWith('-X')),
    payload.split('\n').filter((l) => l.startsWith(':') || l.startsWith('-X')).filter((l) => !l.includes('other')),
  );
  assert.equal(payload.split('\n').filter((l) => l.startsWith(':')).length, 3, payload);
  assert.equal(payload.split('\n').filter((l) => l.startsWith('-X')).length, 1, payload);
  assert.doesNotMatch(payload, /^\*filter/m, 'filter did not change');
  // the kernel now holds exactly what a full sync from scratch writes
  const fresh = setup();
  await fresh.proxy.sync([web, other], [...moved, ...otherEp]);
  assert.deepEqual(byChain(netfilter.saveText), byChain(fresh.netfilter.saveText));
});

test('partial syncs look at the changed Services only, also after one that had nothing to write', async () => {
  const planner = new RulePlanner();
  const netfilter = new FakeNetfilter(DOCKER_ONLY);
  const proxy = new ServiceProxy({ netfilter, config, logger: silentLogger, sysctl: new FakeSysctl({ 'net.ipv4.conf.all.route_localnet': '1' }), conntrack: new FakeConntrack(), planner });
  await proxy.sync([web], webEp);
  // a label on the Service: planned afresh, the same rules: nothing written
  const labelled = { ...web, metadata: { ...web.metadata, labels: { team: 'a' } } };
  await proxy.sync([labelled], webEp);
  assert.equal(netfilter.payloads.length, 1);
  assert.equal(planner.planned, 1);
  assert.equal(planner.incremental, true);
  const moved = endpoints('web', [{ ips: ['10.244.0.6'], ports: [{ name: 'http', port: 8080 }] }]);
  await proxy.sync([labelled], moved);
  assert.equal(netfilter.payloads.length, 2);
  assert.equal(planner.incremental, true, 'still only the changed Service looked at');
  const fresh = setup();
  await fresh.proxy.sync([labelled], moved);
  assert.deepEqual(byChain(netfilter.saveText), byChain(fresh.netfilter.saveText));
});

test('canary: a flushed nat table is noticed and repaired by the next (full) sync', async () => {
  const { netfilter, proxy } = setup();
  await proxy.sync([web], webEp);
  const before = netfilter.saveText;
  // someone ran `iptables -t nat -F`: every nat chain empty, chains still there
  const at = before.indexOf('*nat');
  netfilter.saveText = before.slice(0, at) + before.slice(at).replace(/^-A .*\n/gm, '');
  assert.equal(await proxy.check(), false);
  await proxy.sync([web], webEp);
  assert.equal(await proxy.check(), true);
  assert.equal(chainLines(netfilter.saveText, 'nat', 'K1S-CANARY').length, 1);
  assert.ok(chainLines(netfilter.saveText, 'nat', 'K1S-SERVICES').length > 0);
});

test('a full sync runs again after fullSyncPeriodMs even when nothing asked for it', async () => {
  let t = 0;
  const netfilter = new FakeNetfilter(DOCKER_ONLY);
  const proxy = new ServiceProxy({ netfilter, config, logger: silentLogger, sysctl: new FakeSysctl({ 'net.ipv4.conf.all.route_localnet': '1' }), conntrack: new FakeConntrack(), fullSyncPeriodMs: 60_000, now: () => t });
  await proxy.sync([web], webEp);
  t = 59_000;
  await proxy.sync([web], webEp);
  assert.equal(netfilter.saves, 1);
  t = 60_000;
  await proxy.sync([web], webEp);
  assert.equal(netfilter.saves, 2, 'the periodic full sync reads everything');
  assert.equal(netfilter.payloads.length, 1, 'and writes nothing when all is in place');
});

test('iptables -S of a table reads as iptables-save text (the every-second check uses it)', async () => {
  const { listingToSave } = await import('../../../proxy/netfilter.js');
  const listing = '-P INPUT ACCEPT\n-P FORWARD DROP\n-N K1S-GUARD\n-A FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD\n-A K1S-GUARD -d 10.96.0.0/16 -j REJECT\n';
  assert.equal(
    listingToSave('filter', listing),
    '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:K1S-GUARD - [0:0]\n-A FORWARD -m comment --comment "k1s service guard" -j K1S-GUARD\n-A K1S-GUARD -d 10.96.0.0/16 -j REJECT\nCOMMIT\n',
  );
});
