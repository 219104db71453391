// Prebuilt DNS answers in shared memory: one owner (the main thread) writes them, every DNS worker
// reads them in place. Each worker used to hold its own RecordIndex and its own cache of encoded
// answers, so memory grew with the number of workers; the table is held once, and the hot path
// of a worker is: hash the question's bytes, probe, copy the answer, patch the asker's bytes in.
//
// Layout. `slots` (Int32Array over a SharedArrayBuffer): a small header (the SOA serial, written
// by the owner at every change and patched into answers that carry an SOA), then an open-addressed
// hash table (linear probing, capacity a power of two) whose slots hold the offset of an entry in
// `data`, 0 for an empty slot, -1 for a deleted one. `data` is an append-only arena:
//   entry  (4-aligned): i32 hash | i32 answer offset | u16 qtype | u8 key length | key bytes
//   answer (4-aligned): u16 length | u16 serial offset | u8 flags | u8 chase length | answer | chase
// The key is the question name as the wire gives it, lower-cased, labels joined with '.', and
// qtype 0 stands for "any type not stored on its own" (the name's NODATA answer).
//
// Concurrency: the owner never changes bytes a slot already points at. An update appends a new
// entry (and answer) and then publishes it with one Atomics.store into the slot; a delete stores
// -1. A reader does an Atomics.load of the slot, so it sees either the old complete entry or the
// new complete one (the store orders the plain writes before it), never half of one. When the
// arena or the slots run out, the owner copies the live entries into new buffers (a new
// generation) and hands them to the readers, which switch between two queries; the old buffers
// stay valid (and unchanged) for whoever still reads them, and are freed when nobody does.

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
const ENTRY_HEAD = 11;
const ANSWER_HEAD = 6;
const MIN_SLOTS = 1024;
const MIN_DATA = 1 << 20;
/** Slots in use (live and deleted) past this share of the capacity make a new generation. */
const MAX_LOAD = 0.7;

const align4 = (n: number) => (n + 3) & ~3;

/** FNV-1a over the key's bytes and the qtype: computed by the reader straight from the packet. */
export function hashKey(key: Uint8Array, len: number, qtype: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ key[i], 0x01000193);
  h = Math.imul(h ^ (qtype & 0xff), 0x01000193);
  return Math.imul(h ^ (qtype >>> 8), 0x01000193) | 0;
}

/** Read side: shared by the workers (and by the owner for its own probes). Never writes. */
export class AnswerTableReader {
  slots!: Int32Array;
  /** The arena as a Buffer (a view, not a copy), so answers are copied out with Buffer#copy. */
  data!: Buffer;
  protected words!: Int32Array;
  private mask = 0;
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

  /** The offset of the answer stored for (key[0..len), qtype), 0 when there is none. */
  find(key: Uint8Array, len: number, qtype: number): number {
    return this.slotOf(key, len, qtype, hashKey(key, len, qtype)) < 0 ? 0 : this.words[(this.lastEntry >> 2) + 1];
  }

  /** The slot holding (key, qtype), or -1. */
  protected slotOf(key: Uint8Array, len: number, qtype: number, hash: number): number {
    const { slots, words, data, mask } = this;
    for (let i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      const e = Atomics.load(slots, HEADER + i);
      if (e === EMPTY) return -1;
      if (e === DELETED || words[e >> 2] !== hash || data[e + 10] !== len || ((data[e + 8] << 8) | data[e + 9]) !== qtype) continue;
      let k = 0;
      while (k < len && data[e + ENTRY_HEAD + k] === key[k]) k++;
      if (k === len) {
        this.lastEntry = e;
        return i;
      }
    }
    return -1;
  }

  answerLength(answer: number): number {
    return (this.data[answer] << 8) | this.data[answer + 1];
  }

  serialAt(answer: number): number {
    return (this.data[answer + 2] << 8) | this.data[answer + 3];
  }

  flags(answer: number): number {
    return this.data[answer + 4];
  }

  /** Where the answer's bytes start. */
  body(answer: number): number {
    return answer + ANSWER_HEAD;
  }

  /** The CNAME target of an ANSWER_CHASE answer. */
  chaseTarget(answer: number): string {
    const start = answer + ANSWER_HEAD + this.answerLength(answer);
    return this.data.toString('latin1', start, start + this.data[answer + 5]);
  }
}

export interface StoredAnswer {
  bytes: Buffer;
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

  /** Makes room for `entries` more entries and `answerBytes` more answer bytes (call before storing). */
  reserve(entries: number, answerBytes: number): void {
    const bytes = entries * align4(ENTRY_HEAD + 255) + answerBytes;
    const capacity = this.slots.length - HEADER;
    if (this.top + bytes <= this.data.length && this.used + entries <= capacity * MAX_LOAD) return;
    this.regenerate(entries, bytes);
  }

