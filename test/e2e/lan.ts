// "Another machine on the LAN" for e2e tests: a network namespace joined to the host by a veth
// pair with its own addresses (198.18.0.0/15, set aside for benchmarking networks, never routed on
// the Internet), its default route through the host; and curl from there or from the host.
// Traffic goes only to the host's own addresses, from the test's own namespace.
import { execFileSync, spawnSync } from 'node:child_process';

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
export const quietly = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' });

export interface LanClient {
  /** the namespace's name */
  ns: string;
  /** the host's address on the veth link */
  hostSide: string;
  /** the LAN client's own address */
  lanSide: string;
  up(): void;
  down(): void;
  /** One HTTP GET with curl, from the host or from inside the namespace: the body, or undefined. */
  get(url: string, fromLan: boolean, timeoutSeconds?: number): string | undefined;
}

/** Names and addresses from `tag` (a small number: the test's pid) so parallel files do not meet. */
export function lanClient(tag: number): LanClient {
  const ns = `k1slan${tag % 100000}`;
  const veth = `k1sl${tag % 100000}`;
  const octet = (tag % 200) + 10;
  const hostSide = `198.18.${octet}.1`;
  const lanSide = `198.18.${octet}.2`;
  return {
    ns,
    hostSide,
    lanSide,
    up() {
      quietly('ip', ['netns', 'del', ns]);
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['addr', 'add', `${hostSide}/30`, 'dev', veth]);
      sh('ip', ['link', 'set', veth, 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${lanSide}/30`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostSide]);
    },
    down() {
      quietly('ip', ['netns', 'del', ns]); // takes the veth pair with it
    },
    get(url, fromLan, timeoutSeconds = 5) {
      const curl = ['curl', '-sf', '--noproxy', '*', '-m', String(timeoutSeconds), url];
      const r = fromLan ? spawnSync('ip', ['netns', 'exec', ns, ...curl], { encoding: 'utf8', timeout: 15_000 }) : spawnSync(curl[0], curl.slice(1), { encoding: 'utf8', timeout: 15_000 });
      return r.status === 0 ? r.stdout : undefined;
    },
  };
}

/** The host's first global IPv4 address that is not a bridge of Docker's or ours. */
export function hostAddress(): string {
  const line = sh('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global'])
    .split('\n')
    .find((l) => l && !/ (docker\d|k1s\d|br-|veth|k1sl)/.test(l));
  const m = line && /inet (\d+\.\d+\.\d+\.\d+)/.exec(line);
  if (!m) throw new Error('no global IPv4 address on this host');
  return m[1];
}
