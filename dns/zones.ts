// Where the DNS server's answers for the cluster zone come from. Two sources, one contract:
//  - IndexZone: a RecordIndex in this thread, answers encoded on first use and kept (AnswerCache);
//  - TableZone: the shared answer table (answer-table.ts) the main thread keeps, read in place by
//    every DNS worker, so the records are held once however many workers answer.
// A table answer equals, byte for byte, the index's answer for the same question
// (test/unit/dns/table.test.ts checks every record kind).
import { AnswerCache } from './answer-cache.js';
import { ANSWER_CHASE, ANSWER_TRUNCATED, type AnswerTableReader } from './answer-table.js';
import { normalizeName, podAddress, soaRecord, type RecordIndex, type RR } from './records.js';
import { EDNS_UDP_SIZE, PLAIN_UDP_SIZE, QTYPE, encodeResponse, type Query, type ResponseSections } from './wire.js';

/** An answer whose CNAME leaves the zone (ExternalName): the server resolves `chase` upstream. */
export interface Chase {
  chase: string;
  res: ResponseSections;
}

export interface Zone {
  /**
   * The whole answer to a raw UDP/TCP message when it is a plain question with a prebuilt answer;
   * undefined sends it the general way (parse, checks, answer()). Allocates only the reply.
   */
  fast?(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined;
  /** The answer to a parsed question in the zone; undefined when the name is not ours (forward it). */
  answer(q: Query, msg: Buffer, maxSize: number): Buffer | Chase | undefined;
}

export class IndexZone implements Zone {
  /** Encoded answers for the zone's names, for the current index. */
  private readonly answers = new AnswerCache();

  constructor(private readonly getIndex: () => RecordIndex) {}

  answer(q: Query, msg: Buffer, maxSize: number): Buffer | Chase | undefined {
    const index = this.getIndex();
    this.answers.validFor(index, index.generation);
    const kept = this.answers.answer(q, msg, maxSize);
    if (kept) return kept;
    if (!index.isInZone(q.qname)) return undefined;
    const res = index.lookup(q.qname, QTYPE[q.qtype] ?? `TYPE${q.qtype}`);
    if (res.chase) return { chase: res.chase, res };
    const out = encodeResponse(q, msg, res, { aa: true, maxSize });
    if (q.qclass === 1) this.answers.keep(q, maxSize, out); // kept as sent: nothing writes to a sent buffer
    return out;
  }
}

const OPT_SIZE = 11;
// The question name of the message being answered, lower case, as the table's keys are written.
// One per thread: answering is synchronous.
const name = Buffer.allocUnsafe(256);

export class TableZone implements Zone {
  private readonly zone: string;
  private readonly zoneSuffix: string;

  constructor(
    private readonly table: AnswerTableReader,
    zone: string,
    private readonly ttl: number,
  ) {
    this.zone = normalizeName(zone);
    this.zoneSuffix = '.' + this.zone;
  }

