// RFC 6455 on the server side, with no dependency: the handshake, frame encoding and decoding
// (pure functions, table-tested), and a small connection that reassembles fragmented messages,
// answers pings and runs the closing handshake. Kubernetes clients send only binary messages;
// text messages are delivered the same way and left to the caller.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Close codes we send (RFC 6455 7.4.1). */
export const CLOSE = { normal: 1000, goingAway: 1001, protocolError: 1002, tooBig: 1009, internalError: 1011 } as const;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

export class WebSocketProtocolError extends Error {
  constructor(
    message: string,
    readonly closeCode: number = CLOSE.protocolError,
  ) {
    super(message);
    this.name = 'WebSocketProtocolError';
  }
}

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** True for a request that asks to become a WebSocket (any method: the caller checks it). */
export function isWebSocketUpgrade(headers: Record<string, string | string[] | undefined>): boolean {
  const upgrade = String(headers.upgrade ?? '').toLowerCase();
  const connection = String(headers.connection ?? '').toLowerCase();
  return upgrade.split(',').some((t) => t.trim() === 'websocket') && connection.split(',').some((t) => t.trim() === 'upgrade');
}

/** The header's comma-separated list (the header may also be repeated). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
}

/**
 * The subprotocol to answer with: the first one the client offered that the server supports, as
 * Kubernetes' wsstream and gorilla's Upgrader choose. Undefined when there is none in common.
 */
export function selectProtocol(offered: string[], supported: readonly string[]): string | undefined {
  return offered.find((p) => supported.includes(p));
}

/** The 101 response, as raw bytes for the upgraded socket. */
export function handshakeResponse(key: string, protocol: string | undefined): string {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
    ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
    '',
    '',
  ].join('\r\n');
}

/** One frame. The server never masks; `mask` exists so tests (and test clients) can act as a client. */
export function encodeFrame(opcode: number, payload: Buffer = Buffer.alloc(0), opts: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const fin = opts.fin ?? true;
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const maskLen = opts.mask ? 4 : 0;
  const out = Buffer.allocUnsafe(2 + extra + maskLen + len);
  out[0] = (fin ? 0x80 : 0) | (opcode & 0x0f);
  out[1] = (opts.mask ? 0x80 : 0) | (extra === 0 ? len : extra === 2 ? 126 : 127);
  if (extra === 2) out.writeUInt16BE(len, 2);
  if (extra === 8) out.writeBigUInt64BE(BigInt(len), 2);
  const start = 2 + extra + maskLen;
  if (opts.mask) {
    opts.mask.copy(out, 2 + extra, 0, 4);
    for (let i = 0; i < len; i++) out[start + i] = payload[i] ^ opts.mask[i & 3];
  } else {
    payload.copy(out, start);
  }
  return out;
}

/**
 * The first complete frame in `buf`, unmasked, and how many bytes it took; undefined when more
 * bytes are needed. `requireMask`: a server must refuse unmasked client frames (RFC 6455 5.1).
 */
export function decodeFrame(buf: Buffer, opts: { maxPayload: number; requireMask: boolean }): { frame: Frame; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const b0 = buf[0];
  const b1 = buf[1];
  if (b0 & 0x70) throw new WebSocketProtocolError('reserved bits set without a negotiated extension');
  const opcode = b0 & 0x0f;
  const fin = (b0 & 0x80) !== 0;
  const masked = (b1 & 0x80) !== 0;
  if (opts.requireMask && !masked) throw new WebSocketProtocolError('client frames must be masked');
  if (![0, 1, 2, 8, 9, 10].includes(opcode)) throw new WebSocketProtocolError(`unknown opcode ${opcode}`);
  let len = b1 & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(opts.maxPayload)) throw new WebSocketProtocolError('frame too big', CLOSE.tooBig);
    len = Number(big);
    offset = 10;
  }
  if (opcode >= 8 && (len > 125 || !fin)) throw new WebSocketProtocolError('control frames must be short and unfragmented');
  if (len > opts.maxPayload) throw new WebSocketProtocolError('frame too big', CLOSE.tooBig);
  const maskAt = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset, offset + len)); // a copy: the caller's buffer moves on
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskAt + (i & 3)];
  return { frame: { fin, opcode, payload }, size: offset + len };
}

