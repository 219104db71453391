// Objects read through a schema, as structured-merge-diff v4's typed package reads them: which
// parts are structs (named fields), maps (any keys), scalars, and lists, and of lists whether they
// are atomic (owned whole), sets of scalars, or associative lists keyed by some of their items'
// fields. On that reading: the field set of an object (ToFieldSet), the comparison of two objects
// (Compare), the merge of an applied configuration into an object (Merge), the removal of the
// items of a set (RemoveItems) and EnsureNamedFieldsAreMembers. Pure; values are plain JSON, an
// absent field is `undefined`, a field set to null is `null` (the two differ, as in Go).
import { z } from 'zod';
import type { KindDef } from '../kinds/kind.js';
import { FieldSet, keyElement, pathString, type Path, type PathElement } from './fieldset.js';

/** x-kubernetes-list-type (with -list-map-keys) or x-kubernetes-map-type of one field. */
export type FieldType =
  | { list: 'atomic' | 'set' }
  /** keys: the list-map keys; defaults: the value of a key field an item leaves out (protocol: "TCP") */
  | { list: 'map'; keys: readonly string[]; defaults?: Readonly<Record<string, unknown>> }
  | { map: 'atomic' };

export type TypeNode =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, TypeNode>; readonly atomic: boolean }
  | { readonly kind: 'map'; readonly values: TypeNode; readonly atomic: boolean }
  | {
      readonly kind: 'list';
      readonly items: TypeNode;
      readonly listType: 'atomic' | 'set' | 'map';
      readonly keys: readonly string[];
      readonly keyDefaults: Readonly<Record<string, unknown>>;
    }
  /** a value the schema does not describe: read as structured-merge-diff's deduced type (maps of anything, atomic lists) */
  | { readonly kind: 'any' };

export const ANY: TypeNode = { kind: 'any' };
const SCALAR: TypeNode = { kind: 'scalar' };

/** A problem with a value's shape that stops it from being read (a key field missing, a duplicate key). */
export class TypedError extends Error {
  override name = 'TypedError';
}

// ---- the schema of a kind ----

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

const cache = new WeakMap<object, TypeNode>();

/**
 * The schema of a kind: its zod schema for what is a struct, a map, a list or a scalar; its
 * patchMergeKeys for the lists Kubernetes' OpenAPI marks only with a patch strategy (merge with a
 * key: keyed by it; merge without: a set; anything else atomic, as kube-openapi's schemaconv reads
 * them); its fieldTypes where Kubernetes says more (containers' ports keyed by containerPort and
 * protocol, atomic selectors).
 */
export function typeOfKind(kind: Pick<KindDef, 'schema' | 'patchMergeKeys' | 'fieldTypes'>): TypeNode {
  let t = cache.get(kind);
  if (!t) {
    const js = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    t = fromJsonSchema(js, [], kind.patchMergeKeys, kind.fieldTypes ?? {});
    cache.set(kind, t);
  }
  return t;
}

function fromJsonSchema(
  js: JsonSchema,
  path: string[],
  patch: KindDef['patchMergeKeys'],
  types: Readonly<Record<string, FieldType>>,
): TypeNode {
  const at = path.join('.');
  const declared = Object.hasOwn(types, at) ? types[at] : undefined;
  const type = Array.isArray(js.type) ? undefined : js.type;
  if (js.anyOf || Array.isArray(js.type)) return SCALAR;
  if (type === 'object' && js.properties) {
    const fields = new Map<string, TypeNode>();
    for (const [k, v] of Object.entries(js.properties)) fields.set(k, fromJsonSchema(v, [...path, k], patch, types));
    return { kind: 'struct', fields, atomic: !!declared && 'map' in declared };
  }
  if (type === 'object') {
    const values = typeof js.additionalProperties === 'object' ? fromJsonSchema(js.additionalProperties, path, patch, types) : ANY;
    return { kind: 'map', values, atomic: !!declared && 'map' in declared };
  }
  if (type === 'array') {
    const items = fromJsonSchema(js.items ?? {}, path, patch, types);
    if (declared && 'list' in declared) {
      return declared.list === 'map'
        ? { kind: 'list', items, listType: 'map', keys: declared.keys, keyDefaults: declared.defaults ?? {} }
        : { kind: 'list', items, listType: declared.list, keys: [], keyDefaults: {} };
    }
    const meta = Object.hasOwn(patch, at) ? patch[at] : undefined;
    if (meta?.strategy?.split(',').includes('merge')) {
      return meta.mergeKey
        ? { kind: 'list', items, listType: 'map', keys: [meta.mergeKey], keyDefaults: {} }
        : { kind: 'list', items, listType: 'set', keys: [], keyDefaults: {} };
    }
    return { kind: 'list', items, listType: 'atomic', keys: [], keyDefaults: {} };
  }
  if (type === undefined) return ANY;
  return SCALAR;
}

