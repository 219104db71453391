// Kubernetes protobuf request bodies, turned into the JSON object the same request would have
// carried as application/json. kubectl v1.32's typed clients (create deployment|configmap|secret|
// namespace|service|job|cronjob|quota|pdb, autoscale, drain, debug, ...) send only this encoding,
// and never fall back to JSON: see docs/kubectl-wire.md.
//
// The body is `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw, contentEncoding,
// contentType}; raw is the object's message. The wire is read generically, driven by the table in
// protobuf-schema.ts, and the JSON is what Go's encoding/json prints for the decoded struct, so
// the rest of the server sees exactly what a JSON client sends: zero values of omitempty fields
// left out, a pointer field kept when present even if zero (`replicas: 0`), value structs always
// there (`resources: {}`), `creationTimestamp: null`, int-or-string as a number or a string,
// quantities as strings, times as RFC 3339, bytes as base64.
//
// A field number the table does not know is not dropped: it comes out as a key named
// `<protobuf field N>`, which the strict schema validation refuses as an unknown field, naming its
// path. Malformed input is a 400 naming where it went wrong.
import { badRequest } from '../api/errors.js';
import { MESSAGES } from './protobuf-schema.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

/** True for `application/vnd.kubernetes.protobuf` with or without parameters. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

/** The JSON-equivalent object of a `k8s\0`-prefixed protobuf body; throws a 400 ApiError when it is not one k1s can read. */
export function decodeKubernetesProtobuf(body: Buffer): unknown {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw fail('', 'it does not start with the "k8s\\x00" prefix');
  }
  const envelope = decodeUnknown(body.subarray(MAGIC.length));
  const { apiVersion, kind } = envelope;
  if (envelope.contentEncoding) throw fail('', `content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`);
  let object: Record<string, unknown>;
  if (envelope.contentType === 'application/json') {
    try {
      object = JSON.parse(envelope.raw.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      throw fail('', `its embedded JSON is not valid: ${(e as Error).message}`);
    }
    return object;
  }
  if (envelope.contentType !== '' && envelope.contentType !== PROTOBUF_CONTENT_TYPE) {
    throw fail('', `embedded content type ${JSON.stringify(envelope.contentType)} is not supported`);
  }
  const message = messageFor(apiVersion, kind);
  object = decodeMessage(envelope.raw, message, '');
  // TypeMeta comes first in every object's Go struct, so first in its JSON
  const typeMeta: Record<string, unknown> = {};
  if (kind) typeMeta.kind = kind;
  if (apiVersion) typeMeta.apiVersion = apiVersion;
  return { ...typeMeta, ...object };
}

// ---- the envelope ----

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

function decodeUnknown(buf: Buffer): Envelope {
  const e: Envelope = { apiVersion: '', kind: '', raw: Buffer.alloc(0), contentEncoding: '', contentType: '' };
  const r = new Reader(buf, '');
  while (!r.done()) {
    const [no, wt] = r.key();
    if (wt !== LEN) throw fail('', `envelope field ${no} has wire type ${wt}`);
    const value = r.bytes();
    if (no === 1) {
      const t = new Reader(value, 'typeMeta');
      while (!t.done()) {
        const [tno, twt] = t.key();
        if (twt !== LEN || (tno !== 1 && tno !== 2)) throw fail('typeMeta', `unexpected field ${tno}`);
        const s = t.bytes().toString('utf8');
        if (tno === 1) e.apiVersion = s;
        else e.kind = s;
      }
    } else if (no === 2) e.raw = value;
    else if (no === 3) e.contentEncoding = value.toString('utf8');
    else if (no === 4) e.contentType = value.toString('utf8');
    else throw fail('', `envelope field ${no} is not a runtime.Unknown field`);
  }
  return e;
}

/**
 * The message an apiVersion/kind is encoded as. Option types and Status are registered in every
 * group version (metav1.AddToGroupVersion), so `v1 DeleteOptions` is meta/v1's DeleteOptions.
 */
/**
 * The JSON of a kind's Go zero value, what `New()` gives kube-apiserver: value structs present,
 * nil slices, maps and pointers without omitempty as null (`containers: null`), `{}` for a kind
 * the table lacks. Server-side apply compares a created object against it.
 */
export function zeroObject(apiVersion: string, kind: string): Record<string, unknown> {
  try {
    return decodeMessage(Buffer.alloc(0), messageFor(apiVersion, kind), '');
  } catch {
    return {};
  }
}

