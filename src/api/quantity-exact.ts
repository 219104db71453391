// Exact resource quantities, as k8s.io/apimachinery/pkg/api/resource.Quantity keeps them, for
// what must add up and print as kube-apiserver does: quota usage ("500m" + "1" is "1500m", three
// times "64Mi" is "192Mi") and the quantities named in admission messages ("limit is 2" for
// "2000m"). quantity.ts's floats stay the tool for everything that only compares or converts.
//
// A value is held as a whole number of nano-units (kube's smallest scale, 10^-9: finer input is
// rounded up to it, as kube does), with the format its suffix chose, which decides how it prints.
import { QUANTITY_FORMAT_ERROR, QUANTITY_SUFFIX_ERROR, QuantityError } from './quantity.js';

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** the value times 10^9 */
  readonly nano: bigint;
  readonly format: QuantityFormat;
}

export const ZERO: Quantity = { nano: 0n, format: 'DecimalSI' };

const NANO = 10n ** 9n;
const DECIMAL_EXPONENTS: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** resource.ParseQuantity. Throws QuantityError with kube's messages. */
export function parseQuantity(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberText(input) : input;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
  if (!m || s !== s.trim() || (!m[2] && !m[3])) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const [, sign, whole, frac = '', suffix] = m;
  let format: QuantityFormat;
  let exp10 = 0;
  let pow2 = 0;
  if (Object.hasOwn(DECIMAL_EXPONENTS, suffix)) {
    format = 'DecimalSI';
    exp10 = DECIMAL_EXPONENTS[suffix];
  } else if (BINARY_SUFFIXES.includes(suffix)) {
    format = 'BinarySI';
    pow2 = BINARY_SUFFIXES.indexOf(suffix) * 10;
  } else {
    const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    if (!e) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
    format = 'DecimalExponent';
    exp10 = Number(e[1]);
  }
  // digits * 10^(exp10 - frac.length) * 2^pow2, in nano-units, rounded up (away from zero) to one
  const num = BigInt((whole || '0') + frac) * 2n ** BigInt(pow2);
  const scale = exp10 - frac.length + 9;
  let nano: bigint;
  if (scale >= 0) nano = num * 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(-scale);
    nano = num / div + (num % div === 0n ? 0n : 1n);
  }
  if (sign === '-') nano = -nano;
  return { nano, format };
}

/** JSON numbers (`cpu: 1`, `cpu: 0.5`) as the text kube would have parsed. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return String(n).replace('e+', 'e');
}

/** Quantity.String(): the canonical text kube stores and prints ("2000m" is "2", "1024Mi" is "1Gi"). */
export function formatQuantity(q: Quantity): string {
  if (q.nano === 0n) return '0';
  const neg = q.nano < 0n;
  const abs = neg ? -q.nano : q.nano;
  let format = q.format;
  if (format === 'BinarySI' && (abs < 1024n * NANO || abs % NANO !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let v = abs / NANO;
    let k = 0;
    while (k < BINARY_SUFFIXES.length - 1 && v >= 1024n && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${neg ? '-' : ''}${v}${BINARY_SUFFIXES[k]}`;
  }
  // the mantissa without trailing zeros, then the exponent down to a multiple of 3
  let mantissa = abs;
  let exp = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exp++;
  }
  const down = ((exp % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(down);
  exp -= down;
  const sign = neg ? '-' : '';
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  const suffix = Object.entries(DECIMAL_EXPONENTS).find(([, e]) => e === exp)?.[0];
  return `${sign}${mantissa}${suffix ?? `e${exp}`}`;
}

/** The canonical text of a quantity as written ("1000m" -> "1"). */
export function canonicalQuantity(s: string | number): string {
  return formatQuantity(parseQuantity(s));
}

/** Quantity.Add: the receiver's format, unless it is zero (then the other's). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano + b.nano, format: a.nano === 0n ? b.format : a.format };
}

/** Quantity.Sub, same format rule as addQuantities. */
export function subQuantities(a: Quantity, b: Quantity): Quantity {
  return { nano: a.nano - b.nano, format: a.nano === 0n ? b.format : a.format };
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}

/** Quantity.MilliValue: rounded up to a whole thousandth. */
export function milliValue(q: Quantity): bigint {
  return ceilDiv(q.nano, 10n ** 6n);
}

/** Quantity.Value: rounded up to a whole unit. */
export function unitValue(q: Quantity): bigint {
  return ceilDiv(q.nano, NANO);
}

function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d !== 0n && n > 0n ? q + 1n : q;
}

/** A ResourceList of quantities, by resource name. */
export type QuantityList = Record<string, Quantity>;

export function parseList(list: Record<string, string | number> | undefined): QuantityList {
  const out: QuantityList = {};
  for (const [k, v] of Object.entries(list ?? {})) out[k] = parseQuantity(v);
  return out;
}

export function formatList(list: QuantityList): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([k, v]) => [k, formatQuantity(v)]));
}

/** quota.Add: every key of either, summed where both have it. */
export function addLists(a: QuantityList, b: QuantityList): QuantityList {
  const out: QuantityList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? addQuantities(out[k], v) : v;
  return out;
}
