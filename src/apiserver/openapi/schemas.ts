// The OpenAPI definitions of the kinds k1s serves, in OpenAPI v2 shape (v3.ts rewrites them).
//
// What k1s accepts decides which fields a definition has: each kind's strict zod schema, walked as
// z.toJSONSchema renders it. What Kubernetes says about a field decides its name, type, format and
// description: the catalog (k8s-catalog.json), walked alongside. So a definition keeps Kubernetes'
// name (io.k8s.api.core.v1.Container) and words, but only the fields k1s decodes.
//
// Fields Kubernetes has and k1s's schema does not are left out rather than described as "not
// supported": the server refuses them, so a client that completes, explains or validates from
// these documents should not offer them either, and leaving them out also keeps dozens of
// definitions (Affinity, the volume sources...) out of every document. The few fields the schema
// decodes but the server still refuses (podspec/unimplemented.ts) are in the schema, so they are
// listed, with a description that says so.
import { z } from 'zod';
import { definitionNamed, k8sCatalog, refTarget, type CatalogField, type GroupVersionKind } from '../../api/k8s-catalog.js';
import type { KindDef, PatchFieldMeta } from '../../api/kinds/kind.js';
import { apiVersionOf } from '../../api/resources.js';

/** One schema node of an OpenAPI v2 document, as far as k1s's documents use them. */
export interface SchemaObject {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  $ref?: string;
  items?: SchemaObject;
  additionalProperties?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  enum?: (string | number | boolean)[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

export interface KindDefinitions {
  /** the kind's own definition (io.k8s.api.core.v1.Pod) */
  object: string;
  /** its list (io.k8s.api.core.v1.PodList) */
  list: string;
}

export interface BuiltDefinitions {
  /** by name, sorted */
  definitions: Record<string, SchemaObject>;
  kinds: Map<KindDef, KindDefinitions>;
  /** where k1s's schema and Kubernetes' disagree on a field's shape, or k1s has a field Kubernetes lacks: `Kind path: why` */
  divergences: string[];
}

export const DEFINITION_REF = '#/definitions/';

const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const INT_OR_STRING_FORMAT = 'int-or-string';

/** The subset of JSON Schema that z.toJSONSchema produces for k1s's schemas. */
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: (string | number | boolean)[];
  anyOf?: JsonSchema[];
}

type Shape = 'struct' | 'map' | 'array' | 'scalar' | 'any';

function zodShape(js: JsonSchema): Shape {
  if (js.anyOf) return 'scalar'; // int-or-string, quantity: unions of scalars
  switch (js.type) {
    case 'object':
      return js.properties ? 'struct' : typeof js.additionalProperties === 'object' ? 'map' : 'any';
    case 'array':
      return 'array';
    case undefined:
      return 'any';
    default:
      return 'scalar';
  }
}

function catalogShape(f: CatalogField): Shape {
  if (f.$ref) return 'struct';
  if (f.type === 'array') return 'array';
  if (f.type === 'object') return f.additionalProperties ? 'map' : 'any';
  return 'scalar';
}

/** A zod node with no catalog counterpart, described from zod alone (no description to give). */
function fromZod(js: JsonSchema): SchemaObject {
  switch (zodShape(js)) {
    case 'struct':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(js.properties!).map(([k, v]) => [k, fromZod(v)])),
        ...(js.required?.length ? { required: [...js.required] } : {}),
      };
    case 'map':
      return { type: 'object', additionalProperties: fromZod(js.additionalProperties as JsonSchema) };
    case 'array':
      return { type: 'array', items: fromZod(js.items ?? {}) };
    case 'scalar': {
      if (js.anyOf) {
        const types = js.anyOf.map((a) => a.type);
        return types.includes('integer') && types.includes('string') ? { type: 'string', format: 'int-or-string' } : { type: 'string' };
      }
      const out: SchemaObject = { type: js.type as SchemaObject['type'] };
      if (js.enum) out.enum = [...js.enum];
      return out;
    }
    case 'any':
      return {};
  }
}

