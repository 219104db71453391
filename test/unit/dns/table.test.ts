// The shared answer table (answer-table.ts, table-owner.ts, zones.ts's TableZone): for a fixed index
// holding every record kind, every question's answer from the table equals RecordIndex's answer
// (the IndexZone path) byte for byte, in any letter case, with and without EDNS, over UDP (TC) and
// TCP; it keeps doing so through changes; and readers never see half an update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { AnswerTableReader, AnswerTableWriter } from '../../../dns/answer-table.js';
import { RecordIndex, ZONE_KEY, serviceRecords, zoneRecords, type Contribution } from '../../../dns/records.js';
import { DnsServer } from '../../../dns/server.js';
import { AnswerTableOwner } from '../../../dns/table-owner.js';
import { TableZone } from '../../../dns/zones.js';
import { encodeQuery } from '../../../dns/wire.js';
import type { Service } from '../../../src/api/types.js';
import { silentLogger } from '../../../src/log.js';
import { services, slice, slices, svc } from './cluster-fixture.js';

// the fixture, plus a headless Service of 40 endpoints (answers over 512 bytes: TC over UDP)
const big = svc('default', 'big', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] });
const bigSlice = slice('default', 'big', Array.from({ length: 40 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`], hostname: `big-${i}`, conditions: { ready: true } })), [{ name: 'http', port: 80, protocol: 'TCP' }]);
const ZONE = 'cluster.local';
const SERIAL = 42;

function setup() {
  const index = new RecordIndex([...services, big], [...slices, bigSlice], { zone: ZONE, namespaces: ['empty'], serial: SERIAL });
  const owner = new AnswerTableOwner(index);
  owner.rebuildAll(SERIAL);
  const reader = new AnswerTableReader(owner.buffers());
  const zone = new TableZone(reader, ZONE, 5);
  const byIndex = new DnsServer({ index, address: '127.0.0.1', port: 0, upstreams: [], logger: silentLogger });
  const byTable = new DnsServer({ zone, address: '127.0.0.1', port: 0, upstreams: [], logger: silentLogger });
  return { index, owner, reader, zone, byIndex, byTable };
}

/** dig-like query bytes: RD set or not, EDNS with a payload size or none. */
function query(name: string, qtype: number, id: number, opts: { rd?: boolean; edns?: number; ednsVersion?: number } = {}): Buffer {
  let q = encodeQuery(id, name, qtype);
  if (opts.rd === false) q[2] &= 0xfe;
  if (opts.edns) {
    const opt = Buffer.from([0, 0, 41, opts.edns >> 8, opts.edns & 0xff, 0, opts.ednsVersion ?? 0, 0, 0, 0, 0]);
    q = Buffer.concat([q, opt]);
    q[11] = 1;
  }
  return q;
}

/** Mixes the letter case of a name, as 0x20-randomising resolvers do. */
const mixed = (name: string) => name.replace(/[a-z]/g, (c, i) => (i % 3 === 0 ? c.toUpperCase() : c));

const QTYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 255, 0, 65280];

/** Every name of the index, and names that are not there (pods, NXDOMAIN, outside the zone). */
function questionNames(index: RecordIndex): string[] {
  return [
    ...index.allNames(),
    '10-244-0-5.default.pod.cluster.local',
    'fd00--5.shop.pod.cluster.local',
    '10-244-0-5.nowhere.pod.cluster.local',
    '10-244-0-5.empty.pod.cluster.local',
    'x.10-244-0-5.default.pod.cluster.local',
    'nope.default.svc.cluster.local',
    'example.com.default.svc.cluster.local',
    '9.9.9.10.in-addr.arpa',
    'outside.example',
  ];
}

async function both(a: DnsServer, b: DnsServer, msg: Buffer, transport: 'udp' | 'tcp'): Promise<[Buffer | null, Buffer | null]> {
  return [await a.handle(msg, transport), await b.handle(msg, transport)];
}

/** Asks both servers every question in every form; returns how many answers were compared. */
async function compareAll(byIndex: DnsServer, byTable: DnsServer, index: RecordIndex): Promise<number> {
  let compared = 0;
  let id = 1;
  for (const name of questionNames(index)) {
    for (const qtype of QTYPES) {
      for (const [form, transport] of [
        [{}, 'udp'],
        [{ rd: false, edns: 4096 }, 'udp'],
        [{ edns: 600 }, 'udp'],
        [{ edns: 4096, ednsVersion: 1 }, 'udp'],
        [{}, 'tcp'],
      ] as const) {
        for (const n of [name, mixed(name)]) {
          const msg = query(n, qtype, id++ & 0xffff, form);
          const [want, got] = await both(byIndex, byTable, msg, transport);
          assert.ok(want && got, `${n} ${qtype} ${JSON.stringify(form)} ${transport}: both answer`);
          assert.equal(got.toString('hex'), want.toString('hex'), `${n} ${qtype} ${JSON.stringify(form)} ${transport}`);
          compared++;
        }
      }
    }
  }
  return compared;
}

test('table: every answer equals the index answer byte for byte (all record kinds, cases, EDNS, TC, TCP)', async () => {
  const { index, byIndex, byTable } = setup();
  const compared = await compareAll(byIndex, byTable, index);
  assert.ok(compared > 2000, `compared ${compared}`);
});

test('table: the plain questions are answered on the fast path, with the SOA serial of the day', () => {
  const { zone, owner } = setup();
  const a = zone.fast(query('Web.default.svc.cluster.local', 1, 7, { edns: 1232 }), 'udp');
  assert.ok(a, 'a stored answer, fast');
  assert.equal(a.readUInt16BE(0), 7);
  assert.equal(a.readUInt16BE(6), 1, 'one answer');
  assert.equal(a.readUInt16BE(10), 1, 'the OPT');
  assert.equal(zone.fast(query('nope.default.svc.cluster.local', 1, 7), 'udp'), undefined, 'NXDOMAIN goes the general way');
  assert.equal(zone.fast(query('ext.default.svc.cluster.local', 1, 7), 'udp'), undefined, 'an ExternalName to chase too');
  // the serial comes from the table's header at answer time
  owner.writer.setSerial(SERIAL + 100);
  const soa = zone.fast(query('cluster.local', 6, 8), 'udp')!;
  assert.equal(soa.readUInt32BE(soa.length - 20), SERIAL + 100);
});

test('table: follows changes (a Service added, changed, removed; a CNAME into the zone follows its target; the serial)', async () => {
  const { index, owner, byIndex, byTable } = setup();
  const changes: [string, Contribution | null][][] = [
    [['default/late', serviceRecords(svc('default', 'late', { clusterIP: '10.96.0.77', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }), [], ZONE, 5)]],
    // alias is a CNAME to web: web's new address must show through alias too
    [['default/web', serviceRecords(svc('default', 'web', { clusterIP: '10.96.0.13' }), [], ZONE, 5)]],
    [['default/web', null]],
    [['default/db', null], ['shop/dual', null]],
    [[ZONE_KEY, zoneRecords(ZONE, 5, ['default', 'kube-system', 'kube-public', 'other'], '10.96.0.10')]],
  ];
  let serial = SERIAL;
  for (const batch of changes) {
    owner.apply(batch, ++serial);
    await compareAll(byIndex, byTable, index);
  }
  const alias = await byTable.handle(query('alias.default.svc.cluster.local', 1, 1), 'udp');
  assert.ok(Buffer.isBuffer(alias));
  assert.equal(alias[3] & 0xf, 3, 'NXDOMAIN at the end of the chain once web is gone');
});

test('table writer: names set, replaced, deleted and re-added, growth into new generations; old readers keep a whole table', () => {
  const generations: unknown[] = [];
  const w = new AnswerTableWriter((b) => generations.push(b), 1024, 4096);
  const key = Buffer.alloc(256);
  const find = (r: AnswerTableReader, name: string, qtype: number) => r.find(key, key.write(name, 0, 'latin1'), qtype);
  // a stored answer is a 12-byte header and the rest: here the rest is the text
  const text = (r: AnswerTableReader, at: number) => (at === 0 ? '' : r.data.toString('latin1', r.body(at) + 12, r.body(at) + r.storedLength(at)));
  const put = (name: string, answers: [number, string][]) => {
    w.reserve(1, answers.length * 64);
    w.setName(name, answers.map(([qtype, value]) => [qtype, w.addAnswer({ bytes: Buffer.concat([Buffer.alloc(12), Buffer.from(value, 'latin1')]), questionEnd: 12, serialAt: 0, flags: 0 })]));
  };
  put('a.b', [[1, 'one'], [0, 'nodata']]);
  const early = new AnswerTableReader(w.current());
  put('a.b', [[1, 'uno'], [28, 'six'], [0, 'nodata']]);
  assert.equal(text(w, find(w, 'a.b', 1)), 'uno');
  assert.equal(text(w, find(w, 'a.b', 28)), 'six');
  assert.equal(text(w, find(w, 'a.b', 2)), 'nodata', 'a type without its own answer gets the qtype-0 one');
  assert.equal(find(w, 'a.bc', 1), 0);
  assert.equal(find(w, 'a', 1), 0);
  put('gone.b', [[0, 'x']]);
  w.deleteName('gone.b');
  assert.equal(find(w, 'gone.b', 0), 0);
  assert.equal(w.size, 1);
  for (let i = 0; i < 5000; i++) put(`svc-${i}.default.svc.cluster.local`, [[1, `answer ${i}`]]);
  assert.ok(generations.length >= 2, `grew through ${generations.length} generations`);
  for (let i = 0; i < 5000; i += 7) assert.equal(text(w, find(w, `svc-${i}.default.svc.cluster.local`, 1)), `answer ${i}`);
  assert.equal(text(w, find(w, 'a.b', 28)), 'six');
  assert.equal(w.size, 5001);
  // a reader still on the first buffers sees them as they were when the table moved on
  assert.equal(text(early, find(early, 'a.b', 1)), 'uno');
  assert.equal(find(early, 'svc-4999.default.svc.cluster.local', 1), 0);
  // deleted and re-added names reuse their slots: churn does not grow the table
  const before = generations.length;
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 100; i++) w.deleteName(`svc-${i}.default.svc.cluster.local`);
    for (let i = 0; i < 100; i++) put(`svc-${i}.default.svc.cluster.local`, [[1, `answer ${i} ${round}`]]);
  }
  assert.equal(text(w, find(w, 'svc-42.default.svc.cluster.local', 1)), 'answer 42 19');
  assert.equal(w.size, 5001);
  assert.ok(generations.length - before <= 2, 'churn compacts, rarely');
});

test('table: a reader in another thread never sees half an update while the owner rewrites an answer 20,000 times', async () => {
  const owner = new AnswerTableOwner(new RecordIndex([], [], { zone: ZONE }));
  const web = (ip: string): Service => svc('default', 'web', { clusterIP: ip });
  owner.apply([['default/web', serviceRecords(web('10.96.0.0'), [], ZONE, 5)]], 1);
  const tableUrl = new URL('../../../dns/answer-table.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(tableUrl)}).then(({ AnswerTableReader }) => {
      const r = new AnswerTableReader(workerData.table);
      parentPort.on('message', (m) => r.use(m));
      const key = Buffer.from('web.default.svc.cluster.local', 'latin1');
      const view = new Int32Array(workerData.stop);
      let reads = 0, bad = 0, seen = new Set();
      const loop = () => {
        for (let k = 0; k < 2000; k++) {
          const at = r.find(key, key.length, 1);
          reads++;
          if (at === 0) { bad++; continue; }
          const b = r.data.subarray(r.body(at), r.body(at) + r.storedLength(at));
          // one answer, an A record whose address is 10.96.x.y with x = y (as the owner writes them)
          const ok = b.readUInt16BE(6) === 1 && b[b.length - 4] === 10 && b[b.length - 3] === 96 && b[b.length - 2] === b[b.length - 1];
          if (!ok) bad++; else seen.add(b[b.length - 1]);
        }
        if (Atomics.load(view, 0) === 1) parentPort.postMessage({ reads, bad, distinct: seen.size });
        else setImmediate(loop);
      };
      loop();
    });`;
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(code, { eval: true, workerData: { table: owner.buffers(), stop } });
  const result = new Promise<{ reads: number; bad: number; distinct: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 50));
  // the owner hands new generations to the reader as the pool does
  const gen = owner.writer.generation;
  for (let i = 1; i <= 20_000; i++) {
    owner.apply([['default/web', serviceRecords(web(`10.96.${i % 200}.${i % 200}`), [], ZONE, 5)]], 1 + i);
    if (owner.writer.generation !== gen && i % 1000 === 0) worker.postMessage(owner.buffers());
    if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
  }
  Atomics.store(new Int32Array(stop), 0, 1);
  const { reads, bad, distinct } = await result;
  await worker.terminate();
  assert.equal(bad, 0, `${bad} of ${reads} reads were not a whole answer`);
  assert.ok(reads > 10_000 && distinct > 10, `${reads} reads, ${distinct} distinct answers seen`);
});
