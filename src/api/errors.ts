// API errors as Kubernetes `Status` objects. The wording of each message is the API server's own
// (k8s.io/apimachinery/pkg/api/errors), because kubectl, client-go and people's scripts match on it.
import type { FieldError } from './schema.js';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MethodNotAllowed'
  | 'Gone'
  | 'Expired'
  | 'InternalError'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'Timeout'
  /** a Status a REST handler returned as its result, which names no reason (errors.FromObject) */
  | '';

/**
 * metav1.StatusCause. Its Go field Type is `reason` on the wire: the field.ErrorType
 * ("FieldValueRequired", ...) or another cause ("FieldManagerConflict", "DisruptionBudget").
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  /** for NotFound/AlreadyExists/Conflict the resource ("pods"), for Invalid the kind ("Pod") */
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, code: this.code };
    if (this.reason) status.reason = this.reason;
    if (this.details) status.details = this.details;
    return status;
  }

  /** The error a client rebuilds from a Status body it received. */
  static fromStatus(s: Pick<Status, 'code' | 'reason' | 'message' | 'details'>): ApiError {
    return new ApiError(s.code, s.reason ?? '', s.message, s.details);
  }
}

/** "pods", "deployments.apps": the group-qualified resource the API server names in messages. */
function qualified(resource: string, group = ''): string {
  return group ? `${resource}.${group}` : resource;
}

function details(resource: string, name: string, group = ''): StatusDetails {
  const d: StatusDetails = { name, kind: resource };
  if (group) d.group = group;
  return d;
}

/** 404 `pods "x" not found`, `deployments.apps "x" not found`. An empty resource is an unknown URL. */
export function notFound(resource: string, name: string, group = ''): ApiError {
  if (!resource) return new ApiError(404, 'NotFound', 'the server could not find the requested resource', { name });
  return new ApiError(404, 'NotFound', `${qualified(resource, group)} ${JSON.stringify(name)} not found`, details(resource, name, group));
}

/** 409 `pods "x" already exists` */
export function alreadyExists(resource: string, name: string, group = ''): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} ${JSON.stringify(name)} already exists`, details(resource, name, group));
}

export const CONFLICT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/**
 * 409 `Operation cannot be fulfilled on pods "x": the object has been modified; ...`.
 * The group comes third, as in notFound/alreadyExists; msg replaces the usual reason.
 */
export function conflict(resource: string, name: string, group = '', msg = CONFLICT_MODIFIED): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource, group)} ${JSON.stringify(name)}: ${msg}`, details(resource, name, group));
}

/** field.ErrorType of a FieldError, read from its message's leading words. */
function causeType(message: string): string {
  const types: [string, string][] = [
    ['Required value', 'FieldValueRequired'],
    ['Invalid value', 'FieldValueInvalid'],
    ['Unsupported value', 'FieldValueNotSupported'],
    ['Duplicate value', 'FieldValueDuplicate'],
    ['Not found', 'FieldValueNotFound'],
    ['Forbidden', 'FieldValueForbidden'],
    ['Too long', 'FieldValueTooLong'],
    ['Too many', 'FieldValueTooMany'],
    ['Internal error', 'InternalError'],
    ['unknown field', 'FieldValueUnknown'],
  ];
  return types.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'FieldValueTypeInvalid';
}

export function formatFieldError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/**
 * 422 `Deployment.apps "x" is invalid: [spec.replicas: Invalid value: -1: ..., ...]`
 * (the brackets only when there are several errors, as in utilerrors.Aggregate).
 * Called as invalid(kind, name, errors) or invalid(kind, group, name, errors).
 */
export function invalid(kind: string, name: string, errors: FieldError[]): ApiError;
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError;
export function invalid(kind: string, a: string, b: string | FieldError[], c?: FieldError[]): ApiError {
  const [group, name, errors] = Array.isArray(b) ? ['', a, b] : [a, b, c ?? []];
  const qk = group ? `${kind}.${group}` : kind;
  const rendered = errors.map(formatFieldError);
  let message = `${qk} ${JSON.stringify(name)} is invalid`;
  if (rendered.length === 1) message += `: ${rendered[0]}`;
  else if (rendered.length > 1) message += `: [${rendered.join(', ')}]`;
  const d: StatusDetails = { name, kind, causes: errors.map((e) => ({ reason: causeType(e.message), message: e.message, field: e.path })) };
  if (group) d.group = group;
  return new ApiError(422, 'Invalid', message, d);
}

/** 401 `Unauthorized` */
export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError(401, 'Unauthorized', message);
}

/** 403 `pods "x" is forbidden: <why>` */
export function forbidden(resource: string, name: string, why: string, group = ''): ApiError {
  return new ApiError(403, 'Forbidden', `${qualified(resource, group)} ${JSON.stringify(name)} is forbidden: ${why}`, details(resource, name, group));
}

/**
 * 410 for a watch or list from a resourceVersion that was compacted away. The API server's reason
 * for this is `Expired` ("too old resource version: 5 (120)"); clients relist on either Expired or Gone.
 */
export function gone(message: string, reason: 'Gone' | 'Expired' = 'Expired'): ApiError {
  return new ApiError(410, reason, message);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 405 with the API server's wording */
export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

/** 500 `Internal error occurred: <msg>` */
export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}

/**
 * 429 NewTooManyRequests: the client is to come back later. retryAfterSeconds > 0 is also sent
 * as the Retry-After header.
 */
export function tooManyRequests(message: string, retryAfterSeconds: number, causes?: StatusCause[]): ApiError {
  const details: StatusDetails = {};
  if (causes?.length) details.causes = causes;
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return new ApiError(429, 'TooManyRequests', message, details);
}