const sameJSON = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

interface Shapes {
  /** per definition: the JSON of each k1s schema it is reached with, and that schema's field count */
  seen: Map<string, Map<string, number>>;
}

/**
 * Walks the kinds' schemas and the catalog together. A Kubernetes type that k1s accepts with
 * different fields in different places (ObjectReference: Endpoints' targetRef has four, Event's
 * involvedObject seven) keeps its name for its widest shape; the others are described inline
 * where they are used, so no definition ever claims fields that a place does not take.
 */
class Builder {
  readonly definitions = new Map<string, SchemaObject>();
  readonly shapes: Shapes = { seen: new Map() };
  /** patch facts per definition and field; kept apart so that revisits compare schemas alone */
  private readonly patch = new Map<string, Map<string, PatchFieldMeta>>();
  readonly divergences = new Set<string>();
  private kind!: KindDef;

  /** @param named the shape that holds each contested definition's name (none on a first pass) */
  constructor(private readonly named: ReadonlyMap<string, string> = new Map()) {}

  addKind(kind: KindDef): KindDefinitions {
    this.kind = kind;
    const apiVersion = apiVersionOf(kind);
    const js = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    let name = k8sCatalog().kinds[`${apiVersion}/${kind.kind}`];
    if (name) this.register(name, js, '', true);
    else {
      // A kind the catalog lacks still gets a document (a throw here would fail every kubectl apply):
      // its fields, without Kubernetes' words. The unit tests ask for the catalog to be extended.
      this.divergences.add(`${kind.kind}: the catalog has no definition of ${apiVersion} ${kind.kind}`);
      name = `io.k8s.api.${(kind.group || 'core').split('.')[0]}.${kind.version}.${kind.kind}`;
      const { required = [], ...def } = fromZod(js);
      const kept = required.filter((k) => k !== 'apiVersion' && k !== 'kind');
      this.definitions.set(name, { ...def, ...(kept.length ? { required: kept } : {}), 'x-kubernetes-group-version-kind': [{ group: kind.group, kind: kind.kind, version: kind.version }] });
    }
    const list = `${name}List`;
    this.definitions.set(list, this.listDefinition(kind, name));
    return { object: name, list };
  }

  /** Registers the definition `name` as k1s's schema `js` has it; the first shape of a contested name stays. */
  private register(name: string, js: JsonSchema, path: string, root = false): void {
    const def = this.body(name, js, path, root, (field, meta) => this.notePatch(name, field, meta, path));
    const signature = JSON.stringify(js);
    const shapes = this.shapes.seen.get(name) ?? new Map<string, number>();
    shapes.set(signature, Object.keys(def.properties!).length);
    this.shapes.seen.set(name, shapes);
    const seen = this.definitions.get(name);
    if (seen && !sameJSON(seen, def)) {
      if (this.named.size) throw new Error(`openapi: ${name} came out twice, differently (${this.kind.kind} ${path || '.'})`);
      return;
    }
    this.definitions.set(name, def);
  }

