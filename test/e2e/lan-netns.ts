// "Another machine on the LAN" for e2e tests: a network namespace the test makes, joined to the
// host by a veth pair with its own addresses, its default route through the host. Also the
// firewalls users' hosts have: the FORWARD policy DROP, and Docker 28's isolation rules (which
// drop traffic into the bridge from other interfaces and packets addressed straight to container
// addresses), reproduced in chains of the test's own since Docker 28 cannot be installed here.
// Everything is removed by remove(): the namespace takes the veth pair with it.
//
// Addresses come from 198.18.0.0/15 (set aside for benchmarking networks, never routed on the
// Internet). The link is a /29: .1 the host, .2 the client, and .5 a spare address no one holds,
// routed by the client to the host (an external IP); an untranslated packet the host sends to it
// goes into the test's own namespace and no further.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

const BRIDGE = 'k1s0';
// Docker 28's rules, in chains of the test's (not K1S-: the proxy owns every K1S- chain)
const D28_FILTER = 'K1STEST-D28';
const D28_RAW = 'K1STEST-D28RAW';

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
export const quietly = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' });

export interface LanClient {
  readonly ns: string;
  /** the host's address on the link */
  readonly hostSide: string;
  /** the client's address */
  readonly lanSide: string;
  /** an address no one holds, routed by the client to the host: for spec.externalIPs */
  readonly spare: string;
  /** the host's end of the link (the interface the client's packets come in on) */
  readonly hostVeth: string;
  /** Creates the namespace and the link (removing a leftover of the same name first). */
  create(): void;
  remove(): void;
  /** One HTTP GET with curl, from the host or from inside the namespace: the body, or undefined. */
  get(url: string, fromLan: boolean, timeoutSeconds?: number): string | undefined;
  /** A command run inside the namespace. */
  exec(args: string[]): { code: number; stdout: string; stderr: string };
}

/** `thirdOctet` keeps the links of different test files apart (198.18.<n>.0/29; 0-255). */
export function lanClient(name: string, thirdOctet: number): LanClient {
  const ns = `k1s${name}${process.pid % 100000}`;
  const veth = `k1s${name.slice(0, 3)}${process.pid % 100000}`;
  const net = `198.18.${thirdOctet}`;
  const client: LanClient = {
    ns,
    hostSide: `${net}.1`,
    lanSide: `${net}.2`,
    spare: `${net}.5`,
    hostVeth: veth,
    create() {
      quietly('ip', ['netns', 'del', ns]);
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['addr', 'add', `${client.hostSide}/29`, 'dev', veth]);
      sh('ip', ['link', 'set', veth, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${client.lanSide}/29`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', client.hostSide]);
      sh('ip', ['-n', ns, 'route', 'add', `${client.spare}/32`, 'via', client.hostSide]);
    },
    remove() {
      quietly('ip', ['netns', 'del', ns]); // takes the veth pair with it
    },
    get(url, fromLan, timeoutSeconds = 5) {
      const curl = ['curl', '-sf', '--noproxy', '*', '-m', String(timeoutSeconds), url];
      const r = fromLan ? spawnSync('ip', ['netns', 'exec', ns, ...curl], { encoding: 'utf8', timeout: 15_000 }) : spawnSync(curl[0], curl.slice(1), { encoding: 'utf8', timeout: 15_000 });
      return r.status === 0 ? r.stdout : undefined;
    },
    exec(args) {
      const r = spawnSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8', timeout: 15_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
  };
  return client;
}

/** The host's first global IPv4 address that is not a bridge of Docker's or ours, nor a test link. */
export function hostAddress(): string {
  const line = sh('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'])
    .split('\n')
    .find((l) => l && !/ (docker\d|k1s\w*|br-|veth)/.test(l) && !/inet 198\.1[89]\./.test(l));
  const m = line && /inet (\d+\.\d+\.\d+\.\d+)/.exec(line);
  if (!m) throw new Error('no global IPv4 address on this host');
  return m[1];
}

export function forwardPolicy(): string {
  return /^-P FORWARD (\S+)/m.exec(sh('iptables', ['-S', 'FORWARD']))![1];
}

/** Docker 28's isolation for the pod bridge: nothing from another interface into it, nothing addressed straight to a pod. */
export function addDocker28Rules(): void {
  sh('iptables', ['-N', D28_FILTER]);
  sh('iptables', ['-A', D28_FILTER, '!', '-i', BRIDGE, '-o', BRIDGE, '-j', 'DROP']);
  // where Docker 28 drops it: in its DOCKER chain, reached after the RELATED,ESTABLISHED accept
  const rules = sh('iptables', ['-S', 'FORWARD']).split('\n').filter((l) => l.startsWith('-A FORWARD'));
  const at = rules.findIndex((l) => l === `-A FORWARD -o ${BRIDGE} -j DOCKER`);
  assert.ok(at >= 0, `Docker's -o ${BRIDGE} -j DOCKER rule is in FORWARD`);
  sh('iptables', ['-I', 'FORWARD', String(at + 1), '-j', D28_FILTER]);
  sh('iptables', ['-t', 'raw', '-N', D28_RAW]);
  sh('iptables', ['-t', 'raw', '-A', D28_RAW, '-d', '10.244.0.0/16', '!', '-i', BRIDGE, '-j', 'DROP']);
  sh('iptables', ['-t', 'raw', '-I', 'PREROUTING', '1', '-j', D28_RAW]);
}

export function removeDocker28Rules(): void {
  quietly('iptables', ['-D', 'FORWARD', '-j', D28_FILTER]);
  quietly('iptables', ['-F', D28_FILTER]);
  quietly('iptables', ['-X', D28_FILTER]);
  quietly('iptables', ['-t', 'raw', '-D', 'PREROUTING', '-j', D28_RAW]);
  quietly('iptables', ['-t', 'raw', '-F', D28_RAW]);
  quietly('iptables', ['-t', 'raw', '-X', D28_RAW]);
}

/** Packets the reproduced raw rule dropped so far. */
export function docker28RawDrops(): number {
  const dropped = /^\s*(\d+)\s+\d+\s+DROP/m.exec(sh('iptables', ['-t', 'raw', '-L', D28_RAW, '-v', '-x', '-n']));
  return dropped ? Number(dropped[1]) : 0;
}
