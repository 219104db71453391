import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerCache } from '../../../dns/answer-cache.js';
import { RecordIndex } from '../../../dns/records.js';
import { QTYPE, encodeQuery, encodeResponse, parseQuery, type Query } from '../../../dns/wire.js';

const index = new RecordIndex([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.12' } }], [], { serial: 1 });

function query(id: number, name: string, rd = true): [Query, Buffer] {
  const msg = Buffer.from(encodeQuery(id, name, 1));
  if (!rd) msg[2] &= 0xfe;
  return [parseQuery(msg) as Query, msg];
}

function fresh(q: Query, msg: Buffer): Buffer {
  return Buffer.from(encodeResponse(q, msg, index.lookup(q.qname, QTYPE[q.qtype]), { aa: true, maxSize: 512 }));
}

test('answer cache: a kept answer, patched for another asker, equals a fresh encode for that asker', () => {
  const cache = new AnswerCache();
  cache.validFor(index);
  const [q1, m1] = query(0x1111, 'web.default.svc.cluster.local');
  assert.equal(cache.answer(q1, m1, 512), undefined, 'nothing kept yet');
  cache.keep(q1, 512, fresh(q1, m1));
  // another id, no RD, other letter case
  const [q2, m2] = query(0xbeef, 'WeB.default.SVC.cluster.local', false);
  const got = cache.answer(q2, m2, 512);
  assert.ok(got);
  assert.deepEqual(got, fresh(q2, m2));
  assert.equal(got.readUInt16BE(0), 0xbeef);
  assert.equal(got.toString('latin1').includes('WeB'), true, 'the question as the asker sent it');
});

test('answer cache: another size budget, or a new index, is a miss', () => {
  const cache = new AnswerCache();
  cache.validFor(index);
  const [q, m] = query(1, 'web.default.svc.cluster.local');
  cache.keep(q, 512, fresh(q, m));
  assert.equal(cache.answer(q, m, 1232), undefined);
  cache.validFor(new RecordIndex([], [], {}));
  assert.equal(cache.answer(q, m, 512), undefined);
});

test('answer cache: bounded, it starts over past its size', () => {
  const cache = new AnswerCache(2);
  cache.validFor(index);
  for (const name of ['a', 'b', 'c']) {
    const [q, m] = query(1, `${name}.default.svc.cluster.local`);
    cache.keep(q, 512, fresh(q, m));
  }
  assert.equal(cache.size, 1);
});
