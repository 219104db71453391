// Resource quantities ("500m", "128Mi", "1.5", "1e3"), as k8s.io/apimachinery/pkg/api/resource.
// A float is precise enough for what k1s does with them: compare requests with limits and hand
// Docker a byte count or a number of CPUs.

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const MULTIPLIERS: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** The quantity's value in base units (cores for cpu, bytes for memory). Throws QuantityError. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new QuantityError(QUANTITY_FORMAT_ERROR);
    return q;
  }
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(q.trim() === q ? q : '');
  if (!m) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  const [, num, suffix] = m;
  if (Object.hasOwn(MULTIPLIERS, suffix)) return Number(num) * MULTIPLIERS[suffix];
  const exp = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exp) return Number(num) * 10 ** Number(exp[1]);
  // a number followed by something that is no suffix ("1Gb")
  throw new QuantityError(QUANTITY_SUFFIX_ERROR);
}

/** undefined when q parses, else the API server's message. */
export function quantityError(q: string | number): string | undefined {
  try {
    parseQuantity(q);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
