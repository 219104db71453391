// Go's fmt, as apimachinery applies it to decoded JSON in its error messages ("map: %v does not
// contain declared merge key: %s"). Clients and scripts match on those texts, so they are kept.
// The API server decodes a patch with integers as int64 and other numbers as float64.
import { isMap } from './values.js';

/** reflect.TypeOf(v).String() for a decoded JSON value; undefined for null (a nil interface). */
export function goType(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** fmt's %s of a reflect.Type, which prints a nil type as a bad verb. */
export function goTypeName(v: unknown): string {
  return goType(v) ?? '%!s(<nil>)';
}

/** fmt's %v. Maps print with their keys sorted, as fmt does since Go 1.12. */
export function goValue(v: unknown): string {
  return format(v, 'v');
}

/** fmt's %s, which marks non-strings as bad verbs: %!s(int64=5). */
export function goString(v: unknown): string {
  return format(v, 's');
}

function format(v: unknown, verb: 'v' | 's'): string {
  if (Array.isArray(v)) return `[${v.map((e) => format(e, verb)).join(' ')}]`;
  if (isMap(v)) {
    const entries = Object.keys(v).sort().map((k) => `${k}:${format(v[k], verb)}`);
    return `map[${entries.join(' ')}]`;
  }
  if (typeof v === 'string') return v;
  const text = v === null || v === undefined ? '<nil>' : typeof v === 'number' ? goNumber(v) : String(v);
  if (verb === 'v') return text;
  return v === null || v === undefined ? '%!s(<nil>)' : `%!s(${goType(v)}=${text})`;
}

// strconv.FormatFloat(f, 'g', -1, 64): shortest digits, exponent form when the exponent is below -4
// or at least 6 (as "1.5e+06", two exponent digits at least).
function goNumber(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e >= -4 && e < 6) return String(n);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
