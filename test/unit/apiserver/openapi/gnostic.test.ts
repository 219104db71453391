// The v2 document as gnostic protobuf: decoded with the .proto's field numbers (proto-reader.ts)
// and turned back into Swagger JSON, it must equal the JSON document it was encoded from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { RESOURCES } from '../../../../src/api/resources.js';
import { encodeOpenAPIV2 } from '../../../../src/apiserver/openapi/gnostic.js';
import { buildDefinitions, type SchemaObject } from '../../../../src/apiserver/openapi/schemas.js';
import { buildOpenAPIV2, type SwaggerDocument } from '../../../../src/apiserver/openapi/v2.js';
import { decodeMessage, type Decoded } from './proto-reader.js';

type D = Decoded;
const list = (v: unknown) => (v ?? []) as D[];

function extensions(d: D, out: Record<string, unknown>): void {
  for (const e of list(d.vendor_extension)) out[e.name as string] = parse((e.value as D).yaml as string);
}

function named<T>(entries: unknown, f: (v: D) => T): Record<string, T> {
  return Object.fromEntries(list(entries).map((e) => [e.name as string, f(e.value as D)]));
}

function schemaOf(d: D): SchemaObject {
  const out: Record<string, unknown> = {};
  if (d._ref) out.$ref = d._ref;
  if (d.type) {
    const types = (d.type as D).value as string[];
    assert.equal(types.length, 1);
    out.type = types[0];
  }
  if (d.format) out.format = d.format;
  if (d.description) out.description = d.description;
  if (d.required) out.required = d.required;
  if (d.enum) out.enum = list(d.enum).map((a) => parse(a.yaml as string));
  if (d.items) {
    const items = list((d.items as D).schema);
    assert.equal(items.length, 1);
    out.items = schemaOf(items[0]);
  }
  if (d.additional_properties) out.additionalProperties = schemaOf((d.additional_properties as D).schema as D);
  if (d.properties) out.properties = named((d.properties as D).additional_properties, schemaOf);
  extensions(d, out);
  return out as SchemaObject;
}

function parameterOf(item: D): Record<string, unknown> {
  const p = item.parameter as D;
  if (p.body_parameter) {
    const b = p.body_parameter as D;
    return { name: b.name, in: b.in, ...(b.required ? { required: true } : {}), ...(b.description ? { description: b.description } : {}), schema: schemaOf(b.schema as D) };
  }
  const nb = p.non_body_parameter as D;
  const q = (nb.query_parameter_sub_schema ?? nb.path_parameter_sub_schema) as D;
  return { name: q.name, in: q.in, description: q.description, ...(q.required ? { required: true } : {}), type: q.type, ...(q.unique_items ? { uniqueItems: true } : {}) };
}

function operationOf(d: D): Record<string, unknown> {
  const out: Record<string, unknown> = {
    description: d.description,
    produces: d.produces,
    schemes: d.schemes,
    tags: d.tags,
    operationId: d.operation_id,
    responses: named((d.responses as D).response_code, (v) => {
      const r = v.response as D;
      return { description: r.description, ...(r.schema ? { schema: schemaOf((r.schema as D).schema as D) } : {}) };
    }),
  };
  if (d.consumes) out.consumes = d.consumes;
  if (d.parameters) out.parameters = list(d.parameters).map(parameterOf);
  extensions(d, out);
  return out;
}

/** Swagger JSON from a decoded openapi.v2.Document. */
function swaggerOf(d: D): SwaggerDocument {
  const info = d.info as D;
  return {
    swagger: d.swagger as '2.0',
    info: { title: info.title as string, version: info.version as string },
    paths: named((d.paths as D).path, (item) => {
      const out: Record<string, unknown> = {};
      for (const m of ['get', 'put', 'post', 'delete', 'patch']) if (item[m]) out[m] = operationOf(item[m] as D);
      if (item.parameters) out.parameters = list(item.parameters).map(parameterOf);
      return out;
    }),
    definitions: named((d.definitions as D).additional_properties, schemaOf),
  };
}

const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

test('round trip: the served v2 document, encoded and decoded by the .proto, is the JSON document', () => {
  const doc = buildOpenAPIV2(RESOURCES, buildDefinitions(RESOURCES), 'v1.32.0');
  const bytes = encodeOpenAPIV2(doc);
  assert.deepEqual(swaggerOf(decodeMessage(bytes, 'Document')), plain(doc));
});

test('round trip: a small document with every message the encoder writes', () => {
  const doc: SwaggerDocument = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: {
      '/api/v1/namespaces/{namespace}/widgets/{name}': {
        patch: {
          description: 'partially update',
          consumes: ['application/merge-patch+json'],
          produces: ['application/json'],
          schemes: ['https'],
          tags: ['core_v1'],
          operationId: 'patchCoreV1NamespacedWidget',
          parameters: [
            { name: 'body', in: 'body', required: true, schema: { type: 'object' } },
            { name: 'fieldValidation', in: 'query', description: 'strict', type: 'string', uniqueItems: true },
          ],
          responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/w' } }, '401': { description: 'Unauthorized' } },
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind: 'Widget' },
        },
        parameters: [{ name: 'name', in: 'path', description: 'name of the Widget', required: true, type: 'string', uniqueItems: true }],
      },
    },
    definitions: {
      w: {
        type: 'object',
        description: 'A widget',
        required: ['size'],
        properties: {
          size: { type: 'integer', format: 'int32' },
          mode: { type: 'string', enum: ['', 'On', 'Off'] },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          parts: { type: 'array', items: { $ref: '#/definitions/w' }, 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' },
          empty: { type: 'object', properties: {} },
        },
        'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Widget' }],
      },
    },
  };
  const decoded = decodeMessage(encodeOpenAPIV2(doc), 'Document');
  assert.deepEqual(swaggerOf(decoded), plain(doc));
  // Vendor extensions are YAML text, as kube-openapi's readers expect.
  const w = list((decoded.definitions as D).additional_properties)[0].value as D;
  assert.deepEqual(list(w.vendor_extension).map((e) => [e.name, (e.value as D).yaml]), [['x-kubernetes-group-version-kind', '- group: ""\n  version: v1\n  kind: Widget\n']]);
});

test('a key the encoder does not write is an error, never dropped', () => {
  const base = (): SwaggerDocument => ({ swagger: '2.0', info: { title: 't', version: 'v' }, paths: {}, definitions: {} });
  const cases: [string, (d: SwaggerDocument) => void][] = [
    ['schema default', (d) => (d.definitions.x = { type: 'string', default: 'a' } as SchemaObject)],
    ['document securityDefinitions', (d) => Object.assign(d, { securityDefinitions: {} })],
    ['info description', (d) => Object.assign(d.info, { description: 'x' })],
    ['path item head', (d) => (d.paths['/x'] = { head: {} } as never)],
  ];
  for (const [name, mutate] of cases) {
    const d = base();
    mutate(d);
    assert.throws(() => encodeOpenAPIV2(d), /gnostic: .* which this encoder does not write/, name);
  }
  assert.doesNotThrow(() => encodeOpenAPIV2(base()));
});