  /** Stores an answer; returns its offset, which any number of entries may point at. */
  addAnswer(a: StoredAnswer): number {
    const chase = a.chase ?? '';
    const at = this.top;
    const size = align4(ANSWER_HEAD + a.bytes.length + chase.length);
    if (at + size > this.data.length) throw new RangeError('answer table: addAnswer without reserve');
    const d = this.data;
    d.writeUInt16BE(a.bytes.length, at);
    d.writeUInt16BE(a.serialAt, at + 2);
    d[at + 4] = a.flags;
    d[at + 5] = chase.length;
    a.bytes.copy(d, at + ANSWER_HEAD);
    d.write(chase, at + ANSWER_HEAD + a.bytes.length, 'latin1');
    this.top += size;
    return at;
  }

  /** Points (name, qtype) at a stored answer, replacing what it pointed at. */
  set(name: string, qtype: number, answer: number): void {
    const len = keyScratch.write(name, 0, 'latin1');
    const hash = hashKey(keyScratch, len, qtype);
    const size = align4(ENTRY_HEAD + len);
    if (this.top + size > this.data.length) throw new RangeError('answer table: set without reserve');
    const e = this.top;
    const d = this.data;
    this.words[e >> 2] = hash;
    this.words[(e >> 2) + 1] = answer;
    d.writeUInt16BE(qtype, e + 8);
    d[e + 10] = len;
    keyScratch.copy(d, e + ENTRY_HEAD, 0, len);
    this.top += size;
    const found = this.slotOf(keyScratch, len, qtype, hash);
    if (found >= 0) {
      Atomics.store(this.slots, HEADER + found, e);
      return;
    }
    this.insert(hash, e);
    this.live++;
  }

  delete(name: string, qtype: number): void {
    const len = keyScratch.write(name, 0, 'latin1');
    const slot = this.slotOf(keyScratch, len, qtype, hashKey(keyScratch, len, qtype));
    if (slot < 0) return;
    Atomics.store(this.slots, HEADER + slot, DELETED);
    this.live--;
  }

  /** Into the first empty or deleted slot of the probe sequence (the key is known to be absent). */
  private insert(hash: number, entry: number): void {
    const mask = this.slots.length - HEADER - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = this.slots[HEADER + i];
      if (s === EMPTY || s === DELETED) {
        if (s === EMPTY) this.used++;
        Atomics.store(this.slots, HEADER + i, entry);
        return;
      }
    }
  }

  /** Copies the live entries into new, larger buffers, with room for what the caller reserves. */
  private regenerate(extraEntries: number, extraBytes: number): void {
    const old = { slots: this.slots, data: this.data };
    const oldWords = new Int32Array(this.buffers.data);
    let liveBytes = 0;
    const answers = new Set<number>();
    for (let i = HEADER; i < old.slots.length; i++) {
      const e = old.slots[i];
      if (e === EMPTY || e === DELETED) continue;
      liveBytes += align4(ENTRY_HEAD + old.data[e + 10]);
      const a = oldWords[(e >> 2) + 1];
      if (answers.has(a)) continue;
      answers.add(a);
      liveBytes += align4(ANSWER_HEAD + this.answerLength(a) + old.data[a + 5]);
    }
    let capacity = MIN_SLOTS;
    while (capacity * MAX_LOAD < 2 * (this.live + extraEntries)) capacity *= 2;
    const dataBytes = Math.max(MIN_DATA, align4(2 * (liveBytes + extraBytes)));
    const buffers = { slots: new SharedArrayBuffer((HEADER + capacity) * 4), data: new SharedArrayBuffer(dataBytes) };
    const slots = new Int32Array(buffers.slots);
    const data = Buffer.from(buffers.data);
    const words = new Int32Array(buffers.data);
    slots[0] = old.slots[0];
    const moved = new Map<number, number>();
    let top = 4;
    const mask = capacity - 1;
    for (let i = HEADER; i < old.slots.length; i++) {
      const e = old.slots[i];
      if (e === EMPTY || e === DELETED) continue;
      const a = oldWords[(e >> 2) + 1];
      let na = moved.get(a);
      if (na === undefined) {
        na = top;
        const size = ANSWER_HEAD + this.answerLength(a) + old.data[a + 5];
        old.data.copy(data, na, a, a + size);
        top += align4(size);
        moved.set(a, na);
      }
      const size = ENTRY_HEAD + old.data[e + 10];
      old.data.copy(data, top, e, e + size);
      words[(top >> 2) + 1] = na;
      const hash = oldWords[e >> 2];
      let s = hash & mask;
      while (slots[HEADER + s] !== EMPTY) s = (s + 1) & mask;
      slots[HEADER + s] = top;
      top += align4(size);
    }
    this.buffers = buffers;
    this.use(buffers);
    this.top = top;
    this.used = this.live;
    this.generation++;
    this.onGeneration(buffers);
  }
}
