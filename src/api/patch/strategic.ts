// Strategic merge patch as the API server applies it: k8s.io/apimachinery/pkg/util/strategicpatch
// StrategicMergeMapPatch (mergeMap with MergeParallelList and IgnoreUnmatchedNulls), v1.32.
// The field facts (patchStrategy / patchMergeKey struct tags) come from the caller.
//
// The work is done on private copies, in place, in the same steps as apimachinery, so that its
// ordering rules and its errors come out the same. Its less obvious rules, all kept:
// - a list element without $setElementOrder that is new goes to the front of the list, not the end;
// - a value set where the original has none (or one of another type) loses its nulls and any
//   object carrying $patch, but elements appended to a merged list are taken verbatim;
// - $retainKeys is honoured wherever it appears, whatever the field's strategy;
// - $deleteFromPrimitiveList deletes whatever the field's strategy;
// - where elements the patch does not order land follows Go's shared slices (see GoSlice).
import { PatchError } from './error.js';
import { goString, goType, goTypeName, goValue } from './gofmt.js';
import { hasOwn, isMap, jsonKind, setOwn, type JsonMap } from './values.js';

export interface PatchFieldMeta {
  strategy?: 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';
  mergeKey?: string;
}
/** fieldPath: field names from the object root; list levels are not included:
 *  ['spec','template','spec','containers','ports'] is the ports list of a container. */
export type PatchMetaLookup = (fieldPath: readonly string[]) => PatchFieldMeta | undefined;

/** A lookup over a table keyed by dot-joined field paths ('spec.template.spec.containers'). */
export function patchMetaFromTable(table: Readonly<Record<string, PatchFieldMeta>>): PatchMetaLookup {
  return (fieldPath) => {
    const key = fieldPath.join('.');
    return hasOwn(table, key) ? table[key] : undefined;
  };
}

export function strategicMergePatch(original: unknown, patch: unknown, meta: PatchMetaLookup): unknown {
  // A `null` body decodes to an empty patch; anything but an object fails to decode (a 400).
  if (patch === null) patch = {};
  if (!isMap(patch)) throw PatchError.badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  const doc = isMap(original) ? structuredClone(original) : {};
  return new Merger(meta).mergeMap(doc, structuredClone(patch), []);
}

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

const errNoMergeKey = (m: unknown, key: string) => PatchError.internal(`map: ${goValue(m)} does not contain declared merge key: ${key}`);
const errBadArgType = (expected: string, actual: unknown) => PatchError.internal(`expected a ${expected}, but received a ${goTypeName(actual)}`);
const errBadPatchType = (t: unknown, m: JsonMap) => PatchError.internal(`unknown patch type: ${goString(t)} in map: ${goValue(m)}`);
const MAP_TYPE = 'map[string]interface {}';
const LIST_TYPE = '[]interface {}';

class Merger {
  constructor(private readonly meta: PatchMetaLookup) {}

