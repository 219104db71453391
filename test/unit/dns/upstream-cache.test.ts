import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamCache, inspect } from '../../../dns/upstream-cache.js';
import { encodeQuery, encodeResponse, parseQuery, type Query, type ResponseSections } from '../../../dns/wire.js';
import type { RR } from '../../../dns/records.js';

function ask(id: number, name: string): [Query, Buffer] {
  const msg = Buffer.from(encodeQuery(id, name, 1));
  return [parseQuery(msg) as Query, msg];
}

const a = (name: string, ttl: number, address: string): RR => ({ name, ttl, class: 'IN', type: 'A', address });
const soa = (ttl: number, minimum: number): RR => ({ name: 'example.test', ttl, class: 'IN', type: 'SOA', mname: 'ns.example.test', rname: 'h.example.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum });

function upstreamAnswer(q: Query, msg: Buffer, res: ResponseSections, tc = false): Buffer {
  const out = Buffer.from(encodeResponse(q, msg, res, { aa: false, maxSize: 65535 }));
  if (tc) out[2] |= 0x02;
  return out;
}

test('upstream cache: how long an answer is kept (smallest answer TTL; negative: min(SOA TTL, MINIMUM); SERVFAIL 5 s)', () => {
  const [q, m] = ask(1, 'www.example.test');
  const table: [string, Buffer, number | undefined][] = [
    ['A records of 60 and 30 s', upstreamAnswer(q, m, { rcode: 'NOERROR', answers: [a('www.example.test', 60, '192.0.2.1'), a('www.example.test', 30, '192.0.2.2')] }), 30],
    ['a day: capped at an hour', upstreamAnswer(q, m, { rcode: 'NOERROR', answers: [a('www.example.test', 86400, '192.0.2.1')] }), 3600],
    ['NXDOMAIN, SOA TTL 900, MINIMUM 60', upstreamAnswer(q, m, { rcode: 'NXDOMAIN', authority: [soa(900, 60)] }), 60],
    ['NODATA, SOA TTL 20, MINIMUM 300', upstreamAnswer(q, m, { rcode: 'NOERROR', authority: [soa(20, 300)] }), 20],
    ['NXDOMAIN without SOA: not kept', upstreamAnswer(q, m, { rcode: 'NXDOMAIN' }), undefined],
    ['SERVFAIL', upstreamAnswer(q, m, { rcode: 'SERVFAIL' }), 5],
    ['REFUSED: not kept', upstreamAnswer(q, m, { rcode: 'REFUSED' }), undefined],
    ['truncated: not kept', upstreamAnswer(q, m, { rcode: 'NOERROR', answers: [a('www.example.test', 60, '192.0.2.1')] }, true), undefined],
    ['garbage: not kept', Buffer.from('0001818000010001', 'hex'), undefined],
  ];
  for (const [what, answer, ttl] of table) assert.equal(inspect(answer, q.questionEnd)?.ttl, ttl, what);
});

test('upstream cache: a hit has the asker id and case, TTLs lowered by the time kept, and expires', () => {
  let now = 1_000_000;
  const cache = new UpstreamCache(() => now);
  const [q, m] = ask(0x1234, 'www.example.test');
  cache.put(q, upstreamAnswer(q, m, { rcode: 'NOERROR', answers: [a('www.example.test', 30, '192.0.2.1')] }));
  now += 10_500;
  const [q2, m2] = ask(0xabcd, 'WWW.example.TEST');
  const hit = cache.get(q2, m2);
  assert.ok(hit);
  assert.equal(hit.readUInt16BE(0), 0xabcd);
  assert.ok(hit.toString('latin1').includes('WWW'));
  assert.equal(hit.readUInt32BE(hit.length - 10), 20, 'TTL 30 - 10 s');
  now += 20_000;
  assert.equal(cache.get(q2, m2), undefined, 'expired');
  assert.equal(cache.size, 0);
});
