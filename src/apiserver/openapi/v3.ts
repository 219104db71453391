// The OpenAPI v3 documents, one per group-version (/openapi/v3/api/v1, /openapi/v3/apis/apps/v1),
// and their index (/openapi/v3). `kubectl explain` reads the kind's schema from its group-version's
// document; kubectl create/apply/replace look there first for the PATCH operation of the object's
// kind and its fieldValidation parameter, and apply for the strategic merge patch content type.
// Same content as v2.ts, in v3's shape: refs under #/components/schemas, bodies as requestBody.
import type { GroupVersionKind } from '../../api/k8s-catalog.js';
import type { KindDef } from '../../api/kinds/kind.js';
import { pathsOf, tagOf, type Operation, type Parameter } from './operations.js';
import { DEFINITION_REF, INT_OR_STRING, reachable, type BuiltDefinitions, type KindDefinitions, type SchemaObject } from './schemas.js';
import { PATCH_BODY, payloadSchema } from './v2.js';

export const COMPONENT_REF = '#/components/schemas/';

/** A v3 schema: v2's, plus allOf, which carries a description (or extensions) beside a $ref. */
export type SchemaV3 = Omit<SchemaObject, 'items' | 'additionalProperties' | 'properties'> & {
  allOf?: SchemaV3[];
  oneOf?: SchemaV3[];
  items?: SchemaV3;
  additionalProperties?: SchemaV3;
  properties?: Record<string, SchemaV3>;
};

interface ParameterV3 {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: { type: string; uniqueItems: true };
}

type Content = Record<string, { schema: SchemaV3 }>;

interface OperationV3 {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: ParameterV3[];
  requestBody?: { content: Content; required: true };
  responses: Record<string, { description: string; content?: Content }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': GroupVersionKind;
}

export type PathItemV3 = { [M in Operation['method']]?: OperationV3 } & { parameters?: ParameterV3[] };

export interface OpenAPIV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, PathItemV3>;
  components: { schemas: Record<string, SchemaV3> };
}

/** The index at /openapi/v3: each group-version's document, with the hash of its content in the URL. */
export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * A v2 schema in v3's terms. A $ref stands alone in OpenAPI 3.0 (siblings are ignored), so a ref
 * that carries a description or patch extensions is wrapped in allOf, as Kubernetes' own v3
 * documents do.
 */
export function toV3(s: SchemaObject): SchemaV3 {
  const { $ref, items, additionalProperties, properties, ...rest } = s;
  const out: SchemaV3 = { ...rest };
  if (items) out.items = toV3(items);
  if (additionalProperties) out.additionalProperties = toV3(additionalProperties);
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toV3(v)]));
  if ($ref === undefined) return out;
  const ref = COMPONENT_REF + $ref.slice(DEFINITION_REF.length);
  return Object.keys(out).length ? { allOf: [{ $ref: ref }], ...out } : { $ref: ref };
}

/** A definition in v3: as in v2, but IntOrString says what it is, as kube-openapi's v3 definition of it does. */
function definitionV3(name: string, s: SchemaObject): SchemaV3 {
  if (name !== INT_OR_STRING) return toV3(s);
  const { type: _string, ...rest } = s;
  return { ...rest, oneOf: [{ type: 'integer' }, { type: 'string' }] };
}

function parameter(p: Parameter): ParameterV3 {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

const RESPONSE_DESCRIPTIONS: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };

function operation(o: Operation, r: KindDef, names: KindDefinitions): OperationV3 {
  const content = (types: string[], schema: SchemaV3): Content => Object.fromEntries(types.map((t) => [t, { schema }]));
  const responses: OperationV3['responses'] = {};
  for (const [code, payload] of Object.entries(o.responses)) {
    responses[code] = { description: RESPONSE_DESCRIPTIONS[code], content: content(o.produces, toV3(payloadSchema(payload, names, DEFINITION_REF))) };
  }
  responses['401'] = { description: 'Unauthorized' };
  const body = o.body === 'patch' ? toV3(PATCH_BODY) : o.body === 'object' ? toV3(payloadSchema('object', names, DEFINITION_REF)) : undefined;
  return {
    tags: [tagOf(r)],
    description: o.description,
    operationId: o.operationId,
    ...(o.parameters.length ? { parameters: o.parameters.map(parameter) } : {}),
    ...(body ? { requestBody: { content: content(o.consumes, body), required: true as const } } : {}),
    responses,
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': o.gvk,
  };
}

/** "api/v1", "apis/apps/v1": where a group-version's document is, below /openapi/v3/. */
export function groupVersionPath(r: Pick<KindDef, 'group' | 'version'>): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

/** One document per group-version, keyed by groupVersionPath, each with the definitions its kinds reach. */
export function buildOpenAPIV3(kinds: readonly KindDef[], built: BuiltDefinitions, version: string): Map<string, OpenAPIV3Document> {
  const byGV = new Map<string, KindDef[]>();
  for (const r of kinds) byGV.set(groupVersionPath(r), [...(byGV.get(groupVersionPath(r)) ?? []), r]);
  const docs = new Map<string, OpenAPIV3Document>();
  for (const [gv, members] of byGV) {
    const paths: Record<string, PathItemV3> = {};
    const roots: string[] = [];
    for (const r of members) {
      const names = built.kinds.get(r)!;
      roots.push(names.object, names.list);
      for (const item of pathsOf(r)) {
        const out: PathItemV3 = {};
        for (const o of item.operations) out[o.method] = operation(o, r, names);
        if (item.parameters.length) out.parameters = item.parameters.map(parameter);
        paths[item.path] = out;
      }
    }
    const schemas = Object.fromEntries(reachable(built.definitions, roots).map((name) => [name, definitionV3(name, built.definitions[name])]));
    docs.set(gv, {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version },
      paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1))),
      components: { schemas },
    });
  }
  return docs;
}

/** The index, from each document's path and hash. */
export function openAPIV3Index(hashes: ReadonlyMap<string, string>): OpenAPIV3Index {
  const paths: OpenAPIV3Index['paths'] = {};
  for (const [gv, hash] of [...hashes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}