  mergeMap(original: JsonMap, patch: JsonMap, path: readonly string[]): JsonMap {
    if (hasOwn(patch, DIRECTIVE)) return mapDirective(patch);
    applyRetainKeys(original, patch);
    this.mergeOrderedLists(original, patch, path);
    for (const patchKey of Object.keys(patch)) {
      const patchValue = patch[patchKey];
      const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
      const key = isDeleteList ? extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST) : patchKey;
      if (patchValue === null) {
        delete original[key];
        continue;
      }
      if (!has(original, key) || goType(original[key]) !== goType(patchValue)) {
        if (!isDeleteList) setFresh(original, key, patchValue);
        continue;
      }
      const fieldPath = [...path, key];
      const field = this.meta(fieldPath);
      if (isMap(patchValue)) {
        const merged = strategyOf(field) === 'replace' ? patchValue : this.mergeMap(original[key] as JsonMap, patchValue, fieldPath);
        setOwn(original, key, merged);
      } else if (Array.isArray(patchValue)) {
        setOwn(original, key, this.mergeListField(original[key] as unknown[], patchValue, fieldPath, field, isDeleteList).merged);
      } else {
        setOwn(original, key, patchValue);
      }
    }
    return original;
  }

  // mergePatchIntoOriginal: each $setElementOrder/<field> is merged with its list (which is then
  // done), and the result ordered: $setElementOrder first, then the patch, then the live list.
  private mergeOrderedLists(original: JsonMap, patch: JsonMap, path: readonly string[]): void {
    for (const directive of Object.keys(patch)) {
      if (!directive.startsWith(SET_ELEMENT_ORDER) || !hasOwn(patch, directive)) continue;
      const order = patch[directive];
      delete patch[directive];
      if (!Array.isArray(order)) throw errBadArgType(LIST_TYPE, order);
      const key = extractKey(directive, SET_ELEMENT_ORDER);
      const originalList = has(original, key) ? asList(original[key]) : undefined;
      const patchList = hasOwn(patch, key) ? asList(patch[key]) : undefined;
      const fieldPath = [...path, key];
      const field = this.meta(fieldPath);
      const mergeKey = field?.mergeKey ?? '';
      validatePatchWithSetOrderList(patchList ?? [], order, mergeKey);
      let merged: unknown[];
      let liveOrder = originalList ?? [];
      if (originalList && patchList) ({ merged, liveOrder } = this.mergeListField(originalList, patchList, fieldPath, field, false));
      else if (originalList) merged = originalList;
      else if (patchList) merged = removeDirectives(patchList)[0] as unknown[];
      else continue;
      const [inOrder, serverOnly] = mergeKey ? partitionMaps(merged, order, mergeKey) : partitionPrimitives(merged, order);
      const isMapList = sliceElementType(originalList ?? [], patchList ?? []) === MAP_TYPE;
      setOwn(original, key, normalizeElementOrder(inOrder, serverOnly, order, liveOrder, mergeKey, isMapList));
      delete patch[key];
    }
  }

  private mergeListField(original: unknown[], patch: unknown[], path: string[], field: PatchFieldMeta | undefined, isDeleteList: boolean): MergedList {
    if (strategyOf(field) !== 'merge' && !isDeleteList) return { merged: patch, liveOrder: original };
    return this.mergeList(original, patch, path, field?.mergeKey ?? '', isDeleteList);
  }

  // mergeSlice
  private mergeList(original: unknown[], patch: unknown[], path: string[], mergeKey: string, isDeleteList: boolean): MergedList {
    if (original.length === 0 && patch.length === 0) return { merged: original, liveOrder: original };
    const isMapList = sliceElementType(original, patch) === MAP_TYPE;
    if (!isMapList) {
      if (isDeleteList) return { merged: original.filter((v) => !patch.includes(v)), liveOrder: original };
      const merged = [...new Set([...original, ...patch])];
      const [inPatch, serverOnly] = mergeKey ? partitionMaps(merged, patch, mergeKey) : partitionPrimitives(merged, patch);
      return { merged: normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, false), liveOrder: original };
    }
    // PatchMetaFromStruct.Name() of a list of structs is its kind
    if (!mergeKey) throw PatchError.internal('cannot merge lists without merge key for struct');
    const live = new GoSlice([...original]);
    const { list, plain } = applyListDirectives(live, patch as JsonMap[], mergeKey);
    const base = list.items();
    this.mergeByKey(list, plain, path, mergeKey);
    const [inPatch, serverOnly] = partitionMaps(list.items(), plain, mergeKey);
    return {
      merged: normalizeElementOrder(inPatch, serverOnly, plain, base, mergeKey, true),
      liveOrder: live.backing.slice(0, original.length),
    };
  }

  // mergeSliceWithoutSpecialElements. New elements are looked up among those appended before them.
  private mergeByKey(list: GoSlice, patch: JsonMap[], path: string[], mergeKey: string): void {
    for (const element of patch) {
      if (!hasOwn(element, mergeKey)) throw errNoMergeKey(element, mergeKey);
      const i = findByKey(list.items(), mergeKey, element[mergeKey]);
      if (i >= 0) list.backing[i] = this.mergeMap(list.backing[i] as JsonMap, element, path);
      else list.push(element);
    }
  }
}

interface MergedList {
  merged: unknown[];
  /** what apimachinery then reads as the live order: the original list as its shared array left it */
  liveOrder: unknown[];
}

