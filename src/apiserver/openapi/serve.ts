// Serving the OpenAPI documents as kube-apiserver does (k8s.io/kube-openapi pkg/handler and
// pkg/handler3): content negotiation on Accept, an ETag that is the SHA-512 of the JSON, 304 for a
// matching If-None-Match, and for a v3 document asked for with the index's ?hash=, a year of
// `public, immutable` caching (or a 301 to the current hash). kubectl keeps them in its HTTP cache
// (~/.kube/cache/http), so a second command revalidates instead of downloading.
//
// Each document is built on first request and kept: the kind table does not change while the
// server runs, and the documents are hundreds of kilobytes.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, methodNotAllowed, notFound } from '../../api/errors.js';
import { k8sCatalog } from '../../api/k8s-catalog.js';
import type { KindDef } from '../../api/kinds/kind.js';
import { RESOURCES } from '../../api/resources.js';
import { encodeOpenAPIV2 } from './gnostic.js';
import { buildDefinitions, type BuiltDefinitions } from './schemas.js';
import { buildOpenAPIV2 } from './v2.js';
import { buildOpenAPIV3, openAPIV3Index } from './v3.js';

export const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** What client-go's OpenAPISchema() asks for; answered with V2_PROTOBUF, as kube-openapi does. */
export const V2_PROTOBUF_DEPRECATED = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const JSON_TYPE = 'application/json';

export interface Representation {
  body: Uint8Array;
  contentType: string;
  /** unquoted: the upper-case hex SHA-512 of the document's JSON */
  etag: string;
}

export interface OpenAPIResponse {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** The upper-case hex SHA-512, kube-openapi's computeETag. */
export function computeETag(data: Uint8Array): string {
  return createHash('sha512').update(data).digest('hex').toUpperCase();
}

function memo<T>(build: () => T): () => T {
  let value: T | undefined;
  let done = false;
  return () => {
    if (!done) {
      value = build();
      done = true;
    }
    return value as T;
  };
}

function json(value: unknown): Representation {
  const body = Buffer.from(JSON.stringify(value));
  return { body, contentType: JSON_TYPE, etag: computeETag(body) };
}

export class OpenAPIDocuments {
  private readonly definitions: () => BuiltDefinitions;
  private readonly v2Document: () => ReturnType<typeof buildOpenAPIV2>;
  private readonly v3Documents: () => Map<string, Representation>;
  readonly v2json: () => Representation;
  readonly v2protobuf: () => Representation;
  readonly v3index: () => Representation;

  constructor(kinds: readonly KindDef[], version: string) {
    this.definitions = memo(() => buildDefinitions(kinds));
    this.v2Document = memo(() => buildOpenAPIV2(kinds, this.definitions(), version));
    this.v2json = memo(() => json(this.v2Document()));
    // One ETag for both forms of the one document, as kube-openapi gives them.
    this.v2protobuf = memo(() => ({ body: encodeOpenAPIV2(this.v2Document()), contentType: V2_PROTOBUF, etag: this.v2json().etag }));
    this.v3Documents = memo(() => new Map([...buildOpenAPIV3(kinds, this.definitions(), version)].map(([gv, doc]) => [gv, json(doc)])));
    this.v3index = memo(() => json(openAPIV3Index(new Map([...this.v3Documents()].map(([gv, r]) => [gv, r.etag])))));
  }

  /** The v3 document of a group-version path ("api/v1", "apis/apps/v1"). */
  v3(gv: string): Representation | undefined {
    return this.v3Documents().get(gv);
  }

  /** Everything built now, rather than by the first request that needs it. */
  buildAll(): void {
    this.v2protobuf();
    this.v3index();
  }
}

/** The documents of the kind table, built once per process. */
export const openAPIDocuments = memo(() => new OpenAPIDocuments(RESOURCES, k8sCatalog().source.kubernetes));

interface MediaRange {
  type: string;
  q: number;
}

/** An Accept header's media ranges, best first (ties keep their order), parameters other than q dropped. */
export function parseAccept(accept: string | undefined): MediaRange[] {
  const ranges = (accept?.trim() ? accept : '*/*').split(',').map((part, i) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
  });
  return ranges
    .filter((r) => r.type && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map(({ type, q }) => ({ type, q }));
}

/** The first offered media type the Accept header takes, in the header's order of preference. */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  for (const range of parseAccept(accept)) {
    const [type, subtype] = range.type.split('/');
    const found = offers.find((offer) => {
      const [t, s] = offer.toLowerCase().split('/');
      return (type === '*' || type === t) && (subtype === '*' || subtype === s);
    });
    if (found) return found;
  }
  return undefined;
}

function notAcceptable(offers: readonly string[]): ApiError {
  return new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${offers.join(', ')}`);
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${etag}"`;
  });
}

function content(r: Representation, ifNoneMatch: string | undefined, headers: Record<string, string>): OpenAPIResponse {
  const h = { ...headers, ETag: `"${r.etag}"` };
  if (matches(ifNoneMatch, r.etag)) return { status: 304, headers: h };
  return { status: 200, headers: { ...h, 'Content-Type': r.contentType, 'Content-Length': String(r.body.length) }, body: r.body };
}

export const isOpenAPIPath = (pathname: string): boolean => pathname === '/openapi/v2' || pathname === '/openapi/v3' || pathname.startsWith('/openapi/v3/');

export interface OpenAPIRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  accept?: string;
  ifNoneMatch?: string;
}

/** The answer to a request for an OpenAPI path; ApiErrors for 404, 405 and 406. */
export function openAPIResponse(docs: OpenAPIDocuments, rq: OpenAPIRequest, now = new Date()): OpenAPIResponse {
  if (rq.method !== 'GET' && rq.method !== 'HEAD') throw methodNotAllowed();
  if (rq.pathname === '/openapi/v2') {
    const offers = [JSON_TYPE, V2_PROTOBUF_DEPRECATED, V2_PROTOBUF];
    const chosen = negotiate(rq.accept, offers);
    if (!chosen) throw notAcceptable(offers);
    return content(chosen === JSON_TYPE ? docs.v2json() : docs.v2protobuf(), rq.ifNoneMatch, { Vary: 'Accept' });
  }
  if (rq.pathname === '/openapi/v3') return content(docs.v3index(), rq.ifNoneMatch, {});
  const gv = rq.pathname.slice('/openapi/v3/'.length);
  const doc = docs.v3(gv);
  if (!doc) throw notFound('', rq.pathname, '');
  // Only JSON: kubectl reads v3 as JSON, and gnostic's v3 messages are not encoded here.
  if (!negotiate(rq.accept, [JSON_TYPE])) throw notAcceptable([JSON_TYPE]);
  const headers: Record<string, string> = { Vary: 'Accept' };
  const hash = rq.query.get('hash');
  if (hash) {
    if (hash !== doc.etag) return { status: 301, headers: { ...headers, Location: `/openapi/v3/${gv}?hash=${doc.etag}` } };
    headers['Cache-Control'] = 'public, immutable';
    headers.Expires = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toUTCString();
  }
  return content(doc, rq.ifNoneMatch, headers);
}

/** Answers an OpenAPI request on the socket. */
export function serveOpenAPI(req: IncomingMessage, res: ServerResponse, url: URL, docs = openAPIDocuments()): void {
  const out = openAPIResponse(docs, {
    method: req.method ?? 'GET',
    pathname: url.pathname,
    query: url.searchParams,
    accept: req.headers.accept,
    ifNoneMatch: req.headers['if-none-match'],
  });
  res.writeHead(out.status, out.headers);
  res.end(req.method === 'HEAD' ? undefined : out.body);
}
