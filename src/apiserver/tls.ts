// The API server's certificate. kubectl (client-go) sends a bearer token only over TLS, so the
// API is served over HTTPS with a self-signed certificate made once per data dir and trusted
// through the kubeconfig's certificate-authority-data. Node cannot make X.509 certificates
// itself; the openssl command line does (Debian's `openssl`, installed by scripts/setup.sh).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServingCert {
  cert: string;
  key: string;
}

/** DIR/pki/apiserver.{crt,key}: reused when present, else made valid for the given IPs. */
export function ensureServingCert(dataDir: string, ips: string[]): ServingCert {
  const dir = join(dataDir, 'pki');
  const certPath = join(dir, 'apiserver.crt');
  const keyPath = join(dir, 'apiserver.key');
  if (!existsSync(certPath) || !existsSync(keyPath) || !coversIPs(certPath, ips)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const san = ['DNS:localhost', ...[...new Set(['127.0.0.1', ...ips])].map((ip) => `IP:${ip}`)].join(',');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '3650', '-subj', '/CN=k1s-apiserver', '-addext', `subjectAltName=${san}`,
      '-keyout', keyPath, '-out', certPath,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(keyPath, 0o600);
  }
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

function coversIPs(certPath: string, ips: string[]): boolean {
  const text = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
  return ips.every((ip) => ip === '0.0.0.0' || text.includes(`IP Address:${ip}`));
}