  /**
   * A definition's body: Kubernetes' definition narrowed to the fields of `js`. Patch facts go to
   * `patch` for a named definition (applied once all kinds are walked), straight onto the field
   * for an inline one.
   */
  private body(name: string, js: JsonSchema, path: string, root: boolean, patch?: (field: string, meta: PatchFieldMeta) => void): SchemaObject {
    const catalog = definitionNamed(name);
    if (!catalog) throw new Error(`openapi: the catalog has no definition ${name}`);
    if (zodShape(js) !== 'struct') throw new Error(`openapi: ${this.kind.kind} ${path}: k1s's schema is no object where Kubernetes has ${name}`);
    const own = js.properties!;
    const properties: Record<string, SchemaObject> = {};
    // Kubernetes' order (alphabetical), then any field k1s has that Kubernetes does not.
    const keys = [...Object.keys(catalog.properties).filter((k) => Object.hasOwn(own, k)), ...Object.keys(own).filter((k) => !Object.hasOwn(catalog.properties, k))];
    for (const key of keys) {
      const at = path ? `${path}.${key}` : key;
      const known = Object.hasOwn(catalog.properties, key);
      if (!known) this.divergences.add(`${this.kind.kind} ${at}: not a field of ${name}`);
      const field = known ? this.field(own[key], catalog.properties[key], at) : fromZod(own[key]);
      properties[key] = field;
      const meta = this.kind.patchMergeKeys[at];
      if (meta && patch) patch(key, meta);
      else if (meta) applyPatch(field, meta);
    }
    // The registry fills in apiVersion and kind from the URL, so only the schema's other required fields are.
    const required = (js.required ?? []).filter((k) => Object.hasOwn(properties, k) && !(root && (k === 'apiVersion' || k === 'kind')));
    return {
      type: 'object',
      ...(catalog.description ? { description: catalog.description } : {}),
      properties,
      ...(required.length ? { required } : {}),
      ...(root && catalog['x-kubernetes-group-version-kind'] ? { 'x-kubernetes-group-version-kind': catalog['x-kubernetes-group-version-kind'] } : {}),
    };
  }

  /** One field: Kubernetes' node for it, narrowed to what k1s's schema accepts. */
  private field(js: JsonSchema, catalog: CatalogField, path: string): SchemaObject {
    const shape = zodShape(js);
    const expected = catalogShape(catalog);
    const description = catalog.description ? { description: catalog.description } : {};
    if (shape === 'any' || (shape !== expected && expected !== 'any')) {
      this.divergences.add(`${this.kind.kind} ${path}: k1s accepts ${shape === 'any' ? 'any value' : `a ${shape}`}, Kubernetes has a ${expected}`);
      // k1s accepts something else than Kubernetes here (or anything): its own shape, Kubernetes' words.
      return { ...fromZod(js), ...description };
    }
    const target = refTarget(catalog);
    if (target) {
      // The catalog has no description for a field whose type is a definition (its generator's
      // source drops them): the type's own stands in, so that explain lists say something.
      const said = description.description ? description : { description: definitionNamed(target)?.description };
      const holder = this.named.get(target);
      if (holder === undefined || holder === JSON.stringify(js)) {
        this.register(target, js, path);
        return { $ref: catalog.$ref, ...(said.description ? said : {}) };
      }
      const inline = this.body(target, js, path, false);
      return { ...inline, ...description };
    }
    if (catalog.format === INT_OR_STRING_FORMAT && shape === 'scalar') {
      // Kubernetes' IntOrString is a definition of its own (the catalog inlines it), and naming it is what tells
      // `kubectl explain` readers that `targetPort: 8080` and `targetPort: http` both work.
      this.definitions.set(INT_OR_STRING, { type: 'string', format: INT_OR_STRING_FORMAT, ...description });
      return { $ref: DEFINITION_REF + INT_OR_STRING, ...description };
    }
    switch (shape) {
      case 'array':
        return { type: 'array', items: this.field(js.items ?? {}, catalog.items!, path), ...description };
      case 'map':
        // Kubernetes' free-form object (FieldsV1) that k1s reads as a map: free-form it stays
        if (!catalog.additionalProperties) return { type: 'object', ...description };
        return { type: 'object', additionalProperties: this.field(js.additionalProperties as JsonSchema, catalog.additionalProperties!, path), ...description };
      case 'struct':
        // Kubernetes' free-form object that k1s gives a shape
        return { ...fromZod(js), ...description };
      default: {
        const out: SchemaObject = { type: catalog.type, ...(catalog.format ? { format: catalog.format } : {}), ...description };
        if (js.enum) out.enum = [...js.enum];
        return out;
      }
    }
  }

