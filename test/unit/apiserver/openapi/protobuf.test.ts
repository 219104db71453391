// The protobuf encoder: varints and keys against the wire format's published examples, each
// setter's bytes, and a round trip through a reader written apart from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKey, encodeVarint, ProtoWriter } from '../../../../src/apiserver/openapi/protobuf.js';
import { decodeMessage, decodeVarint, readFields } from './proto-reader.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('varints: base 128, low group first', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [150, '9601'], // the encoding guide's example
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31, '8080808008'],
    [2 ** 32, '8080808010'], // past 32 bits: no bit operator truncation
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f'],
  ];
  for (const [n, want] of cases) {
    assert.equal(hex(encodeVarint(n)), want, String(n));
    assert.equal(decodeVarint(encodeVarint(n)), n, `round trip ${n}`);
  }
  for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => encodeVarint(bad), RangeError, String(bad));
});

test('keys: field number and wire type', () => {
  const cases: [number, number, string][] = [
    [1, 0, '08'], // the guide's `08 96 01`
    [1, 2, '0a'],
    [2, 2, '12'],
    [15, 2, '7a'],
    [16, 2, '8201'], // the first two-byte key
    [31, 2, 'fa01'],
  ];
  for (const [field, wire, want] of cases) assert.equal(hex(encodeKey(field, wire)), want, `${field}/${wire}`);
  for (const bad of [0, -1, 2 ** 29]) assert.throws(() => encodeKey(bad, 0), RangeError);
});

test('setters: bytes on the wire, defaults left off', () => {
  const cases: [string, (w: ProtoWriter) => void, string][] = [
    ['uint', (w) => w.uint(1, 150), '089601'],
    ['uint 0 is the default', (w) => w.uint(1, 0), ''],
    ['bool true', (w) => w.bool(4, true), '2001'],
    ['bool false is the default', (w) => w.bool(4, false), ''],
    ['string', (w) => w.string(2, 'testing'), '120774657374696e67'], // the guide's example
    ['empty string is the default', (w) => w.string(2, ''), ''],
    ['undefined', (w) => w.string(2, undefined).bool(3, undefined).uint(4, undefined), ''],
    ['utf-8', (w) => w.string(1, 'é'), '0a02c3a9'],
    ['repeated strings, empty ones kept', (w) => w.strings(5, ['a', '', 'b']), '2a01612a002a0162'],
    ['empty message is present', (w) => w.message(3, () => {}), '1a00'],
    ['nested message', (w) => w.message(3, (m) => m.uint(1, 150)), '1a03089601'],
    ['fields in call order', (w) => w.string(2, 'x').uint(1, 1), '1201780801'],
  ];
  for (const [name, build, want] of cases) {
    const w = new ProtoWriter();
    build(w);
    assert.equal(hex(w.finish()), want, name);
    assert.equal(w.length, want.length / 2, `${name}: length`);
  }
});

test('a long nested message: multi-byte length prefix, read back', () => {
  const text = 'x'.repeat(300);
  const w = new ProtoWriter().message(9, (m) => m.message(1, (n) => n.string(1, 'name').message(2, (s) => s.string(4, text))));
  const bytes = w.finish();
  const [outer] = readFields(bytes);
  assert.equal(outer.field, 9);
  // description 1+2+300 = 303; NamedSchema (1+1+4) + (1+2+303) = 312; Definitions 1+2+312 = 315 = 0xbb 0x02
  assert.equal(hex(bytes.subarray(0, 3)), '4abb02');
  assert.equal(bytes.length, 3 + 315);
  const defs = decodeMessage(bytes, 'Document');
  assert.deepEqual(defs, { definitions: { additional_properties: [{ name: 'name', value: { description: text } }] } });
});
