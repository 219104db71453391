// The protobuf wire format, encoding side only, as far as gnostic's OpenAPI v2 messages need it:
// varints, and length-delimited strings, bytes and nested messages. kubectl reads /openapi/v2 only
// as protobuf, and a protobuf library would be the one dependency for this one document.
//
// proto3 leaves scalars at their default value (empty string, false, 0) off the wire, so the
// setters skip them: a decoder reads an absent field as its default either way.

/** Wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

/** A non-negative integer as a base-128 varint, low groups first. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: ${value} is not a non-negative safe integer`);
  const out: number[] = [];
  // Division rather than >>>: bit operators would truncate values above 2^32.
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Uint8Array.from(out);
}

/** A field's key: its number and wire type in one varint. */
export function encodeKey(field: number, wireType: number): Uint8Array {
  if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`protobuf: invalid field number ${field}`);
  return encodeVarint(field * 8 + wireType);
}

/**
 * Builds one message. Nested messages are built by a writer of their own and copied in with their
 * length in front, which is all the wire format asks for; the document is encoded once per
 * process, so the copies do not matter.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  /** A varint field (int32/int64/uint/enum of non-negative values); 0 is the default and is left out. */
  uint(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    this.push(encodeKey(field, WIRE_VARINT));
    this.push(encodeVarint(value));
    return this;
  }

  /** A bool field; false is the default and is left out. */
  bool(field: number, value: boolean | undefined): this {
    return value ? this.uint(field, 1) : this;
  }

  /** Raw bytes, length-delimited, written even when empty (a present, empty sub-message). */
  bytes(field: number, value: Uint8Array): this {
    this.push(encodeKey(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(value.length));
    this.push(value);
    return this;
  }

  /** A string field; "" is the default and is left out. */
  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** A repeated string field: one key per element, empty elements included. */
  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  /**
   * A sub-message field, written even when it encodes to nothing: in Go a present empty message is
   * not nil, and gnostic's readers tell the two apart (an object schema with `properties: {}`).
   */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks, this.size);
  }
}
