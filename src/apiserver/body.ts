// Request bodies as kube-apiserver takes them: bounded in size before anything is parsed (3 MiB,
// 413 decided from Content-Length or while streaming), and decoded by content type: JSON, YAML,
// or Kubernetes protobuf through a decoder the server is given. Anything else is a 415.
import type { IncomingMessage } from 'node:http';
import { parse as parseYAML } from 'yaml';
import { ApiError, badRequest } from '../api/errors.js';

/** kube-apiserver's maxRequestBodyBytes. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const PATCH_TYPES = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
} as const;

export type BodyDecoder = (body: Buffer) => unknown;

export function tooLarge(limit = MAX_BODY_BYTES): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

/** The media type of a Content-Type header, without parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** How long the rest of a refused body is still read and dropped before the connection is cut. */
const DISCARD_MS = 1000;

/**
 * Reads the whole body, refusing it once it is larger than the limit, decided from
 * Content-Length or while streaming. Nothing of a refused body is kept: what was read is dropped
 * and the rest is read and dropped for up to DISCARD_MS, so the client, still sending, reads the
 * 413 (closing at once resets the connection under it, and it loses the answer).
 */
export function readRaw(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      chunks.length = 0;
      refuse();
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    const refuse = () => {
      req.off('data', onData).off('end', onEnd);
      discard(req);
      reject(tooLarge(limit));
    };
    req.on('error', reject); // a client gone mid-body; also keeps a late error from being unhandled
    req.on('close', () => reject(new Error('the request was closed before its body ended')));
    if (Number(req.headers['content-length'] ?? NaN) > limit) return refuse();
    req.on('data', onData).on('end', onEnd);
  });
}

function discard(req: IncomingMessage): void {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), DISCARD_MS).unref();
  req.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
}

export const OBJECT_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/**
 * Decodes a create/update body by its content type. An empty Content-Type is taken as JSON, as
 * client-go's older clients send none. protobuf is decoded only when a decoder is given.
 */
export function decodeObject(raw: Buffer, contentType: string, protobuf?: BodyDecoder): unknown {
  const type = mediaType(contentType);
  if (raw.length === 0) throw badRequest('the request body is empty');
  switch (type) {
    case '':
    case 'application/json':
      return parseJSON(raw);
    case 'application/yaml':
      return parseYAMLBody(raw);
    case 'application/vnd.kubernetes.protobuf':
      if (protobuf) return protobuf(raw);
      break;
  }
  throw unsupportedMediaType(protobuf ? OBJECT_TYPES : OBJECT_TYPES.slice(0, 2));
}

export function parseJSON(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function parseYAMLBody(raw: Buffer): unknown {
  try {
    return parseYAML(raw.toString('utf8'));
  } catch (e) {
    throw badRequest(`the request body is not valid YAML: ${(e as Error).message}`);
  }
}
