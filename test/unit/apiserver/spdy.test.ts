import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  FLAG_FIN,
  HeaderCompressor,
  HeaderDecompressor,
  SPDY_DICTIONARY,
  SpdyProtocolError,
  SpdyServerSession,
  adler32,
  decodeFrame,
  encodeData,
  encodeGoAway,
  encodeHeaderBlock,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  encodeSynStream,
  parseHeaderBlock,
  type SpdyStream,
} from '../../../src/apiserver/spdy.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('the SPDY/3 dictionary: its size, ends and Adler-32', () => {
  assert.equal(SPDY_DICTIONARY.length, 1423);
  assert.deepEqual(SPDY_DICTIONARY.subarray(0, 11), Buffer.from('\0\0\0\x07options', 'latin1'));
  assert.equal(SPDY_DICTIONARY.subarray(-14).toString('latin1'), ',utf-,*,enq=0.');
  // the dictionary id a Go client puts in its first header block (seen in kubectl's traffic)
  assert.equal(adler32(SPDY_DICTIONARY).toString(16), 'e3c6a7c2');
});

test('frames: wire bytes as spdystream writes and reads them', () => {
  const cases: Record<string, { wire: Buffer; frame: unknown }> = {
    'DATA on stream 1': { wire: encodeData(1, Buffer.from('hi')), frame: { type: 'data', streamId: 1, fin: false, data: Buffer.from('hi') } },
    'empty DATA with FIN (a Close())': { wire: encodeData(3, Buffer.alloc(0), true), frame: { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) } },
    'SYN_REPLY': { wire: encodeSynReply(5, Buffer.from([9])), frame: { type: 'synReply', streamId: 5, fin: false, headerBlock: Buffer.from([9]) } },
    'SYN_STREAM with FIN': {
      wire: encodeSynStream(7, Buffer.from([1, 2]), true),
      frame: { type: 'synStream', streamId: 7, associatedTo: 0, priority: 0, fin: true, unidirectional: false, headerBlock: Buffer.from([1, 2]) },
    },
    'RST_STREAM cancel': { wire: encodeRstStream(9, 5), frame: { type: 'rstStream', streamId: 9, status: 5 } },
    'PING': { wire: encodePing(1), frame: { type: 'ping', id: 1 } },
    'GOAWAY': { wire: encodeGoAway(11, 0), frame: { type: 'goAway', lastGoodStreamId: 11, status: 0 } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const got = decodeFrame(c.wire);
    assert.deepEqual(got?.frame, c.frame, name);
    assert.equal(got?.size, c.wire.length, name);
    assert.equal(decodeFrame(c.wire.subarray(0, c.wire.length - 1)), undefined, `${name}, one byte short`);
  }
  // control bit, version 3, type 6, no flags, length 4, id 1
  assert.deepEqual(encodePing(1), hex('80030006 00000004 00000001'));
  assert.deepEqual(encodeData(1, Buffer.from('a'), true), hex('00000001 01000001 61'));
  assert.throws(() => decodeFrame(hex('80020006 00000004 00000001')), SpdyProtocolError, 'SPDY/2 is refused');
  assert.deepEqual(decodeFrame(hex('8003000a 00000000'))?.frame, { type: 'unknown', controlType: 10 });
});

test('header blocks: lower-cased names, NUL-joined values', () => {
  const block = encodeHeaderBlock({ streamType: ['data'], port: ['8080'], multi: ['a', 'b'] });
  assert.deepEqual(parseHeaderBlock(block), { streamtype: ['data'], port: ['8080'], multi: ['a', 'b'] });
  assert.deepEqual(encodeHeaderBlock({}), hex('00000000'));
  assert.throws(() => parseHeaderBlock(hex('00000001 00000005 61')), /truncated/);
});

test('our header blocks inflate in one shared zlib stream primed with the dictionary (as Go reads them)', () => {
  const c = new HeaderCompressor();
  const first = c.compress(encodeHeaderBlock({}));
  const second = c.compress(encodeHeaderBlock({ a: ['b'] }));
  assert.deepEqual(first.subarray(0, 2), hex('7820'), 'zlib header with FDICT');
  assert.equal(first.readUInt32BE(2), adler32(SPDY_DICTIONARY));
  // count 0 in a stored block, then the empty stored block of a sync flush (Go's reader needs it)
  assert.deepEqual(second.subarray(0, 5), hex('00 0e00 f1ff'));
  assert.deepEqual(first.subarray(6), hex('00 0400 fbff 00000000 00 0000 ffff'));
  const inflated = zlib.inflateSync(Buffer.concat([first, second]), { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflated, Buffer.concat([encodeHeaderBlock({}), encodeHeaderBlock({ a: ['b'] })]));
});

/** What a Go client sends: one deflate stream with the dictionary, sync-flushed per frame. */
function goLikeCompressor() {
  const d = zlib.createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const chunks: Buffer[] = [];
  d.on('data', (b: Buffer) => chunks.push(b));
  return (block: Buffer) =>
    new Promise<Buffer>((resolve) => {
      d.write(block);
      d.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0))));
    });
}

test("the client's compressed header blocks decode frame by frame", async () => {
  const compress = goLikeCompressor();
  const d = new HeaderDecompressor();
  for (const h of [{ streamtype: ['error'], port: ['80'], requestid: ['0'] }, { streamtype: ['data'], port: ['80'], requestid: ['0'] }]) {
    assert.deepEqual(parseHeaderBlock(await d.decompress(await compress(encodeHeaderBlock(h)))), h);
  }
  d.close();
  const bad = new HeaderDecompressor();
  await assert.rejects(bad.decompress(hex('78 20 00000000 00')), /header block/);
  bad.close();
});

test('a session replies to each stream, delivers DATA until FIN, echoes pings, and honours RST_STREAM', async () => {
  const compress = goLikeCompressor();
  const written: Buffer[] = [];
  const streams: SpdyStream[] = [];
  const session = new SpdyServerSession(
    { write: (f) => (written.push(f), true), whenWritable: (fn) => fn(), end: () => undefined },
    (s) => streams.push(s),
  );
  const frames = () => written.map((w) => decodeFrame(w)!.frame);
  session.push(encodeSynStream(1, await compress(encodeHeaderBlock({ streamtype: ['error'], port: ['80'] })), true));
  session.push(Buffer.concat([encodeSynStream(3, await compress(encodeHeaderBlock({ streamtype: ['data'], port: ['80'] }))), encodeData(3, Buffer.from('GET /'))]));
  session.push(encodePing(1).subarray(0, 5)); // a frame split across pushes
  session.push(encodePing(1).subarray(5));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(streams.map((s) => [s.id, s.header('streamType')]), [[1, 'error'], [3, 'data']]);
  assert.deepEqual(frames().map((f) => f.type), ['synReply', 'synReply', 'ping']);
  const data = streams[1];
  const got: Buffer[] = [];
  data.on('data', (b: Buffer) => got.push(b));
  data.write('HTTP/1.0 200');
  data.end();
  session.push(encodeData(3, Buffer.alloc(0), true));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(Buffer.concat(got).toString(), 'GET /');
  assert.deepEqual(frames().slice(3), [
    { type: 'data', streamId: 3, fin: false, data: Buffer.from('HTTP/1.0 200') },
    { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
  ]);
  session.push(encodeRstStream(1, 5));
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(streams[0].destroyed);
  assert.equal(FLAG_FIN, 1);
  session.end();
});
