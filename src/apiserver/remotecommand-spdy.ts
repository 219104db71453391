// exec and attach over plain SPDY/3.1, what kubectl < 1.30 and KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false
// (and most Go clients) send: one SPDY stream per standard stream, named by its streamType header
// (error, stdin, stdout, stderr, resize), as the kubelet serves them
// (pkg/kubelet/cri/streaming/remotecommand/httpstream.go). SPDY half-closes streams itself, so v4
// and v5 behave alike here: stdin ends with the client's FIN, and the outcome is the same Status
// JSON on the error stream, after which every stream is closed.
import { errorStatus, exitStatus, parseTerminalSizes, type StreamIO, type StreamOptions, type StreamRunner, type TerminalSize } from './remotecommand.js';
import type { SpdyStream } from './spdy.js';

/** What the SPDY executor of client-go offers (v5 first since 1.30); k1s speaks the Status-based ones. */
export const SPDY_CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/** The streams a client opens for these options (client-go remotecommand v2/v3 createStreams). */
export function expectedStreams(opts: StreamOptions): StreamType[] {
  const want: StreamType[] = ['error'];
  if (opts.stdin) want.push('stdin');
  if (opts.stdout) want.push('stdout');
  if (opts.stderr && !opts.tty) want.push('stderr');
  if (opts.tty) want.push('resize');
  return want;
}

/**
 * Collects the client's streams; once every expected one is there, runs the command and reports.
 * `onStream` is the SPDY session's stream handler; `closed` is called when the connection ends.
 */
export class SpdyRemoteCommand {
  private readonly streams = new Map<StreamType, SpdyStream>();
  private readonly want: StreamType[];
  private readonly abort = new AbortController();
  private started = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly opts: StreamOptions,
    private readonly run: StreamRunner,
    private readonly finish: () => void,
    private readonly onError: (e: unknown) => void = () => {},
    creationTimeoutMs = 30_000,
  ) {
    this.want = expectedStreams(opts);
    this.timer = setTimeout(() => {
      this.streams.get('error')?.end('timed out waiting for client to create streams');
      this.finish();
    }, creationTimeoutMs);
    this.timer.unref();
  }

  onStream(s: SpdyStream): void {
    const type = s.header('streamType') as StreamType | undefined;
    if (!type || !this.want.includes(type) || this.streams.has(type)) {
      s.reset();
      return;
    }
    s.on('error', () => undefined);
    this.streams.set(type, s);
    if (this.want.every((t) => this.streams.has(t)) && !this.started) {
      this.started = true;
      clearTimeout(this.timer);
      void this.serve();
    }
  }

  /** The connection is gone: the runner stops. */
  closed(): void {
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private async serve(): Promise<void> {
    const get = (t: StreamType) => this.streams.get(t);
    const resizeHandlers: ((s: TerminalSize) => void)[] = [];
    const pending: TerminalSize[] = [];
    get('resize')?.on('data', (chunk: Buffer) => {
      for (const size of parseTerminalSizes(chunk)) {
        if (resizeHandlers.length) resizeHandlers.forEach((fn) => fn(size));
        else pending.push(size);
      }
    });
    const io: StreamIO = {
      stdin: get('stdin'),
      stdout: get('stdout'),
      stderr: get('stderr'),
      signal: this.abort.signal,
      onResize(fn) {
        resizeHandlers.push(fn);
        for (const s of pending.splice(0)) fn(s);
      },
    };
    let status;
    try {
      const code = await this.run(io);
      status = exitStatus(typeof code === 'number' ? code : 0, this.opts.command);
    } catch (e) {
      this.onError(e);
      status = errorStatus((e as Error)?.message ?? String(e));
    }
    // Output first, then the status; every stream gets our FIN (the client waits for stdin's too).
    const ends = [...this.streams.entries()]
      .filter(([t]) => t !== 'error')
      .map(([, s]) => new Promise<void>((r) => (s.writableEnded || s.destroyed ? r() : s.end(() => r()))));
    await Promise.all(ends);
    const error = get('error')!;
    if (!error.destroyed) await new Promise<void>((r) => error.end(JSON.stringify(status), () => r()));
    this.finish();
  }
}
