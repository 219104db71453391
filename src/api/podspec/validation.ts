// Semantic validation of a pod spec (pkg/apis/core/validation: ValidatePodSpec and its parts),
// for pods and for the pod templates of workloads.
import { duplicate, each, forbidden, invalidValue, nonNegative, notFoundValue, notSupportedYet, portNumber, portNumOrName, required, unsupported, type Errors } from '../field-errors.js';
import type { LabelSelector } from '../fields.js';
import { fromLabelSelector, matches } from '../labels.js';
import { validateAnnotations, validateLabels, validateLabelSelector } from '../meta-validation.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isIP, isQualifiedName, isValidLabelValue, isValidPortName } from '../names.js';
import { parseQuantity, quantityError } from '../quantity.js';
import { validateAffinity, validateTopologySpreadConstraints } from './affinity-validation.js';
import type { Container, DownwardAPIVolumeFile, KeyToPath, LifecycleHandler, PodSpec, PodTemplateSpec, Probe, SecurityContext, Toleration, Volume } from './schema.js';


const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const FIELD_REF_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const MAX_INT32 = 2147483647;

function validateResources(c: Container, path: string): Errors {
  const errs: Errors = [];
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const which of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(c.resources?.[which] ?? {})) {
      const p = `${path}.${which}[${name}]`;
      if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.includes(name) && !name.startsWith('hugepages-')) {
        errs.push(invalidValue(p, name, 'must be a standard resource for containers'));
        continue;
      }
      if (name.includes('/')) errs.push(...each(p, name, isQualifiedName(name)));
      const bad = quantityError(q);
      if (bad) {
        errs.push(invalidValue(p, q, bad));
        continue;
      }
      const value = parseQuantity(q);
      if (value < 0) errs.push(invalidValue(p, q, 'must be greater than or equal to 0'));
      else parsed[which][name] = value;
    }
  }
  for (const [name, req] of Object.entries(parsed.requests)) {
    const limit = parsed.limits[name];
    if (limit !== undefined && req > limit) {
      errs.push(invalidValue(`${path}.requests[${name}]`, c.resources!.requests![name], `must be less than or equal to ${name} limit of ${c.resources!.limits![name]}`));
    }
  }
  return errs;
}

/** kube's validateContainerResourceFieldSelector and validateContainerResourceDivisor, as for a downward API file. */
function validateResourceFieldRef(ref: { resource: string; divisor?: string | number }, path: string): Errors {
  if (!ref.resource) return [required(`${path}.resource`)];
  if (!DOWNWARD_API_RESOURCES.includes(ref.resource)) return [unsupported(`${path}.resource`, ref.resource, DOWNWARD_API_RESOURCES)];
  const errs: Errors = [];
  validateResourceDivisor(errs, `${path}.divisor`, ref.resource, ref.divisor === undefined ? undefined : String(ref.divisor));
  return errs;
}

/** A probe's port by name must name one of the container's ports: k1s refuses at apply what the
 * prober could never resolve (kube accepts it and the probe fails at every period). */
function probePortNamed(c: Container, field: 'readinessProbe' | 'livenessProbe' | 'startupProbe', path: string): Errors {
  const probe = c[field];
  const names = new Set((c.ports ?? []).map((p) => p.name).filter(Boolean));
  const errs: Errors = [];
  for (const h of ['httpGet', 'tcpSocket'] as const) {
    const port = probe?.[h]?.port;
    if (typeof port === 'string' && !names.has(port)) errs.push(notFoundValue(`${path}.${h}.port`, port));
  }
  return errs;
}

