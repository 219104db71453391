// Field checks the apps/v1 workloads beyond Deployment share (StatefulSet, DaemonSet).
import { invalidValue, nonNegative, type Errors } from '../field-errors.js';
import { parsePercent } from '../intstr.js';

/**
 * ValidatePositiveIntOrPercent + IsNotMoreThan100Percent: a non-negative number or "N%" (N <= 100).
 * An absent value is not checked (the defaults fill it).
 */
export function validateIntOrPercent(errs: Errors, path: string, v: number | string | undefined): void {
  if (v === undefined) return;
  if (typeof v === 'number') {
    nonNegative(errs, path, v);
    return;
  }
  const pct = parsePercent(v);
  if (pct === undefined) {
    errs.push(invalidValue(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (pct > 100) {
    errs.push(invalidValue(path, v, 'must not be greater than 100%'));
  }
}

export const isZeroIntOrPercent = (v: number | string | undefined): boolean => v === 0 || (typeof v === 'string' && parsePercent(v) === 0);