// ---- reading values ----

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** How a value is handled under a node: the node decides, unless the value is not of its shape. */
function shapeOf(node: TypeNode, v: Json): 'scalar' | 'map' | 'list' {
  const valueShape = Array.isArray(v) ? 'list' : isObj(v) ? 'map' : v === null || v === undefined ? 'none' : 'scalar';
  switch (node.kind) {
    case 'scalar':
      return 'scalar';
    case 'struct':
    case 'map':
      return valueShape === 'map' || valueShape === 'none' ? 'map' : 'scalar';
    case 'list':
      return valueShape === 'list' || valueShape === 'none' ? 'list' : 'scalar';
    case 'any':
      return valueShape === 'none' ? 'scalar' : valueShape;
  }
}

/** Owned whole: atomic lists and maps, and lists the schema does not describe (deduced maps stay granular). */
function isAtomic(node: TypeNode, shape: 'map' | 'list'): boolean {
  if (node.kind === 'any') return shape === 'list';
  return ((node.kind === 'struct' || node.kind === 'map') && node.atomic) || (node.kind === 'list' && node.listType === 'atomic');
}

/** The type of a map's entry or a struct's field (deduced when the struct does not declare it). */
function fieldNode(node: TypeNode, name: string): TypeNode {
  if (node.kind === 'struct') return node.fields.get(name) ?? ANY;
  if (node.kind === 'map') return node.values;
  return ANY;
}

function isDeclared(node: TypeNode, name: string): boolean {
  return node.kind === 'struct' && node.fields.has(name);
}

function itemNode(node: TypeNode): TypeNode {
  return node.kind === 'list' ? node.items : ANY;
}

