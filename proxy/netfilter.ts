// The one side effect the proxy has: reading and writing the kernel's iptables state.
// Kept to two calls, exactly as kube-proxy's iptables-restore mode needs them:
//   save()            -> `iptables-save` text of every table
//   restore(payload)  -> `iptables-restore --noflush` (only the chains the payload names change)
// FakeNetfilter interprets the same restore language on an in-memory model, so the proxier can be
// tested end to end (sync, idle sync, cleanup) without touching the host.
import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShellRunner, type RunOptions } from './shell-runner.js';

export interface Netfilter {
  /** `iptables-save` output for all tables. */
  save(): Promise<string>;
  /** `iptables-save -t <table>`: one table only (the small filter table, for the tamper check). */
  saveTable(table: string): Promise<string>;
  /** `iptables -t <table> -S <chain>` rule lines ("-A CHAIN ..."), or undefined when the chain does not exist. */
  chainRules(table: string, chain: string): Promise<string[] | undefined>;
  /** Apply an `iptables-restore --noflush` payload atomically; rejects with iptables' stderr. */
  restore(payload: string): Promise<void>;
  /** Whether the kernel accepts an SCTP port match (no sctp support: SCTP services are skipped). */
  supportsSCTP(): Promise<boolean>;
}

export class NetfilterError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = 'NetfilterError';
  }
}

/**
 * Where restore payloads (and iptables-save's stderr) wait for the shell: /run/k1s (tmpfs, root's,
 * where k1s keeps its other runtime files), else the system's temp dir.
 */
async function scratchDir(): Promise<string> {
  try {
    await mkdir('/run/k1s', { recursive: true, mode: 0o700 });
    await access('/run/k1s', constants.W_OK);
    return '/run/k1s';
  } catch {
    return tmpdir();
  }
}

/**
 * The real thing: iptables-save / iptables-restore (nf_tables or legacy, whichever is on PATH), run
 * by a small long-lived shell (shell-runner.ts), never forked from the server itself: a fork's
 * cost grows with the forking process's memory, and the server's grows with the cluster. The
 * restore payload goes through a file written beforehand (removed after), not a pipe from here.
 */
export class IptablesNetfilter implements Netfilter {
  private readonly saveBin: string;
  private readonly restoreBin: string;
  private readonly listBin: string;
  /** Every iptables command goes through one small long-lived shell: see shell-runner.ts. */
  private readonly shell = new ShellRunner();
  private dir: Promise<string> | undefined;
  private files = 0;

  constructor(opts: { saveBin?: string; restoreBin?: string; listBin?: string } = {}) {
    this.saveBin = opts.saveBin ?? 'iptables-save';
    this.restoreBin = opts.restoreBin ?? 'iptables-restore';
    this.listBin = opts.listBin ?? 'iptables';
  }

  async save(): Promise<string> {
    return this.run([this.saveBin], { stderrOnFailure: await this.scratchFile('save.err') });
  }

  /**
   * `iptables -t <table> -S`, turned into iptables-save's shape. Not `iptables-save -t <table>`:
   * with the nf_tables backend that reads the whole ruleset (94 ms with 1,000 services' nat
   * rules, against 5 ms for -S of one table), and this runs every second.
   */
  async saveTable(table: string): Promise<string> {
    return listingToSave(table, await this.list(['-w', '5', '-t', table, '-S']));
  }

  async chainRules(table: string, chain: string): Promise<string[] | undefined> {
    try {
      const out = await this.list(['-w', '5', '-t', table, '-S', chain]);
      return out.split('\n').filter((l) => l.startsWith('-A '));
    } catch (e) {
      // "No chain/target/match by that name": the chain is gone, which is what the caller asks.
      if (e instanceof NetfilterError && e.exitCode === 1) return undefined;
      throw e;
    }
  }

  /** Ends the listing shell. */
  close(): void {
    this.shell.close();
  }

  private list(args: string[]): Promise<string> {
    return this.run([this.listBin, ...args]);
  }

  /** One command in the shell: its output, or a NetfilterError with what it printed. */
  private async run(argv: string[], opts: RunOptions = {}): Promise<string> {
    const { code, output } = await this.shell.run(argv, opts);
    if (code !== 0) throw new NetfilterError(`${argv.join(' ')} failed (exit ${code}): ${output.trim()}`, output.trim(), code);
    return output;
  }

