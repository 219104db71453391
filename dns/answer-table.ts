// Prebuilt DNS answers in shared memory: one owner (the main thread) writes them, every DNS worker
// reads them in place. Each worker used to hold its own RecordIndex and its own cache of encoded
// answers, so memory grew with the number of workers; the table is held once, and the hot path
// of a worker is: hash the question's bytes, probe, copy the answer, patch the asker's bytes in.
//
// Layout. `slots` (Int32Array over a SharedArrayBuffer): a small header (the SOA serial, written
// by the owner at every change and patched into answers that carry an SOA), then an open-addressed
// hash table (linear probing, capacity a power of two) of names: each slot holds the offset of a
// name's entry in `data`, 0 for an empty slot, -1 for a deleted one. `data` is an append-only arena:
//   entry  (4-aligned): i32 hash | u8 key length | u8 answers | key | pad to 4 | answers x (i32 answer offset, u16 qtype, u16 0)
//   answer (4-aligned): u16 length | u16 serial offset | u8 flags | u8 chase length | header | rest | chase
// The key is the question name as the wire gives it, lower-cased, labels joined with '.'. A name
// lists one answer per qtype that has its own, and under qtype 0 the answer to every other qtype
// (its NODATA). An answer is stored without its question (the 12-byte header, then what follows the
// question): the reader puts the asker's question back in between, the same length, so the
// compression pointers into it stay right. Answers of one name that are alike are stored once.
//
// Concurrency: the owner never changes bytes a slot already points at. An update appends a new
// entry (and answers) and then publishes it with one Atomics.store into the slot, so a name's
// answers change together; a delete stores -1. A reader does an Atomics.load of the slot, so it
// sees either the old complete entry or the new complete one (the store orders the plain writes
// before it), never half of one. When the arena or the slots run out, the owner copies the live
// entries into new buffers (a new generation) and hands them to the readers, which switch between
// two queries; the old buffers stay valid (and unchanged) for whoever still reads them, and are
// freed when nobody does. The arena is allocated large and filled from the start: the pages not
// yet written cost address space, not memory.

export interface TableBuffers {
  slots: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** The answer is a CNAME out of the zone: the reader must resolve the target (ExternalName). */
export const ANSWER_CHASE = 1;
/** The answer is too large for any transport (only the header and question are stored). */
export const ANSWER_TRUNCATED = 2;

const HEADER = 4; // [0] SOA serial, [1..3] unused
const EMPTY = 0;
const DELETED = -1;
const ENTRY_HEAD = 6;
const ITEM = 8;
const ANSWER_HEAD = 6;
const DNS_HEADER = 12;
const MIN_SLOTS = 1024;
/** The arena's size in address space: pages are only resident once written. */
const MIN_DATA = 64 << 20;
/** Slots in use (live and deleted) past this share of the capacity make a new generation. */
const MAX_LOAD = 0.7;

const align4 = (n: number) => (n + 3) & ~3;
const itemsAt = (entry: number, keyLen: number) => align4(entry + ENTRY_HEAD + keyLen);

/** FNV-1a over the name's bytes: computed by the reader straight from the packet. */
export function hashKey(key: Uint8Array, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ key[i], 0x01000193);
  return h | 0;
}

/** Read side: shared by the workers (and by the owner for its own probes). Never writes. */
export class AnswerTableReader {
  slots!: Int32Array;
  /** The arena as a Buffer (a view, not a copy), so answers are copied out with Buffer#copy. */
  data!: Buffer;
  protected words!: Int32Array;
  protected mask = 0;
  /** The entry the last slotOf found (read in the same load as the slot, so never a stale one). */
  protected lastEntry = 0;

  constructor(buffers: TableBuffers) {
    this.use(buffers);
  }

  /** Switches to a new generation. */
  use(buffers: TableBuffers): void {
    this.slots = new Int32Array(buffers.slots);
    this.data = Buffer.from(buffers.data);
    this.words = new Int32Array(buffers.data);
    this.mask = this.slots.length - HEADER - 1;
  }

  serial(): number {
    return Atomics.load(this.slots, 0) >>> 0;
  }

  /**
   * The offset of the answer to (key[0..len), qtype): the qtype's own, else the name's answer to
   * any other type; 0 when the name is not in the table.
   */
  find(key: Uint8Array, len: number, qtype: number): number {
    if (this.slotOf(key, len, hashKey(key, len)) < 0) return 0;
    const e = this.lastEntry;
    const d = this.data;
    const items = itemsAt(e, len);
    let other = 0;
    for (let i = 0, n = d[e + 5]; i < n; i++) {
      const at = items + i * ITEM;
      const t = (d[at + 4] << 8) | d[at + 5];
      if (t === qtype) return this.words[at >> 2];
      if (t === 0) other = this.words[at >> 2];
    }
    return other;
  }

