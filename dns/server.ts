// The cluster DNS server: UDP and TCP on one port. Names in the cluster zone are answered from a
// RecordIndex; every other query is relayed, as raw bytes, to the upstream resolvers.
//
// Built on node:dgram and node:net with the small codec in wire.ts rather than on dns2's servers:
// dns2's servers hand the handler a fully decoded Packet (bit-level, slow) and no raw bytes, and a
// relay wants the raw bytes. The hot path is: read the question, one map lookup, one encode.
//
// Forwarding: each relayed UDP query gets its own connected socket (a fresh random source port per
// query makes spoofed answers hard to land, and a connected socket reports ICMP "port unreachable"
// at once, so a dead upstream fails over without waiting for the timeout). Upstreams are tried in
// order, each for `upstreamTimeoutMs`; when all fail the client gets SERVFAIL. TCP queries are
// forwarded over TCP, so a truncated upstream answer can be fetched in full.
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { Packet, type Resource } from 'dns2';
import { isLoopback } from '../src/api/names.js';
import type { Logger } from '../src/log.js';
import type { RecordIndex, RR } from './records.js';
import { IndexZone, type Zone } from './zones.js';
import { UpstreamCache, keyOf, patchFor } from './upstream-cache.js';
import {
  QTYPE,
  encodeBadVersion,
  encodeError,
  encodeFormErr,
  encodeQuery,
  encodeResponse,
  parseQuery,
  udpLimit,
  type Query,
  type ResponseSections,
} from './wire.js';

export interface DnsServerOptions {
  /** The records; a getter lets the owner swap in a rebuilt index without touching the server. */
  index?: RecordIndex | (() => RecordIndex);
  /** Or where the zone's answers come from (the DNS workers: the shared answer table). */
  zone?: Zone;
  /** Address to listen on, e.g. '127.0.0.1', '0.0.0.0', or the bridge gateway. */
  address: string;
  /** 0 picks a free port (the same one for UDP and TCP); read it back from `port` after start(). */
  port: number;
  /** Where other names go: "ip", "ip:port", "[v6]:port". Empty: such queries get SERVFAIL. */
  upstreams: string[];
  logger: Logger;
  /** How long to wait for each upstream before trying the next. Default 2000 ms. */
  upstreamTimeoutMs?: number;
  /** Relayed queries in flight at once; beyond that, SERVFAIL instead of more sockets. Default 1024. */
  maxInflight?: number;
  /** The clock of the upstream cache (tests). */
  now?: () => number;
}

export interface Upstream {
  address: string;
  port: number;
}

type Transport = 'udp' | 'tcp';

const TCP_IDLE_MS = 10_000; // RFC 7766 6.2.3
const WARN_EVERY_MS = 10_000;

export class DnsServer {
  private readonly zone: Zone;
  private readonly upstreams: Upstream[];
  private readonly timeoutMs: number;
  private readonly maxInflight: number;
  private readonly log: Logger;
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private boundPort = 0;
  private inflight = 0;
  private lastWarn = 0;
  private stopped = false;
  /** Client TCP connections and upstream sockets, so stop() leaves nothing open. */
  private readonly open = new Set<net.Socket | dgram.Socket>();
  /** Upstream answers, by their TTLs. */
  private readonly cache: UpstreamCache;
  /** Upstream exchanges in flight, by question: later askers wait for the same one. */
  private readonly pending = new Map<string, Promise<Buffer>>();
  constructor(private readonly opts: DnsServerOptions) {
    const index = opts.index;
    if (opts.zone) this.zone = opts.zone;
    else if (index) this.zone = new IndexZone(typeof index === 'function' ? index : () => index);
    else throw new Error('DnsServer: an index or a zone is needed');
    this.upstreams = opts.upstreams.map(parseUpstream);
    this.timeoutMs = opts.upstreamTimeoutMs ?? 2000;
    this.maxInflight = opts.maxInflight ?? 1024;
    this.log = opts.logger;
    this.cache = new UpstreamCache(opts.now);
  }

  /** The port both transports listen on (the real one when 0 was asked for). */
  get port(): number {
    return this.boundPort;
  }

