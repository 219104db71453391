// JSON patch (RFC 6902) as kube-apiserver applies it: gopkg.in/evanphx/json-patch.v4 v4.12.0,
// after the body was decoded strictly (fieldValidation Warn, the default, or Strict).
// Where that library departs from the RFC, kube does too, and so does this:
// - `replace` of a missing object member adds it; `copy` from a missing member writes null;
// - array indexes may be negative (counted from the end) and are read by strconv.Atoi ("+1", "01");
// - a path without a leading "/" addresses its last segment in the root object;
// - `test` finds null and a missing member alike.
// A failing operation is a 422 whose Status message is generic (see error.ts); the library's text,
// which kube only logs, is in PatchError.detail.
import { PatchError } from './error.js';
import { hasOwn, isMap, jsonEqual, jsonKind, setOwn, type JsonMap } from './values.js';

/** patch.go's maxJSONPatchOperations */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** jsonpatch.AccumulatedCopySizeLimit, set from the server's JSONPatchMaxCopyBytes (3 MiB) */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export function jsonPatch(document: unknown, patch: unknown): unknown {
  const ops = decode(patch);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw PatchError.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  const root: Container = isMap(document) || Array.isArray(document) ? structuredClone(document) : {};
  const state: State = { root, copied: 0 };
  for (const op of structuredClone(ops)) {
    try {
      apply(state, op);
    } catch (e) {
      if (e instanceof OpError) throw PatchError.invalid(e.message);
      throw e;
    }
  }
  return state.root;
}

type Container = JsonMap | unknown[];
type Op = JsonMap | null;
interface State {
  root: Container;
  copied: number;
}

class OpError extends Error {}
// The library's errors read "<context>: <cause>", as pkg/errors.Wrapf joins them.
const MISSING = 'missing value';
const fail = (context: string, cause = MISSING) => new OpError(`${context}: ${cause}`);

// kjson.UnmarshalStrict into []handlers.jsonPatchOp: an array of objects whose op, path and from
// are strings. A `null` body is an empty patch.
function decode(patch: unknown): Op[] {
  if (patch === null) return [];
  const bad = (what: string) => PatchError.badRequest(`error decoding patch: json: cannot unmarshal ${what}`);
  if (!Array.isArray(patch)) throw bad(`${jsonKind(patch)} into Go value of type []handlers.jsonPatchOp`);
  for (const op of patch) {
    if (op === null) continue;
    if (!isMap(op)) throw bad(`${jsonKind(op)} into Go value of type handlers.jsonPatchOp`);
    for (const field of ['op', 'path', 'from']) {
      const v = op[field];
      if (hasOwn(op, field) && v !== null && typeof v !== 'string') {
        throw bad(`${jsonKind(v)} into Go struct field jsonPatchOp.${field} of type string`);
      }
    }
  }
  return patch as Op[];
}

function apply(state: State, op: Op): void {
  const kind = typeof op?.op === 'string' ? op.op : 'unknown';
  switch (kind) {
    case 'add': return add(state, op!);
    case 'remove': return remove(state, op!);
    case 'replace': return replace(state, op!);
    case 'move': return move(state, op!);
    case 'test': return test(state, op!);
    case 'copy': return copy(state, op!);
    default: throw new OpError(`Unexpected kind: ${kind}`);
  }
}

// Operation.Path / From; a member that is absent or null is "missing"
function member(op: JsonMap, name: 'path' | 'from'): string | undefined {
  const v = op[name];
  return hasOwn(op, name) && typeof v === 'string' ? v : undefined;
}
const missingMember = (name: 'path' | 'from') => `operation${name === 'from' ? ',' : ''} missing ${name} field: ${MISSING}`;

/** The value an operation writes: absent and null both write null. */
function valueOf(op: JsonMap): unknown {
  return hasOwn(op, 'value') ? op.value : null;
}

function add(state: State, op: JsonMap): void {
  const path = member(op, 'path');
  if (path === undefined) throw fail('add operation failed to decode path');
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`add operation does not apply: doc is missing path: "${path}"`);
  wrap(`error in add for path: '${path}'`, () => addTo(con, key!, valueOf(op)));
}

function remove(state: State, op: JsonMap): void {
  const path = member(op, 'path');
  if (path === undefined) throw fail('remove operation failed to decode path');
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`remove operation does not apply: doc is missing path: "${path}"`);
  wrap(`error in remove for path: '${path}'`, () => removeFrom(con, key!));
}