  /** The slot holding the name, or -1. */
  protected slotOf(key: Uint8Array, len: number, hash: number): number {
    const { slots, words, data, mask } = this;
    for (let i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      const e = Atomics.load(slots, HEADER + i);
      if (e === EMPTY) return -1;
      if (e === DELETED || words[e >> 2] !== hash || data[e + 4] !== len) continue;
      let k = 0;
      while (k < len && data[e + ENTRY_HEAD + k] === key[k]) k++;
      if (k === len) {
        this.lastEntry = e;
        return i;
      }
    }
    return -1;
  }

  /** Bytes stored: the header and what follows the question (the question is the asker's). */
  storedLength(answer: number): number {
    return (this.data[answer] << 8) | this.data[answer + 1];
  }

  serialAt(answer: number): number {
    return (this.data[answer + 2] << 8) | this.data[answer + 3];
  }

  flags(answer: number): number {
    return this.data[answer + 4];
  }

  /** Where the answer's stored bytes start: 12 bytes of header, then the rest after the question. */
  body(answer: number): number {
    return answer + ANSWER_HEAD;
  }

  /** The CNAME target of an ANSWER_CHASE answer. */
  chaseTarget(answer: number): string {
    const start = answer + ANSWER_HEAD + this.storedLength(answer);
    return this.data.toString('latin1', start, start + this.data[answer + 5]);
  }
}

export interface StoredAnswer {
  /** The whole encoded answer, question included (stored without it). */
  bytes: Buffer;
  /** Where its question ends (the answer's records start). */
  questionEnd: number;
  serialAt: number;
  flags: number;
  chase?: string;
}

const keyScratch = Buffer.allocUnsafe(256);

/** Write side: only the owner's thread. */
export class AnswerTableWriter extends AnswerTableReader {
  private buffers: TableBuffers;
  /** Next free byte of the arena (0 is never an entry: it means an empty slot). */
  private top = 4;
  /** Slots holding an entry or a deletion mark. */
  private used = 0;
  private live = 0;
  /** Generations made so far (the first buffers are generation 0). */
  generation = 0;

  /** `onGeneration` gets the buffers of every new generation, to hand to the readers. */
  constructor(
    private readonly onGeneration: (buffers: TableBuffers) => void = () => {},
    slots = MIN_SLOTS,
    dataBytes = MIN_DATA,
  ) {
    const buffers = { slots: new SharedArrayBuffer((HEADER + slots) * 4), data: new SharedArrayBuffer(dataBytes) };
    super(buffers);
    this.buffers = buffers;
  }

  current(): TableBuffers {
    return this.buffers;
  }

  /** Names in the table. */
  get size(): number {
    return this.live;
  }

  /** Bytes of the arena written so far (live or not). */
  get arenaUsed(): number {
    return this.top;
  }

  setSerial(serial: number): void {
    Atomics.store(this.slots, 0, serial | 0);
  }

  /** Makes room for `names` more names and `bytes` more bytes of answers (call before storing). */
  reserve(names: number, bytes: number): void {
    const need = names * (ENTRY_HEAD + 256 + 16 * ITEM) + bytes;
    const capacity = this.slots.length - HEADER;
    if (this.top + need <= this.data.length && this.used + names <= capacity * MAX_LOAD) return;
    this.regenerate(names, need);
  }

  /** Stores an answer; returns its offset, which any number of names may point at. */
  addAnswer(a: StoredAnswer): number {
    const chase = a.chase ?? '';
    const rest = a.bytes.length - a.questionEnd;
    const stored = DNS_HEADER + rest;
    const at = this.top;
    const size = align4(ANSWER_HEAD + stored + chase.length);
    if (at + size > this.data.length) throw new RangeError('answer table: addAnswer without reserve');
    const d = this.data;
    d.writeUInt16BE(stored, at);
    d.writeUInt16BE(a.serialAt, at + 2);
    d[at + 4] = a.flags;
    d[at + 5] = chase.length;
    a.bytes.copy(d, at + ANSWER_HEAD, 0, DNS_HEADER);
    a.bytes.copy(d, at + ANSWER_HEAD + DNS_HEADER, a.questionEnd);
    d.write(chase, at + ANSWER_HEAD + stored, 'latin1');
    this.top += size;
    return at;
  }

