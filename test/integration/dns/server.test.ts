// The DNS server over real sockets, on loopback only. The "upstream" is a fake resolver this test
// starts on 127.0.0.1: nothing here ever reaches the machine's own resolver or the network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { Packet, TCPClient, TCPServer, UDPClient, UDPServer } from 'dns2';
import { DnsServer, RESOLVED_UPSTREAMS, hostUpstreams, hostUpstreamsPastStub, parseUpstream } from '../../../dns/server.js';
import { RecordIndex } from '../../../dns/records.js';
import { silentLogger } from '../../../src/log.js';
import type { Service } from '../../../src/api/types.js';
import type { EndpointSlice } from '../../../src/api/kinds/endpointslice.js';

const LOOPBACK = '127.0.0.1';

// ---- a fake upstream resolver: UDP and TCP on one loopback port ----

interface FakeUpstream {
  port: number;
  /** Names it was asked, in order: proves what was (and was not) forwarded. */
  asked: string[];
  close(): Promise<void>;
}

const UPSTREAM_ZONE: Record<string, string[]> = {
  'example.test': ['192.0.2.7'],
  'www.example.test': ['192.0.2.8'],
  // Too many for 512 bytes: dns2's UDP server truncates it (TC), its TCP server does not.
  'big.example.test': Array.from({ length: 60 }, (_, i) => `192.0.2.${i + 1}`),
};

async function startFakeUpstream(): Promise<FakeUpstream> {
  const asked: string[] = [];
  const handle = (request: Packet, send: (r: Packet) => Promise<unknown>) => {
    const q = request.questions[0];
    asked.push(q.name.toLowerCase());
    const response = Packet.createResponseFromRequest(request);
    const addrs = UPSTREAM_ZONE[q.name.toLowerCase()];
    if (!addrs) response.header.rcode = 3;
    else if (q.type === Packet.TYPE.A)
      for (const address of addrs) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address } as never);
    void send(response);
  };
  const udp = new UDPServer(handle as never);
  await udp.listen(0, LOOPBACK);
  const port = udp.address().port;
  const tcp = new TCPServer(handle as never);
  await new Promise<void>((resolve, reject) => tcp.once('error', reject).listen(port, LOOPBACK, resolve));
  return {
    port,
    asked,
    close: async () => {
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/** A UDP socket that reads and never answers: an upstream that has gone silent. */
async function startBlackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, LOOPBACK);
  await once(sock, 'listening');
  return { port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** A loopback port nothing listens on: bind, note the port, close. */
async function deadPort(): Promise<number> {
  const hole = await startBlackHole();
  await hole.close();
  return hole.port;
}

// ---- the cluster the server answers for ----

const services: Service[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'www.example.test' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'many', namespace: 'default' }, spec: { clusterIP: 'None' } },
];
const endpoints: EndpointSlice[] = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'many-x7k2p', namespace: 'default', labels: { 'kubernetes.io/service-name': 'many' } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: 80 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`], conditions: { ready: true } })),
  },
];

let upstream: FakeUpstream;
let index = new RecordIndex(services, endpoints, { zone: 'cluster.local' });
let server: DnsServer;
const extraServers: DnsServer[] = [];

async function startServer(upstreams: string[], timeoutMs = 2000): Promise<DnsServer> {
  const s = new DnsServer({ index: () => index, address: LOOPBACK, port: 0, upstreams, logger: silentLogger, upstreamTimeoutMs: timeoutMs });
  await s.start();
  extraServers.push(s);
  return s;
}

function udpAsk(port: number, name: string, type = 'A', timeout = 5000): Promise<Packet> {
  return UDPClient({ dns: LOOPBACK, port, timeout, retryOverTCP: false })(name, type);
}

function tcpAsk(port: number, name: string, type = 'A'): Promise<Packet> {
  return TCPClient({ dns: LOOPBACK, port })(name, type);
}

const addresses = (p: Packet) => p.answers.filter((r) => r.type === Packet.TYPE.A).map((r) => r.address);

before(async () => {
  upstream = await startFakeUpstream();
  server = await startServer([`${LOOPBACK}:${upstream.port}`]);
});

after(async () => {
  await Promise.all(extraServers.map((s) => s.stop()));
  await upstream.close();
});

test('dns server: listens on an ephemeral port, the same for UDP and TCP', () => {
  assert.ok(server.port > 0);
});

for (const [transport, ask] of [
  ['udp', udpAsk],
  ['tcp', tcpAsk],
] as const) {
  test(`dns server (${transport}): a service name is answered from the index, authoritatively`, async () => {
    const before = upstream.asked.length;
    const r = await ask(server.port, 'web.default.svc.cluster.local');
    assert.equal(r.header.rcode, 0);
    assert.equal(r.header.aa, 1);
    assert.equal(r.header.ra, 1);
    assert.deepEqual(addresses(r), ['10.96.0.12']);
    assert.equal(r.answers[0].ttl, 5);
    assert.equal(upstream.asked.length, before, 'zone names are never forwarded');
  });

  test(`dns server (${transport}): an unknown name in the zone is NXDOMAIN with the SOA`, async () => {
    const r = await ask(server.port, 'nope.default.svc.cluster.local');
    assert.equal(r.header.rcode, 3);
    assert.equal(r.answers.length, 0);
    assert.equal(r.authorities[0]?.type, Packet.TYPE.SOA);
  });

  test(`dns server (${transport}): other names are relayed to the upstream`, async () => {
    const r = await ask(server.port, 'example.test');
    assert.equal(r.header.rcode, 0);
    assert.equal(r.header.aa, 0);
    assert.deepEqual(addresses(r), ['192.0.2.7']);
    assert.ok(upstream.asked.includes('example.test'));
  });

  test(`dns server (${transport}): the upstream's NXDOMAIN is relayed as is`, async () => {
    const r = await ask(server.port, 'missing.example.test');
    assert.equal(r.header.rcode, 3);
  });

  test(`dns server (${transport}): ExternalName answers the CNAME and the target's address from upstream`, async () => {
    const r = await ask(server.port, 'ext.default.svc.cluster.local');
    assert.equal(r.header.rcode, 0);
    assert.deepEqual(
      r.answers.map((a) => [a.type, a.domain ?? a.address]),
      [
        [Packet.TYPE.CNAME, 'www.example.test'],
        [Packet.TYPE.A, '192.0.2.8'],
      ],
    );
  });
}

