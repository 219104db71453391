// The hand-written codec, checked against dns2's decoder (an independent reading of the same bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packet, type Resource } from 'dns2';
import { encodeBadVersion, encodeFormErr, encodeQuery, encodeResponse, parseQuery, udpLimit, type Query } from '../../../dns/wire.js';
import type { RR } from '../../../dns/records.js';

function query(name: string, type: number, opts: { id?: number; edns?: number } = {}): Buffer {
  const p = new Packet();
  p.header.id = opts.id ?? 4242;
  p.header.rd = 1;
  p.questions.push({ name, type, class: Packet.CLASS.IN } as never);
  // dns2 takes the payload size as a second argument its typings do not declare.
  const edns = Packet.Resource.EDNS as unknown as (rdata: object[], o: { udpPayloadSize: number }) => Resource;
  if (opts.edns) p.additionals.push(edns([], { udpPayloadSize: opts.edns }));
  return p.toBuffer();
}

function parsed(msg: Buffer): Query {
  const q = parseQuery(msg);
  assert.equal(typeof q, 'object');
  return q as Query;
}

const A = (name: string, address: string): RR => ({ name, ttl: 5, class: 'IN', type: 'A', address });

test('wire: parseQuery reads id, flags, name (lower case), type, class, EDNS size', () => {
  const q = parsed(query('Web.Default.svc.cluster.local', Packet.TYPE.AAAA, { id: 7, edns: 4096 }));
  assert.deepEqual(
    { id: q.id, opcode: q.opcode, rd: q.rd, qname: q.qname, qtype: q.qtype, qclass: q.qclass, ednsSize: q.ednsSize },
    { id: 7, opcode: 0, rd: true, qname: 'web.default.svc.cluster.local', qtype: 28, qclass: 1, ednsSize: 4096 },
  );
  assert.equal(udpLimit(q), 1232);
  assert.equal(udpLimit(parsed(query('a.b', 1))), 512);
});

test('wire: parseQuery drops short messages and responses, FORMERRs broken questions', () => {
  assert.equal(parseQuery(Buffer.alloc(5)), 'drop');
  const resp = query('a.b', 1);
  resp[2] |= 0x80;
  assert.equal(parseQuery(resp), 'drop');
  const truncated = query('a.b', 1).subarray(0, 16);
  assert.equal(parseQuery(truncated), 'formerr');
  const noQuestion = query('a.b', 1);
  noQuestion.writeUInt16BE(0, 4);
  assert.equal(parseQuery(noQuestion), 'formerr');
  const ferr = Packet.parse(encodeFormErr(noQuestion));
  assert.equal(ferr.header.id, 4242);
  assert.equal(ferr.header.rcode, 1);
  assert.equal(ferr.header.qr, 1);
});

