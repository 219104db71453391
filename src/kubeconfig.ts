// The kubeconfig `k1s server` writes and both `k1s` and kubectl read. The token is kept across
// restarts (read back from the existing file) so clients keep working.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export interface KubeConfigInfo {
  server: string;
  token: string;
  namespace: string;
  /** PEM of the CA that signed the server's certificate (certificate-authority-data) */
  ca?: string;
}

export const DEFAULT_DATA_DIR = '/var/lib/k1s';

export function readKubeconfig(path: string): KubeConfigInfo {
  let doc: {
    'current-context'?: string;
    contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
    clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
    users?: { name: string; user: { token?: string } }[];
  };
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${path}: ${(e as Error).message}`);
  }
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster);
  const user = doc.users?.find((u) => u.name === ctx?.context.user);
  if (!cluster?.cluster.server) throw new Error(`kubeconfig ${path} has no server for its current context`);
  const caData = cluster.cluster['certificate-authority-data'];
  const caFile = cluster.cluster['certificate-authority'];
  const ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : caFile ? readFileSync(caFile, 'utf8') : undefined;
  return { server: cluster.cluster.server, token: user?.user.token ?? '', namespace: ctx?.context.namespace ?? 'default', ca };
}

/** The token of the kubeconfig already at path, or a new random one. */
export function tokenFor(path: string): string {
  if (existsSync(path)) {
    try {
      const { token } = readKubeconfig(path);
      if (token) return token;
    } catch {
      // unreadable: a fresh token replaces it
    }
  }
  return randomBytes(32).toString('hex');
}

/** Writes the kubeconfig (mode 0600) for server, token and the server certificate's CA. */
export function writeKubeconfig(path: string, server: string, token: string, ca: string): KubeConfigInfo {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'k1s', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'k1s-admin', user: { token } }],
    contexts: [{ name: 'k1s', context: { cluster: 'k1s', user: 'k1s-admin', namespace: 'default' } }],
    'current-context': 'k1s',
    preferences: {},
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode through writeFileSync
  return { server, token, namespace: 'default', ca };
}

/** --kubeconfig, then $KUBECONFIG (first entry), then the default data dir's. */
export function findKubeconfig(flag?: string): string {
  if (flag) return flag;
  const env = process.env.KUBECONFIG?.split(':').find(Boolean);
  if (env) return env;
  return `${DEFAULT_DATA_DIR}/kubeconfig`;
}
