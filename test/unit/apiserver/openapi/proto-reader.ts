// A protobuf reader for the tests, written apart from the encoder: wire-format fields, and
// messages decoded by a table of field numbers copied from gnostic's OpenAPIv2.proto, so that a
// round trip checks the encoder against the .proto rather than against itself.

export interface WireField {
  field: number;
  wireType: number;
  /** varint value, or the bytes of a length-delimited field */
  value: number | Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('varint too long');
  }
}

export function decodeVarint(buf: Uint8Array): number {
  const [value, end] = readVarint(buf, 0);
  if (end !== buf.length) throw new Error('bytes after the varint');
  return value;
}

export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === 0) {
      const [value, next] = readVarint(buf, afterKey);
      out.push({ field, wireType, value });
      pos = next;
    } else if (wireType === 2) {
      const [length, start] = readVarint(buf, afterKey);
      if (start + length > buf.length) throw new Error(`field ${field}: length ${length} runs past the end`);
      out.push({ field, wireType, value: buf.subarray(start, start + length) });
      pos = start + length;
    } else {
      throw new Error(`field ${field}: unexpected wire type ${wireType}`);
    }
  }
  return out;
}

type FieldSpec = [name: string, type: string, repeated?: true];

/** The messages of openapiv2/OpenAPIv2.proto that k1s writes, with the .proto's field numbers. */
export const OPENAPI_V2_PROTO: Record<string, Record<number, FieldSpec>> = {
  Document: { 1: ['swagger', 'string'], 2: ['info', 'Info'], 8: ['paths', 'Paths'], 9: ['definitions', 'Definitions'] },
  Info: { 1: ['title', 'string'], 2: ['version', 'string'] },
  Paths: { 2: ['path', 'NamedPathItem', true] },
  NamedPathItem: { 1: ['name', 'string'], 2: ['value', 'PathItem'] },
  PathItem: { 2: ['get', 'Operation'], 3: ['put', 'Operation'], 4: ['post', 'Operation'], 5: ['delete', 'Operation'], 8: ['patch', 'Operation'], 9: ['parameters', 'ParametersItem', true] },
  Operation: {
    1: ['tags', 'string', true],
    3: ['description', 'string'],
    5: ['operation_id', 'string'],
    6: ['produces', 'string', true],
    7: ['consumes', 'string', true],
    8: ['parameters', 'ParametersItem', true],
    9: ['responses', 'Responses'],
    10: ['schemes', 'string', true],
    13: ['vendor_extension', 'NamedAny', true],
  },
  ParametersItem: { 1: ['parameter', 'Parameter'] },
  Parameter: { 1: ['body_parameter', 'BodyParameter'], 2: ['non_body_parameter', 'NonBodyParameter'] },
  BodyParameter: { 1: ['description', 'string'], 2: ['name', 'string'], 3: ['in', 'string'], 4: ['required', 'bool'], 5: ['schema', 'Schema'] },
  NonBodyParameter: { 3: ['query_parameter_sub_schema', 'QueryParameterSubSchema'], 4: ['path_parameter_sub_schema', 'PathParameterSubSchema'] },
  QueryParameterSubSchema: { 1: ['required', 'bool'], 2: ['in', 'string'], 3: ['description', 'string'], 4: ['name', 'string'], 6: ['type', 'string'], 20: ['unique_items', 'bool'] },
  PathParameterSubSchema: { 1: ['required', 'bool'], 2: ['in', 'string'], 3: ['description', 'string'], 4: ['name', 'string'], 5: ['type', 'string'], 19: ['unique_items', 'bool'] },
  Responses: { 1: ['response_code', 'NamedResponseValue', true] },
  NamedResponseValue: { 1: ['name', 'string'], 2: ['value', 'ResponseValue'] },
  ResponseValue: { 1: ['response', 'Response'] },
  Response: { 1: ['description', 'string'], 2: ['schema', 'SchemaItem'] },
  SchemaItem: { 1: ['schema', 'Schema'] },
  Definitions: { 1: ['additional_properties', 'NamedSchema', true] },
  Properties: { 1: ['additional_properties', 'NamedSchema', true] },
  NamedSchema: { 1: ['name', 'string'], 2: ['value', 'Schema'] },
  Schema: {
    1: ['_ref', 'string'],
    2: ['format', 'string'],
    4: ['description', 'string'],
    19: ['required', 'string', true],
    20: ['enum', 'Any', true],
    21: ['additional_properties', 'AdditionalPropertiesItem'],
    22: ['type', 'TypeItem'],
    23: ['items', 'ItemsItem'],
    25: ['properties', 'Properties'],
    31: ['vendor_extension', 'NamedAny', true],
  },
  AdditionalPropertiesItem: { 1: ['schema', 'Schema'] },
  TypeItem: { 1: ['value', 'string', true] },
  ItemsItem: { 1: ['schema', 'Schema', true] },
  NamedAny: { 1: ['name', 'string'], 2: ['value', 'Any'] },
  Any: { 2: ['yaml', 'string'] },
};

export type Decoded = { [field: string]: string | boolean | number | Decoded | (string | Decoded)[] };

/** A message as an object keyed by the .proto's field names; a field the table lacks is an error. */
export function decodeMessage(buf: Uint8Array, type: string, schema = OPENAPI_V2_PROTO): Decoded {
  const spec = schema[type];
  if (!spec) throw new Error(`no message ${type}`);
  const out: Decoded = {};
  for (const f of readFields(buf)) {
    const s = spec[f.field];
    if (!s) throw new Error(`${type} has no field ${f.field}`);
    const [name, fieldType, repeated] = s;
    let value: string | boolean | number | Decoded;
    if (fieldType === 'bool' || fieldType === 'uint') {
      if (f.wireType !== 0) throw new Error(`${type}.${name}: wire type ${f.wireType}`);
      value = fieldType === 'bool' ? f.value === 1 : (f.value as number);
    } else {
      if (f.wireType !== 2) throw new Error(`${type}.${name}: wire type ${f.wireType}`);
      value = fieldType === 'string' ? Buffer.from(f.value as Uint8Array).toString('utf8') : decodeMessage(f.value as Uint8Array, fieldType, schema);
    }
    if (repeated) ((out[name] ??= []) as (string | Decoded)[]).push(value as string | Decoded);
    else if (Object.hasOwn(out, name)) throw new Error(`${type}.${name} appears twice`);
    else out[name] = value;
  }
  return out;
}
