// The OpenAPI v2 document as gnostic's protobuf messages (github.com/google/gnostic-models,
// openapiv2/OpenAPIv2.proto, package openapi.v2): what client-go's discovery OpenAPISchema()
// unmarshals. Only the messages and fields k1s's documents use are written; the field numbers
// below are the .proto's. Any key of the JSON document that this file does not encode is an
// error, so the protobuf can never silently say less than the JSON.
//
// Vendor extensions and enum values are `Any` messages holding YAML text, as gnostic writes them
// (kube-openapi's readers yaml-unmarshal them).
import { stringify } from 'yaml';
import { ProtoWriter } from './protobuf.js';
import type { SchemaObject } from './schemas.js';
import type { SwaggerDocument, SwaggerOperation, SwaggerParameter, SwaggerPathItem, SwaggerResponse } from './v2.js';

/** Field numbers of the messages used, from OpenAPIv2.proto. */
export const FIELDS = {
  Document: { swagger: 1, info: 2, paths: 8, definitions: 9 },
  Info: { title: 1, version: 2 },
  Paths: { path: 2 },
  Named: { name: 1, value: 2 },
  PathItem: { get: 2, put: 3, post: 4, delete: 5, patch: 8, parameters: 9 },
  Operation: { tags: 1, description: 3, operationId: 5, produces: 6, consumes: 7, parameters: 8, responses: 9, schemes: 10, vendorExtension: 13 },
  ParametersItem: { parameter: 1 },
  Parameter: { bodyParameter: 1, nonBodyParameter: 2 },
  BodyParameter: { description: 1, name: 2, in: 3, required: 4, schema: 5 },
  NonBodyParameter: { query: 3, path: 4 },
  QueryParameterSubSchema: { required: 1, in: 2, description: 3, name: 4, type: 6, uniqueItems: 20 },
  PathParameterSubSchema: { required: 1, in: 2, description: 3, name: 4, type: 5, uniqueItems: 19 },
  Responses: { responseCode: 1 },
  ResponseValue: { response: 1 },
  Response: { description: 1, schema: 2 },
  SchemaItem: { schema: 1 },
  Definitions: { additionalProperties: 1 },
  Properties: { additionalProperties: 1 },
  Schema: { ref: 1, format: 2, description: 4, required: 19, enum: 20, additionalProperties: 21, type: 22, items: 23, properties: 25, vendorExtension: 31 },
  AdditionalPropertiesItem: { schema: 1 },
  TypeItem: { value: 1 },
  ItemsItem: { schema: 1 },
  Any: { yaml: 2 },
} as const;

const F = FIELDS;

/** Fails on a key the encoder would drop; x- keys are written as vendor extensions where the message has them. */
function only(what: string, obj: object, keys: readonly string[], extensions = false): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k) && !(extensions && k.startsWith('x-'))) throw new Error(`gnostic: ${what} has ${JSON.stringify(k)}, which this encoder does not write`);
  }
}

/** A JSON value as gnostic's Any: its YAML text. */
function any(w: ProtoWriter, value: unknown): void {
  w.string(F.Any.yaml, stringify(value));
}

/** The x- keys of an object, as NamedAny entries of the given field. */
function vendorExtensions(w: ProtoWriter, field: number, obj: object): void {
  for (const [name, value] of Object.entries(obj)) {
    if (!name.startsWith('x-')) continue;
    w.message(field, (e) => e.string(F.Named.name, name).message(F.Named.value, (a) => any(a, value)));
  }
}

export function encodeSchema(w: ProtoWriter, s: SchemaObject): void {
  only('a schema', s, ['$ref', 'format', 'description', 'required', 'enum', 'additionalProperties', 'type', 'items', 'properties'], true);
  w.string(F.Schema.ref, s.$ref);
  w.string(F.Schema.format, s.format);
  w.string(F.Schema.description, s.description);
  w.strings(F.Schema.required, s.required);
  for (const v of s.enum ?? []) w.message(F.Schema.enum, (a) => any(a, v));
  if (s.additionalProperties) w.message(F.Schema.additionalProperties, (a) => a.message(F.AdditionalPropertiesItem.schema, (x) => encodeSchema(x, s.additionalProperties!)));
  if (s.type) w.message(F.Schema.type, (t) => t.strings(F.TypeItem.value, [s.type!]));
  if (s.items) w.message(F.Schema.items, (i) => i.message(F.ItemsItem.schema, (x) => encodeSchema(x, s.items!)));
  if (s.properties) w.message(F.Schema.properties, (p) => namedSchemas(p, F.Properties.additionalProperties, s.properties!));
  vendorExtensions(w, F.Schema.vendorExtension, s);
}