function validateProbe(probe: Probe | undefined, path: string, which: 'readiness' | 'liveness' | 'startup'): Errors {
  if (!probe) return [];
  const errs: Errors = [];
  const handlers = (['exec', 'httpGet', 'tcpSocket', 'grpc'] as const).filter((h) => probe[h] !== undefined);
  if (handlers.length === 0) errs.push(required(path, 'must specify a handler type'));
  for (const h of handlers.slice(1)) errs.push(forbidden(`${path}.${h}`, 'may not specify more than 1 handler type'));
  if (probe.exec && !probe.exec.command?.length) errs.push(required(`${path}.exec.command`));
  if (probe.httpGet) {
    portNumOrName(errs, `${path}.httpGet.port`, probe.httpGet.port);
    (probe.httpGet.httpHeaders ?? []).forEach((h, i) => {
      if (!/^[-A-Za-z0-9]+$/.test(h.name)) {
        errs.push(invalidValue(`${path}.httpGet.httpHeaders[${i}].name`, h.name, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
      }
    });
  }
  if (probe.tcpSocket) portNumOrName(errs, `${path}.tcpSocket.port`, probe.tcpSocket.port);
  if (probe.grpc) portNumOrName(errs, `${path}.grpc.port`, probe.grpc.port);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    nonNegative(errs, `${path}.${f}`, probe[f]);
  }
  if (which !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalidValue(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  if (probe.terminationGracePeriodSeconds !== undefined) {
    if (which === 'readiness') errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    else if (probe.terminationGracePeriodSeconds <= 0) errs.push(invalidValue(`${path}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  return errs;
}

/**
 * validateLifecycleHandler: exactly one handler (checked in kube's order: exec, httpGet, tcpSocket,
 * sleep); tcpSocket passes validation (kept for old manifests) and fails when run; a sleep must
 * last more than 0 seconds and no longer than the pod's grace period (PodLifecycleSleepActionAllowZero
 * is off in 1.32).
 */
function validateLifecycleHandler(h: LifecycleHandler, path: string, gracePeriod: number | undefined): Errors {
  const errs: Errors = [];
  let handlers = 0;
  const one = (name: string): boolean => {
    if (handlers > 0) {
      errs.push(forbidden(`${path}.${name}`, 'may not specify more than 1 handler type'));
      return false;
    }
    handlers++;
    return true;
  };
  if (h.exec && one('exec') && !h.exec.command?.length) errs.push(required(`${path}.exec.command`));
  if (h.httpGet && one('httpGet')) {
    const p = `${path}.httpGet`;
    if (!h.httpGet.path) errs.push(required(`${p}.path`));
    portNumOrName(errs, `${p}.port`, h.httpGet.port);
    (h.httpGet.httpHeaders ?? []).forEach((hd, i) => {
      if (!/^[-A-Za-z0-9]+$/.test(hd.name)) {
        errs.push(invalidValue(`${p}.httpHeaders[${i}].name`, hd.name, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
      }
    });
  }
  if (h.tcpSocket && one('tcpSocket')) portNumOrName(errs, `${path}.tcpSocket.port`, h.tcpSocket.port);
  if (h.sleep && one('sleep') && gracePeriod !== undefined && (h.sleep.seconds <= 0 || h.sleep.seconds > gracePeriod)) {
    errs.push(invalidValue(`${path}.sleep`, h.sleep.seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
  }
  if (handlers === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

function validateLifecycle(c: Container, path: string, gracePeriod: number | undefined): Errors {
  const errs: Errors = [];
  if (c.lifecycle?.postStart) errs.push(...validateLifecycleHandler(c.lifecycle.postStart, `${path}.postStart`, gracePeriod));
  if (c.lifecycle?.preStop) errs.push(...validateLifecycleHandler(c.lifecycle.preStop, `${path}.preStop`, gracePeriod));
  return errs;
}

function idRange(errs: Errors, path: string, value: number | undefined): void {
  if (value !== undefined && (value < 0 || value > MAX_INT32)) errs.push(invalidValue(path, value, `must be between 0 and ${MAX_INT32}, inclusive`));
}

function validateSecurityContext(sc: SecurityContext | undefined, path: string): Errors {
  if (!sc) return [];
  const errs: Errors = [];
  idRange(errs, `${path}.runAsUser`, sc.runAsUser);
  idRange(errs, `${path}.runAsGroup`, sc.runAsGroup);
  if (sc.privileged && sc.allowPrivilegeEscalation === false) {
    errs.push(invalidValue(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  seccomp(errs, `${path}.seccompProfile`, sc.seccompProfile);
  return errs;
}

/** kube's validateSeccompProfileField; Localhost needs profiles on the node, which k1s does not manage. */
function seccomp(errs: Errors, path: string, p: SecurityContext['seccompProfile']): void {
  if (!p) return;
  if (p.type === 'Localhost') {
    if (!p.localhostProfile) errs.push(required(`${path}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    else errs.push(notSupportedYet(`${path}.localhostProfile`));
  } else if (p.localhostProfile !== undefined) {
    errs.push(invalidValue(`${path}.localhostProfile`, p.localhostProfile, 'can only be set when seccomp type is Localhost'));
  }
}

/** validatePathNoBacksteps: no '..' element (hostPath.path, and every path inside a volume). */
function noBacksteps(errs: Errors, path: string, value: string): void {
  if (value.split('/').includes('..')) errs.push(invalidValue(path, value, "must not contain '..'"));
}

/** validateLocalDescendingPath: a path inside a volume (subPath): relative and without '..'. */
function relativePath(errs: Errors, path: string, value: string): void {
  if (value.startsWith('/')) errs.push(invalidValue(path, value, 'must be a relative path'));
  noBacksteps(errs, path, value);
}

/** ValidateLocalNonReservedPath: a file a volume projects (items[].path); names starting with '..'
 * are the atomic writer's own (..data, ..2026_12_02_...). */
function projectedPath(errs: Errors, path: string, value: string): void {
  relativePath(errs, path, value);
  if (value.startsWith('..') && !value.startsWith('../')) errs.push(invalidValue(path, value, "must not start with '..'"));
}

function fileMode(errs: Errors, path: string, mode: number | undefined): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) errs.push(invalidValue(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
}

/** A restartable init container ("native sidecar"): started in order, then kept running like an app container. */
export function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

const PROBES = [
  ['readinessProbe', 'readiness'],
  ['livenessProbe', 'liveness'],
  ['startupProbe', 'startup'],
] as const;

/** `init`: the container is one of spec.initContainers (validateInitContainers' extra rules). */
function validateContainer(c: Container, path: string, spec: PodSpec, volumeNames: Set<string>, init = false): Errors {
  const errs: Errors = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else errs.push(...each(`${path}.name`, c.name, isDNS1123Label(c.name)));
  if (!c.image) errs.push(required(`${path}.image`));
  else if (c.image.trim() !== c.image) errs.push(invalidValue(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));

  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (p.name !== undefined) {
      errs.push(...each(`${pp}.name`, p.name, isValidPortName(p.name)));
      if (portNames.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
    if (p.containerPort === 0) errs.push(required(`${pp}.containerPort`));
    else portNumber(errs, `${pp}.containerPort`, p.containerPort);
    if (p.hostPort) portNumber(errs, `${pp}.hostPort`, p.hostPort);
    if (spec.hostNetwork && p.hostPort && p.hostPort !== p.containerPort) {
      errs.push(invalidValue(`${pp}.hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
    }
    if (p.hostIP !== undefined && p.hostIP !== '' && !isIP(p.hostIP)) errs.push(invalidValue(`${pp}.hostIP`, p.hostIP, 'must be a valid IP address'));
  });

  (c.env ?? []).forEach((e, i) => {
    const ep = `${path}.env[${i}]`;
    if (!e.name) errs.push(required(`${ep}.name`));
    else errs.push(...each(`${ep}.name`, e.name, isEnvVarName(e.name)));
    if (e.valueFrom) {
      const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((s) => e.valueFrom![s] !== undefined);
      if (sources.length === 0) errs.push(invalidValue(`${ep}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      if (sources.length > 1) errs.push(invalidValue(`${ep}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (e.value) errs.push(invalidValue(`${ep}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      for (const s of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const ref = e.valueFrom[s];
        if (!ref) continue;
        if (!ref.name) errs.push(required(`${ep}.valueFrom.${s}.name`));
        else errs.push(...each(`${ep}.valueFrom.${s}.name`, ref.name, isDNS1123Subdomain(ref.name)));
        if (!ref.key) errs.push(required(`${ep}.valueFrom.${s}.key`));
        else errs.push(...each(`${ep}.valueFrom.${s}.key`, ref.key, isConfigMapKey(ref.key)));
      }
      const fr = e.valueFrom.fieldRef;
      if (fr) {
        const fp = `${ep}.valueFrom.fieldRef`;
        if (fr.apiVersion !== undefined && fr.apiVersion !== 'v1') errs.push(unsupported(`${fp}.apiVersion`, fr.apiVersion, ['v1']));
        // metadata.labels['app'] and metadata.annotations['x'] name one entry of the map
        const base = /^(metadata\.(labels|annotations))\['[^']+'\]$/.exec(fr.fieldPath)?.[1] ?? fr.fieldPath;
        if (!fr.fieldPath) errs.push(required(`${fp}.fieldPath`));
        else if (!FIELD_REF_PATHS.includes(base)) errs.push(unsupported(`${fp}.fieldPath`, fr.fieldPath, FIELD_REF_PATHS));
      }
      if (e.valueFrom.resourceFieldRef) errs.push(...validateResourceFieldRef(e.valueFrom.resourceFieldRef, `${ep}.valueFrom.resourceFieldRef`));
    }
  });

  (c.envFrom ?? []).forEach((e, i) => {
    const ep = `${path}.envFrom[${i}]`;
    const refs = (['configMapRef', 'secretRef'] as const).filter((r) => e[r] !== undefined);
    if (refs.length === 0) errs.push(invalidValue(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (refs.length > 1) errs.push(invalidValue(ep, '', 'may not have more than one field specified at a time'));
    if (e.prefix) errs.push(...each(`${ep}.prefix`, e.prefix, isEnvVarName(e.prefix)));
    for (const r of refs) {
      const name = e[r]!.name;
      if (!name) errs.push(required(`${ep}.${r}.name`));
      else errs.push(...each(`${ep}.${r}.name`, name, isDNS1123Subdomain(name)));
    }
  });

  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mp = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.push(required(`${mp}.name`));
    else if (!volumeNames.has(m.name)) errs.push(notFoundValue(`${mp}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
    else if (mountPaths.has(m.mountPath)) errs.push(invalidValue(`${mp}.mountPath`, m.mountPath, 'must be unique'));
    mountPaths.add(m.mountPath);
    if (m.subPath) relativePath(errs, `${mp}.subPath`, m.subPath);
  });

  errs.push(...validateResources(c, `${path}.resources`));
  if (init && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    errs.push(unsupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (!init && c.restartPolicy !== undefined) errs.push(forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  for (const [field, which] of PROBES) {
    // An init container that runs to completion has nothing to probe; a sidecar is probed as an app container is.
    if (init && !isRestartableInit(c)) {
      if (c[field]) errs.push(forbidden(`${path}.${field}`, 'may not be set for init containers without restartPolicy=Always'));
    } else {
      errs.push(...validateProbe(c[field], `${path}.${field}`, which));
      errs.push(...probePortNamed(c, field, `${path}.${field}`));
    }
  }
  // as for probes: a plain init container runs to completion, so it has no hooks
  if (c.lifecycle && init && !isRestartableInit(c)) {
    errs.push(forbidden(`${path}.lifecycle`, 'may not be set for init containers without restartPolicy=Always'));
  } else if (c.lifecycle) {
    errs.push(...validateLifecycle(c, `${path}.lifecycle`, spec.terminationGracePeriodSeconds));
  }
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));
  return errs;
}

// validContainerResourceFieldPathExpressions and the divisors validateContainerResourceDivisor allows
const DOWNWARD_API_RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const CPU_DIVISOR_VALUES = [0.001, 1];
const BYTE_DIVISOR_VALUES = [1, 1e3, 1e6, 1e9, 1e12, 1e15, 1e18, 2 ** 10, 2 ** 20, 2 ** 30, 2 ** 40, 2 ** 50, 2 ** 60];
const BYTE_DIVISORS_TEXT = '1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei';
// validVolumeDownwardAPIFieldPathExpressions: what a downward API file may show (sorted, as kube lists them)
const VOLUME_FIELD_REF_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function validateResourceDivisor(errs: Errors, path: string, resource: string, divisor: string | undefined): void {
  if (divisor === undefined || quantityError(divisor)) {
    if (divisor !== undefined) errs.push(invalidValue(path, divisor, quantityError(divisor)!));
    return;
  }
  const value = parseQuantity(divisor);
  if (value === 0) return; // an unset divisor: 1
  const ok = (allowed: number[]) => allowed.some((a) => Math.abs(a - value) < 1e-9 * a);
  if (resource.endsWith('.cpu') && !ok(CPU_DIVISOR_VALUES)) {
    errs.push(invalidValue(path, resource, "only divisor's values 1m and 1 are supported with the cpu resource"));
  } else if (resource.endsWith('.memory') && !ok(BYTE_DIVISOR_VALUES)) {
    errs.push(invalidValue(path, resource, `only divisor's values ${BYTE_DIVISORS_TEXT} are supported with the memory resource`));
  } else if (resource.endsWith('.ephemeral-storage') && !ok(BYTE_DIVISOR_VALUES)) {
    errs.push(invalidValue(path, resource, `only divisor's values ${BYTE_DIVISORS_TEXT} are supported with the local ephemeral storage resource`));
  }
}

/** validateDownwardAPIVolumeFile, for downwardAPI volumes and projected downwardAPI sources. */
function validateDownwardAPIFile(errs: Errors, path: string, f: DownwardAPIVolumeFile): void {
  if (!f.path) errs.push(required(`${path}.path`));
  else projectedPath(errs, `${path}.path`, f.path);
  if (f.fieldRef) {
    const fp = `${path}.fieldRef`;
    if (f.fieldRef.apiVersion !== undefined && f.fieldRef.apiVersion !== 'v1') errs.push(unsupported(`${fp}.apiVersion`, f.fieldRef.apiVersion, ['v1']));
    const sub = /^(metadata\.(?:labels|annotations))\['([^']*)'\]$/.exec(f.fieldRef.fieldPath);
    if (!f.fieldRef.fieldPath) errs.push(required(`${fp}.fieldPath`));
    else if (sub) errs.push(...each(fp, sub[2], isQualifiedName(sub[1] === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2])));
    else if (!VOLUME_FIELD_REF_PATHS.includes(f.fieldRef.fieldPath)) errs.push(unsupported(`${fp}.fieldPath`, f.fieldRef.fieldPath, VOLUME_FIELD_REF_PATHS));
    if (f.resourceFieldRef) errs.push(invalidValue(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (f.resourceFieldRef) {
    const rp = `${path}.resourceFieldRef`;
    const r = f.resourceFieldRef;
    if (!r.containerName) errs.push(required(`${rp}.containerName`));
    else if (!r.resource) errs.push(required(`${rp}.resource`));
    else if (!DOWNWARD_API_RESOURCES.includes(r.resource)) errs.push(unsupported(`${rp}.resource`, r.resource, DOWNWARD_API_RESOURCES));
    validateResourceDivisor(errs, `${rp}.divisor`, r.resource, r.divisor);
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  fileMode(errs, `${path}.mode`, f.mode);
}

/** validateKeyToPath */
function validateItems(errs: Errors, p: string, list: KeyToPath[] | undefined, first = 0): void {
  (list ?? []).forEach((it, k) => {
    const i = first + k;
    if (!it.key) errs.push(required(`${p}.items[${i}].key`));
    if (!it.path) errs.push(required(`${p}.items[${i}].path`));
    else projectedPath(errs, `${p}.items[${i}].path`, it.path);
    fileMode(errs, `${p}.items[${i}].mode`, it.mode);
  });
}

/** validateProjectionSources: one source each, and no two sources projecting the same path. */
function validateProjected(errs: Errors, path: string, projected: NonNullable<Volume['projected']>): void {
  fileMode(errs, `${path}.defaultMode`, projected.defaultMode);
  const allPaths = new Set<string>();
  const claim = (p: string, value: string) => {
    if (!p) return;
    if (allPaths.has(p)) errs.push(invalidValue(path, value, 'conflicting duplicate paths'));
    allPaths.add(p);
  };
  (projected.sources ?? []).forEach((src, i) => {
    const sp = `${path}.sources[${i}]`;
    const kinds = (['secret', 'configMap', 'downwardAPI'] as const).filter((k) => src[k] !== undefined);
    for (const k of ['secret', 'configMap'] as const) {
      const ref = src[k];
      if (!ref) continue;
      if (!ref.name) errs.push(required(`${sp}.${k}.name`));
      (ref.items ?? []).forEach((it, j) => {
        validateItems(errs, `${sp}.${k}`, [it], j);
        claim(it.path, ref.name);
      });
    }
    (src.downwardAPI?.items ?? []).forEach((f) => {
      // kube reports a downward API file's errors at the source's path, not the item's
      validateDownwardAPIFile(errs, `${sp}.downwardAPI`, f);
      claim(f.path, f.path);
    });
    if (kinds.length > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type'));
  });
}

const VOLUME_SOURCES = ['emptyDir', 'configMap', 'secret', 'hostPath', 'downwardAPI', 'projected', 'persistentVolumeClaim'] as const;

function validateVolume(v: Volume, path: string): Errors {
  const errs: Errors = [];
  if (!v.name) errs.push(required(`${path}.name`));
  else errs.push(...each(`${path}.name`, v.name, isDNS1123Label(v.name)));
  const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined);
  if (sources.length === 0) errs.push(required(path, 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(forbidden(`${path}.${s}`, 'may not specify more than 1 volume type'));

  const items = (p: string, list: KeyToPath[] | undefined) => validateItems(errs, p, list);
  if (v.configMap) {
    const p = `${path}.configMap`;
    if (!v.configMap.name) errs.push(required(`${p}.name`));
    else errs.push(...each(`${p}.name`, v.configMap.name, isDNS1123Subdomain(v.configMap.name)));
    items(p, v.configMap.items);
    fileMode(errs, `${p}.defaultMode`, v.configMap.defaultMode);
  }
  if (v.secret) {
    const p = `${path}.secret`;
    if (!v.secret.secretName) errs.push(required(`${p}.secretName`));
    else errs.push(...each(`${p}.secretName`, v.secret.secretName, isDNS1123Subdomain(v.secret.secretName)));
    items(p, v.secret.items);
    fileMode(errs, `${p}.defaultMode`, v.secret.defaultMode);
  }
  if (v.hostPath) {
    if (!v.hostPath.path) errs.push(required(`${path}.hostPath.path`));
    else noBacksteps(errs, `${path}.hostPath.path`, v.hostPath.path);
  }
  if (v.downwardAPI) {
    fileMode(errs, `${path}.downwardAPI.defaultMode`, v.downwardAPI.defaultMode);
    // kube reports a downward API file's errors at the volume source's path, not the item's
    for (const f of v.downwardAPI.items ?? []) validateDownwardAPIFile(errs, `${path}.downwardAPI`, f);
  }
  if (v.projected) validateProjected(errs, `${path}.projected`, v.projected);
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(required(`${path}.persistentVolumeClaim.claimName`));
  if (v.emptyDir?.sizeLimit !== undefined) {
    const bad = quantityError(v.emptyDir.sizeLimit);
    if (bad) errs.push(invalidValue(`${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit, bad));
  }
  return errs;
}

/** ValidateTolerations, for one toleration. */
function validateToleration(errs: Errors, path: string, t: Toleration): void {
  if (t.key) errs.push(...each(`${path}.key`, t.key, isQualifiedName(t.key)));
  // an empty key with Exists matches every taint; with Equal it would match none
  if (!t.key && t.operator !== 'Exists') {
    errs.push(invalidValue(`${path}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    errs.push(invalidValue(`${path}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
  if (t.operator === 'Exists' && t.value) errs.push(invalidValue(`${path}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
  else if (t.operator !== 'Exists' && t.value) errs.push(...each(`${path}.value`, t.value, isValidLabelValue(t.value)));
}

/** `template` names the workload kind whose pod template this is: its pods must always restart. */
export function validatePodSpec(spec: PodSpec, path: string, template?: string): Errors {
  const errs: Errors = [];

  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    errs.push(...validateVolume(v, `${path}.volumes[${i}]`));
    if (v.name && volumeNames.has(v.name)) errs.push(duplicate(`${path}.volumes[${i}].name`, v.name));
    volumeNames.add(v.name);
  });

  if (spec.containers.length === 0) errs.push(required(`${path}.containers`));
  const names = new Set<string>();
  spec.containers.forEach((c, i) => {
    errs.push(...validateContainer(c, `${path}.containers[${i}]`, spec, volumeNames));
    if (c.name && names.has(c.name)) errs.push(duplicate(`${path}.containers[${i}].name`, c.name));
    names.add(c.name);
  });
  // Names are unique across both lists (they name the containers of one pod); as kube does, a clash
  // is reported on the init container.
  (spec.initContainers ?? []).forEach((c, i) => {
    errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, spec, volumeNames, true));
    if (c.name && names.has(c.name)) errs.push(duplicate(`${path}.initContainers[${i}].name`, c.name));
    names.add(c.name);
  });

  if (template && spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    errs.push(unsupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always']));
  }
  nonNegative(errs, `${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (spec.hostname) errs.push(...each(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...each(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.nodeName) errs.push(...each(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  (spec.tolerations ?? []).forEach((t, i) => validateToleration(errs, `${path}.tolerations[${i}]`, t));
  errs.push(...validateAffinity(spec.affinity, `${path}.affinity`));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, `${path}.topologySpreadConstraints`));

  const dns = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!dns) errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (!dns.nameservers?.length) errs.push(required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (dns) {
    const ns = dns.nameservers ?? [];
    if (ns.length > 3) errs.push(invalidValue(`${path}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
    ns.forEach((ip, i) => {
      if (!isIP(ip)) errs.push(invalidValue(`${path}.dnsConfig.nameservers[${i}]`, ip, 'must be a valid IP address'));
    });
    const searches = dns.searches ?? [];
    if (searches.length > 32) errs.push(invalidValue(`${path}.dnsConfig.searches`, searches, 'must not have more than 32 search paths'));
    searches.forEach((s, i) => {
      // a search domain may end in '.', as in resolv.conf
      errs.push(...each(`${path}.dnsConfig.searches[${i}]`, s, isDNS1123Subdomain(s.endsWith('.') ? s.slice(0, -1) : s)));
    });
    (dns.options ?? []).forEach((o, i) => {
      if (!o.name) errs.push(required(`${path}.dnsConfig.options[${i}].name`));
    });
  }

  const psc = spec.securityContext;
  if (psc) {
    idRange(errs, `${path}.securityContext.runAsUser`, psc.runAsUser);
    idRange(errs, `${path}.securityContext.runAsGroup`, psc.runAsGroup);
    idRange(errs, `${path}.securityContext.fsGroup`, psc.fsGroup);
    (psc.supplementalGroups ?? []).forEach((g, i) => idRange(errs, `${path}.securityContext.supplementalGroups[${i}]`, g));
    seccomp(errs, `${path}.securityContext.seccompProfile`, psc.seccompProfile);
  }
  if (spec.shareProcessNamespace && spec.hostPID) {
    errs.push(invalidValue(`${path}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  return errs;
}

export function validateTemplate(tpl: PodTemplateSpec, selector: LabelSelector, kind: string): Errors {
  const errs: Errors = [];
  const labels = tpl.metadata?.labels ?? {};
  errs.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(tpl.metadata?.annotations, 'spec.template.metadata.annotations'));
  const empty = !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length;
  if (empty) {
    errs.push(invalidValue('spec.selector', selector, `empty selector is invalid for ${kind.toLowerCase()}`));
  } else if (!validateLabelSelector(selector, 'spec.selector').length && !matches(fromLabelSelector(selector), labels)) {
    errs.push(invalidValue('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodSpec(tpl.spec, 'spec.template.spec', kind));
  return errs;
}
