// Answers from the upstream resolvers, kept for as long as their TTLs say (RFC 1035 / RFC 2308):
// positive answers for their smallest record TTL, NXDOMAIN and NODATA for the SOA's negative TTL
// (min of its TTL and MINIMUM), SERVFAIL for a few seconds (as CoreDNS's cache does), so that a
// dead upstream costs one timeout, not one per query. A hit is a copy with the asker's id and
// question case patched in and every TTL lowered by the time spent in the cache.
//
// Pure apart from the clock, which is passed in.
import type { Query } from './wire.js';

const TYPE_SOA = 6;
const TYPE_OPT = 41;
/** Upper bound on any kept answer (CoreDNS's cache default: 3600 s for success, 1800 for denial). */
const MAX_TTL = 3600;
const MAX_NEGATIVE_TTL = 1800;
export const SERVFAIL_TTL = 5;
const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry {
  answer: Buffer;
  /** Offsets of the 32-bit TTL fields (OPT left out: its "TTL" is flags). */
  ttls: number[];
  storedAt: number;
  expiresAt: number;
}

export class UpstreamCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The kept answer to this question, patched for `msg`'s asker; undefined when none or expired. */
  get(q: Query, msg: Buffer): Buffer | undefined {
    const key = keyOf(q);
    const e = this.entries.get(key);
    if (!e) return undefined;
    const now = this.now();
    if (now >= e.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    const out = patchFor(e.answer, q, msg);
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    if (elapsed > 0) for (const off of e.ttls) out.writeUInt32BE(Math.max(0, out.readUInt32BE(off) - elapsed), off);
    return out;
  }

  /** Keeps an upstream answer to `q` (null: no upstream answered, kept as SERVFAIL by the caller). */
  put(q: Query, answer: Buffer): void {
    const facts = inspect(answer, q.questionEnd);
    if (!facts || facts.ttl <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const now = this.now();
    this.entries.set(keyOf(q), { answer: Buffer.from(answer), ttls: facts.ttls, storedAt: now, expiresAt: now + facts.ttl * 1000 });
  }
}

/** A copy of `answer` for the asker of `msg`: its id, and its question as it sent it. */
export function patchFor(answer: Buffer, q: Query, msg: Buffer): Buffer {
  const out = Buffer.from(answer);
  out[0] = msg[0];
  out[1] = msg[1];
  if (q.questionEnd <= out.length) msg.copy(out, 12, 12, q.questionEnd);
  return out;
}

/** EDNS or not is in the answer (the OPT record): keep them apart. */
export function keyOf(q: Query): string {
  return `${q.qtype} ${q.qclass} ${q.ednsSize > 0 ? 'e' : ''} ${q.qname}`;
}

/**
 * How long an answer may be kept, and where its TTLs are. Undefined when the message cannot be
 * walked, is truncated, or is an answer not worth keeping (REFUSED, NOTIMP...).
 */
export function inspect(msg: Buffer, questionEnd: number): { ttl: number; ttls: number[] } | undefined {
  if (msg.length < 12 || questionEnd > msg.length) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x0200) return undefined; // TC: the full answer is over TCP, do not keep half
  const rcode = flags & 0xf;
  if (rcode === 2) return { ttl: SERVFAIL_TTL, ttls: [] };
  if (rcode !== 0 && rcode !== 3) return undefined;
  const counts = [msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
  let off = questionEnd;
  const ttls: number[] = [];
  let minAnswer = Infinity;
  let negative = Infinity;
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < counts[section]; i++) {
      off = skipName(msg, off);
      if (off < 0 || off + 10 > msg.length) return undefined;
      const type = msg.readUInt16BE(off);
      const ttl = msg.readUInt32BE(off + 4);
      const rdlen = msg.readUInt16BE(off + 8);
      if (type !== TYPE_OPT) {
        ttls.push(off + 4);
        if (section === 0) minAnswer = Math.min(minAnswer, ttl);
        if (section === 1 && type === TYPE_SOA && off + 10 + rdlen <= msg.length && rdlen >= 22) {
          // RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM), MINIMUM being the last field
          negative = Math.min(negative, ttl, msg.readUInt32BE(off + 10 + rdlen - 4));
        }
      }
      off += 10 + rdlen;
      if (off > msg.length) return undefined;
    }
  }
  const isNegative = rcode === 3 || counts[0] === 0;
  if (isNegative) return negative === Infinity ? undefined : { ttl: Math.min(negative, MAX_NEGATIVE_TTL), ttls };
  return { ttl: Math.min(minAnswer, MAX_TTL), ttls };
}

/** The offset just past a (possibly compressed) name, or -1. */
function skipName(msg: Buffer, off: number): number {
  for (let guard = 0; guard < 128; guard++) {
    if (off >= msg.length) return -1;
    const len = msg[off];
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1;
    if (len > 63) return -1;
    off += 1 + len;
  }
  return -1;
}
