// field.Error as the API server words it: `<path>: <Type>: <value>: <detail>`, with values shown as
// JSON rather than Go syntax, and the small checks every kind's validation shares.
import { isValidPortName } from './names.js';

/** One problem with one field. path is Kubernetes style: `spec.template.spec.containers[0].ports[0].containerPort`. */
export interface FieldError {
  path: string;
  message: string;
}

export type Errors = FieldError[];

/** Values are shown as JSON: "text", 80, {"app":"web"}. */
function show(v: unknown): string {
  return v === undefined ? '""' : JSON.stringify(v);
}

export const required = (path: string, detail?: string): FieldError => ({ path, message: detail ? `Required value: ${detail}` : 'Required value' });
export const invalidValue = (path: string, value: unknown, detail: string): FieldError => ({ path, message: `Invalid value: ${show(value)}: ${detail}` });
export const duplicate = (path: string, value: unknown): FieldError => ({ path, message: `Duplicate value: ${show(value)}` });
export const forbidden = (path: string, detail: string): FieldError => ({ path, message: `Forbidden: ${detail}` });
export const notFoundValue = (path: string, value: unknown): FieldError => ({ path, message: `Not found: ${show(value)}` });
export const unsupported = (path: string, value: unknown, supported: string[]): FieldError => ({
  path,
  message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});
/** A Kubernetes field that k1s knows but does not act on yet: refused rather than ignored. */
export const notSupportedYet = (path: string): FieldError => ({ path, message: 'Unsupported value: not supported by k1s yet (refused rather than ignored)' });

/** One Invalid error per message of a name check. */
export function each(path: string, value: string, messages: string[]): Errors {
  return messages.map((m) => invalidValue(path, value, m));
}

export function nonNegative(errs: Errors, path: string, value: number | undefined): void {
  if (value !== undefined && value < 0) errs.push(invalidValue(path, value, 'must be greater than or equal to 0'));
}

export function portNumber(errs: Errors, path: string, value: number): void {
  if (value < 1 || value > 65535) errs.push(invalidValue(path, value, 'must be between 1 and 65535, inclusive'));
}

/** A port given as a number or as the name of a container port (targetPort, probe ports). */
export function portNumOrName(errs: Errors, path: string, value: number | string): void {
  if (typeof value === 'number') portNumber(errs, path, value);
  else errs.push(...each(path, value, isValidPortName(value)));
}