function replace(state: State, op: JsonMap): void {
  const path = member(op, 'path');
  if (path === undefined) throw fail('replace operation failed to decode path', missingMember('path'));
  if (path === '') {
    // Only an object or an array replaces the document; v4.12.0 quietly ignores anything else.
    const v = op.value;
    if (isMap(v) || Array.isArray(v)) state.root = v;
    return;
  }
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`replace operation does not apply: doc is missing path: ${path}`);
  if (Array.isArray(con)) {
    try {
      get(con, key!);
    } catch {
      throw fail(`replace operation does not apply: doc is missing key: ${path}`);
    }
  }
  setIn(con, key!, valueOf(op));
}

function move(state: State, op: JsonMap): void {
  const from = member(op, 'from');
  if (from === undefined) throw fail('move operation failed to decode from', missingMember('from'));
  const [source, fromKey] = findObject(state.root, from) ?? [];
  if (!source) throw fail(`move operation does not apply: doc is missing from path: ${from}`);
  const value = wrap(`error in move for path: '${fromKey}'`, () => get(source, fromKey!));
  wrap(`error in move for path: '${fromKey}'`, () => removeFrom(source, fromKey!));
  const path = member(op, 'path');
  if (path === undefined) throw fail('move operation failed to decode path', missingMember('path'));
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`move operation does not apply: doc is missing destination path: ${path}`);
  wrap(`error in move for path: '${path}'`, () => addTo(con, key!, value ?? null));
}

function test(state: State, op: JsonMap): void {
  const path = member(op, 'path');
  if (path === undefined) throw fail('test operation failed to decode path', missingMember('path'));
  const failed = () => fail(`testing value ${path} failed`, 'test failed');
  if (path === '') {
    if (!hasOwn(op, 'value') || !jsonEqual(state.root, op.value)) throw failed();
    return;
  }
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`test operation does not apply: is missing path: ${path}`);
  const actual = wrap(`error in test for path: '${path}'`, () => get(con, key!));
  if (actual === undefined || actual === null) {
    if (op.value === undefined || op.value === null) return;
    throw failed();
  }
  if (!hasOwn(op, 'value') || !jsonEqual(actual, op.value)) throw failed();
}

function copy(state: State, op: JsonMap): void {
  const from = member(op, 'from');
  if (from === undefined) throw fail('copy operation failed to decode from', missingMember('from'));
  const [source, fromKey] = findObject(state.root, from) ?? [];
  if (!source) throw fail(`copy operation does not apply: doc is missing from path: ${from}`);
  const value = wrap(`error in copy for from: '${from}'`, () => get(source, fromKey!)) ?? null;
  const path = member(op, 'path');
  if (path === undefined) throw fail('copy operation failed to decode path');
  const [con, key] = findObject(state.root, path) ?? [];
  if (!con) throw fail(`copy operation does not apply: doc is missing destination path: ${path}`);
  if (value !== null) state.copied += Buffer.byteLength(JSON.stringify(value));
  if (state.copied > MAX_JSON_PATCH_COPY_BYTES) {
    throw new OpError(`Unable to complete the copy, the accumulated size increase of copy is ${state.copied}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
  }
  wrap('error while adding value during copy', () => addTo(con, key!, structuredClone(value)));
}

function wrap<T>(context: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OpError) throw new OpError(`${context}: ${e.message}`);
    throw e;
  }
}

// findObject: the container holding the path's last segment. Walking stops at anything missing,
// null or not a container; the root is the document itself and "" addresses nothing.
function findObject(root: Container, path: string): [Container, string] | undefined {
  const parts = path.split('/');
  if (parts.length < 2) return undefined;
  let doc: Container = root;
  for (const part of parts.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc, unescape(part));
    } catch {
      return undefined;
    }
    if (!isMap(next) && !Array.isArray(next)) return undefined;
    doc = next;
  }
  return [doc, unescape(parts[parts.length - 1])];
}

// RFC 6901: "~1" before "~0", so that "~01" reads as "~1"
function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return hasOwn(con, key) ? con[key] : undefined;
  return con[arrayIndex(con, key, con.length - 1)];
}

function setIn(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) setOwn(con, key, value);
  else con[arrayIndex(con, key, con.length - 1)] = value;
}

function addTo(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) return setOwn(con, key, value);
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new OpError(`value was not a proper array index: '${key}': ${(e as Error).message}`);
  }
  con.splice(checkIndex(idx, con.length), 0, value);
}

function removeFrom(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!hasOwn(con, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete con[key];
    return;
  }
  con.splice(arrayIndex(con, key, con.length - 1), 1);
}

function arrayIndex(con: unknown[], key: string, max: number): number {
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    throw new OpError((e as Error).message);
  }
  return checkIndex(idx, max);
}

// Valid indexes run from -(max+1) to max; negative ones count from the end.
function checkIndex(idx: number, max: number): number {
  if (idx > max || idx < -(max + 1)) throw new OpError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  return idx < 0 ? idx + max + 1 : idx;
}

// strconv.Atoi
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}
