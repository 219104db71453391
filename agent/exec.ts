// The kubelet's streaming half for Docker: `kubectl exec` and `attach` through the engine's exec
// and attach APIs (hijacked connections: raw bytes with a TTY, 8-byte-framed stdout/stderr
// without), and port-forward as a TCP connection from the host to the pod's own address on the
// pod network. Which container (and which address) is a pure decision, table-tested.
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Pod } from '../src/api/types.js';
import type { StreamIO, StreamOptions, StreamRunner, TerminalSize } from '../src/apiserver/remotecommand.js';
import { cidrContains, parseCidr } from '../src/apiserver/allocators.js';
import { AgentError, resolveContainerName } from './logs.js';
import { DockerLogDemuxer } from './runtime.js';
import type { ObservedPod } from './observed.js';

export interface StreamTarget {
  /** the running app container (exec, attach) */
  containerId?: string;
  /** the sandbox's address on the pod network (port-forward) */
  podIP?: string;
}

/**
 * exec and attach need the named container running; port-forward needs the running sandbox's
 * address, inside the pod network (nothing else is ever dialled). Messages are the kubelet's.
 */
export function pickStreamTarget(
  pod: Pod,
  observed: ObservedPod,
  want: { container: string | undefined } | 'sandbox',
  podSubnet: string,
): StreamTarget {
  if (want === 'sandbox') {
    const sandbox = observed.sandboxes.find((s) => s.state === 'running' && s.ip);
    if (!sandbox?.ip) throw new AgentError('BadRequest', `pod ${pod.metadata.name} has no running sandbox`);
    // a pod on the host's network listens on the host itself
    if (pod.spec.hostNetwork) return { podIP: '127.0.0.1' };
    if (!cidrContains(parseCidr(podSubnet), sandbox.ip)) throw new AgentError('BadRequest', `pod ${pod.metadata.name} address ${sandbox.ip} is outside the pod network ${podSubnet}`);
    return { podIP: sandbox.ip };
  }
  const name = resolveContainerName(pod, want.container);
  const running = observed.containers.find((c) => c.name === name && c.state === 'running');
  if (!running) throw new AgentError('BadRequest', `container not found ("${name}")`);
  return { containerId: running.id };
}

export type DockerFrame = { stream: 'stdout' | 'stderr'; data: Buffer };

/**
 * Docker's multiplexed stream without a TTY: [type, 0, 0, 0, length (big-endian u32)] + payload,
 * type 1 stdout and 2 stderr (0, stdin, only echoes; it goes to stdout as Docker's CLI does).
 * Returns the complete frames and the bytes of an incomplete one.
 */
export function splitDockerFrames(buf: Buffer): { frames: DockerFrame[]; rest: Buffer } {
  const frames: DockerFrame[] = [];
  let at = 0;
  while (buf.length - at >= 8) {
    const len = buf.readUInt32BE(at + 4);
    if (buf.length - at < 8 + len) break;
    frames.push({ stream: buf[at] === 2 ? 'stderr' : 'stdout', data: buf.subarray(at + 8, at + 8 + len) });
    at += 8 + len;
  }
  return { frames, rest: buf.subarray(at) };
}

/** Copies the engine's output to the client, pausing the engine while the client is slow. */
function pumpOutput(engine: Duplex, io: StreamIO, multiplexed: boolean): Promise<void> {
  return new Promise((resolve) => {
    let pending = Buffer.alloc(0);
    const write = (w: NodeJS.WritableStream | undefined, data: Buffer) => {
      if (w && data.length && !w.write(data)) {
        engine.pause();
        w.once('drain', () => engine.resume());
      }
    };
    engine.on('data', (chunk: Buffer) => {
      if (!multiplexed) return write(io.stdout, chunk);
      const { frames, rest } = splitDockerFrames(pending.length ? Buffer.concat([pending, chunk]) : chunk);
      pending = Buffer.from(rest);
      for (const f of frames) write(f.stream === 'stderr' ? io.stderr : io.stdout, f.data);
    });
    engine.on('end', () => resolve());
    engine.on('close', () => resolve());
    engine.on('error', () => resolve());
  });
}

