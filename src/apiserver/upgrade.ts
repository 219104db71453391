// The API server's upgraded connections: pod exec and attach over WebSocket (v5/v4.channel.k8s.io)
// or SPDY (older clients), and port-forward over SPDY/3.1, either tunneled in a WebSocket (kubectl 1.30+) or as a plain
// SPDY upgrade (kubectl's fallback, older clients). Everything that can fail before the upgrade
// (token, path, pod, container, options) is answered as an ordinary HTTP Status response, which
// kubectl prints as it prints any API error.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { ApiError, badRequest, internalError, notFound, unauthorized } from '../api/errors.js';
import { byKind } from '../api/resources.js';
import type { Logger } from '../log.js';
import { parsePath } from './routes.js';
import type { Registry } from './registry.js';
import { CHANNEL_PROTOCOLS, parseStreamOptions, serveRemoteCommand, type StreamOptions, type StreamRunner } from './remotecommand.js';
import { PORTFORWARD_PROTOCOL, PortForwardHandler, TUNNELED_PORTFORWARD_PROTOCOL, type PortDialer } from './portforward.js';
import { SpdyServerSession, type FrameSink } from './spdy.js';
import { SPDY_CHANNEL_PROTOCOLS, SpdyRemoteCommand } from './remotecommand-spdy.js';
import { WebSocketConnection, handshakeResponse, isWebSocketUpgrade, offeredProtocols, selectProtocol } from './websocket.js';

export const STREAMING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/**
 * The node agent's part, in two steps like the kubelet's: resolving the target may fail (and is
 * answered before the upgrade); the returned runner or dialer then serves the upgraded connection.
 */
export interface StreamingHooks {
  podExec?: (namespace: string, pod: string, opts: StreamOptions) => Promise<StreamRunner>;
  podAttach?: (namespace: string, pod: string, opts: StreamOptions) => Promise<StreamRunner>;
  podPortForward?: (namespace: string, pod: string) => Promise<PortDialer>;
}

export interface UpgradeDeps extends StreamingHooks {
  registry: Registry;
  token: string;
  logger: Logger;
}

/** The plain (non-upgrade) request on a streaming path, refused as the API server does. */
export function upgradeRequired(): ApiError {
  return badRequest('Upgrade request required');
}

