// Small helpers over decoded JSON, shared by the three patch types.
export type JsonMap = Record<string, unknown>;

export function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Own keys only: a patch may name "constructor" or "__proto__", which must read as absent.
export function hasOwn(m: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

// Plain assignment of "__proto__" would replace the prototype instead of adding the key.
export function setOwn(m: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(m, key, { value, writable: true, enumerable: true, configurable: true });
  else m[key] = value;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isMap(a) && isMap(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The word encoding/json uses for a JSON value in "cannot unmarshal <word> into ...". */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // 'string' | 'number'
}
