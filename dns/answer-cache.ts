// Prebuilt answers for the zone's names, so that answering a repeated question is one map lookup
// and one copy: the first query for (name, type, size budget) is encoded in full and kept; later
// ones copy it and patch in what belongs to the asker: the id, the RD bit, and the question as it
// was sent (same length, since only the letter case can differ: 0x20 resolvers check it).
//
// Valid for one index: the owner clears it whenever a new index is published.
import type { Query } from './wire.js';

/** Past this many entries the cache starts over: a storm of random names cannot grow it unbounded. */
const DEFAULT_MAX_ENTRIES = 50_000;

export class AnswerCache {
  private readonly answers = new Map<string, Buffer>();
  private owner: unknown;
  private generation = -1;

  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  /** Empties the cache unless `owner` (the index the answers came from) is the last one seen, at
   *  the same generation (an index that changes in place bumps its generation). */
  validFor(owner: unknown, generation = 0): void {
    if (owner === this.owner && generation === this.generation) return;
    this.owner = owner;
    this.generation = generation;
    this.answers.clear();
  }

  get size(): number {
    return this.answers.size;
  }

  /** The answer to `msg` if one was kept for its question, patched for this asker; else undefined. */
  answer(q: Query, msg: Buffer, maxSize: number): Buffer | undefined {
    const pre = this.answers.get(keyOf(q, maxSize));
    if (!pre) return undefined;
    const out = Buffer.allocUnsafe(pre.length);
    pre.copy(out);
    out[0] = msg[0];
    out[1] = msg[1];
    out[2] = (out[2] & 0xfe) | (q.rd ? 1 : 0);
    msg.copy(out, 12, 12, q.questionEnd);
    return out;
  }

  keep(q: Query, maxSize: number, encoded: Buffer): void {
    if (this.answers.size >= this.maxEntries) this.answers.clear();
    this.answers.set(keyOf(q, maxSize), encoded);
  }
}

// EDNS or not changes the answer (the OPT record), and so does the size budget (TC).
function keyOf(q: Query, maxSize: number): string {
  return `${q.qtype} ${q.qclass} ${q.ednsSize > 0 ? 'e' : ''}${maxSize} ${q.qname}`;
}
