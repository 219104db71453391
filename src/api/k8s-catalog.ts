// Kubernetes' own API fields, as published (scripts/gen-k8s-catalog.ts writes k8s-catalog.json from
// a pinned npm package; its header says which and why). k1s needs them to tell a field that
// Kubernetes has but k1s does not implement yet from a field that does not exist at all, and to
// describe fields the way `kubectl explain` expects.
//
// The catalog is JSON beside this module rather than a .ts object literal: tsc would infer a type
// for 300 KB of literal on every build, and a server that never consults the catalog would
// still parse it at import. `npm run build` copies the JSON into dist/; it is read on first use.
import { existsSync, readFileSync } from 'node:fs';

export type CatalogType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

/** One schema node in OpenAPI v2 shape: a property, an array's items or a map's values. */
export interface CatalogField {
  type?: CatalogType;
  /** int32, int64, double, byte, date-time, int-or-string (type string, as Kubernetes' own v2 spec says). */
  format?: string;
  /** `#/definitions/<name>`; the node has no type of its own then. */
  $ref?: string;
  items?: CatalogField;
  additionalProperties?: CatalogField;
  description?: string;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface CatalogDefinition {
  type: 'object';
  description?: string;
  properties: Record<string, CatalogField>;
  required?: string[];
  /** On the kinds' own definitions only, as in Kubernetes' OpenAPI documents. */
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
}

export interface K8sCatalog {
  source: { package: string; version: string; kubernetes: string };
  /** `apiVersion/kind` (`v1/Pod`, `apps/v1/Deployment`) -> definition name. */
  kinds: Record<string, string>;
  /** OpenAPI definition name (`io.k8s.api.core.v1.Container`) -> definition. */
  definitions: Record<string, CatalogDefinition>;
}

export type CatalogPath = readonly (string | number)[];

const REF_PREFIX = '#/definitions/';

// A plain `tsc -p tsconfig.json` copies no JSON into dist/; the source tree's copy (three levels
// up from dist/src/api/) keeps such a build working instead of failing on first use.
const CANDIDATES = [new URL('./k8s-catalog.json', import.meta.url), new URL('../../../src/api/k8s-catalog.json', import.meta.url)];

let loaded: K8sCatalog | undefined;

export function k8sCatalog(): K8sCatalog {
  if (loaded) return loaded;
  const file = CANDIDATES.find((url) => existsSync(url));
  if (!file) throw new Error(`k8s-catalog.json not found beside ${new URL('.', import.meta.url).pathname} (npm run build copies it)`);
  loaded = JSON.parse(readFileSync(file, 'utf8')) as K8sCatalog;
  return loaded;
}

/** The definition name of a kind, e.g. ('apps/v1', 'Deployment') -> 'io.k8s.api.apps.v1.Deployment'. */
export function definitionOf(apiVersion: string, kind: string): string | undefined {
  const kinds = k8sCatalog().kinds;
  const key = `${apiVersion}/${kind}`;
  return Object.hasOwn(kinds, key) ? kinds[key] : undefined;
}

export function definitionNamed(name: string): CatalogDefinition | undefined {
  const definitions = k8sCatalog().definitions;
  return Object.hasOwn(definitions, name) ? definitions[name] : undefined;
}

/** The definition a `$ref` node points at. */
export function refTarget(field: CatalogField): string | undefined {
  return field.$ref?.startsWith(REF_PREFIX) ? field.$ref.slice(REF_PREFIX.length) : undefined;
}

const isIndex = (segment: string | number): boolean =>
  typeof segment === 'number' ? Number.isInteger(segment) && segment >= 0 : /^\d+$/.test(segment);

/**
 * The schema node at `path` below a definition: object fields by name, array levels by index and
 * map levels by key (any key). An array level also lets a field name through to its items, so a
 * path without indices (`spec.containers.image`) walks too. Below a free-form object (FieldsV1's
 * `{type: object}` with no properties) every path is Kubernetes' own content: that object is
 * returned. An empty path gives the definition itself as a `$ref` node.
 */
export function fieldAt(definition: string, path: CatalogPath): CatalogField | undefined {
  const root = definitionNamed(definition);
  if (!root) return undefined;
  let node: CatalogField = { $ref: REF_PREFIX + definition, description: root.description };
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const target = refTarget(node);
    if (target !== undefined) {
      const def = definitionNamed(target);
      if (!def) return undefined;
      if (typeof segment !== 'string' || !Object.hasOwn(def.properties, segment)) return undefined;
      node = def.properties[segment];
    } else if (node.type === 'array' && node.items) {
      node = node.items;
      if (!isIndex(segment)) i--; // the same segment names a field of the items
    } else if (node.type === 'object' && node.additionalProperties) {
      node = node.additionalProperties;
    } else if (node.type === 'object') {
      return node;
    } else {
      return undefined;
    }
  }
  return node;
}

/** Whether `path` (as zod reports it: field names, list indices, map keys) is a field of the kind in Kubernetes. */
export function isKubernetesField(apiVersion: string, kind: string, path: CatalogPath): boolean {
  const definition = definitionOf(apiVersion, kind);
  return definition !== undefined && fieldAt(definition, path) !== undefined;
}