function messageFor(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  // proto packages drop the `.k8s.io` of a group: authorization.k8s.io/v1 is k8s.io.api.authorization.v1
  const pkg = group === '' ? `core.${version}` : `${group.replace(/\.k8s\.io$/, '')}.${version}`;
  for (const name of [`${pkg}.${kind}`, `meta.v1.${kind}`]) if (MESSAGES[name] !== undefined && !MESSAGES[name].startsWith('@')) return name;
  throw fail('', `kind ${JSON.stringify(kind)} of apiVersion ${JSON.stringify(apiVersion)} is not one k1s can decode from protobuf; send it as application/json`);
}

// ---- the table ----

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64' | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'double' | 'float';

interface Field {
  no: number;
  /** '' for an inlined field */
  json: string;
  /** a scalar, or a message name */
  type: string;
  map?: { key: string; value: string };
  repeated: boolean;
  pointer: boolean;
  /** no omitempty: zero or absent still reaches the JSON */
  keep: boolean;
  inline: boolean;
}

interface Message {
  name: string;
  /** a Go type with its own JSON form: time, microtime, duration, intorstring, quantity, rawjson, stringlist */
  special?: string;
  fields: Field[];
  byNumber: Map<number, Field>;
}

const SCALARS = new Set<string>(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float']);
const parsed = new Map<string, Message>();

function message(name: string): Message {
  let m = parsed.get(name);
  if (m) return m;
  const spec = MESSAGES[name];
  if (spec === undefined) throw new Error(`protobuf schema has no message ${name}`); // a generator bug, not bad input
  m = { name, fields: [], byNumber: new Map() };
  if (spec.startsWith('@')) m.special = spec.slice(1);
  else if (spec) {
    for (const token of spec.split('|')) {
      const [no, json, type, flags = ''] = token.split(' ');
      const mapType = /^map<(\w+),(.+)>$/.exec(type);
      const f: Field = {
        no: Number(no),
        json: json === '~' ? '' : json,
        type,
        map: mapType ? { key: mapType[1], value: mapType[2] } : undefined,
        repeated: flags.includes('r'),
        pointer: flags.includes('p'),
        keep: flags.includes('k'),
        inline: flags.includes('i'),
      };
      m.fields.push(f);
      m.byNumber.set(f.no, f);
    }
  }
  parsed.set(name, m);
  return m;
}

// ---- wire ----

class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    readonly path: string,
  ) {}

  done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw fail(this.path, 'a varint runs past the end');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw fail(this.path, 'a varint is longer than 10 bytes');
  }

  key(): [number, number] {
    const k = this.varint();
    const no = Number(k >> 3n);
    if (no === 0 || no > 0x1fffffff) throw fail(this.path, `field number ${no} is not valid`);
    return [no, Number(k & 7n)];
  }

  take(n: number): Buffer {
    if (n > this.buf.length - this.pos) throw fail(this.path, 'a field runs past the end');
    return this.buf.subarray(this.pos, (this.pos += n));
  }

  bytes(): Buffer {
    const n = this.varint();
    if (n > BigInt(this.buf.length)) throw fail(this.path, 'a field runs past the end');
    return this.take(Number(n));
  }

  /** the raw value of any wire type, for a field the table does not know */
  skip(wt: number): string {
    switch (wt) {
      case VARINT:
        return this.varint().toString();
      case I64:
        return this.take(8).toString('hex');
      case LEN:
        return this.bytes().toString('hex');
      case I32:
        return this.take(4).toString('hex');
      default:
        throw fail(this.path, `wire type ${wt} is not supported`);
    }
  }
}

function wireTypeOf(type: string): number {
  switch (type) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return I64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return I32;
    case 'string':
    case 'bytes':
      return LEN;
    default:
      return SCALARS.has(type) ? VARINT : LEN;
  }
}

function safe(v: bigint, path: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw fail(path, `integer ${v} does not fit a JSON number exactly`);
  return Number(v);
}

/** One scalar off the wire, in its Go JSON form. */
function readScalar(r: Reader, type: Scalar, path: string): unknown {
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'bool':
      return r.varint() !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varint()));
    case 'int64':
      return safe(BigInt.asIntN(64, r.varint()), path);
    case 'uint64':
      return safe(r.varint(), path);
    case 'sint32':
    case 'sint64': {
      const v = r.varint();
      return safe((v >> 1n) ^ -(v & 1n), path);
    }
    case 'fixed32':
      return r.take(4).readUInt32LE();
    case 'sfixed32':
      return r.take(4).readInt32LE();
    case 'fixed64':
      return safe(r.take(8).readBigUInt64LE(), path);
    case 'sfixed64':
      return safe(r.take(8).readBigInt64LE(), path);
    case 'double':
      return r.take(8).readDoubleLE();
    case 'float':
      return r.take(4).readFloatLE();
  }
}