  async restore(payload: string): Promise<void> {
    const file = await this.scratchFile('rules');
    await writeFile(file, payload, { mode: 0o600 });
    try {
      // -w: wait for the xtables lock (legacy backend) instead of failing when Docker holds it.
      await this.run([this.restoreBin, '--noflush', '-w', '5'], { stdinFile: file });
    } finally {
      await rm(file, { force: true });
    }
  }

  /** A path of our own for one command's file (this process's pid: two servers never share one). */
  private async scratchFile(what: string): Promise<string> {
    this.dir ??= scratchDir();
    return join(await this.dir, `iptables.${process.pid}.${++this.files}.${what}`);
  }

  /**
   * Asks the kernel itself (iptables-restore --test only parses): a chain of ours with one SCTP
   * rule is created, then deleted. A leftover (crash in between) is a stale K1S- chain that the
   * next sync deletes.
   */
  async supportsSCTP(): Promise<boolean> {
    const chain = 'K1S-SCTP-PROBE';
    try {
      await this.restore(`*nat\n:${chain} - [0:0]\n-A ${chain} -p sctp -m sctp --dport 9 -j RETURN\nCOMMIT\n`);
    } catch {
      return false;
    }
    await this.restore(`*nat\n:${chain} - [0:0]\n-X ${chain}\nCOMMIT\n`).catch(() => {});
    return true;
  }
}

/** `iptables -S` lines (-P, -N, -A) as iptables-save text of one table. */
export function listingToSave(table: string, listing: string): string {
  const decl: string[] = [];
  const rules: string[] = [];
  for (const line of listing.split('\n')) {
    const p = /^-P (\S+) (\S+)$/.exec(line);
    const n = /^-N (\S+)$/.exec(line);
    if (p) decl.push(`:${p[1]} ${p[2]} [0:0]`);
    else if (n) decl.push(`:${n[1]} - [0:0]`);
    else if (line.startsWith('-A ')) rules.push(line);
  }
  return `*${table}\n${[...decl, ...rules].map((l) => `${l}\n`).join('')}COMMIT\n`;
}

// ---------------------------------------------------------------------------------------------
// In-memory fake

const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

interface FakeChain {
  policy: string; // 'ACCEPT' / 'DROP' for built-ins, '-' for user chains
  rules: string[]; // rule specs, i.e. the text after "-A CHAIN "
}

type FakeTables = Map<string, Map<string, FakeChain>>;

/**
 * Records every payload and keeps a model of the tables that `restore` updates with
 * iptables-restore --noflush semantics (`:CHAIN` creates or flushes, -A, -I, -D, -X, -F, -N).
 * Rule text is stored verbatim (real iptables-save may reorder matches; the fake does not).
 * Set `saveText` to start from any iptables-save text; set `failNext` to make the next restore fail.
 */
export class FakeNetfilter implements Netfilter {
  readonly payloads: string[] = [];
  failNext: Error | undefined;
  /** What supportsSCTP answers (the probe writes nothing here). */
  sctp = true;
  private tables: FakeTables = new Map();

  constructor(saveText = '') {
    this.saveText = saveText;
  }

  get saveText(): string {
    return renderTables(this.tables);
  }

  set saveText(text: string) {
    this.tables = parseTables(text);
  }

  async save(): Promise<string> {
    this.saves++;
    return this.saveText;
  }

  async supportsSCTP(): Promise<boolean> {
    return this.sctp;
  }

  /** How many times the whole ruleset was read (a partial sync must not read it). */
  saves = 0;

  async saveTable(table: string): Promise<string> {
    const all = parseTables(this.saveText);
    const t = all.get(table);
    return t ? renderTables(new Map([[table, t]])) : '';
  }

  async chainRules(table: string, chain: string): Promise<string[] | undefined> {
    const c = this.tables.get(table)?.get(chain);
    return c ? c.rules.map((r) => `-A ${chain} ${r}`) : undefined;
  }

  async restore(payload: string): Promise<void> {
    this.payloads.push(payload);
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    // Work on a copy so a failing payload changes nothing, like the real (atomic) restore.
    const copy = parseTables(renderTables(this.tables));
    applyRestore(copy, payload);
    this.tables = copy;
  }
}

