import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  OP,
  WebSocketConnection,
  WebSocketProtocolError,
  WsReader,
  acceptKey,
  closePayload,
  decodeFrame,
  encodeFrame,
  handshakeResponse,
  isWebSocketUpgrade,
  offeredProtocols,
  parseClosePayload,
  selectProtocol,
  type WsEvent,
} from '../../../src/apiserver/websocket.js';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('Sec-WebSocket-Accept is the RFC 6455 example', () => {
  assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.match(handshakeResponse('dGhlIHNhbXBsZSBub25jZQ==', 'v5.channel.k8s.io'), /^HTTP\/1\.1 101 Switching Protocols\r\n.*Sec-WebSocket-Protocol: v5\.channel\.k8s\.io\r\n\r\n$/s);
  assert.doesNotMatch(handshakeResponse('x', undefined), /Sec-WebSocket-Protocol/);
});

test('upgrade detection and subprotocol choice', () => {
  const cases: Record<string, { headers: Record<string, string>; upgrade: boolean }> = {
    'gorilla client': { headers: { upgrade: 'websocket', connection: 'Upgrade' }, upgrade: true },
    'token lists, any case': { headers: { upgrade: 'WebSocket', connection: 'keep-alive, Upgrade' }, upgrade: true },
    'SPDY is not WebSocket': { headers: { upgrade: 'SPDY/3.1', connection: 'Upgrade' }, upgrade: false },
    'no Connection: Upgrade': { headers: { upgrade: 'websocket' }, upgrade: false },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(isWebSocketUpgrade(c.headers), c.upgrade, name);
  assert.deepEqual(offeredProtocols('v5.channel.k8s.io, v4.channel.k8s.io'), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  assert.deepEqual(offeredProtocols(['a', 'b, c']), ['a', 'b', 'c']);
  // the client's order wins, as in gorilla's Upgrader and Kubernetes' wsstream
  assert.equal(selectProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'], ['v5.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(selectProtocol(['channel.k8s.io'], ['v5.channel.k8s.io']), undefined);
});

test('frame encoding: lengths, FIN, masking (RFC 6455 5.7 examples)', () => {
  const cases: Record<string, { got: Buffer; want: Buffer }> = {
    'unmasked "Hello"': { got: encodeFrame(OP.text, Buffer.from('Hello')), want: hex('810548656c6c6f') },
    'masked "Hello"': { got: encodeFrame(OP.text, Buffer.from('Hello'), { mask: MASK }), want: hex('818537fa213d7f9f4d5158') },
    'first fragment "Hel"': { got: encodeFrame(OP.text, Buffer.from('Hel'), { fin: false }), want: hex('010348656c') },
    'continuation "lo"': { got: encodeFrame(OP.continuation, Buffer.from('lo')), want: hex('80026c6f') },
    'empty binary': { got: encodeFrame(OP.binary), want: hex('8200') },
    '256 bytes: 16-bit length': { got: encodeFrame(OP.binary, Buffer.alloc(256)).subarray(0, 4), want: hex('827e0100') },
    '65536 bytes: 64-bit length': { got: encodeFrame(OP.binary, Buffer.alloc(65536)).subarray(0, 10), want: hex('827f0000000000010000') },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(c.got, c.want, name);
});

test('frame decoding: round trips, partial input, and what a server must refuse', () => {
  const opts = { maxPayload: 1 << 20, requireMask: true };
  for (const len of [0, 1, 125, 126, 65535, 65536, 70000]) {
    const payload = Buffer.alloc(len, 7);
    const wire = encodeFrame(OP.binary, payload, { mask: MASK });
    const got = decodeFrame(wire, opts);
    assert.deepEqual(got?.frame, { fin: true, opcode: OP.binary, payload }, `length ${len}`);
    assert.equal(got?.size, wire.length);
    assert.equal(decodeFrame(wire.subarray(0, wire.length - 1), opts), undefined, `length ${len} minus a byte waits`);
  }
  const refused: Record<string, Buffer> = {
    'unmasked client frame': encodeFrame(OP.binary, Buffer.from('x')),
    'reserved bit': Buffer.from([0xc2, 0x80, 0, 0, 0, 0]),
    'unknown opcode 3': encodeFrame(3, Buffer.alloc(0), { mask: MASK }),
    'fragmented ping': encodeFrame(OP.ping, Buffer.alloc(0), { fin: false, mask: MASK }),
    'long ping': encodeFrame(OP.ping, Buffer.alloc(126), { mask: MASK }),
    'too big': encodeFrame(OP.binary, Buffer.alloc(2 << 20), { mask: MASK }),
  };
  for (const [name, wire] of Object.entries(refused)) assert.throws(() => decodeFrame(wire, opts), WebSocketProtocolError, name);
});

test('close payloads', () => {
  assert.deepEqual(closePayload(1000), hex('03e8'));
  assert.deepEqual(parseClosePayload(closePayload(1001, 'bye')), { code: 1001, reason: 'bye' });
  assert.deepEqual(parseClosePayload(Buffer.alloc(0)), { code: 1005, reason: '' });
});

test('the reader reassembles fragments around control frames, across arbitrary chunking', () => {
  const wire = Buffer.concat([
    encodeFrame(OP.binary, Buffer.from([1, 0x61]), { fin: false, mask: MASK }),
    encodeFrame(OP.ping, Buffer.from('p'), { mask: MASK }),
    encodeFrame(OP.continuation, Buffer.from('bc'), { mask: MASK }),
    encodeFrame(OP.binary, Buffer.from([2]), { mask: MASK }),
    encodeFrame(OP.close, closePayload(1000), { mask: MASK }),
  ]);
  const want: WsEvent[] = [
    { type: 'ping', data: Buffer.from('p') },
    { type: 'message', opcode: OP.binary, data: Buffer.from([1, 0x61, 0x62, 0x63]) },
    { type: 'message', opcode: OP.binary, data: Buffer.from([2]) },
    { type: 'close', code: 1000, reason: '' },
  ];
  for (const step of [1, 3, 7, wire.length]) {
    const r = new WsReader({ maxMessage: 1024, requireMask: true });
    const got: WsEvent[] = [];
    for (let i = 0; i < wire.length; i += step) got.push(...r.push(wire.subarray(i, i + step)));
    assert.deepEqual(got, want, `chunks of ${step}`);
  }
  const stray = new WsReader({ maxMessage: 1024, requireMask: true });
  assert.throws(() => stray.push(encodeFrame(OP.continuation, Buffer.from('x'), { mask: MASK })), /continuation/);
});

test('a connection answers pings, delivers messages and completes the closing handshake', async () => {
  const socket = new PassThrough();
  const written: Buffer[] = [];
  socket.write = ((chunk: Buffer) => (written.push(chunk), true)) as typeof socket.write;
  const ws = new WebSocketConnection(socket);
  const messages: Buffer[] = [];
  ws.onMessage((m) => messages.push(m));
  let closed: number | undefined;
  ws.onClose((code) => (closed = code));
  socket.emit('data', encodeFrame(OP.ping, Buffer.from('hb'), { mask: MASK }));
  socket.emit('data', encodeFrame(OP.binary, Buffer.from('data'), { mask: MASK }));
  assert.deepEqual(written[0], encodeFrame(OP.pong, Buffer.from('hb')));
  assert.deepEqual(messages, [Buffer.from('data')]);
  ws.send(Buffer.from('out'));
  assert.deepEqual(written[1], encodeFrame(OP.binary, Buffer.from('out')));
  ws.close();
  assert.deepEqual(written[2], encodeFrame(OP.close, closePayload(1000)));
  assert.equal(ws.isOpen, false);
  socket.emit('data', encodeFrame(OP.close, closePayload(1000), { mask: MASK }));
  assert.equal(closed, 1000);
});
