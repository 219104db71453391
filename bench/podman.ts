// Podman as a peer (bench/replicas): `podman kube play` of the same Deployment k1s runs. Debian's
// podman, configured only through a containers.conf of the bench's own (CONTAINERS_CONF: nothing
// under /etc is changed), with the test image copied from Docker's storage (`docker save` |
// `podman load`), since nothing can be pulled here; its pause image podman builds from catatonit.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The network kube play creates for its pods (and the bench removes afterwards). */
const KUBE_NETWORK = 'podman-default-kube-network';

export class Podman {
  private readonly dir = mkdtempSync(join(tmpdir(), 'k1s-bench-podman-'));
  private readonly env: NodeJS.ProcessEnv;

  constructor() {
    const conf = join(this.dir, 'containers.conf');
    // the default ulimits (the box's huge nofile) make crun refuse to start containers here
    writeFileSync(conf, '[containers]\ndefault_ulimits = ["nofile=4096:4096","nproc=4096:4096"]\n');
    this.env = { ...process.env, CONTAINERS_CONF: conf };
  }

  /** Why podman cannot be the peer here, or undefined when it can. */
  static unavailable(): string | undefined {
    const r = spawnSync('podman', ['--version'], { encoding: 'utf8' });
    if (r.error) return `podman is not installed (${r.error.message}); Debian: apt-get install podman`;
    return r.status === 0 ? undefined : `podman --version exited ${r.status}: ${r.stderr.trim()}`;
  }

  run(args: string[], input?: Buffer | string): string {
    return execFileSync('podman', args, { env: this.env, input, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Copies `image` from Docker into podman's storage unless it is there. */
  importFromDocker(image: string): void {
    if (spawnSync('podman', ['image', 'exists', image], { env: this.env }).status === 0) return;
    const tar = execFileSync('docker', ['save', image], { maxBuffer: 1 << 30 });
    this.run(['load'], tar);
  }

  /** Writes the manifest and plays it; returns the file for down(). */
  kubePlay(manifest: unknown): string {
    const file = join(this.dir, 'kube.yaml');
    writeFileSync(file, JSON.stringify(manifest)); // JSON is YAML
    this.run(['kube', 'play', file]);
    return file;
  }

  /** The IPs of the pods whose names start with `prefix` (their infra containers hold them). */
  podIPs(prefix: string): string[] {
    const infra = this.run(['pod', 'ps', '--filter', `name=^${prefix}`, '--format', '{{.InfraId}}']).split('\n').filter(Boolean);
    if (!infra.length) return [];
    return this.run(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', ...infra]).split('\n').filter(Boolean);
  }

  /** Tears the pods down and leaves no network and no netavark chains behind. */
  down(file: string): void {
    spawnSync('podman', ['kube', 'down', file], { env: this.env, stdio: 'ignore' });
    spawnSync('podman', ['network', 'rm', '-f', KUBE_NETWORK], { env: this.env, stdio: 'ignore' });
    removeNetavarkChains();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** netavark keeps its (then empty) base chains and their jumps after the last container: remove them. */
function removeNetavarkChains(): void {
  const ipt = (...args: string[]) => spawnSync('iptables', ['-w', ...args], { stdio: 'ignore' });
  ipt('-D', 'FORWARD', '-m', 'comment', '--comment', 'netavark firewall plugin rules', '-j', 'NETAVARK_FORWARD');
  ipt('-F', 'NETAVARK_FORWARD');
  ipt('-X', 'NETAVARK_FORWARD');
  ipt('-t', 'nat', '-D', 'PREROUTING', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'NETAVARK-HOSTPORT-DNAT');
  ipt('-t', 'nat', '-D', 'OUTPUT', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'NETAVARK-HOSTPORT-DNAT');
  ipt('-t', 'nat', '-D', 'POSTROUTING', '-j', 'NETAVARK-HOSTPORT-MASQ');
  for (const chain of ['NETAVARK-HOSTPORT-DNAT', 'NETAVARK-HOSTPORT-MASQ', 'NETAVARK-HOSTPORT-SETMARK']) {
    ipt('-t', 'nat', '-F', chain);
    ipt('-t', 'nat', '-X', chain);
  }
}