test('dns server: a zone answer too large for UDP is truncated (TC); over TCP it comes whole', async () => {
  const udp = await udpAsk(server.port, 'many.default.svc.cluster.local');
  assert.equal(udp.header.tc, 1);
  assert.equal(udp.answers.length, 0);
  const tcp = await tcpAsk(server.port, 'many.default.svc.cluster.local');
  assert.equal(tcp.header.tc, 0);
  assert.equal(tcp.answers.length, 80);
});

test('dns server: a truncated upstream answer is relayed with TC; the TCP retry is forwarded over TCP', async () => {
  const udp = await udpAsk(server.port, 'big.example.test');
  assert.equal(udp.header.tc, 1);
  const tcp = await tcpAsk(server.port, 'big.example.test');
  assert.equal(tcp.header.tc, 0);
  assert.equal(tcp.answers.length, 60);
});

test('dns server: a swapped-in index is used by the next query', async () => {
  const saved = index;
  try {
    index = new RecordIndex(
      [...services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'default' }, spec: { clusterIP: '10.96.0.99' } }],
      endpoints,
    );
    assert.deepEqual(addresses(await udpAsk(server.port, 'late.default.svc.cluster.local')), ['10.96.0.99']);
  } finally {
    index = saved;
  }
  assert.equal((await udpAsk(server.port, 'late.default.svc.cluster.local')).header.rcode, 3);
});

test('dns server: garbage gets FORMERR, a response packet gets nothing', async () => {
  const sock = dgram.createSocket('udp4');
  try {
    sock.bind(0, LOOPBACK);
    await once(sock, 'listening');
    const garbage = Buffer.from('12340100000200000000000001', 'hex'); // qdcount 2, no questions
    sock.send(garbage, server.port, LOOPBACK);
    const [reply] = (await once(sock, 'message')) as [Buffer];
    const p = Packet.parse(reply);
    assert.equal(p.header.id, 0x1234);
    assert.equal(p.header.rcode, 1);
  } finally {
    sock.close();
  }
});

test('dns server: a dead upstream (port closed) gives SERVFAIL at once', async () => {
  const s = await startServer([`${LOOPBACK}:${await deadPort()}`]);
  const t0 = Date.now();
  const udp = await udpAsk(s.port, 'example.test');
  assert.equal(udp.header.rcode, 2);
  assert.equal((await tcpAsk(s.port, 'example.test')).header.rcode, 2);
  assert.ok(Date.now() - t0 < 1500, 'ICMP port unreachable fails over without waiting for the timeout');
  // The zone still answers without any upstream.
  assert.deepEqual(addresses(await udpAsk(s.port, 'web.default.svc.cluster.local')), ['10.96.0.12']);
});