// A Go slice over a backing array it may share. apimachinery deletes from the original list by
// shifting its elements left and appends the patch's new elements after them, in the same array, so
// the original list, which it goes on reading as the live order for $setElementOrder, ends up
// showing the merged list's head. That decides where server-only elements land (upstream's own
// tests depend on it). What lies past the original's length is never read, so capacity is moot.
class GoSlice {
  constructor(readonly backing: unknown[], public length = backing.length) {}

  items(): unknown[] {
    return this.backing.slice(0, this.length);
  }

  removeAt(i: number): void {
    this.backing.copyWithin(i, i + 1, this.length);
    this.length--;
  }

  push(v: unknown): void {
    this.backing[this.length++] = v;
  }
}

function strategyOf(field: PatchFieldMeta | undefined): string {
  // extractRetainKeysPatchStrategy: retainKeys only shapes the patches clients compute
  return (field?.strategy ?? '').split(',').filter((s) => s !== 'retainKeys')[0] ?? '';
}

// handleDirectiveInMergeMap
function mapDirective(patch: JsonMap): JsonMap {
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') {
    const { [DIRECTIVE]: _, ...rest } = patch;
    return rest;
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

// mergeSliceWithSpecialElements: `$patch: delete` elements remove every match from the original,
// `$patch: replace` makes the other elements the whole list (a new one).
function applyListDirectives(original: GoSlice, patch: JsonMap[], mergeKey: string): { list: GoSlice; plain: JsonMap[] } {
  const plain: JsonMap[] = [];
  let replace = false;
  for (const element of patch) {
    if (!hasOwn(element, DIRECTIVE)) {
      plain.push(element);
      continue;
    }
    const directive = element[DIRECTIVE];
    if (directive === 'delete') {
      if (!hasOwn(element, mergeKey)) throw errNoMergeKey(element, mergeKey);
      for (let i; (i = findByKey(original.items(), mergeKey, element[mergeKey])) >= 0;) original.removeAt(i);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw PatchError.internal('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, element);
    }
  }
  return replace ? { list: new GoSlice([...plain]), plain: [] } : { list: original, plain };
}

// applyRetainKeysDirective: keys of the original not listed go; a patched key not listed is an error.
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  const badFormat = () => PatchError.badRequest('invalid patch format of retainKeys');
  if (!Array.isArray(list)) throw badFormat();
  const retain = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retain.has(k)) throw badFormat();
  }
  for (const k of Object.keys(original)) if (!retain.has(k)) delete original[k];
}

function extractKey(directive: string, prefix: string): string {
  const slash = directive.indexOf('/');
  if (slash < 0 || directive.slice(0, slash) !== prefix) {
    const what = prefix === SET_ELEMENT_ORDER ? 'setElementOrder list' : 'primitive list';
    throw PatchError.badRequest(`invalid patch format of ${what}`);
  }
  return directive.slice(slash + 1);
}

// A value the original lacks is taken from the patch without its nulls and without any object
// that carries $patch (discardNullValuesFromPatch, removeDirectives).
function setFresh(target: JsonMap, key: string, value: unknown): void {
  discardNulls(value);
  const [fresh, keep] = removeDirectives(value);
  if (keep) setOwn(target, key, fresh);
  else delete target[key];
}

function discardNulls(v: unknown): void {
  if (Array.isArray(v)) v.forEach(discardNulls);
  else if (isMap(v)) {
    for (const [k, e] of Object.entries(v)) {
      if (e === null) delete v[k];
      else discardNulls(e);
    }
  }
}

function removeDirectives(v: unknown): [unknown, boolean] {
  if (Array.isArray(v)) return [v.flatMap((e) => { const [fresh, keep] = removeDirectives(e); return keep ? [fresh] : []; }), true];
  if (!isMap(v)) return [v, true];
  if (hasOwn(v, DIRECTIVE)) return [undefined, false];
  for (const k of Object.keys(v)) {
    const [fresh, keep] = removeDirectives(v[k]);
    if (keep) setOwn(v, k, fresh);
    else delete v[k];
  }
  return [v, true];
}