  /** Resolves once UDP and TCP both listen on the same port. */
  async start(): Promise<void> {
    // With port 0, UDP picks the port and TCP must take the same number; another process may hold
    // that TCP port, so try a few times.
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(this.opts.address) ? 'udp6' : 'udp4', lookup: literalLookup });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.opts.port, this.opts.address, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = net.createServer({ allowHalfOpen: true }, (sock) => this.onTcpConnection(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, this.opts.address, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        if (this.opts.port !== 0 || attempt >= 4) throw err;
        continue;
      }
      this.udp = udp;
      this.tcp = tcp;
      this.boundPort = port;
      break;
    }
    this.udp.on('message', (msg, rinfo) => this.onUdpMessage(msg, rinfo));
    this.udp.on('error', (err) => this.warnSometimes({ err }, 'dns: UDP socket error (failed sends among them)'));
    this.tcp.on('error', (err) => this.log.error({ err }, 'dns: TCP server error'));
    this.dropSelfFromUpstreams();
    this.log.info({ address: this.opts.address, port: this.boundPort, upstreams: this.upstreams }, 'dns: listening');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const s of this.open) {
      if (s instanceof net.Socket) s.destroy();
      else closeQuietly(s);
    }
    this.open.clear();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  /**
   * Answers one DNS message: a Buffer at once for names in the zone (no promise on the hot path),
   * a Promise for relayed ones, null when the message deserves no answer.
   */
  handle(msg: Buffer, transport: Transport): Buffer | Promise<Buffer | null> | null {
    const fast = this.zone.fast?.(msg, transport);
    if (fast) return fast;
    const q = parseQuery(msg);
    if (q === 'drop') return null;
    if (q === 'formerr') return encodeFormErr(msg);
    if (q.opcode !== 0) return encodeError(q, msg, 'NOTIMP');
    if (q.ednsVersion > 0) return encodeBadVersion(q, msg);
    const maxSize = transport === 'udp' ? udpLimit(q) : 65535;
    const out = this.zone.answer(q, msg, maxSize);
    if (out === undefined) return this.forward(q, msg, transport);
    if (Buffer.isBuffer(out)) return out;
    return this.chase(q, msg, out.res, out.chase, maxSize);
  }

  // ---- transports ----

  private onUdpMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let out: ReturnType<DnsServer['handle']>;
    try {
      out = this.handle(msg, 'udp');
    } catch (err) {
      this.log.warn({ err }, 'dns: failed to answer a query');
      return;
    }
    if (out === null) return;
    if (out instanceof Promise) out.then((b) => b && this.reply(b, rinfo)).catch((err) => this.log.warn({ err }, 'dns: relay failed'));
    else this.reply(out, rinfo);
  }

  private reply(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    // no callback (a closure per answer); a failed send is an 'error' event on the socket
    this.udp?.send(buf, rinfo.port, rinfo.address);
  }

  private onTcpConnection(sock: net.Socket): void {
    this.open.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    let pending = Buffer.alloc(0);
    let inflight = 0;
    let peerEnded = false;
    const write = (b: Buffer | null) => {
      if (b && !sock.destroyed) {
        const len = Buffer.allocUnsafe(2);
        len.writeUInt16BE(b.length);
        sock.write(Buffer.concat([len, b]));
      }
    };
    const settle = () => {
      // The client half-closed after its last query: close once every answer is written.
      if (peerEnded && inflight === 0 && !sock.destroyed) sock.end();
    };
    sock.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // Queries may be pipelined (RFC 7766): answer each length-prefixed message as it completes.
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        let out: ReturnType<DnsServer['handle']>;
        try {
          out = this.handle(msg, 'tcp');
        } catch (err) {
          this.log.warn({ err }, 'dns: failed to answer a query');
          continue;
        }
        if (!(out instanceof Promise)) write(out);
        else {
          inflight++;
          out
            .then(write, (err) => this.log.warn({ err }, 'dns: relay failed'))
            .finally(() => {
              inflight--;
              settle();
            });
        }
      }
    });
    sock.on('end', () => {
      peerEnded = true;
      settle();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.open.delete(sock));
  }

  // ---- forwarding ----

  /**
   * A name outside the zone: from the cache when an answer is still fresh; else asked upstream,
   * once for all the askers of the same question meanwhile (a search-path storm, or many pods
   * starting at once, costs one upstream query). No upstream answering is SERVFAIL, kept a few
   * seconds so that the next askers get it at once instead of waiting out the timeouts again.
   */
  private async forward(q: Query, msg: Buffer, transport: Transport): Promise<Buffer | null> {
    const hit = this.cache.get(q, msg);
    if (hit) return hit;
    const key = `${transport} ${keyOf(q)}`;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.exchange(msg, transport)
        .then((answer) => {
          const out = answer ?? encodeError(q, msg, 'SERVFAIL');
          this.cache.put(q, out);
          return out;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return patchFor(await pending, q, msg);
  }

  /** Sends the raw query to each upstream in turn; the first answer wins, null if none answers. */
  private async exchange(msg: Buffer, transport: Transport): Promise<Buffer | null> {
    if (this.upstreams.length === 0 || this.inflight >= this.maxInflight) return null;
    this.inflight++;
    try {
      for (const up of this.upstreams) {
        if (this.stopped) return null;
        const answer = transport === 'udp' ? await this.udpExchange(msg, up) : await this.tcpExchange(msg, up);
        if (answer) return answer;
      }
    } finally {
      this.inflight--;
    }
    this.warnSometimes({ upstreams: this.upstreams }, 'dns: no upstream answered; replying SERVFAIL');
    return null;
  }

  /** At most one warning per WARN_EVERY_MS: a storm of failures must not become a storm of log lines. */
  private warnSometimes(fields: object, msg: string): void {
    const now = Date.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    this.log.warn(fields, msg);
  }

  private udpExchange(msg: Buffer, up: Upstream): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const sock = dgram.createSocket(net.isIPv6(up.address) ? 'udp6' : 'udp4');
      this.open.add(sock);
      const id = msg.readUInt16BE(0);
      let done = false;
      const finish = (answer: Buffer | null, why?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.open.delete(sock);
        closeQuietly(sock);
        if (!answer) this.log.debug({ upstream: up, why: String(why) }, 'dns: upstream failed');
        resolve(answer);
      };
      const timer = setTimeout(() => finish(null, 'timeout'), this.timeoutMs);
      sock.on('error', (err) => finish(null, err));
      sock.on('close', () => finish(null, 'closed')); // stop() closed it: do not hold the timer
      sock.on('message', (answer) => {
        // Connected socket: only the upstream can reach us; still insist on the query's id.
        if (answer.length >= 12 && answer.readUInt16BE(0) === id) finish(answer);
      });
      sock.connect(up.port, up.address, () => sock.send(msg, (err) => err && finish(null, err)));
    });
  }

  private tcpExchange(msg: Buffer, up: Upstream): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: up.address, port: up.port });
      this.open.add(sock);
      let got = Buffer.alloc(0);
      let done = false;
      const finish = (answer: Buffer | null, why?: unknown) => {
        if (done) return;
        done = true;
        this.open.delete(sock);
        sock.destroy();
        if (!answer) this.log.debug({ upstream: up, why: String(why) }, 'dns: upstream failed (tcp)');
        resolve(answer);
      };
      sock.setTimeout(this.timeoutMs, () => finish(null, 'timeout'));
      sock.on('error', (err) => finish(null, err));
      sock.on('close', () => finish(null, 'closed'));
      sock.on('connect', () => {
        const len = Buffer.allocUnsafe(2);
        len.writeUInt16BE(msg.length);
        sock.write(Buffer.concat([len, msg]));
      });
      sock.on('data', (chunk) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) finish(got.subarray(2, 2 + got.readUInt16BE(0)));
      });
    });
  }

  /**
   * An ExternalName service answers with a CNAME to a name outside the zone; a stub resolver does
   * not follow it, so, as CoreDNS does, resolve the target upstream and append its records.
   * Upstream failure still returns the CNAME alone.
   */
  private async chase(q: Query, msg: Buffer, res: ResponseSections, target: string, maxSize: number): Promise<Buffer> {
    const query = encodeQuery(randomInt(0x10000), target, q.qtype);
    const answer = await this.exchange(query, 'udp');
    let sections: ResponseSections = res;
    if (answer) {
      try {
        const p = Packet.parse(answer);
        const extra = p.answers.map(fromDns2).filter((rr): rr is RR => rr !== null);
        const rcode = p.header.rcode === 3 ? 'NXDOMAIN' : 'NOERROR';
        sections = { rcode, answers: [...(res.answers ?? []), ...extra] };
      } catch (err) {
        this.log.debug({ err, target }, 'dns: unreadable upstream answer while chasing a CNAME');
      }
    }
    return encodeResponse(q, msg, sections, { aa: false, maxSize });
  }

  /** Forwarding to ourselves would loop each query until it times out. */
  private dropSelfFromUpstreams(): void {
    const wildcard = this.opts.address === '0.0.0.0' || this.opts.address === '::';
    for (let i = this.upstreams.length - 1; i >= 0; i--) {
      const up = this.upstreams[i];
      if (up.port === this.boundPort && (up.address === this.opts.address || (wildcard && isLoopback(up.address)))) {
        this.log.warn({ upstream: up }, 'dns: ignoring an upstream that is this server');
        this.upstreams.splice(i, 1);
      }
    }
  }
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" -> address and port (53 by default). */
export function parseUpstream(s: string): Upstream {
  const text = s.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { address: bracket[1], port: bracket[2] ? Number(bracket[2]) : 53 };
  const parts = text.split(':');
  if (parts.length === 2) return { address: parts[0], port: Number(parts[1]) };
  return { address: text, port: 53 };
}