export function createUpgradeHandler(deps: UpgradeDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  const log = deps.logger;
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined); // a client gone mid-handshake is not our error
    serve(req, socket, head).catch((e) => {
      const err = e instanceof ApiError ? e : internalError((e as Error)?.message ?? String(e));
      if (!(e instanceof ApiError)) log.error({ err: e }, 'internal error serving an upgrade');
      writeStatus(socket, err);
    });
  };

  async function serve(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) throw unauthorized();
    const url = new URL(req.url ?? '/', 'http://k1s');
    const parsed = parsePath(url.pathname);
    if (parsed.type !== 'resource') throw notFound('', url.pathname, '');
    const { resource, namespace, name, subresource } = parsed.route;
    if (resource.kind !== 'Pod' || !name || !subresource || !STREAMING_SUBRESOURCES.has(subresource)) {
      throw badRequest(`${url.pathname} cannot be upgraded`);
    }
    const ns = namespace ?? 'default';
    deps.registry.get(byKind('Pod')!, ns, name); // 404 before anything else, as the API server does
    const ws = isWebSocketUpgrade(req.headers);
    if (ws && req.method !== 'GET') throw badRequest('a WebSocket upgrade must be a GET');

    if (subresource === 'portforward') {
      if (!deps.podPortForward) throw badRequest('port-forward is not available: no node agent is running');
      if (ws) {
        const protocol = selectProtocol(offeredProtocols(req.headers['sec-websocket-protocol']), [TUNNELED_PORTFORWARD_PROTOCOL]);
        if (!protocol) throw badRequest(`requested protocol(s) are not supported; supports [${TUNNELED_PORTFORWARD_PROTOCOL}]`);
        const dial = await deps.podPortForward(ns, name);
        const conn = acceptWebSocket(req, socket, head, protocol);
        const pf = servePortForward(`${ns}/${name}`, dial, {
          write: (f) => conn.send(f),
          whenWritable: (fn) => conn.whenWritable(fn),
          end: () => conn.close(),
        });
        conn.onMessage((m) => pf.push(m));
        conn.onClose(() => pf.end());
        return;
      }
      if (isSpdyUpgrade(req)) {
        const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim());
        if (!versions.includes(PORTFORWARD_PROTOCOL)) throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server supports [${PORTFORWARD_PROTOCOL}]`);
        const dial = await deps.podPortForward(ns, name);
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORTFORWARD_PROTOCOL}\r\n\r\n`,
        );
        const pf = servePortForward(`${ns}/${name}`, dial, {
          write: (f) => socket.write(f),
          whenWritable: (fn) => socket.once('drain', fn),
          end: () => socket.end(),
        });
        if (head.length) pf.push(head);
        socket.on('data', (c: Buffer) => pf.push(c));
        socket.on('close', () => pf.end());
        return;
      }
      throw upgradeRequired();
    }

    // exec, attach: the request is checked the same way whatever the transport, so a client that
    // falls back from WebSocket to SPDY after an error gets that error again, not a transport one.
    const opts = parseStreamOptions(subresource as 'exec' | 'attach', url.searchParams);
    if ('error' in opts) throw badRequest(opts.error);
    const hook = subresource === 'exec' ? deps.podExec : deps.podAttach;
    if (!hook) throw badRequest(`${subresource} is not available: no node agent is running`);
    const run = await hook(ns, name, opts);
    if (!ws) {
      // Pre-1.30 kubectl (or KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) asks for SPDY here.
      if (!isSpdyUpgrade(req)) throw upgradeRequired();
      const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim());
      const version = selectProtocol(offered, SPDY_CHANNEL_PROTOCOLS);
      if (!version) throw badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${SPDY_CHANNEL_PROTOCOLS.join(' ')}]`);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${version}\r\n\r\n`);
      (socket as Duplex & { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
      const rc = new SpdyRemoteCommand(opts, run, () => session.close(), (e) => log.warn({ err: (e as Error)?.message, pod: `${ns}/${name}` }, `${subresource} failed`));
      const session = new SpdyServerSession(
        { write: (f) => socket.write(f), whenWritable: (fn) => socket.once('drain', fn), end: () => socket.end() },
        (s) => rc.onStream(s),
        (e) => log.warn({ err: e.message, pod: `${ns}/${name}` }, `${subresource}: SPDY protocol error`),
      );
      if (head.length) session.push(head);
      socket.on('data', (c: Buffer) => session.push(c));
      socket.on('close', () => {
        session.end();
        rc.closed();
      });
      return;
    }
    const protocol = selectProtocol(offeredProtocols(req.headers['sec-websocket-protocol']), CHANNEL_PROTOCOLS);
    if (!protocol) throw badRequest(`requested protocol(s) are not supported; supports [${CHANNEL_PROTOCOLS.join(' ')}]`);
    const conn = acceptWebSocket(req, socket, head, protocol);
    await serveRemoteCommand(conn, protocol, opts, run, (e) => log.warn({ err: (e as Error)?.message, pod: `${ns}/${name}` }, `${subresource} failed`));
  }

  /** One SPDY connection of port-forward; push() takes its bytes, end() when the transport is gone. */
  function servePortForward(describe: string, dial: PortDialer, sink: FrameSink): { push(b: Buffer): void; end(): void } {
    const handler = new PortForwardHandler(dial, describe, (e) => log.debug({ err: (e as Error).message, pod: describe }, 'port-forward stream'));
    const session = new SpdyServerSession(sink, (s) => handler.onStream(s), (e) => log.warn({ err: e.message, pod: describe }, 'port-forward protocol error'));
    return {
      push: (b) => session.push(b),
      end: () => {
        handler.close();
        session.end();
      },
    };
  }
}

function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): WebSocketConnection {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !key) throw badRequest('missing Sec-WebSocket-Key');
  if (req.headers['sec-websocket-version'] !== '13') throw badRequest('unsupported Sec-WebSocket-Version (want 13)');
  socket.write(handshakeResponse(key, protocol));
  (socket as Duplex & { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true); // keystrokes and small frames go out at once
  return new WebSocketConnection(socket, head);
}

function isSpdyUpgrade(req: IncomingMessage): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase().split(',').some((t) => t.trim() === 'spdy/3.1');
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** An API error as a plain HTTP response on the not-yet-upgraded socket. */
function writeStatus(socket: Duplex, err: ApiError): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${REASONS[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