/** Close frame body: a 2-byte code and a UTF-8 reason (at most 123 bytes so the frame stays a control frame). */
export function closePayload(code: number, reason = ''): Buffer {
  const r = Buffer.from(reason, 'utf8').subarray(0, 123);
  const out = Buffer.allocUnsafe(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

export function parseClosePayload(p: Buffer): { code: number; reason: string } {
  if (p.length < 2) return { code: 1005, reason: '' }; // "no status received"
  return { code: p.readUInt16BE(0), reason: p.subarray(2).toString('utf8') };
}

export type WsEvent =
  | { type: 'message'; opcode: number; data: Buffer }
  | { type: 'ping'; data: Buffer }
  | { type: 'pong'; data: Buffer }
  | { type: 'close'; code: number; reason: string };

/**
 * Bytes in, events out: frames are decoded and data frames reassembled into messages (a
 * continuation without a start, or a new message inside one, is a protocol error). Pure apart
 * from its buffer, so a table of byte strings tests it.
 */
export class WsReader {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;

  constructor(private readonly opts: { maxMessage: number; requireMask: boolean }) {}

  push(chunk: Buffer): WsEvent[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const events: WsEvent[] = [];
    for (;;) {
      const next = decodeFrame(this.buf, { maxPayload: this.opts.maxMessage, requireMask: this.opts.requireMask });
      if (!next) break;
      this.buf = this.buf.subarray(next.size);
      const ev = this.frame(next.frame);
      if (ev) events.push(ev);
    }
    return events;
  }

  private frame(f: Frame): WsEvent | undefined {
    switch (f.opcode) {
      case OP.ping:
        return { type: 'ping', data: f.payload };
      case OP.pong:
        return { type: 'pong', data: f.payload };
      case OP.close:
        return { type: 'close', ...parseClosePayload(f.payload) };
      case OP.continuation:
        if (!this.fragmentOpcode) throw new WebSocketProtocolError('continuation frame without a message');
        return this.fragment(f);
      default:
        if (this.fragmentOpcode) throw new WebSocketProtocolError('new message inside a fragmented one');
        if (f.fin) return { type: 'message', opcode: f.opcode, data: f.payload };
        this.fragmentOpcode = f.opcode;
        return this.fragment(f);
    }
  }

  private fragment(f: Frame): WsEvent | undefined {
    this.fragmentBytes += f.payload.length;
    if (this.fragmentBytes > this.opts.maxMessage) throw new WebSocketProtocolError('message too big', CLOSE.tooBig);
    this.fragments.push(f.payload);
    if (!f.fin) return undefined;
    const ev: WsEvent = { type: 'message', opcode: this.fragmentOpcode, data: Buffer.concat(this.fragments) };
    this.fragments = [];
    this.fragmentOpcode = 0;
    this.fragmentBytes = 0;
    return ev;
  }
}

/** gorilla's client buffers 32 KiB + 1 KiB; a generous bound keeps a hostile client from ballooning memory. */
const MAX_MESSAGE = 16 * 1024 * 1024;

/**
 * A server-side WebSocket on an upgraded socket. `send` returns false when the socket is full
 * (wait for onDrain); `pause`/`resume` stop reading, which is how a slow consumer pushes back on
 * the client. After a close frame either way the socket ends; onClose fires once.
 */
export class WebSocketConnection {
  private readonly reader = new WsReader({ maxMessage: MAX_MESSAGE, requireMask: true });
  private closeSent = false;
  private closed = false;
  private messageHandler: (data: Buffer, opcode: number) => void = () => {};
  private closeHandlers: ((code: number, reason: string) => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    head?: Buffer,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.finish(1006, 'connection closed'));
    socket.on('error', () => this.finish(1006, 'connection error'));
    socket.on('end', () => this.finish(1006, 'connection ended'));
    if (head?.length) queueMicrotask(() => this.onData(head));
  }

  onMessage(fn: (data: Buffer, opcode: number) => void): void {
    this.messageHandler = fn;
  }

  onClose(fn: (code: number, reason: string) => void): void {
    if (this.closed) queueMicrotask(() => fn(1006, 'closed'));
    else this.closeHandlers.push(fn);
  }

  /** Calls fn once the socket has room again, or at once when the connection is gone. */
  whenWritable(fn: () => void): void {
    if (this.closed) return void queueMicrotask(fn);
    let called = false;
    const once = () => {
      if (!called) (called = true), fn();
    };
    this.socket.once('drain', once);
    this.closeHandlers.push(once);
  }

  get isOpen(): boolean {
    return !this.closed && !this.closeSent;
  }

  send(data: Buffer, opcode: number = OP.binary): boolean {
    if (!this.isOpen) return true;
    return this.socket.write(encodeFrame(opcode, data));
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Starts the closing handshake; the socket ends once the client answers (or after a grace period). */
  close(code: number = CLOSE.normal, reason = ''): void {
    if (this.closeSent || this.closed) return;
    this.closeSent = true;
    this.socket.write(encodeFrame(OP.close, closePayload(code, reason)));
    // A client that never answers the close must not hold the socket open.
    const timer = setTimeout(() => this.socket.destroy(), 2000);
    timer.unref();
    this.onClose(() => clearTimeout(timer));
  }

  /** Drop the connection without a handshake (the peer is gone or misbehaving). */
  destroy(): void {
    this.socket.destroy();
    this.finish(1006, 'destroyed');
  }

  private onData(chunk: Buffer): void {
    let events: WsEvent[];
    try {
      events = this.reader.push(chunk);
    } catch (e) {
      const err = e as WebSocketProtocolError;
      this.close(err.closeCode ?? CLOSE.protocolError, err.message);
      this.socket.end();
      return;
    }
    for (const ev of events) {
      if (this.closed) return;
      switch (ev.type) {
        case 'message':
          if (!this.closeSent) this.messageHandler(ev.data, ev.opcode);
          break;
        case 'ping':
          if (!this.closeSent) this.socket.write(encodeFrame(OP.pong, ev.data));
          break;
        case 'pong':
          break;
        case 'close':
          // Echo the close (unless we started it), then end: the client closes the TCP connection.
          if (!this.closeSent) {
            this.closeSent = true;
            this.socket.write(encodeFrame(OP.close, closePayload(ev.code === 1005 ? CLOSE.normal : ev.code)));
          }
          this.socket.end();
          this.finish(ev.code, ev.reason);
          return;
      }
    }
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeHandlers.splice(0)) fn(code, reason);
  }
}