  /** Publishes a name's answers (qtype -> answer offset), replacing what it had. */
  setName(name: string, answers: readonly (readonly [qtype: number, answer: number])[]): void {
    const len = keyScratch.write(name, 0, 'latin1');
    const hash = hashKey(keyScratch, len);
    const e = this.top;
    const items = itemsAt(e, len);
    const end = items + answers.length * ITEM;
    if (end > this.data.length) throw new RangeError('answer table: setName without reserve');
    const d = this.data;
    this.words[e >> 2] = hash;
    d[e + 4] = len;
    d[e + 5] = answers.length;
    keyScratch.copy(d, e + ENTRY_HEAD, 0, len);
    answers.forEach(([qtype, answer], i) => {
      const at = items + i * ITEM;
      this.words[at >> 2] = answer;
      d.writeUInt16BE(qtype, at + 4);
      d.writeUInt16BE(0, at + 6);
    });
    this.top = end;
    const found = this.slotOf(keyScratch, len, hash);
    if (found >= 0) {
      Atomics.store(this.slots, HEADER + found, e);
      return;
    }
    this.insert(hash, e);
    this.live++;
  }

  deleteName(name: string): void {
    const len = keyScratch.write(name, 0, 'latin1');
    const slot = this.slotOf(keyScratch, len, hashKey(keyScratch, len));
    if (slot < 0) return;
    Atomics.store(this.slots, HEADER + slot, DELETED);
    this.live--;
  }

  /** Into the first empty or deleted slot of the probe sequence (the name is known to be absent). */
  private insert(hash: number, entry: number): void {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const s = this.slots[HEADER + i];
      if (s === EMPTY || s === DELETED) {
        if (s === EMPTY) this.used++;
        Atomics.store(this.slots, HEADER + i, entry);
        return;
      }
    }
  }

  /** Copies the live entries into new buffers, with room for what the caller reserves. */
  private regenerate(extraNames: number, extraBytes: number): void {
    const { slots: oldSlots, data: old, words: oldWords } = this;
    let liveBytes = 0;
    for (let i = HEADER; i < oldSlots.length; i++) {
      const e = oldSlots[i];
      if (e === EMPTY || e === DELETED) continue;
      liveBytes += itemsAt(e, old[e + 4]) - e + old[e + 5] * ITEM;
      for (let k = 0, items = itemsAt(e, old[e + 4]); k < old[e + 5]; k++) liveBytes += align4(ANSWER_HEAD + this.storedLength(oldWords[(items + k * ITEM) >> 2]) + 255);
    }
    let capacity = MIN_SLOTS;
    while (capacity * MAX_LOAD < 2 * (this.live + extraNames)) capacity *= 2;
    const dataBytes = Math.max(MIN_DATA, align4(2 * (liveBytes + extraBytes)));
    const buffers = { slots: new SharedArrayBuffer((HEADER + capacity) * 4), data: new SharedArrayBuffer(dataBytes) };
    const slots = new Int32Array(buffers.slots);
    const data = Buffer.from(buffers.data);
    const words = new Int32Array(buffers.data);
    slots[0] = oldSlots[0];
    const moved = new Map<number, number>();
    let top = 4;
    const mask = capacity - 1;
    for (let i = HEADER; i < oldSlots.length; i++) {
      const e = oldSlots[i];
      if (e === EMPTY || e === DELETED) continue;
      const ne = top;
      const items = itemsAt(e, old[e + 4]);
      const size = items - e + old[e + 5] * ITEM;
      old.copy(data, ne, e, e + size);
      top += size;
      for (let k = 0; k < old[e + 5]; k++) {
        const a = oldWords[(items + k * ITEM) >> 2];
        let na = moved.get(a);
        if (na === undefined) {
          na = top;
          const asize = ANSWER_HEAD + this.storedLength(a) + old[a + 5];
          old.copy(data, na, a, a + asize);
          top += align4(asize);
          moved.set(a, na);
        }
        words[(ne + (items - e) + k * ITEM) >> 2] = na;
      }
      let s = oldWords[e >> 2] & mask;
      while (slots[HEADER + s] !== EMPTY) s = (s + 1) & mask;
      slots[HEADER + s] = ne;
    }
    this.buffers = buffers;
    this.use(buffers);
    this.top = top;
    this.used = this.live;
    this.generation++;
    this.onGeneration(buffers);
  }
}
