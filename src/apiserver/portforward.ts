// Port-forward over SPDY, as the kubelet serves it (pkg/kubelet/cri/streaming/portforward):
// for every local connection kubectl opens two streams that share a requestID header, an "error"
// stream (which the client closes at once and reads to the end) and a "data" stream. Once both
// are there the server dials the pod's port and copies bytes both ways; when the pod side is
// done it closes the data stream, then the error stream (with a message on failure, which makes
// kubectl drop the whole connection).
import type { Duplex } from 'node:stream';
import type { SpdyStream } from './spdy.js';

/** The SPDY subprotocol (X-Stream-Protocol-Version) of port-forward. */
export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** kubectl 1.30+ first asks for SPDY inside a WebSocket, with this WebSocket subprotocol. */
export const TUNNELED_PORTFORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Connects to the pod's port; the returned socket is the pod end of one forwarded connection. */
export type PortDialer = (port: number) => Promise<Duplex>;

export type StreamHeaders = { type: 'data' | 'error'; port: number; requestID: string } | { error: string };

/**
 * A stream's port-forward headers, validated with the kubelet's messages. Old clients send no
 * requestID: the kubelet pairs their error stream id N with data stream id N+2, and so do we.
 */
export function portForwardHeaders(get: (name: string) => string | undefined, streamId: number): StreamHeaders {
  const portString = get('port');
  if (!portString) return { error: '"port" header is required' };
  const port = /^\d+$/.test(portString) ? Number(portString) : NaN;
  if (!Number.isInteger(port) || port > 65535) return { error: `unable to parse "${portString}" as a port` };
  if (port < 1) return { error: `port "${portString}" must be > 0` };
  const type = get('streamtype');
  if (!type) return { error: '"streamType" header is required' };
  if (type !== 'data' && type !== 'error') return { error: `invalid stream type "${type}"` };
  const requestID = get('requestid') || String(type === 'error' ? streamId : streamId - 2);
  return { type, port, requestID };
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Pairs streams and forwards each complete pair through `dial`. One per SPDY connection. */
export class PortForwardHandler {
  private readonly pairs = new Map<string, Pair>();

  constructor(
    private readonly dial: PortDialer,
    private readonly describe: string,
    private readonly onError: (e: unknown) => void = () => {},
    private readonly creationTimeoutMs = 30_000,
  ) {}

  onStream(stream: SpdyStream): void {
    const h = portForwardHeaders((n) => stream.header(n), stream.id);
    if ('error' in h) {
      stream.reset();
      this.onError(new Error(h.error));
      return;
    }
    let pair = this.pairs.get(h.requestID);
    if (!pair) {
      const timer = setTimeout(() => {
        this.pairs.delete(h.requestID);
        pair?.error?.end(`timed out waiting for streams of request ${h.requestID}`);
        pair?.data?.reset();
      }, this.creationTimeoutMs);
      timer.unref();
      pair = { timer };
      this.pairs.set(h.requestID, pair);
    }
    if (pair[h.type]) {
      pair.error?.write(`error processing stream for request ${h.requestID}: ${h.type} stream already assigned`);
      stream.reset();
      return;
    }
    pair[h.type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      this.pairs.delete(h.requestID);
      void this.forward(h.port, pair.data, pair.error);
    }
  }

  close(): void {
    for (const p of this.pairs.values()) clearTimeout(p.timer);
    this.pairs.clear();
  }

  private async forward(port: number, data: SpdyStream, error: SpdyStream): Promise<void> {
    error.resume(); // the client sends nothing on it but its FIN
    let conn: Duplex;
    try {
      conn = await this.dial(port);
    } catch (e) {
      error.end(`error forwarding port ${port} to pod ${this.describe}: ${(e as Error).message}`);
      data.end();
      return;
    }
    const done = () => {
      conn.destroy();
      if (!error.writableEnded && !error.destroyed) error.end();
    };
    conn.on('error', () => undefined); // a reset by the pod ends the copy like an EOF
    data.on('error', () => undefined);
    // client -> pod: the client's FIN half-closes the pod connection
    data.pipe(conn);
    // pod -> client: the pod's EOF is our FIN on the data stream, then on the error stream
    conn.pipe(data);
    conn.on('close', done);
    data.on('close', done); // the client reset the stream after it saw our FIN (or gave up)
  }
}
