// The OpenAPI v2 (Swagger 2.0) document of everything k1s serves: /openapi/v2. kubectl reads it
// (as protobuf, gnostic.ts) before every create, apply or replace to decide whether the server
// validates fields itself; it also parses every definition, so each must be well formed.
import type { GroupVersionKind } from '../../api/k8s-catalog.js';
import type { KindDef } from '../../api/kinds/kind.js';
import { pathsOf, tagOf, type Operation, type Parameter, type Payload } from './operations.js';
import { DEFINITION_REF, type BuiltDefinitions, type KindDefinitions, type SchemaObject } from './schemas.js';

export interface SwaggerParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: SchemaObject;
}

export interface SwaggerResponse {
  description: string;
  schema?: SchemaObject;
}

export interface SwaggerOperation {
  description: string;
  consumes?: string[];
  produces: string[];
  schemes: string[];
  tags: string[];
  operationId: string;
  parameters?: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type SwaggerMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

export type SwaggerPathItem = { [M in SwaggerMethod]?: SwaggerOperation } & { parameters?: SwaggerParameter[] };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SchemaObject>;
}

const RESPONSE_DESCRIPTIONS: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

/** What a payload is, as a schema: the kind's definition, its list's, or a string. */
export function payloadSchema(payload: Payload, names: KindDefinitions, refPrefix: string): SchemaObject {
  if (payload === 'text') return { type: 'string' };
  return { $ref: refPrefix + (payload === 'list' ? names.list : names.object) };
}

/** The body of a patch: any JSON object, read according to the Content-Type. */
export const PATCH_BODY: SchemaObject = { type: 'object', description: 'A patch of the object, in the form its Content-Type names.' };

function parameter(p: Parameter): SwaggerParameter {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function operation(o: Operation, r: KindDef, names: KindDefinitions): SwaggerOperation {
  const parameters = o.parameters.map(parameter);
  if (o.body) parameters.unshift({ name: 'body', in: 'body', required: true, schema: o.body === 'patch' ? PATCH_BODY : payloadSchema('object', names, DEFINITION_REF) });
  const responses: Record<string, SwaggerResponse> = {};
  for (const [code, payload] of Object.entries(o.responses)) responses[code] = { description: RESPONSE_DESCRIPTIONS[code], schema: payloadSchema(payload, names, DEFINITION_REF) };
  responses['401'] = { description: 'Unauthorized' };
  return {
    description: o.description,
    ...(o.consumes.length ? { consumes: o.consumes } : {}),
    produces: o.produces,
    schemes: ['https'],
    tags: [tagOf(r)],
    operationId: o.operationId,
    ...(parameters.length ? { parameters } : {}),
    responses,
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

export function buildOpenAPIV2(kinds: readonly KindDef[], built: BuiltDefinitions, version: string): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  for (const r of kinds) {
    const names = built.kinds.get(r)!;
    for (const item of pathsOf(r)) {
      const out: SwaggerPathItem = {};
      for (const o of item.operations) out[o.method] = operation(o, r, names);
      if (item.parameters.length) out.parameters = item.parameters.map(parameter);
      paths[item.path] = out;
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1))),
    definitions: built.definitions,
  };
}