  /**
   * The hot path. Reads exactly what parseQuery reads (same checks, same EDNS rule), but into a
   * byte buffer instead of a string and a Query object; anything parseQuery would not answer
   * plainly (a response, another opcode, not one question, a broken name, EDNS version > 0) and
   * every question without a stored answer goes the general way.
   */
  fast(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const len = msg.length;
    // QR and opcode 0 (byte 2's top 5 bits), exactly one question
    if (len < 17 || (msg[2] & 0xf8) !== 0 || msg[4] !== 0 || msg[5] !== 1) return undefined;
    let off = 12;
    let n = 0;
    for (;;) {
      if (off >= len) return undefined;
      const l = msg[off];
      if (l === 0) break;
      if (l > 63 || off + 1 + l > len || n + l > 254) return undefined;
      if (n > 0) name[n++] = 0x2e;
      for (let i = off + 1; i <= off + l; i++) {
        const c = msg[i];
        name[n++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c === 0x2e ? 0 : c;
      }
      off += 1 + l;
    }
    off += 1;
    const qend = off + 4;
    if (qend > len) return undefined;
    const qtype = (msg[off] << 8) | msg[off + 1];
    let ednsSize = 0;
    if (msg[6] === 0 && msg[7] === 0 && msg[8] === 0 && msg[9] === 0 && (msg[10] | msg[11]) !== 0 && qend + 11 <= len && msg[qend] === 0 && msg[qend + 1] === 0 && msg[qend + 2] === 41) {
      if (msg[qend + 6] !== 0) return undefined; // BADVERS
      ednsSize = Math.max((msg[qend + 3] << 8) | msg[qend + 4], PLAIN_UDP_SIZE);
    }
    const answer = this.table.find(name, n, qtype);
    if (answer === 0 || this.table.flags(answer) & ANSWER_CHASE) return undefined;
    const maxSize = transport === 'tcp' ? 65535 : ednsSize ? Math.min(ednsSize, EDNS_UDP_SIZE) : PLAIN_UDP_SIZE;
    return this.reply(answer, msg, qend, ednsSize > 0, maxSize);
  }

  answer(q: Query, msg: Buffer, maxSize: number): Buffer | Chase | undefined {
    const n = name.write(q.qname, 0, 'latin1');
    const answer = this.table.find(name, n, q.qtype);
    if (answer !== 0) {
      if (!(this.table.flags(answer) & ANSWER_CHASE)) return this.reply(answer, msg, q.questionEnd, q.ednsSize > 0, maxSize);
      const chase = this.table.chaseTarget(answer);
      const cname: RR = { name: q.qname, ttl: this.ttl, class: 'IN', type: 'CNAME', target: chase };
      return { chase, res: { rcode: 'NOERROR', answers: [cname] } };
    }
    // Not stored: a reverse name we do not hold is someone else's; in the zone, a pod name or nothing.
    if (q.qname !== this.zone && !q.qname.endsWith(this.zoneSuffix)) return undefined;
    const soa = [soaRecord(this.zone, this.ttl, this.table.serial())];
    const pod = podAddress(q.qname, this.zone);
    let res: ResponseSections = { rcode: 'NXDOMAIN', authority: soa };
    if (pod && this.exists(`${pod.namespace}.svc.${this.zone}`)) {
      // as RecordIndex.podRecord: a name holding one A (or AAAA) record
      const rr: RR = { name: q.qname, ttl: this.ttl, class: 'IN', type: pod.family === 4 ? 'A' : 'AAAA', address: pod.ip };
      const qtype = QTYPE[q.qtype];
      res = qtype === rr.type || qtype === 'ANY' ? { rcode: 'NOERROR', answers: [rr] } : { rcode: 'NOERROR', authority: soa };
    }
    return encodeResponse(q, msg, res, { aa: true, maxSize });
  }

  /** Every existing name is in the table. */
  private exists(existing: string): boolean {
    return this.table.find(name, name.write(existing, 0, 'latin1'), 0) !== 0;
  }

  /** A stored answer, patched for this asker: id, RD, the question as sent, EDNS, the serial; TC if too large. */
  private reply(answer: number, msg: Buffer, qend: number, edns: boolean, maxSize: number): Buffer {
    const t = this.table;
    const body = t.body(answer);
    const stored = t.storedLength(answer); // the header and the records: the question is the asker's
    const length = qend + stored - 12;
    const opt = edns ? OPT_SIZE : 0;
    let out: Buffer;
    if (t.flags(answer) & ANSWER_TRUNCATED || length + opt > maxSize) {
      // as encodeResponse when the records do not fit: header (TC set, no records) and question
      out = Buffer.allocUnsafe(qend + opt);
      t.data.copy(out, 0, body, body + 4);
      out[2] |= 0x02;
      out.fill(0, 4, 12);
      out[5] = 1;
      out[11] = edns ? 1 : 0;
    } else {
      out = Buffer.allocUnsafe(length + opt);
      t.data.copy(out, 0, body, body + 12);
      t.data.copy(out, qend, body + 12, body + stored);
      const serialAt = t.serialAt(answer);
      if (serialAt) out.writeUInt32BE(t.serial(), serialAt);
      if (edns) {
        const ar = ((out[10] << 8) | out[11]) + 1;
        out[10] = ar >> 8;
        out[11] = ar & 0xff;
      }
    }
    out[0] = msg[0];
    out[1] = msg[1];
    out[2] = (out[2] & 0xfe) | (msg[2] & 0x01);
    msg.copy(out, 12, 12, qend);
    if (edns) writeOpt(out, out.length - OPT_SIZE);
    return out;
  }
}

/** Our OPT record (as wire.ts's Writer.opt writes it): root name, UDP size 1232, version 0, no flags. */
function writeOpt(out: Buffer, at: number): void {
  out[at] = 0;
  out[at + 1] = 0;
  out[at + 2] = 41;
  out[at + 3] = EDNS_UDP_SIZE >> 8;
  out[at + 4] = EDNS_UDP_SIZE & 0xff;
  out.fill(0, at + 5, at + 11);
}
