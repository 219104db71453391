// The part of SPDY/3.1 that Kubernetes port-forwarding needs, server side: kubectl 1.32 opens
// port-forward as SPDY tunneled through a WebSocket ("SPDY/3.1+portforward.k8s.io") and falls
// back to a plain SPDY/3.1 upgrade. Client-initiated streams with compressed header blocks,
// SYN_REPLY, DATA with FIN, RST_STREAM, PING echo, GOAWAY. No flow control: moby/spdystream (the
// peer in client-go) neither sends nor honours WINDOW_UPDATE.
//
// Header blocks are zlib streams primed with the SPDY/3 dictionary, one compression context per
// direction for the whole connection. Reading uses node:zlib (asynchronous, so frames are handled
// in order through a queue); writing uses stored (uncompressed) deflate blocks, which any inflater
// reads and which need no shared state beyond "the zlib header went out already".
import zlib from 'node:zlib';
import { Duplex } from 'node:stream';

export const SPDY_VERSION = 3;
export const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const FLAG_FIN = 0x01;
export const RST = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6 } as const;

/** The longest DATA payload we send; the format allows 16 MiB, small frames keep latency even. */
const MAX_DATA = 64 * 1024;

// The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): length-
// prefixed header names and values, then a run of common value text. Built from its parts so it
// can be read; its Adler-32 is what a peer checks, so it must be byte-exact.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1',
  'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

export type Headers = Record<string, string[]>;

export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedTo: number; priority: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { type: 'synReply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'settings' }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  | { type: 'unknown'; controlType: number };

export class SpdyProtocolError extends Error {}

/** The first complete frame in `buf` and its size, or undefined when more bytes are needed. */
export function decodeFrame(buf: Buffer): { frame: SpdyFrame; size: number } | undefined {
  if (buf.length < 8) return undefined;
  const word = buf.readUInt32BE(0);
  const flags = buf[4];
  const length = buf.readUIntBE(5, 3);
  if (buf.length < 8 + length) return undefined;
  const body = buf.subarray(8, 8 + length);
  const size = 8 + length;
  const fin = (flags & FLAG_FIN) !== 0;
  if ((word & 0x80000000) === 0) {
    return { frame: { type: 'data', streamId: word & 0x7fffffff, fin, data: Buffer.from(body) }, size };
  }
  const version = (word >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const controlType = word & 0xffff;
  const need = (n: number) => {
    if (length < n) throw new SpdyProtocolError(`control frame ${controlType} too short`);
  };
  const id = (at: number) => body.readUInt32BE(at) & 0x7fffffff;
  switch (controlType) {
    case TYPE.synStream:
      need(10);
      return {
        frame: { type: 'synStream', streamId: id(0), associatedTo: id(4), priority: body[8] >> 5, fin, unidirectional: (flags & 0x02) !== 0, headerBlock: Buffer.from(body.subarray(10)) },
        size,
      };
    case TYPE.synReply:
    case TYPE.headers:
      need(4);
      return { frame: { type: controlType === TYPE.synReply ? 'synReply' : 'headers', streamId: id(0), fin, headerBlock: Buffer.from(body.subarray(4)) }, size };
    case TYPE.rstStream:
      need(8);
      return { frame: { type: 'rstStream', streamId: id(0), status: body.readUInt32BE(4) }, size };
    case TYPE.ping:
      need(4);
      return { frame: { type: 'ping', id: body.readUInt32BE(0) }, size };
    case TYPE.goAway:
      need(8);
      return { frame: { type: 'goAway', lastGoodStreamId: id(0), status: body.readUInt32BE(4) }, size };
    case TYPE.settings:
      return { frame: { type: 'settings' }, size };
    case TYPE.windowUpdate:
      need(8);
      return { frame: { type: 'windowUpdate', streamId: id(0), delta: body.readUInt32BE(4) & 0x7fffffff }, size };
    default:
      return { frame: { type: 'unknown', controlType }, size }; // ignored, as the spec asks
  }
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(8 + body.length);
  out.writeUInt32BE((0x80000000 | (SPDY_VERSION << 16) | type) >>> 0, 0);
  out[4] = flags;
  out.writeUIntBE(body.length, 5, 3);
  body.copy(out, 8);
  return out;
}

const u32 = (...values: number[]) => {
  const b = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};

export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  const out = Buffer.allocUnsafe(8 + data.length);
  out.writeUInt32BE(streamId & 0x7fffffff, 0);
  out[4] = fin ? FLAG_FIN : 0;
  out.writeUIntBE(data.length, 5, 3);
  data.copy(out, 8);
  return out;
}

export function encodeSynStream(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  return controlFrame(TYPE.synStream, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId, 0), Buffer.from([0, 0]), headerBlock]));
}