/** The path element of a list's item: its key fields (keyed lists) or its value (sets). */
export function itemElement(node: TypeNode, item: Json, index: number, at: Path): PathElement {
  const fail = (why: string) => new TypedError(`${pathString(at)}: element ${index}: ${why}`);
  if (node.kind !== 'list' || node.listType === 'atomic') return { index };
  if (node.listType === 'map') {
    if (item === null) throw fail('associative list with keys may not have a null element');
    if (!isObj(item)) throw fail('associative list with keys may not have non-map elements');
    const key: Record<string, Json> = {};
    for (const k of node.keys) {
      if (item[k] !== undefined) key[k] = item[k];
      else if (Object.hasOwn(node.keyDefaults, k)) key[k] = node.keyDefaults[k];
      else throw fail(`associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
    }
    return keyElement(key);
  }
  if (isObj(item)) throw fail("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw fail('not supported: associative list with lists as elements');
  if (item === null) throw fail("associative list without keys has an element that's an explicit null");
  return { value: item };
}

// ---- ToFieldSet ----

/**
 * Every leaf and item a value mentions: scalars, atomic lists and maps, list items (and what is
 * in them), a map's entries, and a struct's fields that are null or empty objects.
 */
export function toFieldSet(value: Json, node: TypeNode): FieldSet {
  const set = new FieldSet();
  const walk = (v: Json, n: TypeNode, path: Path): void => {
    const shape = shapeOf(n, v);
    if (shape === 'scalar') return set.insert(path);
    if (isAtomic(n, shape)) return set.insert(path);
    if (shape === 'list') {
      if (!Array.isArray(v)) return;
      v.forEach((item, i) => {
        const p = [...path, itemElement(n, item, i, path)];
        walk(item, itemNode(n), p);
        set.insert(p);
      });
      return;
    }
    if (!isObj(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if (child === undefined) continue;
      const p = [...path, { field: k }];
      walk(child, fieldNode(n, k), p);
      if (child === null || (isObj(child) && Object.keys(child).length === 0) || !isDeclared(n, k)) set.insert(p);
    }
  };
  walk(value, node, []);
  return set;
}

// ---- Compare ----

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from lhs to rhs: leaves added, removed and modified, and the maps, lists and items
 * that appear or disappear (a struct present on both sides never is, however it changed).
 */
export function compare(lhs: Json, rhs: Json, node: TypeNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: Json, r: Json, path: Path) => {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!jsonEqual(l, r)) c.modified.insert(path);
  };
  const walk = (l: Json, r: Json, n: TypeNode, path: Path): void => {
    const shape = shapeOf(n, r !== undefined ? r : l);
    if (shape === 'scalar' || (shape !== shapeOf(n, l) && l !== undefined && r !== undefined)) return leaf(l, r, path);
    if (shape === 'list') {
      const ll = Array.isArray(l) ? l : undefined;
      const rl = Array.isArray(r) ? r : undefined;
      if (isAtomic(n, 'list') || ((!ll || !ll.length) && (!rl || !rl.length))) return leaf(l, r, path);
      const li = indexItems(n, ll ?? [], path, true);
      const ri = indexItems(n, rl ?? [], path, true);
      for (const [k, { element, item }] of li) walk(item, ri.get(k)?.item, itemNode(n), [...path, element]);
      for (const [k, { element, item }] of ri) if (!li.has(k)) walk(undefined, item, itemNode(n), [...path, element]);
    } else {
      const lm = isObj(l) ? l : undefined;
      const rm = isObj(r) ? r : undefined;
      if (isAtomic(n, 'map') || ((!lm || !Object.keys(lm).length) && (!rm || !Object.keys(rm).length))) return leaf(l, r, path);
      const keys = new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})]);
      for (const k of keys) {
        const lv = lm?.[k];
        const rv = rm?.[k];
        if (lv === undefined && rv === undefined) continue;
        walk(lv, rv, fieldNode(n, k), [...path, { field: k }]);
      }
    }
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  walk(lhs, rhs, node, []);
  return c;
}

/** A list's items by their serialized path element, in order; repeats keep the first (as structured-merge-diff does for live objects). */
function indexItems(n: TypeNode, list: Json[], at: Path, allowDuplicates: boolean): Map<string, { element: PathElement; item: Json }> {
  const out = new Map<string, { element: PathElement; item: Json }>();
  list.forEach((item, i) => {
    const element = itemElement(n, item, i, at);
    const k = JSON.stringify(element);
    if (out.has(k)) {
      if (!allowDuplicates) throw new TypedError(`${pathString(at)}: duplicate entries for key ${pathString([element])}`);
      return;
    }
    out.set(k, { element, item });
  });
  return out;
}

export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => b[k] !== undefined && jsonEqual(a[k], b[k]));
  }
  return false;
}

// ---- Merge ----

/**
 * lhs with rhs merged in: rhs's leaves win, maps and structs merge by key, associative lists by
 * item (lhs's order, with rhs's order for the items both have and rhs's new items where rhs puts
 * them), atomic lists and maps are replaced whole.
 */
export function merge(lhs: Json, rhs: Json, node: TypeNode): Json {
  const walk = (l: Json, r: Json, n: TypeNode, path: Path): Json => {
    const shape = shapeOf(n, r !== undefined ? r : l);
    const keepRHS = r !== undefined ? r : l;
    if (shape === 'scalar' || (shape !== shapeOf(n, l) && l !== undefined && r !== undefined)) return keepRHS;
    if (shape === 'list') {
      const ll = Array.isArray(l) ? l : undefined;
      const rl = Array.isArray(r) ? r : undefined;
      if (isAtomic(n, 'list') || ((!ll || !ll.length) && (!rl || !rl.length))) return keepRHS;
      const out = mergeItems(n, ll ?? [], rl ?? [], path, walk);
      return out.length ? out : undefined;
    }
    const lm = isObj(l) ? l : undefined;
    const rm = isObj(r) ? r : undefined;
    if (isAtomic(n, 'map') || ((!lm || !Object.keys(lm).length) && (!rm || !Object.keys(rm).length))) return keepRHS;
    const out: Obj = {};
    for (const k of new Set([...Object.keys(lm ?? {}), ...Object.keys(rm ?? {})])) {
      const lv = lm?.[k];
      const rv = rm?.[k];
      if (lv === undefined && rv === undefined) continue;
      const v = walk(lv, rv, fieldNode(n, k), [...path, { field: k }]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return walk(lhs, rhs, node, []);
}

type MergeWalk = (l: Json, r: Json, n: TypeNode, path: Path) => Json;

/** visitListItems of structured-merge-diff v4's merge: the order it gives merged lists. */
function mergeItems(n: TypeNode, lhs: Json[], rhs: Json[], path: Path, walk: MergeWalk): Json[] {
  const ri = indexItems(n, rhs, path, false);
  const li = indexItems(n, lhs, path, true);
  const rOrder = [...ri.keys()];
  const lOrder = [...li.keys()];
  const shared = rOrder.filter((k) => li.has(k));
  let nextShared: string | undefined = shared.shift();
  const out: Json[] = [];
  const take = (k: string) => {
    const element = (ri.get(k) ?? li.get(k))!.element;
    const v = walk(li.get(k)?.item, ri.get(k)?.item, itemNode(n), [...path, element]);
    if (v !== undefined) out.push(v);
  };
  let l = 0;
  let r = 0;
  while (l < lOrder.length || r < rOrder.length) {
    if (l < lOrder.length && r < rOrder.length) {
      const k = lOrder[l];
      if (k === rOrder[r]) {
        take(k);
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (ri.has(k) && nextShared !== undefined && nextShared !== k) {
        l++; // a shared item, placed when rhs's order reaches it
        continue;
      }
    }
    if (l < lOrder.length && !ri.has(lOrder[l])) {
      take(lOrder[l]);
      l++;
      continue;
    }
    if (r < rOrder.length) {
      const k = rOrder[r];
      take(k);
      r++;
      if (nextShared === k) nextShared = shared.shift();
      continue;
    }
    l++; // a shared item rhs has already placed
  }
  return out;
}

// ---- RemoveItems ----

/** The value without the fields and items that are members of set (a list or map left empty becomes null). */
export function removeItems(value: Json, set: FieldSet, node: TypeNode): Json {
  const walk = (v: Json, s: FieldSet, n: TypeNode, path: Path): Json => {
    const shape = shapeOf(n, v);
    if (shape === 'scalar') return v;
    if (shape === 'list') {
      if (!Array.isArray(v)) return v;
      if (v.length === 0 || isAtomic(n, 'list')) return null;
      const out: Json[] = [];
      v.forEach((item, i) => {
        let element: PathElement;
        try {
          element = itemElement(n, item, i, path);
        } catch {
          out.push(item);
          return;
        }
        if (s.hasMember(element)) return;
        const below = s.withPrefix(element);
        out.push(below.isEmpty() ? item : walk(item, below, itemNode(n), [...path, element]));
      });
      return out.length ? out : null;
    }
    if (!isObj(v)) return v;
    if (Object.keys(v).length === 0 || isAtomic(n, 'map')) return null;
    const out: Obj = {};
    for (const [k, child] of Object.entries(v)) {
      const e = { field: k };
      if (s.hasMember(e)) continue;
      const below = s.withPrefix(e);
      out[k] = below.isEmpty() ? child : walk(child, below, fieldNode(n, k), [...path, e]);
    }
    return Object.keys(out).length ? out : null;
  };
  return walk(value, set, node, []);
}

// ---- EnsureNamedFieldsAreMembers ----

/** The set, with every struct field that has members below it made a member too (maps' keys are not). */
export function ensureNamedFieldsAreMembers(set: FieldSet, node: TypeNode): FieldSet {
  const members = set.memberElements();
  const children = set.childEntries().map(({ element, set: below }) => {
    let childNode: TypeNode = ANY;
    if ('field' in element) {
      if (isDeclared(node, element.field)) members.push(element);
      childNode = fieldNode(node, element.field);
    } else if ('key' in element) {
      childNode = itemNode(node);
    }
    return { element, set: ensureNamedFieldsAreMembers(below, childNode) };
  });
  return FieldSet.build(members, children);
}
