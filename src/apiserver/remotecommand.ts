// The remote command protocol of exec and attach (Kubernetes' "channel.k8s.io" family) over a
// WebSocket: every binary message starts with a channel byte (0 stdin, 1 stdout, 2 stderr,
// 3 error, 4 resize); v5 adds 255, the CLOSE signal, so a client can end stdin without ending the
// connection. The outcome travels on the error channel as a metav1.Status (NonZeroExitCode with an
// ExitCode cause for a failed command), after which the server closes the WebSocket normally.
// The decisions are pure functions; serveRemoteCommand binds them to a connection and a runner.
import { PassThrough, Writable } from 'node:stream';
import type { WebSocketConnection } from './websocket.js';

export const V5_CHANNEL = 'v5.channel.k8s.io';
export const V4_CHANNEL = 'v4.channel.k8s.io';
/** kubectl 1.30+ offers only v5; v4 is what other WebSocket clients (e.g. the Python and JS clients) ask for. */
export const CHANNEL_PROTOCOLS = [V5_CHANNEL, V4_CHANNEL] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export type StreamSubresource = 'exec' | 'attach';

/** The query of an exec or attach request (PodExecOptions / PodAttachOptions). */
export interface StreamOptions {
  container?: string;
  /** exec only */
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** What a runner (the node agent) gets: byte streams in Kubernetes' direction names. */
export interface StreamIO {
  /** the client's stdin, ended when the client closes it; absent unless stdin was asked for */
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** terminal sizes from the client, the first one as soon as it arrives (tty only) */
  onResize(fn: (size: TerminalSize) => void): void;
  /** aborted when the client goes away before the command ends */
  signal: AbortSignal;
}

/** A runner returns the exit code for exec (0 is success) or nothing for attach. */
export type StreamRunner = (io: StreamIO) => Promise<number | void>;

const bool = (v: string | null) => v === 'true' || v === '1';

/**
 * PodExecOptions/PodAttachOptions from the query, with Kubernetes' validation messages.
 * A tty merges stderr into stdout, so stderr is dropped then (as the kubelet does).
 */
export function parseStreamOptions(sub: StreamSubresource, q: URLSearchParams): StreamOptions | { error: string } {
  const opts: StreamOptions = {
    container: q.get('container') || undefined,
    command: q.getAll('command'),
    stdin: bool(q.get('stdin')),
    stdout: bool(q.get('stdout')),
    stderr: bool(q.get('stderr')),
    tty: bool(q.get('tty')),
  };
  if (sub === 'exec' && opts.command.length === 0) return { error: 'you must specify at least one command for the container' };
  if (!opts.stdin && !opts.stdout && !opts.stderr) return { error: 'you must specify at least 1 of stdin, stdout, stderr' };
  if (opts.tty) opts.stderr = false;
  return opts;
}

export function encodeChannel(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = channel;
  body.copy(out, 1);
  return out;
}

export type ChannelMessage = { kind: 'data'; channel: number; data: Buffer } | { kind: 'close'; channel: number } | { kind: 'empty' };

/** One client message. A CLOSE signal only exists in v5; in v4 channel 255 is just unknown data. */
export function decodeChannel(msg: Buffer, protocol: string): ChannelMessage {
  if (msg.length === 0) return { kind: 'empty' };
  if (msg[0] === CHANNEL.close && protocol === V5_CHANNEL) {
    return msg.length >= 2 ? { kind: 'close', channel: msg[1] } : { kind: 'empty' };
  }
  return { kind: 'data', channel: msg[0], data: msg.subarray(1) };
}

/**
 * The resize channel carries JSON objects ({"Width":80,"Height":24}), one per write from
 * client-go's json.Encoder, so newline-separated and possibly several in one message.
 */
export function parseTerminalSizes(data: Buffer): TerminalSize[] {
  const out: TerminalSize[] = [];
  for (const line of data.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as { Width?: unknown; Height?: unknown };
      const width = Number(v.Width);
      const height = Number(v.Height);
      if (Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width < 65536 && height < 65536) out.push({ width, height });
    } catch {
      /* a malformed size is dropped, as the kubelet logs and ignores it */
    }
  }
  return out;
}

export interface ChannelStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes: { reason: string; message: string }[] };
}

/** What the kubelet writes on the error channel when the command ended with `exitCode`. */
export function exitStatus(exitCode: number, command: string[] = []): ChannelStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** A failure that is not the command's own exit (the runtime refused, the container is gone). */
export function errorStatus(message: string): ChannelStatus {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

/** A Writable that sends each chunk as one channel message, pushing back while the socket is full. */
function channelWriter(ws: WebSocketConnection, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!ws.isOpen) return done();
      // gorilla's reader is sized for 32 KiB messages; bigger writes are split to keep messages small.
      let ok = true;
      for (let i = 0; i < chunk.length; i += 32 * 1024) ok = ws.send(encodeChannel(channel, chunk.subarray(i, i + 32 * 1024))) && ok;
      if (!ok) return ws.whenWritable(() => done());
      done();
    },
  });
}

/**
 * Runs one exec/attach over an open WebSocket: routes client messages to stdin and resize, gives
 * the runner writable stdout/stderr, then writes the outcome on the error channel and closes.
 */
export async function serveRemoteCommand(
  ws: WebSocketConnection,
  protocol: string,
  opts: StreamOptions,
  run: StreamRunner,
  onError: (e: unknown) => void = () => {},
): Promise<void> {
  const abort = new AbortController();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  const resizeHandlers: ((s: TerminalSize) => void)[] = [];
  const pendingSizes: TerminalSize[] = [];
  let finished = false;

  ws.onMessage((msg) => {
    const m = decodeChannel(msg, protocol);
    if (m.kind === 'close') {
      if (m.channel === CHANNEL.stdin) stdin?.end();
      return;
    }
    if (m.kind !== 'data') return;
    if (m.channel === CHANNEL.stdin && stdin && !stdin.writableEnded) {
      // Back-pressure: stop reading the client until the container has taken the bytes.
      if (!stdin.write(m.data)) {
        ws.pause();
        stdin.once('drain', () => ws.resume());
      }
    } else if (m.channel === CHANNEL.resize && opts.tty) {
      for (const size of parseTerminalSizes(m.data)) {
        if (resizeHandlers.length) resizeHandlers.forEach((fn) => fn(size));
        else pendingSizes.push(size);
      }
    }
  });
  ws.onClose(() => {
    // v4 clients cannot half-close: the end of the connection is the end of stdin.
    stdin?.end();
    if (!finished) abort.abort();
  });

  const stdout = opts.stdout ? channelWriter(ws, CHANNEL.stdout) : undefined;
  const stderr = opts.stderr ? channelWriter(ws, CHANNEL.stderr) : undefined;
  const io: StreamIO = {
    stdin,
    stdout,
    stderr,
    signal: abort.signal,
    onResize(fn) {
      resizeHandlers.push(fn);
      for (const s of pendingSizes.splice(0)) fn(s);
    },
  };

  let status: ChannelStatus;
  try {
    const code = await run(io);
    status = exitStatus(typeof code === 'number' ? code : 0, opts.command);
  } catch (e) {
    onError(e);
    status = errorStatus((e as Error)?.message ?? String(e));
  }
  finished = true;
  // Output written by the runner is flushed before the status, so the client sees it all.
  await Promise.all([stdout, stderr].map((w) => (w ? new Promise<void>((r) => w.end(() => r())) : undefined)));
  if (ws.isOpen) {
    ws.send(encodeChannel(CHANNEL.error, JSON.stringify(status)));
    ws.close();
  }
}