test('wire: an answer decodes to the same records, with flags and the question as asked', () => {
  const msg = query('WEB.default.svc.cluster.local', Packet.TYPE.SRV);
  const q = parsed(msg);
  const answers: RR[] = [
    { name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', type: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
  ];
  const additionals: RR[] = [A('web.default.svc.cluster.local', '10.96.0.12'), { name: 'web.default.svc.cluster.local', ttl: 5, class: 'IN', type: 'AAAA', address: 'fd00::12' }];
  const out = encodeResponse(q, msg, { rcode: 'NOERROR', answers, additionals }, { aa: true, maxSize: 512 });
  const p = Packet.parse(out);
  assert.deepEqual(
    { id: p.header.id, qr: p.header.qr, aa: p.header.aa, rd: p.header.rd, ra: p.header.ra, tc: p.header.tc, rcode: p.header.rcode },
    { id: 4242, qr: 1, aa: 1, rd: 1, ra: 1, tc: 0, rcode: 0 },
  );
  assert.equal(p.questions[0].name, 'WEB.default.svc.cluster.local');
  assert.deepEqual(
    p.answers.map((r) => [r.name.toLowerCase(), r.type, r.ttl, r.priority, r.weight, r.port, r.target?.toLowerCase()]),
    [['web.default.svc.cluster.local', 33, 5, 0, 100, 80, 'web.default.svc.cluster.local']],
  );
  assert.deepEqual(
    p.additionals.map((r) => [r.type, r.address]),
    [
      [1, '10.96.0.12'],
      [28, 'fd00::12'],
    ],
  );
  // Compression: the answer's name is a 2-byte pointer to the question, so the message stays small.
  assert.ok(out.length < 140, `expected a compressed message, got ${out.length} bytes`);
});

test('wire: every record type round-trips through dns2', () => {
  const msg = query('cluster.local', Packet.TYPE.ANY);
  const q = parsed(msg);
  const rrs: RR[] = [
    A('a.cluster.local', '10.0.0.1'),
    { name: 'c.cluster.local', ttl: 5, class: 'IN', type: 'CNAME', target: 'www.example.test' },
    { name: '1.0.0.10.in-addr.arpa', ttl: 5, class: 'IN', type: 'PTR', target: 'a.cluster.local' },
    { name: 'cluster.local', ttl: 5, class: 'IN', type: 'NS', target: 'ns.dns.cluster.local' },
    { name: 'dns-version.cluster.local', ttl: 28800, class: 'IN', type: 'TXT', text: ['1.1.0'] },
    { name: 'cluster.local', ttl: 5, class: 'IN', type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
  ];
  const p = Packet.parse(encodeResponse(q, msg, { rcode: 'NOERROR', answers: rrs }, { aa: true, maxSize: 65535 }));
  assert.equal(p.answers[0].address, '10.0.0.1');
  assert.equal(p.answers[1].domain, 'www.example.test');
  assert.equal(p.answers[2].domain, 'a.cluster.local');
  assert.equal(p.answers[3].ns, 'ns.dns.cluster.local');
  assert.deepEqual(p.answers[4].data, ['1.1.0']);
  const soa = p.answers[5];
  assert.deepEqual([soa.primary, soa.admin, soa.serial, soa.refresh, soa.retry, soa.expiration, soa.minimum], ['ns.dns.cluster.local', 'hostmaster.cluster.local', 42, 7200, 1800, 86400, 5]);
});

test('wire: NXDOMAIN carries the SOA in authority; EDNS queries get an OPT back', () => {
  const msg = query('nope.cluster.local', Packet.TYPE.A, { edns: 1232 });
  const q = parsed(msg);
  const soa: RR = { name: 'cluster.local', ttl: 5, class: 'IN', type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 };
  const p = Packet.parse(encodeResponse(q, msg, { rcode: 'NXDOMAIN', authority: [soa] }, { aa: true, maxSize: udpLimit(q) }));
  assert.equal(p.header.rcode, 3);
  assert.equal(p.answers.length, 0);
  assert.equal(p.authorities[0].type, Packet.TYPE.SOA);
  assert.equal(p.additionals[0].type, Packet.TYPE.EDNS);
  assert.equal(p.additionals[0].class, 1232);
});

test('wire: too large for UDP -> no records, TC set; the same over TCP fits', () => {
  const msg = query('big.default.svc.cluster.local', Packet.TYPE.A);
  const q = parsed(msg);
  const answers = Array.from({ length: 100 }, (_, i) => A('big.default.svc.cluster.local', `10.244.0.${i + 1}`));
  const udp = Packet.parse(encodeResponse(q, msg, { rcode: 'NOERROR', answers }, { aa: true, maxSize: udpLimit(q) }));
  assert.equal(udp.header.tc, 1);
  assert.equal(udp.answers.length, 0);
  assert.equal(udp.questions[0].name, 'big.default.svc.cluster.local');
  const tcp = Packet.parse(encodeResponse(q, msg, { rcode: 'NOERROR', answers }, { aa: true, maxSize: 65535 }));
  assert.equal(tcp.header.tc, 0);
  assert.equal(tcp.answers.length, 100);
});

test('wire: encodeQuery builds a query dns2 reads back', () => {
  const p = Packet.parse(encodeQuery(99, 'www.example.test', Packet.TYPE.AAAA));
  assert.deepEqual([p.header.id, p.header.rd, p.header.qr, p.questions[0].name, p.questions[0].type], [99, 1, 0, 'www.example.test', 28]);
});

test('wire: EDNS version and size read from the OPT record; a version other than 0 gets BADVERS', () => {
  const plain = Buffer.from(encodeQuery(9, 'web.default.svc.cluster.local', 1));
  assert.equal(parsed(plain).ednsVersion, -1, 'no OPT');
  // the same query with an OPT record: root name, type 41, size, ext-rcode, version, flags, rdlen
  const withOpt = (size: number, version: number) => {
    const msg = Buffer.concat([plain, Buffer.from([0, 0, 41, size >> 8, size & 255, 0, version, 0, 0, 0, 0])]);
    msg.writeUInt16BE(1, 10); // ARCOUNT
    return msg;
  };
  assert.deepEqual([parsed(withOpt(4096, 0)).ednsSize, parsed(withOpt(4096, 0)).ednsVersion], [4096, 0]);
  assert.equal(parsed(withOpt(0, 0)).ednsSize, 512, 'a size under 512 counts as 512');
  const msg = withOpt(1232, 1);
  const res = encodeBadVersion(parsed(msg), msg);
  assert.equal(res.readUInt16BE(0), 9);
  assert.equal(res[3] & 0xf, 0, 'header rcode: the low 4 bits of 16');
  assert.deepEqual([res.readUInt16BE(6), res.readUInt16BE(8), res.readUInt16BE(10)], [0, 0, 1]);
  const opt = res.subarray(res.length - 11);
  assert.deepEqual([opt[0], opt.readUInt16BE(1), opt[5], opt[6]], [0, 41, 1, 0], 'OPT: extended rcode 1 (16 >> 4), version 0');
});
