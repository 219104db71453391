// grpc probes (pkg/probe/grpc): one unary grpc.health.v1.Health/Check call over plaintext HTTP/2
// (node:http2; a gRPC message is a 5-byte prefix, flag and big-endian length, then protobuf).
// HealthCheckRequest is {1: service string}; HealthCheckResponse is {1: status enum}, SERVING = 1.
import http2 from 'node:http2';
import { dialErrorText, goDuration, joinHostPort } from './go-words.js';
import { PROBE_USER_AGENT } from './http.js';
import type { ProbeOutcome } from './types.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;

export function grpcProbe(host: string, service: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  const within = goDuration(timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    const session = http2.connect(`http://${addr}`);
    const done = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      done(
        connected
          ? { result: 'Failure', output: `timeout: health rpc did not complete within ${within}` }
          : { result: 'Failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded` },
      );
    }, timeoutMs);
    session.once('connect', () => {
      connected = true;
    });
    session.once('error', (err) => {
      if (connected) done({ result: 'Failure', output: `error: health rpc probe failed: ${err.message}` });
      else done({ result: 'Failure', output: `error: failed to connect service at ${JSON.stringify(addr)}: ${dialErrorText(err)}` });
    });

    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': PROBE_USER_AGENT,
      'grpc-timeout': `${Math.max(1, Math.floor(timeoutMs))}m`,
    });
    const chunks: Buffer[] = [];
    let grpcStatus: number | undefined;
    let grpcMessage = '';
    let httpStatus = 0;
    const readStatus = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) grpcStatus = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    stream.on('response', (h) => {
      httpStatus = Number(h[':status']);
      readStatus(h); // a trailers-only response carries the status in the headers
    });
    stream.on('trailers', readStatus);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (err) => {
      if (connected) done({ result: 'Failure', output: `error: health rpc probe failed: ${err.message}` });
    });
    stream.on('end', () => done(checkOutcome(httpStatus, grpcStatus, grpcMessage, Buffer.concat(chunks), within)));
    stream.end(frame(service));
  });
}

function checkOutcome(httpStatus: number, grpcStatus: number | undefined, message: string, body: Buffer, within: string): ProbeOutcome {
  if (grpcStatus === undefined) {
    return { result: 'Failure', output: `error: health rpc probe failed: rpc error: code = Unknown desc = unexpected HTTP status code received from server: ${httpStatus}` };
  }
  if (grpcStatus === GRPC_UNIMPLEMENTED) {
    return { result: 'Failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${message}` };
  }
  if (grpcStatus === GRPC_DEADLINE_EXCEEDED) return { result: 'Failure', output: `timeout: health rpc did not complete within ${within}` };
  if (grpcStatus !== 0) {
    return { result: 'Failure', output: `error: health rpc probe failed: rpc error: code = ${codeName(grpcStatus)} desc = ${message}` };
  }
  const status = responseStatus(body);
  if (status !== 1) return { result: 'Failure', output: `service unhealthy (responded with ${JSON.stringify(STATUS_NAMES[status] ?? String(status))})` };
  return { result: 'Success', output: 'service healthy' };
}

/** The length-prefixed HealthCheckRequest: field 1 (service) only when not empty, as proto3 encodes. */
export function frame(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** HealthCheckResponse.status from a length-prefixed message; 0 (UNKNOWN) when absent, as proto3 says. */
export function responseStatus(body: Buffer): number {
  if (body.length < 5) return 0;
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  let i = 0;
  while (i < msg.length) {
    const [key, afterKey] = readVarint(msg, i);
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const [value, next] = readVarint(msg, afterKey);
      if (field === 1) return value;
      i = next;
    } else if (wire === 2) {
      const [len, next] = readVarint(msg, afterKey);
      i = next + len;
    } else if (wire === 1) i = afterKey + 8;
    else if (wire === 5) i = afterKey + 4;
    else break;
  }
  return 0;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(b: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let i = at;
  while (i < b.length) {
    const byte = b[i++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return [value, i];
}

const CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

function codeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}