export function encodeSynReply(streamId: number, headerBlock: Buffer, fin = false): Buffer {
  return controlFrame(TYPE.synReply, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId), headerBlock]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  return controlFrame(TYPE.rstStream, 0, u32(streamId, status));
}

export function encodePing(id: number): Buffer {
  return controlFrame(TYPE.ping, 0, u32(id));
}

export function encodeGoAway(lastGoodStreamId: number, status = 0): Buffer {
  return controlFrame(TYPE.goAway, 0, u32(lastGoodStreamId, status));
}

/** The uncompressed name/value block: a count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(Object.keys(headers).length)];
  for (const [name, values] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function parseHeaderBlock(block: Buffer): Headers {
  let at = 0;
  const read = (n: number) => {
    if (at + n > block.length) throw new SpdyProtocolError('truncated header block');
    const out = block.subarray(at, at + n);
    at += n;
    return out;
  };
  const count = read(4).readUInt32BE(0);
  const headers: Headers = {};
  for (let i = 0; i < count; i++) {
    const name = read(read(4).readUInt32BE(0)).toString('utf8').toLowerCase();
    const value = read(read(4).readUInt32BE(0)).toString('utf8');
    (headers[name] ??= []).push(...value.split('\0'));
  }
  return headers;
}

const SYNC_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/**
 * Compresses header blocks for one connection direction: the first block carries the zlib header
 * (naming the dictionary by its Adler-32, as Go's zlib writer does), every block is one or more
 * stored deflate blocks closed by a sync flush, so each frame decodes completely on its own in the
 * peer's shared stream.
 */
export class HeaderCompressor {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32 KiB window); FLG 0x20 sets FDICT, and 0x7820 is a multiple of 31.
      parts.push(Buffer.from([0x78, 0x20]), u32(adler32(SPDY_DICTIONARY)));
    }
    for (let i = 0; i === 0 || i < block.length; i += 0xffff) {
      const chunk = block.subarray(i, i + 0xffff);
      const head = Buffer.allocUnsafe(5);
      head[0] = 0x00; // BFINAL 0, BTYPE 00 (stored): the stream goes on with the next frame
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    // An empty stored block, the sync-flush marker: Go's inflater hands out a stored block's bytes
    // only when the next block starts, and it must not need the next frame for that.
    parts.push(SYNC_MARKER);
    return Buffer.concat(parts);
  }
}

/** Inflates the peer's header blocks: one zlib stream for the connection, flushed per frame. */
export class HeaderDecompressor {
  private readonly inflate = zlib.createInflate({ dictionary: SPDY_DICTIONARY });
  private chunks: Buffer[] = [];
  private failure: Error | undefined;
  /** zlib reports a bad stream as an 'error' event and never calls the flush callback then */
  private rejectPending: ((e: Error) => void) | undefined;

  constructor() {
    this.inflate.on('data', (c: Buffer) => this.chunks.push(c));
    this.inflate.on('error', (e) => {
      this.failure = new SpdyProtocolError(`header block: ${e.message}`);
      this.rejectPending?.(this.failure);
    });
  }

  decompress(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.rejectPending = reject;
      this.inflate.write(block);
      this.inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        this.rejectPending = undefined;
        if (this.failure) return reject(this.failure);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.inflate.destroy();
  }
}