function zeroScalar(type: string): unknown {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  if (type === 'bytes') return null; // a nil []byte
  return 0;
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

// ---- messages ----

type Obj = Record<string, unknown>;

/** A message's fields as Go's encoding/json prints its struct. */
function decodeMessage(buf: Buffer, name: string, path: string): Obj {
  const m = message(name);
  if (m.special) throw new Error(`${name} is not an object`);
  const values = new Map<Field, unknown>();
  const unknown: Obj = {};
  const r = new Reader(buf, path);
  while (!r.done()) {
    const [no, wt] = r.key();
    const f = m.byNumber.get(no);
    if (!f) {
      const key = `<protobuf field ${no}>`;
      const raw = r.skip(wt);
      unknown[key] = key in unknown ? ([] as unknown[]).concat(unknown[key], raw) : raw;
      continue;
    }
    const at = join(path, f.json);
    if (f.map) {
      if (wt !== LEN) throw fail(at, `wire type ${wt}, expected ${LEN}`);
      const entries = (values.get(f) as Obj | undefined) ?? {};
      const [k, v] = decodeMapEntry(r.bytes(), f.map, at);
      entries[k] = v;
      values.set(f, entries);
      continue;
    }
    const expected = wireTypeOf(f.type);
    if (f.repeated) {
      const list = (values.get(f) as unknown[] | undefined) ?? [];
      if (wt === LEN && expected !== LEN) {
        // packed: proto2 allows it for repeated numbers, and Go decoders accept both forms
        const packed = new Reader(r.bytes(), at);
        while (!packed.done()) list.push(readScalar(packed, f.type as Scalar, at));
      } else if (wt === expected) {
        list.push(readValue(r, f, `${at}[${list.length}]`));
      } else throw fail(at, `wire type ${wt}, expected ${expected}`);
      values.set(f, list);
      continue;
    }
    if (wt !== expected) throw fail(at, `wire type ${wt}, expected ${expected}`);
    values.set(f, readValue(r, f, at));
  }

  const out: Obj = {};
  for (const f of m.fields) {
    const present = values.has(f);
    let v = values.get(f);
    if (!present) {
      if (f.repeated || f.map || f.pointer || f.type === 'bytes') {
        if (f.keep) out[f.json] = null; // a nil slice, map or pointer without omitempty
        continue;
      }
      // an absent value field is its zero value; a value struct is printed whole
      v = SCALARS.has(f.type) ? zeroScalar(f.type) : decodeValue(Buffer.alloc(0), f.type, join(path, f.json));
    }
    if (f.inline) {
      Object.assign(out, v as Obj);
      continue;
    }
    if (!f.keep) {
      if (f.repeated && (v as unknown[]).length === 0) continue;
      if (f.map && Object.keys(v as Obj).length === 0) continue;
      if (f.type === 'bytes' && v === '') continue;
      // a pointer that is present is printed even when it points at zero
      if (!f.pointer && SCALARS.has(f.type) && isZero(v)) continue;
    }
    out[f.json] = v;
  }
  return Object.assign(out, unknown);
}

function readValue(r: Reader, f: Field, path: string): unknown {
  if (SCALARS.has(f.type)) return readScalar(r, f.type as Scalar, path);
  return decodeValue(r.bytes(), f.type, path);
}

/** A message-typed value: an object, or the JSON form of a type that has its own. */
function decodeValue(buf: Buffer, type: string, path: string): unknown {
  const m = message(type);
  if (!m.special) return decodeMessage(buf, type, path);
  const fields = specialFields(buf, m, path);
  switch (m.special) {
    case 'time': {
      // metav1.Time: an empty message is the zero time (JSON null); only seconds are kept
      if (buf.length === 0) return null;
      return rfc3339(toInt(fields.get(1), path), 0, false, path);
    }
    case 'microtime': {
      if (buf.length === 0) return null;
      return rfc3339(toInt(fields.get(1), path), toInt(fields.get(2), path), true, path);
    }
    case 'duration':
      return goDuration(BigInt.asIntN(64, (fields.get(1) as bigint | undefined) ?? 0n));
    case 'intorstring': {
      const t = toInt(fields.get(1), path);
      if (t === 0) return Number(BigInt.asIntN(32, (fields.get(2) as bigint | undefined) ?? 0n));
      if (t === 1) return ((fields.get(3) as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
      throw fail(path, `int-or-string type ${t} is neither 0 (int) nor 1 (string)`);
    }
    case 'quantity': {
      const s = ((fields.get(1) as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
      return s === '' ? '0' : s;
    }
    case 'rawjson': {
      const raw = fields.get(1) as Buffer | undefined;
      if (raw === undefined) return null;
      if (raw.subarray(0, MAGIC.length).equals(MAGIC)) return decodeKubernetesProtobuf(raw);
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch (e) {
        throw fail(path, `embedded JSON is not valid: ${(e as Error).message}`);
      }
    }
    case 'stringlist':
      return ((fields.get(1) as Buffer[] | undefined) ?? []).map((b) => b.toString('utf8'));
    default:
      throw new Error(`protobuf schema: unknown special type ${m.special}`);
  }
}

/** The small fixed layouts of the special types (all fields 1..3, varints or bytes); anything else is refused, not dropped. */
function specialFields(buf: Buffer, m: Message, path: string): Map<number, bigint | Buffer | Buffer[]> {
  const layout: Record<string, Record<number, number>> = {
    time: { 1: VARINT, 2: VARINT },
    microtime: { 1: VARINT, 2: VARINT },
    duration: { 1: VARINT },
    intorstring: { 1: VARINT, 2: VARINT, 3: LEN },
    quantity: { 1: LEN },
    rawjson: { 1: LEN },
    stringlist: { 1: LEN },
  };
  const want = layout[m.special!];
  const out = new Map<number, bigint | Buffer | Buffer[]>();
  const r = new Reader(buf, path);
  while (!r.done()) {
    const [no, wt] = r.key();
    if (want[no] === undefined) throw fail(path, `field ${no} is not part of ${m.name}`);
    if (wt !== want[no]) throw fail(path, `wire type ${wt}, expected ${want[no]}`);
    if (wt === VARINT) out.set(no, r.varint());
    else if (m.special === 'stringlist') out.set(no, [...((out.get(no) as Buffer[] | undefined) ?? []), r.bytes()]);
    else out.set(no, r.bytes());
  }
  return out;
}

function decodeMapEntry(buf: Buffer, types: { key: string; value: string }, path: string): [string, unknown] {
  let key: unknown = zeroScalar(types.key);
  let value: unknown;
  let hasValue = false;
  const r = new Reader(buf, path);
  while (!r.done()) {
    const [no, wt] = r.key();
    const type = no === 1 ? types.key : no === 2 ? types.value : undefined;
    if (type === undefined) throw fail(path, `map entry field ${no} is not 1 (key) or 2 (value)`);
    if (wt !== wireTypeOf(type)) throw fail(path, `map entry field ${no} has wire type ${wt}, expected ${wireTypeOf(type)}`);
    if (no === 1) key = readScalar(r, type as Scalar, path);
    else {
      value = SCALARS.has(type) ? readScalar(r, type as Scalar, `${path}[${JSON.stringify(String(key))}]`) : decodeValue(r.bytes(), type, `${path}[${JSON.stringify(String(key))}]`);
      hasValue = true;
    }
  }
  if (!hasValue) {
    // Go decodes a missing map value as the type's zero value; a []byte one as empty, not nil
    value = types.value === 'bytes' ? '' : SCALARS.has(types.value) ? zeroScalar(types.value) : decodeValue(Buffer.alloc(0), types.value, path);
  }
  return [String(key), value];
}

// ---- Go formatting ----

function toInt(v: unknown, path: string): number {
  return v === undefined ? 0 : safe(BigInt.asIntN(64, v as bigint), path);
}

/** metav1.Time / MicroTime JSON: RFC 3339 in UTC, MicroTime with exactly six fractional digits. */
function rfc3339(seconds: number, nanos: number, micro: boolean, path: string): string {
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) throw fail(path, `time ${seconds}s is out of range`);
  const base = d.toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  const us = Math.floor((((nanos % 1e9) + 1e9) % 1e9) / 1000);
  return `${base}.${String(us).padStart(6, '0')}Z`;
}

/** Go's time.Duration.String(): "1h2m3.5s", "1.5ms", "0s". */
export function goDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  const sign = neg ? '-' : '';
  const frac = (v: bigint, digits: number): string => {
    // v in units of 10^-digits; trailing zeros trimmed, no dot when none left
    const s = v.toString().padStart(digits + 1, '0');
    const int = s.slice(0, s.length - digits);
    const f = s.slice(s.length - digits).replace(/0+$/, '');
    return f ? `${int}.${f}` : int;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1000000n) return `${sign}${frac(u, 3)}µs`;
  if (u < 1000000000n) return `${sign}${frac(u, 6)}ms`;
  const h = u / 3600000000000n;
  u -= h * 3600000000000n;
  const min = u / 60000000000n;
  u -= min * 60000000000n;
  const secs = `${frac(u, 9)}s`;
  if (h > 0n) return `${sign}${h}h${min}m${secs}`;
  if (min > 0n) return `${sign}${min}m${secs}`;
  return `${sign}${secs}`;
}

function join(path: string, field: string): string {
  if (!field) return path;
  return path ? `${path}.${field}` : field;
}

function fail(path: string, why: string) {
  return badRequest(`the request body is not a valid Kubernetes protobuf object: ${path ? `${path}: ` : ''}${why}`);
}