  private notePatch(definition: string, field: string, meta: PatchFieldMeta, path: string): void {
    const facts = this.patch.get(definition) ?? new Map<string, PatchFieldMeta>();
    const seen = facts.get(field);
    if (seen && !sameJSON(seen, meta)) throw new Error(`openapi: ${definition}.${field} has two patch strategies (${this.kind.kind} ${path})`);
    facts.set(field, meta);
    this.patch.set(definition, facts);
  }

  /** <Kind>List as the registry answers a list: apiVersion, kind, metadata.resourceVersion, items. */
  private listDefinition(kind: KindDef, object: string): SchemaObject {
    const catalog = definitionNamed(object) ?? { properties: { apiVersion: { type: 'string' }, kind: { type: 'string' } } };
    return {
      type: 'object',
      description: `${kind.kind}List is a list of ${kind.kind} objects.`,
      properties: {
        apiVersion: { ...catalog.properties.apiVersion } as SchemaObject,
        items: { type: 'array', items: { $ref: DEFINITION_REF + object }, description: `List of ${kind.resource}.` },
        kind: { ...catalog.properties.kind } as SchemaObject,
        metadata: { $ref: DEFINITION_REF + LIST_META, description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
      },
      required: ['items'],
      'x-kubernetes-group-version-kind': [{ group: kind.group, kind: `${kind.kind}List`, version: kind.version }],
    };
  }

  finish(): Record<string, SchemaObject> {
    // ListMeta is not in the catalog (no kind embeds it); the registry's lists carry resourceVersion only.
    this.definitions.set(LIST_META, {
      type: 'object',
      description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.',
      properties: {
        resourceVersion: {
          type: 'string',
          description:
            "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed. Value must be treated as opaque by clients and passed unmodified back to the server. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#concurrency-control-and-consistency",
        },
      },
    });
    for (const [definition, facts] of this.patch) {
      const properties = this.definitions.get(definition)!.properties!;
      for (const [field, meta] of facts) applyPatch(properties[field], meta);
    }
    return Object.fromEntries([...this.definitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

function applyPatch(field: SchemaObject, meta: PatchFieldMeta): void {
  if (meta.mergeKey) field['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (meta.strategy) field['x-kubernetes-patch-strategy'] = meta.strategy;
}

/** For each definition reached with several shapes, the shape that keeps the name: most fields, then the first JSON. */
function nameHolders(shapes: Shapes): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, seen] of shapes.seen) {
    if (seen.size < 2) continue;
    const [best] = [...seen].sort(([a, n], [b, m]) => m - n || (a < b ? -1 : a > b ? 1 : 0));
    out.set(name, best[0]);
  }
  return out;
}

/** The definitions of the given kinds, their lists, and every definition they reach. */
export function buildDefinitions(kinds: readonly KindDef[]): BuiltDefinitions {
  const survey = new Builder();
  for (const kind of kinds) survey.addKind(kind);
  const b = new Builder(nameHolders(survey.shapes));
  const names = new Map<KindDef, KindDefinitions>();
  for (const kind of kinds) names.set(kind, b.addKind(kind));
  return { definitions: b.finish(), kinds: names, divergences: [...b.divergences] };
}

/** Every `$ref` target below a schema node. */
export function refsOf(s: SchemaObject, out = new Set<string>()): Set<string> {
  if (s.$ref?.startsWith(DEFINITION_REF)) out.add(s.$ref.slice(DEFINITION_REF.length));
  if (s.items) refsOf(s.items, out);
  if (s.additionalProperties) refsOf(s.additionalProperties, out);
  for (const p of Object.values(s.properties ?? {})) refsOf(p, out);
  return out;
}

/** The names of the definitions reachable from the roots, roots included, sorted. */
export function reachable(definitions: Record<string, SchemaObject>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const def = definitions[name];
    if (!def) throw new Error(`openapi: no definition ${name}`);
    seen.add(name);
    queue.push(...refsOf(def));
  }
  return [...seen].sort();
}
