// httpGet probes (pkg/probe/http): GET with kube-probe's headers, 200-399 is success; redirects
// are followed only to the same host (a redirect elsewhere ends the probe with a warning, still
// a success), HTTPS certificates are not verified, and the body read is capped at 10 KiB.
import http from 'node:http';
import https from 'node:https';
import type { Container } from '../../src/api/podspec/schema.js';
import { dialErrorText, joinHostPort } from './go-words.js';
import { resolveContainerPort } from './port.js';
import type { ProbeOutcome } from './types.js';

/** The kubelet's User-Agent for probes, `kube-probe/<major>.<minor>` of the Kubernetes it is. */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_BODY_BYTES = 10 * 1024;
const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export interface HttpGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: { name: string; value: string }[];
}

export interface HttpProbeRequest {
  url: URL;
  /** Header name as the user wrote it (first spelling wins) -> values, in order. */
  headers: Map<string, { name: string; values: string[] }>;
}

/**
 * NewRequestForHTTPGetAction: the URL from scheme, host (the pod IP by default), the port (by
 * number or by the container's port name) and the path; the user's headers, plus User-Agent
 * and `Accept: *\/*` unless the user set them (an empty Accept removes it). Throws when the port
 * cannot be resolved: the probe then errors instead of failing.
 */
export function httpProbeRequest(action: HttpGetAction, container: Pick<Container, 'ports'>, podIP: string): HttpProbeRequest {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const port = resolveContainerPort(action.port, container);
  const host = action.host || podIP;
  const path = action.path ?? '';
  const url = new URL(`${scheme}://${joinHostPort(host, port)}${path.startsWith('/') ? '' : '/'}${path}`);
  const headers: HttpProbeRequest['headers'] = new Map();
  for (const h of action.httpHeaders ?? []) {
    const key = h.name.toLowerCase();
    const entry = headers.get(key);
    if (entry) entry.values.push(h.value);
    else headers.set(key, { name: h.name, values: [h.value] });
  }
  if (!headers.has('user-agent')) headers.set('user-agent', { name: 'User-Agent', values: [PROBE_USER_AGENT] });
  const accept = headers.get('accept');
  if (!accept) headers.set('accept', { name: 'Accept', values: ['*/*'] });
  else if (accept.values[0] === '') headers.delete('accept');
  return { url, headers };
}

interface Response {
  status: number;
  location?: string;
  body: string;
}

class Timeout extends Error {}

/** DoHTTPProbe, with the whole exchange (redirects and body included) within `timeoutMs`. */
export async function httpProbe(req: HttpProbeRequest, timeoutMs: number): Promise<ProbeOutcome> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Timeout()), timeoutMs);
  try {
    let url = req.url;
    const hostHeader = req.headers.get('host');
    let keepHost = true;
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string[]> = {};
      for (const [key, h] of req.headers) if (key !== 'host' || keepHost) headers[h.name] = h.values;
      let res: Response;
      try {
        res = await get(url, headers, deadline.signal);
      } catch (err) {
        if (err instanceof BodyTimeout) {
          // utilio.ReadAtMost failing is an error of the probe, not a failure (kube's DoHTTPProbe)
          return { result: 'Unknown', output: '', error: 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' };
        }
        const text = err instanceof Timeout ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : requestErrorText(err, url);
        return { result: 'Failure', output: `Get ${goQuote(url.href)}: ${text}` };
      }
      if (REDIRECT_CODES.has(res.status) && res.location !== undefined) {
        const next = new URL(res.location, url);
        // RedirectChecker(false): another host ends the chain; the 3xx is the response
        if (next.hostname === req.url.hostname) {
          if (redirects + 1 >= MAX_REDIRECTS) return { result: 'Failure', output: `Get ${goQuote(res.location)}: stopped after ${MAX_REDIRECTS} redirects` };
          // a Host header the user set survives only a relative redirect, as in net/http
          keepHost = keepHost && hostHeader !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(res.location);
          url = next;
          continue;
        }
      }
      if (res.status >= 200 && res.status < 400) {
        if (res.status >= 300) return { result: 'Warning', output: `Probe terminated redirects, Response body: ${res.body}` };
        return { result: 'Success', output: res.body };
      }
      // kube keeps the body out of this message on purpose (kubernetes#99425)
      return { result: 'Failure', output: `HTTP probe failed with statuscode: ${res.status}` };
    }
  } finally {
    clearTimeout(timer);
  }
}

class BodyTimeout extends Error {}

function get(url: URL, headers: Record<string, string[]>, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const request = mod.request(url, { method: 'GET', headers, agent: false, rejectUnauthorized: false });
    let inBody = false;
    const onAbort = (): void => {
      finish(() => reject(inBody ? new BodyTimeout() : signal.reason));
      request.destroy();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('error', (err) => finish(() => reject(err)));
    request.once('response', (res) => {
      inBody = true;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        const body = Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
        const loc = res.headers.location;
        finish(() => resolve({ status: res.statusCode ?? 0, location: loc, body }));
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) done(); // truncation is not an error, as utilio.ReadAtMost
      });
      res.once('end', done);
      res.once('error', (err) => finish(() => reject(err)));
    });
    request.end();
  });
}

function requestErrorText(err: unknown, url: URL): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.syscall === 'connect') return `dial tcp ${url.host}: ${dialErrorText(e)}`;
  return dialErrorText(e);
}

/** Go's %q for the URLs in url.Error messages. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
