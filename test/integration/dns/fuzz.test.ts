// Fuzz: 100,000 random and mutated messages through the server's handler (no sockets: the same
// code the UDP and TCP paths call). None may throw or hang, and afterwards the server still
// answers a real query correctly. A seeded generator makes a failure reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsServer } from '../../../dns/server.js';
import { RecordIndex } from '../../../dns/records.js';
import { AnswerTableReader } from '../../../dns/answer-table.js';
import { AnswerTableOwner } from '../../../dns/table-owner.js';
import { TableZone } from '../../../dns/zones.js';
import { encodeQuery, parseQuery, type Query } from '../../../dns/wire.js';
import { silentLogger } from '../../../src/log.js';

/** mulberry32: small, seeded, good enough to pick bytes. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const index = new RecordIndex(
  [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'default' }, spec: { clusterIP: 'None' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'www.example.test' } },
  ],
  [{ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'db-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'], hostname: 'db-0' }], ports: [{ name: 'pg', port: 5432 }] }],
);

const seeds = ['web.default.svc.cluster.local', '_http._tcp.web.default.svc.cluster.local', 'db-0.db.default.svc.cluster.local', 'ext.default.svc.cluster.local', '12.0.96.10.in-addr.arpa', 'cluster.local', 'outside.example'].flatMap(
  (n) => [1, 33, 12, 255, 6, 2].map((t) => Buffer.from(encodeQuery(7, n, t))),
);

// the same index answered from the shared answer table, as the DNS workers do
const owner = new AnswerTableOwner(index);
owner.rebuildAll(1);
const sources = { 'the index': { index }, 'the shared answer table': { zone: new TableZone(new AnswerTableReader(owner.buffers()), 'cluster.local', 5) } };

for (const [label, source] of Object.entries(sources)) test(`fuzz (${label}): 100,000 random and mutated messages, then a real query is still answered`, async () => {
  // no upstream: relayed names fail fast to SERVFAIL instead of leaving the machine
  const server = new DnsServer({ ...source, address: '127.0.0.1', port: 0, upstreams: [], logger: silentLogger });
  const next = rng(0x6b317321);
  const byte = () => Math.floor(next() * 256);
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < 100_000; i++) {
    let msg: Buffer;
    if (i % 4 === 0) msg = Buffer.from(Array.from({ length: Math.floor(next() * 80) }, byte));
    else {
      msg = Buffer.from(seeds[Math.floor(next() * seeds.length)]);
      for (let k = 1 + Math.floor(next() * 4); k > 0; k--) {
        const what = next();
        const at = Math.floor(next() * msg.length);
        if (what < 0.6) msg[at] = byte(); // flip a byte
        else if (what < 0.8) msg = msg.subarray(0, at); // cut short
        else msg = Buffer.concat([msg, Buffer.from(Array.from({ length: Math.floor(next() * 20) }, byte))]); // trailing junk
      }
    }
    const out = server.handle(msg, i % 2 ? 'udp' : 'tcp');
    if (out instanceof Promise) pending.push(out);
    else if (out) assert.ok(out.length >= 12 && out.length <= 65535, 'an answer is a DNS message');
  }
  await Promise.all(pending);

  const query = Buffer.from(encodeQuery(0x4242, 'web.default.svc.cluster.local', 1));
  const answer = server.handle(query, 'udp') as Buffer;
  assert.ok(Buffer.isBuffer(answer));
  assert.equal(answer.readUInt16BE(0), 0x4242);
  assert.equal(answer[3] & 0xf, 0, 'NOERROR');
  assert.equal(answer.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...answer.subarray(answer.length - 4)], [10, 96, 0, 12]);
  assert.equal((parseQuery(query) as Query).qname, 'web.default.svc.cluster.local');
});
