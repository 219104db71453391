// imagePullSecrets (kubelet getPullSecretsForPod and pkg/credentialprovider): the credentials of
// a pod's pull secrets, kubernetes.io/dockerconfigjson (`.dockerconfigjson`: {"auths": {...}}) or
// kubernetes.io/dockercfg (`.dockercfg`: the same map without "auths"), and which of them an image
// gets: a key matches by registry host (a `*` matches one DNS label), port and path prefix, the
// most specific key first; `index.docker.io` credentials also serve Docker Hub images written
// without a registry. The pull tries each matching credential in turn. Pure.
import type { Secret } from '../src/api/types.js';

/** What dockerode sends as X-Registry-Auth. */
export interface PullAuth {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress: string;
}

interface Entry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
}

/** One config key, schemeless: host[:port][/path]. */
interface Keyed {
  key: string;
  auth: PullAuth;
}

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

function decode(b64: string | undefined): string | undefined {
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** DockerConfigEntry's UnmarshalJSON: `auth` (base64 user:password) wins over username and password. */
function entryAuth(loc: string, e: Entry): PullAuth {
  let { username, password } = e;
  if (e.auth) {
    const plain = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon > 0) {
      username = plain.slice(0, colon);
      password = plain.slice(colon + 1);
    }
  }
  return { username, password, ...(e.auth ? { auth: e.auth } : {}), ...(e.email ? { email: e.email } : {}), serveraddress: loc };
}

/** BasicDockerKeyring.Add's key: no scheme, /v1/ and /v2/ as the bare host, a path kept. */
function keyOf(loc: string): string | undefined {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(loc) ? loc : `https://${loc}`);
  } catch {
    return undefined;
  }
  let path = url.pathname;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? `${url.host}${path}` : url.host;
}

/** The registry entries of the pod's pull secrets of the two docker types (others, and unreadable ones, are skipped). */
export function keyringOf(secrets: Secret[]): Keyed[] {
  const out: Keyed[] = [];
  for (const s of secrets) {
    let entries: Record<string, Entry> | undefined;
    try {
      const json = s.type === 'kubernetes.io/dockerconfigjson' ? decode(s.data?.['.dockerconfigjson']) : s.type === 'kubernetes.io/dockercfg' ? decode(s.data?.['.dockercfg']) : undefined;
      if (!json) continue;
      const parsed = JSON.parse(json) as Record<string, unknown>;
      entries = (s.type === 'kubernetes.io/dockerconfigjson' ? parsed.auths : parsed) as Record<string, Entry> | undefined;
    } catch {
      continue;
    }
    for (const [loc, e] of Object.entries(entries ?? {})) {
      const key = keyOf(loc);
      if (key && e && typeof e === 'object') out.push({ key, auth: entryAuth(loc, e) });
    }
  }
  return out;
}

/**
 * The repository an image is pulled from, normalized as the kubelet does (`nginx:1` ->
 * `docker.io/library/nginx`): a first segment without `.` or `:` that is not `localhost` is a
 * Docker Hub path, not a registry.
 */
export function repositoryOf(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) name = name.slice(0, colon);
  const first = name.split('/')[0];
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

function splitHostPath(s: string): { host: string; port: string; path: string } {
  const slash = s.indexOf('/');
  const hostPort = slash >= 0 ? s.slice(0, slash) : s;
  const path = slash >= 0 ? s.slice(slash) : '';
  const colon = hostPort.lastIndexOf(':');
  return colon >= 0 ? { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1), path } : { host: hostPort, port: '', path };
}

/** One DNS label against a glob label (`*`, `?` and character classes, as filepath.Match). */
function labelMatch(glob: string, label: string): boolean {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^.]*').replace(/\?/g, '[^.]');
  return new RegExp(`^${re}$`).test(label);
}

/** URLsMatch: as many host labels, each matching its glob; the same port; the key's path a prefix. */
export function keyMatches(key: string, repository: string): boolean {
  const k = splitHostPath(key);
  const t = splitHostPath(repository);
  const kl = k.host.split('.');
  const tl = t.host.split('.');
  if (kl.length !== tl.length || !kl.every((g, i) => labelMatch(g, tl[i]))) return false;
  if (k.port !== t.port) return false;
  return t.path.startsWith(k.path);
}

function isDefaultRegistryMatch(repository: string): boolean {
  const first = repository.split('/')[0];
  return first === 'docker.io' || first === 'index.docker.io';
}

/** BasicDockerKeyring.Lookup: the credentials to try for an image, most specific key first. */
export function credentialsFor(image: string, keyring: Keyed[]): PullAuth[] {
  const repository = repositoryOf(image);
  const keys = [...new Set(keyring.map((k) => k.key))].sort().reverse();
  const out: PullAuth[] = [];
  for (const key of keys) if (keyMatches(key, repository)) out.push(...keyring.filter((k) => k.key === key).map((k) => k.auth));
  if (out.length === 0 && isDefaultRegistryMatch(repository)) out.push(...keyring.filter((k) => k.key === DEFAULT_REGISTRY_HOST).map((k) => k.auth));
  return out;
}

/** kubelet's event when some pull secrets could not be read (the pull goes on without them). */
export function missingSecretsMessage(names: string[]): string {
  return `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`;
}
