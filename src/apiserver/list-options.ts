// metav1.ListOptions of a list or watch request, read from its query as kube-apiserver's parameter
// codec reads them and checked as apimachinery's ValidateListOptions checks them (422, kind
// ListOptions of meta.k8s.io). Pure: server.ts reads them once per request.
import { ApiError, invalid } from '../api/errors.js';
import { forbidden, unsupported, type FieldError } from '../api/field-errors.js';

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

export interface RequestListOptions {
  watch: boolean;
  resourceVersion?: string;
  /** as given: validation refuses what is neither NotOlderThan nor Exact */
  resourceVersionMatch?: string;
  /** undefined when the query leaves it out: the legacy watch (initial ADDED events for rv "" or "0") */
  sendInitialEvents?: boolean;
  allowWatchBookmarks: boolean;
  continue?: string;
}

/**
 * Convert_Slice_string_To_bool: only "0" and "false" (any case) are false; any other value, the
 * empty one included, is true. Undefined when the parameter is absent.
 */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  return !(v === '0' || v.toLowerCase() === 'false');
}

export function readListOptions(q: URLSearchParams): RequestListOptions {
  const text = (name: string) => q.get(name) || undefined;
  return {
    watch: queryBool(q, 'watch') ?? false,
    resourceVersion: text('resourceVersion'),
    resourceVersionMatch: text('resourceVersionMatch'),
    sendInitialEvents: queryBool(q, 'sendInitialEvents'),
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks') ?? false,
    continue: text('continue'),
  };
}

/** ValidateListOptions (apimachinery/pkg/apis/meta/internalversion/validation), with the WatchList feature on. */
export function listOptionsErrors(o: RequestListOptions): FieldError[] {
  return o.watch ? watchOptionsErrors(o) : listErrors(o);
}

function listErrors(o: RequestListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match) {
    if (!o.resourceVersion) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(unsupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

function watchOptionsErrors(o: RequestListOptions): FieldError[] {
  const errs: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(unsupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue) errs.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}

/** The request's options, or the 422 kube-apiserver answers for them. */
export function validListOptions(q: URLSearchParams): RequestListOptions {
  const o = readListOptions(q);
  const errs = listOptionsErrors(o);
  if (errs.length) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
  return o;
}

/**
 * storage.NewTooLargeResourceVersionError: a read that must be at least as new as a
 * resourceVersion the store has not reached (after waiting for it): 504, retry after a second.
 */
export function tooLargeResourceVersion(minimum: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${minimum}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

/** The annotation of the bookmark that ends a watch's initial events (metav1.InitialEventsAnnotationKey). */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';