/** Where systemd-resolved lists the real upstreams behind its 127.0.0.53 stub. */
export const RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';

/**
 * The host's upstream resolvers, past a loopback stub: when /etc/resolv.conf names only loopback
 * servers (systemd-resolved's 127.0.0.53, a local dnsmasq) and systemd-resolved lists real ones,
 * those are used, as the kubelet's --resolv-conf does on such hosts. Relaying through the stub
 * would work from the host, but adds a hop, a second cache, and a loop whenever the stub is told
 * to forward cluster names back here (the loop that crashes CoreDNS on such hosts).
 */
export function hostUpstreamsPastStub(etcResolvConf: string, readFile: (path: string) => string | undefined): string[] {
  const listed = hostUpstreams(etcResolvConf);
  if (listed.length === 0 || !listed.every((s) => isLoopback(s.split('%')[0]))) return listed;
  const real = hostUpstreams(readFile(RESOLVED_UPSTREAMS) ?? '').filter((s) => !isLoopback(s.split('%')[0]));
  return real.length > 0 ? real : listed;
}

/** The host's resolver configuration, which names its upstreams (or a loopback stub). */
export const HOST_RESOLV_CONF = '/etc/resolv.conf';

/**
 * The upstreams `k1s server` forwards names outside the zone to: `--upstream` when given (the
 * tests' fake resolvers), else the host's, read past a loopback stub (hostUpstreamsPastStub).
 * A host without /etc/resolv.conf has none: such names get SERVFAIL.
 */
