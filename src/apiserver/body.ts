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

/** Reads the whole body, refusing it once it is larger than the limit (and dropping what was read). */
export async function readRaw(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume(); // discard without buffering
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) {
      req.destroy();
      throw tooLarge(limit);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
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