test('dns server: a silent upstream times out into SERVFAIL; a second upstream is tried first', async () => {
  const hole = await startBlackHole();
  try {
    const lone = await startServer([`${LOOPBACK}:${hole.port}`], 300);
    const t0 = Date.now();
    assert.equal((await udpAsk(lone.port, 'example.test')).header.rcode, 2);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 3000, `SERVFAIL after the upstream timeout, took ${took} ms`);

    const failover = await startServer([`${LOOPBACK}:${hole.port}`, `${LOOPBACK}:${upstream.port}`], 300);
    assert.deepEqual(addresses(await udpAsk(failover.port, 'example.test')), ['192.0.2.7']);
  } finally {
    await hole.close();
  }
});

test('dns server: no upstreams at all: SERVFAIL for other names', async () => {
  const s = await startServer([]);
  assert.equal((await udpAsk(s.port, 'example.test')).header.rcode, 2);
});

test('dns server: stop() closes both ports', async () => {
  const s = new DnsServer({ index, address: LOOPBACK, port: 0, upstreams: [], logger: silentLogger });
  await s.start();
  await s.stop();
  await assert.rejects(tcpAsk(s.port, 'web.default.svc.cluster.local'));
});

test('hostUpstreams parses resolv.conf text; parseUpstream reads ip[:port]', () => {
  const text = ['# generated', 'search example.test', 'nameserver 192.0.2.53', 'nameserver  2001:db8::53 # v6', '; nameserver 192.0.2.99', 'options ndots:5', 'nameserver not-an-ip'].join('\n');
  assert.deepEqual(hostUpstreams(text), ['192.0.2.53', '2001:db8::53']);
  assert.deepEqual(parseUpstream('192.0.2.53'), { address: '192.0.2.53', port: 53 });
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { address: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('2001:db8::53'), { address: '2001:db8::53', port: 53 });
  assert.deepEqual(parseUpstream('[::1]:5353'), { address: '::1', port: 5353 });
});

test('dns server: the same upstream question from many askers at once is asked upstream once, then cached', async () => {
  const s = await startServer([`${LOOPBACK}:${upstream.port}`]);
  const before = upstream.asked.filter((n) => n === 'www.example.test').length;
  const answers = await Promise.all(Array.from({ length: 20 }, () => udpAsk(s.port, 'www.example.test')));
  for (const r of answers) assert.deepEqual(addresses(r), ['192.0.2.8']);
  await udpAsk(s.port, 'www.example.test');
  assert.equal(upstream.asked.filter((n) => n === 'www.example.test').length - before, 1);
});

test('dns server: no upstream answering is SERVFAIL, and the next asker gets it at once', async () => {
  const silent = dgram.createSocket('udp4'); // reads queries, never answers
  await new Promise<void>((r) => silent.bind(0, LOOPBACK, r));
  try {
    const s = await startServer([`${LOOPBACK}:${silent.address().port}`], 300);
    let t0 = Date.now();
    assert.equal((await udpAsk(s.port, 'slow.example.test')).header.rcode, 2);
    assert.ok(Date.now() - t0 >= 290, 'the first waits out the timeout');
    t0 = Date.now();
    assert.equal((await udpAsk(s.port, 'slow.example.test')).header.rcode, 2);
    assert.ok(Date.now() - t0 < 100, `the second at once (${Date.now() - t0} ms)`);
  } finally {
    silent.close();
  }
});

test('hostUpstreamsPastStub: past systemd-resolved stub to its real upstreams; anything else as listed', () => {
  const stub = 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n';
  const resolved = '# This is /run/systemd/resolve/resolv.conf\nnameserver 192.0.2.53\nnameserver 127.0.0.1\nnameserver 2001:db8::53\n';
  const files = (content: string | undefined) => (path: string) => (path === RESOLVED_UPSTREAMS ? content : undefined);
  const table: [string, string, string | undefined, string[]][] = [
    ['the stub, resolved lists real ones', stub, resolved, ['192.0.2.53', '2001:db8::53']],
    ['the stub, no resolved file: the stub', stub, undefined, ['127.0.0.53']],
    ['the stub, resolved lists only loopback: the stub', stub, 'nameserver 127.0.0.1\n', ['127.0.0.53']],
    ['real servers: as listed, resolved not read', 'nameserver 192.0.2.1\n', resolved, ['192.0.2.1']],
    ['a real server beside a loopback one: as listed', 'nameserver 127.0.0.1\nnameserver 192.0.2.1\n', resolved, ['127.0.0.1', '192.0.2.1']],
    ['none listed', '', resolved, []],
  ];
  for (const [what, etc, run, want] of table) assert.deepEqual(hostUpstreamsPastStub(etc, files(run)), want, what);
});