export function serverUpstreams(flag: string[] | undefined, readFile: (path: string) => string | undefined): string[] {
  return flag ?? hostUpstreamsPastStub(readFile(HOST_RESOLV_CONF) ?? '', readFile);
}

/** The nameservers listed in resolv.conf text, in order. */
export function hostUpstreams(resolvConfText: string): string[] {
  const out: string[] = [];
  for (const line of resolvConfText.split('\n')) {
    const words = line.replace(/[#;].*/, '').trim().split(/\s+/);
    if (words[0] === 'nameserver' && words[1] && net.isIP(words[1].split('%')[0])) out.push(words[1]);
  }
  return out;
}

/**
 * The answering socket only ever sends to the address a query came from, an IP literal: resolve
 * it at once. dns.lookup() would answer it too, but a tick later, for every answer sent.
 */
function literalLookup(address: string, _family: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  callback(null, address, address.includes(':') ? 6 : 4); // net.isIPv6's regular expression showed in profiles
}

function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // already closed
  }
}

/** dns2's decoded records back into ours, for the types a chased CNAME can lead to. */
function fromDns2(r: Resource): RR | null {
  const base = { name: r.name.toLowerCase(), ttl: r.ttl, class: 'IN' as const };
  switch (r.type) {
    case Packet.TYPE.A:
      return r.address ? { ...base, type: 'A', address: r.address } : null;
    case Packet.TYPE.AAAA:
      return r.address ? { ...base, type: 'AAAA', address: r.address } : null;
    case Packet.TYPE.CNAME:
      return r.domain ? { ...base, type: 'CNAME', target: r.domain.toLowerCase() } : null;
    case Packet.TYPE.TXT:
      return r.data ? { ...base, type: 'TXT', text: ([] as string[]).concat(r.data) } : null;
    case Packet.TYPE.SRV:
      return r.target ? { ...base, type: 'SRV', priority: r.priority ?? 0, weight: r.weight ?? 0, port: r.port ?? 0, target: r.target } : null;
    default:
      return null;
  }
}
