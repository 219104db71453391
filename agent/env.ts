// A container's environment, as the kubelet's makeEnvironmentVariables: service links, envFrom,
// env (value with $(VAR) expansion, valueFrom fieldRef / resourceFieldRef / configMapKeyRef /
// secretKeyRef). Pure: the objects are read through `EnvSources`. A missing ConfigMap, Secret or
// key that is not optional is the kubelet's CreateContainerConfigError, with its wording.
import type { ConfigMap, Container, Pod, Secret, Service } from '../src/api/types.js';
import { fieldRefValue } from './field-ref.js';
import { resourceValue } from './volumes/downwardapi.js';

export interface EnvSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** The Services of the pod's namespace (service links). */
  services(namespace: string): Service[];
}

export interface EnvContext extends EnvSources {
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** What resourceFieldRef reports for a limit that is not set: the node's allocatable. */
  nodeCPUCores: number;
  nodeMemoryBytes: number;
}

export type EnvResult = { ok: true; env: string[]; vars: Map<string, string> } | { ok: false; message: string };

/** Kubernetes' $(VAR) expansion in env values, command and args; $$ escapes a dollar. */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) as string) : m;
  });
}

class ConfigError extends Error {}

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}

/** docker-link style names: `my-svc` -> `MY_SVC`. */
function envName(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

/** kubelet's getServiceEnvVarMap + envvars.FromServices: only Services with a cluster IP. */
export function serviceEnv(services: Service[]): Map<string, string> {
  const out = new Map<string, string>();
  const withIP = services
    .filter((s) => s.spec.clusterIP && s.spec.clusterIP !== 'None')
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const s of withIP) {
    const name = envName(s.metadata.name);
    const ip = s.spec.clusterIP as string;
    const ports = s.spec.ports ?? [];
    if (ports.length === 0) continue;
    out.set(`${name}_SERVICE_HOST`, ip);
    out.set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) if (p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    const first = ports[0];
    out.set(`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out.set(prefix, `${proto.toLowerCase()}://${ip}:${p.port}`);
      out.set(`${prefix}_PROTO`, proto.toLowerCase());
      out.set(`${prefix}_PORT`, String(p.port));
      out.set(`${prefix}_ADDR`, ip);
    }
  }
  return out;
}

/** resourceFieldRef: the downward API volume's arithmetic (ExtractContainerResourceValue); an
 * unset limit reads as the node's allocatable. */
export function resourceFieldValue(
  container: Container,
  resource: string,
  divisor: string | number | undefined,
  ctx: Pick<EnvContext, 'nodeCPUCores' | 'nodeMemoryBytes'>,
): string {
  const node = { cpuCores: ctx.nodeCPUCores, memoryBytes: ctx.nodeMemoryBytes, ephemeralStorageBytes: 0 };
  return resourceValue(container, resource, divisor === undefined || divisor === '' ? undefined : String(divisor), node);
}

function configMapValue(ns: string, name: string, key: string, optional: boolean | undefined, src: EnvSources): string | undefined {
  const cm = src.configMap(ns, name);
  if (!cm) {
    if (optional) return undefined;
    throw new ConfigError(`configmap "${name}" not found`);
  }
  const v = cm.data?.[key];
  if (v === undefined) {
    if (optional) return undefined;
    throw new ConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
  }
  return v;
}

function secretValue(ns: string, name: string, key: string, optional: boolean | undefined, src: EnvSources): string | undefined {
  const s = src.secret(ns, name);
  if (!s) {
    if (optional) return undefined;
    throw new ConfigError(`secret "${name}" not found`);
  }
  const v = s.data?.[key];
  if (v === undefined) {
    if (optional) return undefined;
    throw new ConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
  }
  return Buffer.from(v, 'base64').toString('utf8');
}

/** envFrom: every key of a ConfigMap or Secret, with the prefix; later sources win. */
function envFromValues(pod: Pod, c: Container, src: EnvSources, vars: Map<string, string>): void {
  const ns = namespaceOf(pod);
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = src.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) vars.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = src.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) vars.set(prefix + k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
}

/** The container's environment in kubelet's order of precedence: env over envFrom over service links. */
export function containerEnv(pod: Pod, c: Container, ctx: EnvContext): EnvResult {
  const ns = namespaceOf(pod);
  try {
    const links = pod.spec.enableServiceLinks === false ? new Map<string, string>() : serviceEnv(ctx.services(ns));
    const vars = new Map<string, string>();
    envFromValues(pod, c, ctx, vars);
    // $(VAR) sees what is defined so far, then the service links (kubelet's mapping function).
    const lookup = { has: (k: string) => vars.has(k) || links.has(k), get: (k: string) => vars.get(k) ?? links.get(k) } as ReadonlyMap<string, string>;
    for (const e of c.env ?? []) {
      let value: string | undefined;
      const from = e.valueFrom;
      if (!from) value = expandVars(e.value ?? '', lookup);
      else if (from.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, ctx);
      else if (from.resourceFieldRef) {
        const target = from.resourceFieldRef.containerName ? pod.spec.containers.find((x) => x.name === from.resourceFieldRef!.containerName) ?? c : c;
        value = resourceFieldValue(target, from.resourceFieldRef.resource, from.resourceFieldRef.divisor, ctx);
      } else if (from.configMapKeyRef) {
        const r = from.configMapKeyRef;
        value = configMapValue(ns, r.name, r.key, r.optional, ctx);
      } else if (from.secretKeyRef) {
        const r = from.secretKeyRef;
        value = secretValue(ns, r.name, r.key, r.optional, ctx);
      }
      if (value !== undefined) vars.set(e.name, value);
    }
    for (const [k, v] of links) if (!vars.has(k)) vars.set(k, v);
    return { ok: true, env: [...vars].map(([k, v]) => `${k}=${v}`), vars };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, message: err.message };
    throw err;
  }
}