function namedSchemas(w: ProtoWriter, field: number, schemas: Record<string, SchemaObject>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    w.message(field, (n) => n.string(F.Named.name, name).message(F.Named.value, (v) => encodeSchema(v, schema)));
  }
}

function encodeParameter(w: ProtoWriter, p: SwaggerParameter): void {
  only('a parameter', p, ['name', 'in', 'description', 'required', 'type', 'uniqueItems', 'schema']);
  w.message(F.ParametersItem.parameter, (param) => {
    if (p.in === 'body') {
      param.message(F.Parameter.bodyParameter, (b) => {
        b.string(F.BodyParameter.description, p.description).string(F.BodyParameter.name, p.name).string(F.BodyParameter.in, p.in).bool(F.BodyParameter.required, p.required);
        if (p.schema) b.message(F.BodyParameter.schema, (s) => encodeSchema(s, p.schema!));
      });
      return;
    }
    param.message(F.Parameter.nonBodyParameter, (nb) => {
      const [field, m] = p.in === 'query' ? [F.NonBodyParameter.query, F.QueryParameterSubSchema] : [F.NonBodyParameter.path, F.PathParameterSubSchema];
      nb.message(field, (x) =>
        x.bool(m.required, p.required).string(m.in, p.in).string(m.description, p.description).string(m.name, p.name).string(m.type, p.type).bool(m.uniqueItems, p.uniqueItems),
      );
    });
  });
}

function encodeResponse(w: ProtoWriter, r: SwaggerResponse): void {
  only('a response', r, ['description', 'schema']);
  w.message(F.ResponseValue.response, (resp) => {
    resp.string(F.Response.description, r.description);
    if (r.schema) resp.message(F.Response.schema, (si) => si.message(F.SchemaItem.schema, (s) => encodeSchema(s, r.schema!)));
  });
}

function encodeOperation(w: ProtoWriter, o: SwaggerOperation): void {
  only('an operation', o, ['tags', 'description', 'operationId', 'produces', 'consumes', 'parameters', 'responses', 'schemes'], true);
  w.strings(F.Operation.tags, o.tags);
  w.string(F.Operation.description, o.description);
  w.string(F.Operation.operationId, o.operationId);
  w.strings(F.Operation.produces, o.produces);
  w.strings(F.Operation.consumes, o.consumes);
  for (const p of o.parameters ?? []) w.message(F.Operation.parameters, (x) => encodeParameter(x, p));
  w.message(F.Operation.responses, (rs) => {
    for (const [code, r] of Object.entries(o.responses)) {
      rs.message(F.Responses.responseCode, (n) => n.string(F.Named.name, code).message(F.Named.value, (v) => encodeResponse(v, r)));
    }
  });
  w.strings(F.Operation.schemes, o.schemes);
  vendorExtensions(w, F.Operation.vendorExtension, o);
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function encodePathItem(w: ProtoWriter, item: SwaggerPathItem): void {
  only('a path', item, [...METHODS, 'parameters']);
  for (const m of METHODS) {
    const o = item[m];
    if (o) w.message(F.PathItem[m], (x) => encodeOperation(x, o));
  }
  for (const p of item.parameters ?? []) w.message(F.PathItem.parameters, (x) => encodeParameter(x, p));
}

/** The document as the bytes of an openapi.v2.Document message. */
export function encodeOpenAPIV2(doc: SwaggerDocument): Uint8Array {
  only('the document', doc, ['swagger', 'info', 'paths', 'definitions']);
  only('info', doc.info, ['title', 'version']);
  const w = new ProtoWriter();
  w.string(F.Document.swagger, doc.swagger);
  w.message(F.Document.info, (i) => i.string(F.Info.title, doc.info.title).string(F.Info.version, doc.info.version));
  w.message(F.Document.paths, (ps) => {
    for (const [path, item] of Object.entries(doc.paths)) {
      ps.message(F.Paths.path, (n) => n.string(F.Named.name, path).message(F.Named.value, (v) => encodePathItem(v, item)));
    }
  });
  w.message(F.Document.definitions, (d) => namedSchemas(d, F.Definitions.additionalProperties, doc.definitions));
  return w.finish();
}
