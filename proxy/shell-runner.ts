// Runs short commands through one long-lived /bin/sh instead of spawning each from the server.
// Why: Node spawns by fork(), whose cost grows with the parent's memory; the canary check lists
// iptables every second or two, and forking the ~110 MB server for it was a third of what an idle
// server spent (CPU profile of bench/idle with 100 pods). The shell is small, so its forks are cheap.
//
// iptables-save and iptables-restore go through it too (netfilter.ts): a restore spawned from the
// server cost 29 ms of fork alone once the server had 1,000 services' state in memory.
//
// Protocol: one command at a time on the shell's stdin, its stdout and stderr merged (or stderr
// shown only when the command fails: `stderrOnFailure`), then a marker line with the exit status.
// Stdin is /dev/null or a file (`stdinFile`). Arguments are single-quoted. If the shell dies, the
// next call starts another. The idle shell does not keep the process alive: its pipe is held only
// while a command runs.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

/** A child's stdio pipes are sockets, which can stop holding the event loop. */
const pipe = (stream: unknown) => stream as Socket;

/** Longer than the marker line. */
const TAIL = 96;

/** The shell line that runs argv with its redirections and leaves its exit status in $s. */
export function commandLine(argv: string[], opts: RunOptions = {}): string {
  const cmd = argv.map(shellQuote).join(' ');
  const stdin = `<${shellQuote(opts.stdinFile ?? '/dev/null')}`;
  if (opts.stderrOnFailure === undefined) return `${cmd} 2>&1 ${stdin}; s=$?`;
  const err = shellQuote(opts.stderrOnFailure);
  return `${cmd} 2>${err} ${stdin}; s=$?; [ $s -eq 0 ] || cat ${err}; rm -f ${err}`;
}

export interface RunOptions {
  /** A file the command reads as its stdin (an iptables-restore payload); default /dev/null. */
  stdinFile?: string;
  /** Keep stderr out of the output unless the command fails (then it follows stdout): for a
   *  command whose stdout is parsed (iptables-save). The file holds it meanwhile and is removed. */
  stderrOnFailure?: string;
}

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
  /** The running command's output so far, and its last characters (where the marker shows). */
  private chunks: string[] = [];
  private tail = '';
  private markerAtEnd: RegExp | undefined;
  private pending: ((r: ShellResult) => void) | undefined;
  private failPending: ((e: Error) => void) | undefined;

  /** Runs `argv` in the shell; resolves with its exit code and merged output. */
  run(argv: string[], opts: RunOptions = {}): Promise<ShellResult> {
    const next = this.queue.then(() => this.runNow(argv, opts));
    this.queue = next.catch(() => {});
    return next;
  }

  /** Ends the shell (the server's stop). */
  close(): void {
    this.shell?.stdin.end();
    this.shell = undefined;
  }

  private runNow(argv: string[], opts: RunOptions): Promise<ShellResult> {
    const shell = this.ensureShell();
    return new Promise<ShellResult>((resolve, reject) => {
      this.pending = resolve;
      this.failPending = reject;
      // held until the answer comes (or the shell's exit, which the process handle reports)
      shell.ref();
      pipe(shell.stdout).ref();
      // A marker no output can forge: random per command (a line of a command's output that
      // looked like a fixed marker, at the end of a pipe chunk, would end the command early).
      const marker = `__k1s_done_${randomBytes(12).toString('hex')}__`;
      this.markerAtEnd = new RegExp(`\\n${marker} (\\d+)\\n$`);
      shell.stdin.write(`${commandLine(argv, opts)}; printf '\\n${marker} %d\\n' $s\n`);
    });
  }

  private ensureShell(): ChildProcessWithoutNullStreams {
    if (this.shell) return this.shell;
    const shell = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.chunks = [];
    this.tail = '';
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
    // Only the last characters are searched for the marker: iptables-save's 2.3 MB arrive in
    // some 40 chunks, and searching the whole output at each would be quadratic.
    this.chunks.push(chunk);
    this.tail = (this.tail + chunk).slice(-TAIL);
    const m = this.markerAtEnd?.exec(this.tail);
    if (!m) return;
    const all = this.chunks.join('');
    const output = all.slice(0, all.length - (this.tail.length - m.index));
    this.chunks = [];
    this.tail = '';
    if (this.shell) {
      this.shell.unref();
      pipe(this.shell.stdout).unref();
    }
    const resolve = this.pending;
    this.pending = this.failPending = undefined;
    resolve?.({ code: Number(m[1]), output });
  }
}
