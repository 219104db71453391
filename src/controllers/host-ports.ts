// Which ports processes on this host listen on, read from /proc/net/{tcp,tcp6,udp,udp6}: the
// ServiceLB controller must not hand a LoadBalancer a port someone on the host already serves
// (k1s's own API server and DNS included: they are processes like any other). The parser is pure;
// the reader is the one narrow adapter, replaced by a fake in the tests.
import { readFile } from 'node:fs/promises';

export interface HostListener {
  protocol: 'TCP' | 'UDP';
  /** The bound address: '0.0.0.0' and '::' mean every address. IPv4-mapped IPv6 is given as IPv4. */
  address: string;
  port: number;
}

export interface HostPorts {
  listeners(): Promise<HostListener[]>;
}

/** TCP_LISTEN in /proc/net/tcp's st column. */
const TCP_LISTEN = '0A';
/** TCP_CLOSE: an unconnected (bound, "listening") UDP socket. */
const UDP_UNCONNECTED = '07';

/** /proc/net/tcp's "0100007F" (an IPv4 in host byte order, little-endian here) -> "127.0.0.1". */
function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

/** /proc/net/tcp6's 32 hex digits (four 32-bit words, each little-endian) -> text; v4-mapped -> IPv4. */
function hexToIPv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join('.');
  if (bytes.every((b) => b === 0)) return '::';
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

/** The listening sockets of one /proc/net table. */
export function parseProcNet(text: string, protocol: 'TCP' | 'UDP', v6: boolean): HostListener[] {
  const out: HostListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [local, , state] = [f[1], f[2], f[3]];
    if (state !== (protocol === 'TCP' ? TCP_LISTEN : UDP_UNCONNECTED)) continue;
    const i = local.lastIndexOf(':');
    if (i < 0) continue;
    const port = parseInt(local.slice(i + 1), 16);
    if (!(port > 0)) continue;
    out.push({ protocol, address: v6 ? hexToIPv6(local.slice(0, i)) : hexToIPv4(local.slice(0, i)), port });
  }
  return out;
}

/** The real host's listeners; a missing table (no IPv6) counts as empty. */
export class ProcHostPorts implements HostPorts {
  constructor(private readonly root = '/proc/net') {}

  async listeners(): Promise<HostListener[]> {
    const tables: [string, 'TCP' | 'UDP', boolean][] = [
      ['tcp', 'TCP', false],
      ['tcp6', 'TCP', true],
      ['udp', 'UDP', false],
      ['udp6', 'UDP', true],
    ];
    const all = await Promise.all(tables.map(([f, proto, v6]) => readFile(`${this.root}/${f}`, 'utf8').then((t) => parseProcNet(t, proto, v6), () => [])));
    return all.flat();
  }
}
