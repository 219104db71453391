// The owner of the shared answer table (answer-table.ts): keeps the one RecordIndex of the
// process and, for every name that a change touches, re-encodes that name's answers into the
// table. The answers are RecordIndex's answers, encoded by the same encodeResponse the index path
// uses, for a question in lower case without EDNS; readers patch the asker's id, RD bit, letter
// case, EDNS OPT and the current SOA serial in (or answer TC when it does not fit).
//
// Which answers a name gets: one per record type found at the name or along its in-zone CNAME
// chain, one for ANY, and one under qtype 0 for every other type (NODATA, or the CNAME chain's
// NODATA), which the reader uses when no answer is stored for the asked type.
//
// What a change touches: the names of the changed contributions, before and after, and the CNAME
// names whose chain reads one of them (ExternalName Services pointing into the zone). SRV and NS
// answers also read their targets' addresses, but a contribution's SRV targets are its own names
// and the NS target is the zone contribution's, so rebuilding a contribution's names covers them.
import { AnswerTableWriter, ANSWER_CHASE, ANSWER_TRUNCATED, type StoredAnswer, type TableBuffers } from './answer-table.js';
import { RecordIndex, type Contribution } from './records.js';
import { QTYPE, TYPE_CODE, encodeQuery, encodeResponse, parseQuery, type Query } from './wire.js';

const ANY = 255;

/** The answers of one existing name, by qtype (undefined: the name does not exist). */
export function answersFor(index: RecordIndex, name: string): { qtypes: number[]; answers: StoredAnswer[]; reads: string[] } | undefined {
  const chain = index.chainOf(name);
  if (!chain) return undefined;
  const qtypes = [0, ANY, ...new Set(chain.types.map((t) => TYPE_CODE[t]))];
  const answers = qtypes.map((qtype) => encodedAnswer(index, name, qtype));
  return { qtypes, answers, reads: chain.names };
}

function encodedAnswer(index: RecordIndex, name: string, qtype: number): StoredAnswer {
  const msg = encodeQuery(0, name, qtype);
  const q = parseQuery(msg) as Query;
  const res = index.lookup(name, QTYPE[qtype] ?? `TYPE${qtype}`);
  if (res.chase) return { bytes: Buffer.alloc(12), questionEnd: 12, serialAt: 0, flags: ANSWER_CHASE, chase: res.chase };
  const marks = { serialAt: 0 };
  const bytes = encodeResponse(q, msg, res, { aa: true, maxSize: 65535, marks });
  return { bytes, questionEnd: q.questionEnd, serialAt: marks.serialAt, flags: bytes[2] & 0x02 ? ANSWER_TRUNCATED : 0 };
}

function sameAnswer(a: StoredAnswer, b: StoredAnswer): boolean {
  return a.flags === b.flags && a.serialAt === b.serialAt && a.chase === b.chase && a.bytes.equals(b.bytes);
}

export class AnswerTableOwner {
  readonly writer: AnswerTableWriter;
  /** Name -> the CNAME names whose chain reads it. */
  private readonly readers = new Map<string, Set<string>>();
  /** CNAME name -> the other names its chain reads (to forget them when it changes). */
  private readonly chains = new Map<string, string[]>();

  constructor(
    readonly index: RecordIndex,
    onGeneration?: (buffers: TableBuffers) => void,
  ) {
    this.writer = new AnswerTableWriter(onGeneration);
  }

  buffers(): TableBuffers {
    return this.writer.current();
  }

  /** Applies contributions (null: removed) and the new serial, and rebuilds what they touch. */
  apply(changes: readonly (readonly [key: string, contribution: Contribution | null])[], serial: number): void {
    const touched = new Set<string>();
    for (const [key, c] of changes) {
      for (const n of this.index.contributionOf(key)?.names ?? []) touched.add(n);
      this.index.set(key, c ?? undefined);
      for (const n of c?.names ?? []) touched.add(n);
    }
    this.index.setSerial(serial);
    this.writer.setSerial(serial);
    for (const name of touched) for (const r of this.readers.get(name) ?? []) touched.add(r); // a Set iterates what is added meanwhile
    // room for every touched name at once: the first snapshot makes one generation, not one per doubling
    this.writer.reserve(touched.size, 0);
    for (const name of touched) this.rebuild(name);
  }

  /** Every name of the index (the first snapshot, and tests). */
  rebuildAll(serial: number): void {
    this.writer.setSerial(serial);
    const names = [...this.index.allNames()];
    this.writer.reserve(names.length, 0);
    for (const name of names) this.rebuild(name);
  }

  private rebuild(name: string): void {
    const built = answersFor(this.index, name);
    this.track(name, built?.reads ?? []);
    const w = this.writer;
    if (!built) {
      w.deleteName(name);
      return;
    }
    w.reserve(1, built.answers.reduce((n, a) => n + a.bytes.length + 8 + (a.chase?.length ?? 0), 0));
    const stored: [StoredAnswer, number][] = [];
    const items = built.qtypes.map((qtype, i) => {
      const a = built.answers[i];
      let at = stored.find(([s]) => sameAnswer(s, a))?.[1];
      if (at === undefined) {
        at = w.addAnswer(a);
        stored.push([a, at]);
      }
      return [qtype, at] as const;
    });
    w.setName(name, items);
  }

  /** Remembers which other names a CNAME name's answers read. */
  private track(name: string, reads: string[]): void {
    for (const r of this.chains.get(name) ?? []) {
      const set = this.readers.get(r);
      set?.delete(name);
      if (set?.size === 0) this.readers.delete(r);
    }
    const others = reads.filter((r) => r !== name);
    if (others.length === 0) {
      this.chains.delete(name);
      return;
    }
    this.chains.set(name, others);
    for (const r of others) {
      let set = this.readers.get(r);
      if (!set) this.readers.set(r, (set = new Set()));
      set.add(name);
    }
  }
}
