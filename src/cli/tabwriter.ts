// Go's text/tabwriter, which lays out both `kubectl get` tables and `kubectl describe`. Copying its
// rules (rather than padding columns our own way) is what makes the output match kubectl's to the
// space:
//  - a cell is text terminated by a tab; the text after a line's last tab is not part of any column;
//  - a column block is a run of consecutive lines that all have that column; each block is as wide
//    as its widest cell plus padding (and at least minWidth), independently of other blocks;
//  - a line without any tab ends the buffered section (Go flushes there), and so does flush().

export interface TabWriterOptions {
  minWidth: number;
  padding: number;
}

/** `kubectl get` tables: cli-runtime's tabwriter (minwidth 6, tabwidth 4, padding 3, ' '). */
export const TABLE_TABWRITER: TabWriterOptions = { minWidth: 6, padding: 3 };
/** `kubectl describe`: describe.tabbedString (minwidth 0, tabwidth 8, padding 2, ' '). */
export const DESCRIBE_TABWRITER: TabWriterOptions = { minWidth: 0, padding: 2 };

const width = (s: string) => [...s].length; // Go counts runes

export class TabWriter {
  private out = '';
  private lines: string[][] = [];
  private partial = '';

  constructor(private readonly opts: TabWriterOptions) {}

  write(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      const cells = line.split('\t');
      this.lines.push(cells);
      if (cells.length === 1) this.flushLines();
    }
  }

  /** Ends the current alignment section, as Go's Writer.Flush does. */
  flush(): void {
    this.flushLines();
  }

  /** Flushes and returns everything written. */
  toString(): string {
    this.flushLines();
    if (this.partial) {
      this.out += this.partial;
      this.partial = '';
    }
    return this.out;
  }

  private flushLines(): void {
    if (this.lines.length === 0) return;
    this.out += formatBlock(this.lines, this.opts).map((l) => l + '\n').join('');
    this.lines = [];
  }
}

/** Lays out whole lines (already split into cells) exactly as tabwriter's format() does. */
function formatBlock(lines: string[][], opts: TabWriterOptions): string[] {
  const out: string[] = new Array<string>(lines.length);
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      let s = '';
      lines[i].forEach((cell, j) => {
        s += cell;
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j] - width(cell)));
      });
      out[i] = s;
    }
  };

  const format = (line0: number, line1: number) => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      // a cell exists in this column: print the lines above, then measure the column block
      writeLines(line0, t);
      line0 = t;
      let w = opts.minWidth;
      for (; t < line1; t++) {
        const line = lines[t];
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]) + opts.padding);
      }
      widths.push(w);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

/** Convenience: lays out a whole text in one go. */
export function tabwrite(text: string, opts: TabWriterOptions): string {
  const w = new TabWriter(opts);
  w.write(text);
  return w.toString();
}
