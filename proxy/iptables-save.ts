// Reading `iptables-save` text. PURE, except that parseIptablesSaveSliced yields to the event loop.
//
// With 1,000 services the text is 2.3 MB and 23,000 lines, nearly all of them our own chains'
// rules. The full sync reads it on the server's one thread, which also answers the API and the
// DNS: parsed in one go it blocked that thread for 100 ms. parseIptablesSaveSliced does the same
// work in slices of a few thousand lines with a turn of the event loop in between (DESIGN.md:
// "make such work incremental"); parseIptablesSave is the same parser in one go, for tests and
// the small texts (cleanup, the filter table of the canary check).

/** Split a rule spec like iptables-restore does: whitespace-separated, "double quotes" group. */
export function tokenize(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (inQuote) {
      if (c === '\\' && i + 1 < spec.length) cur += spec[++i];
      else if (c === '"') inQuote = false;
      else cur += c;
    } else if (c === '"') {
      inQuote = true;
      has = true;
    } else if (c === ' ' || c === '\t') {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

/** The chain a rule jumps or goes to (`-j X`, `-g X`), if any. */
export function ruleTarget(spec: string): string | undefined {
  const t = tokenize(spec);
  for (let i = 0; i < t.length - 1; i++) {
    if (t[i] === '-j' || t[i] === '--jump' || t[i] === '-g' || t[i] === '--goto') return t[i + 1];
  }
  return undefined;
}

export interface SavedRule {
  chain: string;
  /** The rule text after "-A CHAIN ", as iptables-save printed it (re-usable in `-D CHAIN <spec>`). */
  spec: string;
  target?: string;
}

export interface SavedTable {
  /** Chain names in the order iptables-save listed them. */
  chains: string[];
  rules: SavedRule[];
}

export interface ParsedSave {
  tables: Map<string, SavedTable>;
  /** "table/chain" -> number of rules, for the chains whose rules were skipped (ours). */
  skippedCounts: Map<string, number>;
}

/**
 * One line at a time. `skipRulesOf`: a chain prefix whose rules are counted but not kept (their
 * chains still are). Our own chains hold nearly all the rules (20,000 for 1,000 services) and a
 * full sync rewrites them anyway; only the foreign chains' rules (the jumps into ours) need
 * tokenizing, and the counts tell whether someone flushed or edited one of ours.
 */
class SaveParser {
  readonly tables = new Map<string, SavedTable>();
  readonly skippedCounts = new Map<string, number>();
  private table: SavedTable | undefined;
  private tableName = '';
  private readonly skip: string | undefined;

  constructor(skipRulesOf?: string) {
    this.skip = skipRulesOf ? `-A ${skipRulesOf}-` : undefined;
  }

  line(raw: string): void {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const table = this.table;
    if (line.startsWith('*')) {
      this.tableName = line.slice(1);
      this.table = { chains: [], rules: [] };
      this.tables.set(this.tableName, this.table);
    } else if (line === 'COMMIT') {
      this.table = undefined;
    } else if (table && line.startsWith(':')) {
      table.chains.push(line.slice(1).split(/\s+/)[0]);
    } else if (table && line.startsWith('-A ')) {
      if (this.skip && line.startsWith(this.skip)) {
        const key = `${this.tableName}/${line.slice(3, line.indexOf(' ', 3) >>> 0)}`;
        this.skippedCounts.set(key, (this.skippedCounts.get(key) ?? 0) + 1);
        return;
      }
      const m = /^-A (\S+) ?(.*)$/.exec(line);
      if (m) table.rules.push({ chain: m[1], spec: m[2], target: ruleTarget(m[2]) });
    }
  }

  result(): ParsedSave {
    return { tables: this.tables, skippedCounts: this.skippedCounts };
  }
}

/** Calls fn with each line of text from line `from` on, `count` lines at most; returns where it stopped (-1: the end). */
function eachLine(text: string, from: number, count: number, fn: (line: string) => void): number {
  let start = from;
  for (let i = 0; i < count; i++) {
    const end = text.indexOf('\n', start);
    if (end < 0) {
      fn(text.slice(start));
      return -1;
    }
    fn(text.slice(start, end));
    start = end + 1;
  }
  return start;
}

/** The whole text in one go: every table's chains and the rules not skipped. */
export function parseIptablesSave(text: string, skipRulesOf?: string): Map<string, SavedTable> {
  return parseSave(text, skipRulesOf).tables;
}

/** parseIptablesSave with the rule counts of the skipped chains. */
export function parseSave(text: string, skipRulesOf?: string): ParsedSave {
  const p = new SaveParser(skipRulesOf);
  eachLine(text, 0, Infinity, (l) => p.line(l));
  return p.result();
}

/** Lines per slice: about 3 ms of work on this machine's cores. */
export const LINES_PER_SLICE = 4000;

/** parseSave in slices of `linesPerSlice` lines with a turn of the event loop (setImmediate) between them. */
export async function parseIptablesSaveSliced(text: string, skipRulesOf?: string, linesPerSlice = LINES_PER_SLICE): Promise<ParsedSave> {
  const p = new SaveParser(skipRulesOf);
  const line = (l: string) => p.line(l);
  for (let at = eachLine(text, 0, linesPerSlice, line); at >= 0; at = eachLine(text, at, linesPerSlice, line)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return p.result();
}
