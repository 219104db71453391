// Runs short commands through one long-lived /bin/sh instead of spawning each from the server.
// Why: Node spawns by fork(), whose cost grows with the parent's memory; the canary check lists
// iptables every second or two, and forking the ~110 MB server for it was a third of what an idle
// server spent (CPU profile of bench/idle with 100 pods). The shell is small, so its forks are cheap.
//
// Protocol: one command at a time on the shell's stdin, its stdout and stderr merged, then a
// marker line with the exit status. Arguments are single-quoted. If the shell dies, the next call
// starts another. The idle shell does not keep the process alive: its pipe is held only while a
// command runs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';

/** A child's stdio pipes are sockets, which can stop holding the event loop. */
const pipe = (stream: unknown) => stream as Socket;

const MARKER = '__k1s_done__';

export interface ShellResult {
  code: number;
  /** stdout and stderr, merged */
  output: string;
}

/** POSIX sh single-quoting: safe for any string. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class ShellRunner {
  private shell: ChildProcessWithoutNullStreams | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private buffer = '';
  private pending: ((r: ShellResult) => void) | undefined;
  private failPending: ((e: Error) => void) | undefined;

  /** Runs `argv` in the shell; resolves with its exit code and merged output. */
  run(argv: string[]): Promise<ShellResult> {
    const next = this.queue.then(() => this.runNow(argv));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Ends the shell (the server's stop). */
  close(): void {
    this.shell?.stdin.end();
    this.shell = undefined;
  }

  private runNow(argv: string[]): Promise<ShellResult> {
    const shell = this.ensureShell();
    return new Promise<ShellResult>((resolve, reject) => {
      this.pending = resolve;
      this.failPending = reject;
      // held until the answer comes (or the shell's exit, which the process handle reports)
      shell.ref();
      pipe(shell.stdout).ref();
      shell.stdin.write(`${argv.map(shellQuote).join(' ')} 2>&1 </dev/null; printf '\\n${MARKER} %d\\n' $?\n`);
    });
  }

  private ensureShell(): ChildProcessWithoutNullStreams {
    if (this.shell) return this.shell;
    const shell = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.buffer = '';
    shell.stdout.setEncoding('utf8');
    shell.stdout.on('data', (chunk: string) => this.onData(chunk));
    shell.stdin.on('error', () => {}); // a dead shell surfaces through 'close'
    shell.on('close', () => {
      if (this.shell === shell) this.shell = undefined;
      this.failPending?.(new Error('the shell running iptables exited'));
      this.pending = this.failPending = undefined;
    });
    shell.on('error', (e) => this.failPending?.(e));
    shell.unref();
    for (const stream of [shell.stdin, shell.stdout, shell.stderr]) pipe(stream).unref();
    this.shell = shell;
    return shell;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    const m = new RegExp(`\\n${MARKER} (\\d+)\\n$`).exec(this.buffer);
    if (!m) return;
    const output = this.buffer.slice(0, m.index);
    this.buffer = '';
    if (this.shell) {
      this.shell.unref();
      pipe(this.shell.stdout).unref();
    }
    const resolve = this.pending;
    this.pending = this.failPending = undefined;
    resolve?.({ code: Number(m[1]), output });
  }
}