// kube's original is a typed object made unstructured, which never holds an empty list (it is
// omitted, or null), so an empty list here counts as absent, as it would there.
function has(original: JsonMap, key: string): boolean {
  const v = original[key];
  return hasOwn(original, key) && !(Array.isArray(v) && v.length === 0);
}

function asList(v: unknown): unknown[] {
  if (!Array.isArray(v)) throw errBadArgType(LIST_TYPE, v);
  return v;
}

// sliceElementType: every element of both lists must have one type, and not be a list.
function sliceElementType(...lists: unknown[][]): string {
  const all = lists.flat();
  if (all.length === 0) throw PatchError.internal('no elements in any of the given slices');
  const first = goType(all[0]);
  if (first === LIST_TYPE) throw PatchError.invalid('lists of lists are not supported');
  if (all.some((v) => goType(v) !== first)) throw PatchError.internal(`list element types are not identical: ${goValue(lists)}`);
  return first ?? '';
}

// findMapInSliceBasedOnKeyValue
function findByKey(list: unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (!isMap(e)) throw PatchError.internal(`value for key ${i} is not a map`);
    if (hasOwn(e, mergeKey) && e[mergeKey] === value) return i;
  }
  return -1;
}

function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  return [list.filter((v) => by.includes(v)), list.filter((v) => !by.includes(v))];
}

function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) >= 0 ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? splitDeletes(patchList)[0] : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    if (isMap(nonDelete[p]) && hasOwn(nonDelete[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[p], order[s], mergeKey)) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw PatchError.internal(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goValue(order)}\n`);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isMap(left)) throw errBadArgType(MAP_TYPE, left);
  if (!isMap(right)) throw errBadArgType(MAP_TYPE, right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// extractToDeleteItems
function splitDeletes(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [];
  const deletes: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
    (v[DIRECTIVE] === 'delete' && hasOwn(v, DIRECTIVE) ? deletes : keep).push(v);
  }
  return [keep, deletes];
}

// normalizeElementOrder: sort the patch's items by the patch order and the server-only items by
// the live order, then interleave them, keeping both relative orders.
function normalizeElementOrder(
  patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, isMapList: boolean,
): unknown[] {
  const fromPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, isMapList);
  const fromServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, isMapList);
  const indexOf = (v: unknown) => indexIn(serverOrder, v, mergeKey, isMapList);
  // mergeSortedSlice: a server item goes first only when both are in the live list, in that order.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < fromServer.length || j < fromPatch.length) {
    if (j >= fromPatch.length) out.push(fromServer[i++]);
    else if (i >= fromServer.length) out.push(fromPatch[j++]);
    else {
      const li = indexOf(fromServer[i]);
      const ri = indexOf(fromPatch[j]);
      out.push(li >= 0 && ri >= 0 && li < ri ? fromServer[i++] : fromPatch[j++]);
    }
  }
  return out;
}

function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, isMapList: boolean): unknown[] {
  let items = toSort;
  let deletes: unknown[] = [];
  if (isMapList) {
    for (const v of [...toSort, ...order]) {
      if (!isMap(v)) throw errBadArgType(MAP_TYPE, v);
      if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    }
    [items, deletes] = splitDeletes(toSort);
  }
  // sort.SliceStable with apimachinery's comparator, which calls an item missing from `order`
  // less than anything. Go's stable sort is an insertion sort for up to 20 items, so that is the
  // exact result there; for longer lists it agrees whenever every item is in `order`, as it is on
  // every path but a $patch: replace list.
  const sorted = [...items];
  const less = (a: unknown, b: unknown) => {
    const ia = indexIn(order, a, mergeKey, isMapList);
    const ib = indexIn(order, b, mergeKey, isMapList);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j], sorted[j - 1]); j--) [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]];
  }
  return [...sorted, ...deletes];
}

// index(): by merge key value for maps (a missing key is Go's nil, equal to another nil).
function indexIn(list: unknown[], v: unknown, mergeKey: string, isMapList: boolean): number {
  const key = (e: unknown) => (isMapList ? (isMap(e) && hasOwn(e, mergeKey) ? e[mergeKey] ?? null : null) : e);
  const want = key(v);
  return list.findIndex((e) => key(e) === want);
}