/** The client's stdin into the engine; its end half-closes the hijacked connection, which Docker turns into EOF on the process's stdin. */
function pumpInput(io: StreamIO, engine: Duplex): void {
  if (!io.stdin) return;
  io.stdin.pipe(engine);
  io.stdin.on('error', () => undefined);
}

export class DockerStreams {
  constructor(private readonly docker: Docker) {}

  /** `kubectl exec`: resolves to the command's exit code. */
  exec(containerId: string, opts: StreamOptions): StreamRunner {
    return async (io) => {
      // kubectl sends the terminal's size right after connecting. Engines from API 1.42 (Docker
      // 23) start the process at that size; older ones only resize after the start, so a command
      // that asks at once may still see 0x0 there.
      const size = opts.tty ? await firstSize(io, 250) : undefined;
      const consoleSize = size ? [size.height, size.width] : undefined;
      const exec = await this.docker.getContainer(containerId).exec({
        Cmd: opts.command,
        AttachStdin: opts.stdin,
        AttachStdout: opts.stdout,
        AttachStderr: opts.stderr,
        Tty: opts.tty,
        ConsoleSize: consoleSize,
      } as Docker.ExecCreateOptions);
      // Tty in the start body too: the engine multiplexes (or not) by this one.
      const engine = (await exec.start({ hijack: true, stdin: opts.stdin, Detach: false, Tty: opts.tty, ConsoleSize: consoleSize } as Docker.ExecStartOptions)) as Duplex;
      const stop = () => engine.destroy();
      io.signal.addEventListener('abort', stop, { once: true });
      const resize = (s: TerminalSize) => void exec.resize({ h: s.height, w: s.width }).catch(() => undefined);
      if (size) resize(size);
      io.onResize(resize);
      pumpInput(io, engine);
      await pumpOutput(engine, io, !opts.tty);
      io.signal.removeEventListener('abort', stop);
      return exitCode(exec);
    };
  }

  /** A command run to its end with its output collected (exec probes): stdout and stderr together. */
  async run(containerId: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const exec = await this.docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const engine = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => engine.destroy(new Error(`command ${JSON.stringify(cmd.join(' '))} timed out`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const demux = new DockerLogDemuxer();
        demux.on('data', (c: Buffer) => chunks.push(c));
        demux.on('end', resolve);
        engine.on('error', reject);
        engine.pipe(demux);
      });
    } finally {
      clearTimeout(timer);
    }
    return { exitCode: await exitCode(exec), output: Buffer.concat(chunks).toString('utf8') };
  }

  /** `kubectl attach`: the container's own streams until it exits or the client leaves. */
  attach(containerId: string, opts: StreamOptions): StreamRunner {
    return async (io) => {
      const container = this.docker.getContainer(containerId);
      const info = await container.inspect();
      const tty = !!info.Config?.Tty;
      const engine = (await container.attach({
        stream: true,
        hijack: true,
        stdin: opts.stdin && !!info.Config?.OpenStdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
      } as Docker.ContainerAttachOptions)) as unknown as Duplex;
      const stop = () => engine.destroy();
      io.signal.addEventListener('abort', stop, { once: true });
      if (tty) io.onResize((s) => void container.resize({ h: s.height, w: s.width }).catch(() => undefined));
      if (info.Config?.OpenStdin) pumpInput(io, engine);
      await pumpOutput(engine, io, !tty);
      io.signal.removeEventListener('abort', stop);
    };
  }

  /** A TCP connection from the host to ip:port (the caller passes only a pod's own address). */
  dial(ip: string, port: number, timeoutMs = 10_000): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: ip, port, allowHalfOpen: true });
      const timer = setTimeout(() => sock.destroy(new Error(`dial tcp ${ip}:${port}: i/o timeout`)), timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.setNoDelay(true);
        resolve(sock);
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`dial tcp ${ip}:${port}: ${(e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message}`));
      });
    });
  }
}

/** The first terminal size the client sends, or undefined after `ms`. */
function firstSize(io: StreamIO, ms: number): Promise<TerminalSize | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    io.onResize((s) => {
      clearTimeout(timer);
      resolve(s);
    });
  });
}

/** The engine marks an exec finished a moment after its output ends; wait for that, briefly. */
async function exitCode(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the command did not report an exit code');
}