function ensureTable(tables: FakeTables, name: string): Map<string, FakeChain> {
  let t = tables.get(name);
  if (!t) {
    t = new Map();
    for (const c of BUILTIN[name] ?? []) t.set(c, { policy: 'ACCEPT', rules: [] });
    tables.set(name, t);
  }
  return t;
}

function parseTables(text: string): FakeTables {
  const tables: FakeTables = new Map();
  let table: Map<string, FakeChain> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) table = ensureTable(tables, line.slice(1));
    else if (line === 'COMMIT') table = undefined;
    else if (table && line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      table.set(name, { policy: policy ?? '-', rules: table.get(name)?.rules ?? [] });
    } else if (table && line.startsWith('-A ')) {
      const m = /^-A (\S+) ?(.*)$/.exec(line);
      if (m) table.get(m[1])?.rules.push(m[2]);
    }
  }
  return tables;
}

function renderTables(tables: FakeTables): string {
  let out = '';
  for (const [name, chains] of tables) {
    out += `*${name}\n`;
    for (const [chain, c] of chains) out += `:${chain} ${c.policy} [0:0]\n`;
    for (const [chain, c] of chains) for (const r of c.rules) out += `-A ${chain} ${r}\n`;
    out += 'COMMIT\n';
  }
  return out;
}

function applyRestore(tables: FakeTables, payload: string): void {
  let table: Map<string, FakeChain> | undefined;
  let tableName = '';
  const fail = (line: string, why: string): never => {
    throw new NetfilterError(`iptables-restore: line "${line}": ${why}`, why, 1);
  };
  const chainOf = (line: string, name: string): FakeChain => {
    const c = table?.get(name);
    if (!c) fail(line, `chain ${name} does not exist in table ${tableName}`);
    return c as FakeChain;
  };
  for (const raw of payload.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      tableName = line.slice(1);
      table = ensureTable(tables, tableName);
      continue;
    }
    if (!table) fail(line, 'no table');
    const t = table as Map<string, FakeChain>;
    if (line === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      const existing = t.get(name);
      if (existing) {
        existing.rules = []; // declaring a chain flushes it, even with --noflush
        if (policy && policy !== '-') existing.policy = policy;
      } else t.set(name, { policy: policy ?? '-', rules: [] });
      continue;
    }
    const m = /^(-[AIDXFN]) (\S+)(?: (.*))?$/.exec(line);
    if (!m) fail(line, 'unsupported line');
    const [, op, chainName, rest = ''] = m as RegExpExecArray;
    switch (op) {
      case '-N':
        if (t.has(chainName)) fail(line, 'chain already exists');
        t.set(chainName, { policy: '-', rules: [] });
        break;
      case '-A':
        chainOf(line, chainName).rules.push(rest);
        break;
      case '-I': {
        const im = /^(\d+) (.*)$/.exec(rest);
        const pos = im ? Number(im[1]) : 1;
        const spec = im ? im[2] : rest;
        const c = chainOf(line, chainName);
        if (pos < 1 || pos > c.rules.length + 1) fail(line, 'index of insertion too big');
        c.rules.splice(pos - 1, 0, spec);
        break;
      }
      case '-D': {
        const c = chainOf(line, chainName);
        const i = /^\d+$/.test(rest) ? Number(rest) - 1 : c.rules.indexOf(rest);
        if (i < 0 || i >= c.rules.length) fail(line, 'rule does not exist');
        c.rules.splice(i, 1);
        break;
      }
      case '-F':
        chainOf(line, chainName).rules = [];
        break;
      case '-X': {
        const c = chainOf(line, chainName);
        if (c.policy !== '-') fail(line, 'cannot delete built-in chain');
        if (c.rules.length > 0) fail(line, 'chain is not empty');
        for (const [other, oc] of t) {
          if (other !== chainName && oc.rules.some((r) => new RegExp(`-[jg] ${chainName}( |$)`).test(r))) {
            fail(line, `chain ${chainName} is still referenced by ${other}`);
          }
        }
        t.delete(chainName);
        break;
      }
    }
  }
  if (table) throw new NetfilterError(`iptables-restore: table ${tableName} without COMMIT`, 'no COMMIT', 1);
}