export function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; i++) {
    a = (a + buf[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** How a session writes frames: a raw socket, or one WebSocket message per frame. */
export interface FrameSink {
  write(frame: Buffer): boolean;
  whenWritable(fn: () => void): void;
  end(): void;
}

/**
 * One stream the client opened. Readable: the client's DATA until its FIN. Writable: our DATA,
 * with FIN on end(). A RST_STREAM from the client destroys it.
 */
export class SpdyStream extends Duplex {
  constructor(
    readonly id: number,
    readonly headers: Headers,
    private readonly session: SpdyServerSession,
  ) {
    super({ allowHalfOpen: true });
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.session.sendData(this.id, Buffer.alloc(0), true, done);
  }

  /** RST_STREAM to the client: we give up on this stream. */
  reset(status: number = RST.cancel): void {
    this.session.sendRst(this.id, status);
    this.destroy();
  }
}

/**
 * The server end of a SPDY connection. Bytes in through push(); every stream the client opens is
 * answered with SYN_REPLY (spdystream drops DATA on a stream it has no reply for) and handed to
 * onStream. Frames are handled strictly in order, even while a header block inflates.
 */
export class SpdyServerSession {
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: SpdyFrame[] = [];
  private draining = false;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private lastStreamId = 0;
  private closed = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly onStream: (s: SpdyStream) => void,
    private readonly onError: (e: Error) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      for (;;) {
        const next = decodeFrame(this.buf);
        if (!next) break;
        this.buf = this.buf.subarray(next.size);
        this.queue.push(next.frame);
      }
    } catch (e) {
      return this.fail(e as Error);
    }
    void this.drain();
  }

  /** The transport ended: every stream ends with it. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.inflater.close();
    for (const s of this.streams.values()) s.destroy();
    this.streams.clear();
  }

  /** GOAWAY, then end the transport. */
  close(): void {
    if (this.closed) return;
    this.sink.write(encodeGoAway(this.lastStreamId));
    this.sink.end();
    this.end();
  }

  sendData(streamId: number, data: Buffer, fin: boolean, done: (err?: Error | null) => void): void {
    if (this.closed) return done();
    let ok = true;
    for (let i = 0; i < data.length; i += MAX_DATA) ok = this.sink.write(encodeData(streamId, data.subarray(i, i + MAX_DATA), fin && i + MAX_DATA >= data.length)) && ok;
    if (data.length === 0) ok = this.sink.write(encodeData(streamId, data, fin));
    if (fin) this.forget(streamId, 'local');
    if (ok) done();
    else this.sink.whenWritable(() => done());
  }

  sendRst(streamId: number, status: number): void {
    if (!this.closed) this.sink.write(encodeRstStream(streamId, status));
    this.streams.delete(streamId);
  }

  private readonly finished = new Map<number, Set<'local' | 'remote'>>();

  /** A stream is forgotten once both sides have sent FIN. */
  private forget(id: number, side: 'local' | 'remote'): void {
    const sides = this.finished.get(id) ?? new Set();
    sides.add(side);
    if (sides.size === 2) {
      this.finished.delete(id);
      this.streams.delete(id);
    } else {
      this.finished.set(id, sides);
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length && !this.closed) await this.handle(this.queue.shift()!);
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.draining = false;
    }
  }

  private async handle(f: SpdyFrame): Promise<void> {
    switch (f.type) {
      case 'synStream': {
        // Every block goes through the shared inflater, in order, even for a stream we refuse.
        const headers = parseHeaderBlock(await this.inflater.decompress(f.headerBlock));
        if (f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) {
          this.sink.write(encodeRstStream(f.streamId, RST.protocolError));
          return;
        }
        this.lastStreamId = f.streamId;
        const stream = new SpdyStream(f.streamId, headers, this);
        this.streams.set(f.streamId, stream);
        this.sink.write(encodeSynReply(f.streamId, this.deflater.compress(encodeHeaderBlock({}))));
        if (f.fin) this.remoteFin(stream);
        this.onStream(stream);
        return;
      }
      case 'headers':
      case 'synReply':
        await this.inflater.decompress(f.headerBlock);
        return;
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return; // a stream already reset or finished: nothing to deliver
        if (f.data.length) s.push(f.data);
        if (f.fin) this.remoteFin(s);
        return;
      }
      case 'rstStream': {
        const s = this.streams.get(f.streamId);
        this.streams.delete(f.streamId);
        this.finished.delete(f.streamId);
        s?.destroy();
        return;
      }
      case 'ping':
        // Odd ids are the client's (spdystream's ping ids follow the stream id parity): echo them.
        if (f.id % 2 === 1) this.sink.write(encodePing(f.id));
        return;
      case 'goAway':
        this.sink.end();
        this.end();
        return;
      default:
        return;
    }
  }

  private remoteFin(s: SpdyStream): void {
    s.push(null);
    this.forget(s.id, 'remote');
  }

  private fail(e: Error): void {
    this.onError(e);
    this.sink.write(encodeGoAway(this.lastStreamId, 1));
    this.sink.end();
    this.end();
  }
}
