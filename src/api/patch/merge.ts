// JSON merge patch (RFC 7386) as kube-apiserver applies it: gopkg.in/evanphx/json-patch.v4
// MergePatch, after the body was decoded strictly (fieldValidation Warn, the default, or Strict).
// Two ways it differs from the RFC's pseudo-code, both kept: a value set where there was no object
// loses the nulls of every object inside it, also objects inside arrays (the RFC keeps those), and
// an array that replaces an object keeps its nulls.
import { PatchError } from './error.js';
import { hasOwn, isMap, jsonKind, setOwn, type JsonMap } from './values.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  // json-patch's ErrBadJSONPatch, which patch.go answers as a BadRequest
  if (patch === null) throw PatchError.badRequest('Invalid JSON Patch');
  if (!isMap(patch)) {
    // kjson.UnmarshalStrict into a map[string]interface{} rejects the body first
    throw PatchError.badRequest(`error decoding patch: json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
  }
  const doc: JsonMap = isMap(target) ? structuredClone(target) : {};
  mergeInto(doc, structuredClone(patch));
  return doc;
}

function mergeInto(doc: JsonMap, patch: JsonMap): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete doc[key];
    else if (!hasOwn(doc, key) || doc[key] === null) setOwn(doc, key, pruneNulls(value));
    else setOwn(doc, key, merge(doc[key], value));
  }
}

function merge(current: unknown, patch: unknown): unknown {
  if (!isMap(current)) return pruneNulls(patch);
  if (!isMap(patch)) return patch;
  mergeInto(current, patch);
  return current;
}

// Objects drop their null members at every depth; arrays keep their null elements.
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === null ? e : pruneNulls(e)));
  if (!isMap(v)) return v;
  for (const [k, e] of Object.entries(v)) {
    if (e === null) delete v[k];
    else setOwn(v, k, pruneNulls(e));
  }
  return v;
}
