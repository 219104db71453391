// Semantic validation: the rules the API server checks after decoding (pkg/apis/core/validation,
// pkg/apis/apps/validation), on objects that already passed schema.ts. Messages keep the API
// server's shape, `<path>: <Type>: <value>: <detail>`, with values shown as JSON rather than Go
// syntax. Works on objects with or without defaults applied: the manifest loader validates
// before the server defaults, the API server after.
import { unimplementedPodFields } from './unimplemented.js';
import { parsePercent } from './intstr.js';
import { fromLabelSelector, matches } from './labels.js';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isIP,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
} from './names.js';
import { parseQuantity, quantityError } from './quantity.js';
import { byKind } from './resources.js';
import type { FieldError } from './schema.js';
import type {
  AnyObject,
  ConfigMap,
  Container,
  Deployment,
  Endpoints,
  LabelSelector,
  ObjectMeta,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ReplicaSet,
  Secret,
  SecurityContext,
  Service,
  Volume,
} from './types.js';

export interface ValidateOptions {
  /** When set, Service nodePorts must lie in this range (the API server's --service-node-port-range). */
  nodePortRange?: { min: number; max: number };
}

type Errors = FieldError[];

// ---- the field.Error constructors ----

/** Values are shown as JSON: "text", 80, {"app":"web"}. */
function show(v: unknown): string {
  return v === undefined ? '""' : JSON.stringify(v);
}

export const required = (path: string, detail?: string): FieldError => ({ path, message: detail ? `Required value: ${detail}` : 'Required value' });
export const invalidValue = (path: string, value: unknown, detail: string): FieldError => ({ path, message: `Invalid value: ${show(value)}: ${detail}` });
export const duplicate = (path: string, value: unknown): FieldError => ({ path, message: `Duplicate value: ${show(value)}` });
export const forbidden = (path: string, detail: string): FieldError => ({ path, message: `Forbidden: ${detail}` });
export const notFoundValue = (path: string, value: unknown): FieldError => ({ path, message: `Not found: ${show(value)}` });
export const unsupported = (path: string, value: unknown, supported: string[]): FieldError => ({
  path,
  message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

/** One Invalid error per message of a name check. */
function each(path: string, value: string, messages: string[]): Errors {
  return messages.map((m) => invalidValue(path, value, m));
}

function nonNegative(errs: Errors, path: string, value: number | undefined): void {
  if (value !== undefined && value < 0) errs.push(invalidValue(path, value, 'must be greater than or equal to 0'));
}

function portNumber(errs: Errors, path: string, value: number): void {
  if (value < 1 || value > 65535) errs.push(invalidValue(path, value, 'must be between 1 and 65535, inclusive'));
}

/** A port given as a number or as the name of a container port (targetPort, probe ports). */
function portNumOrName(errs: Errors, path: string, value: number | string): void {
  if (typeof value === 'number') portNumber(errs, path, value);
  else errs.push(...each(path, value, isValidPortName(value)));
}

// ---- metadata ----

export function validateLabels(labels: Record<string, string> | undefined, path: string): Errors {
  const errs: Errors = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...each(path, k, isQualifiedName(k)));
    errs.push(...each(path, v, isValidLabelValue(v)));
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

function validateAnnotations(annotations: Record<string, string> | undefined, path: string): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...each(path, k, isQualifiedName(k.toLowerCase())));
    size += k.length + v.length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push({ path, message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE} bytes` });
  return errs;
}

type NameCheck = (name: string) => string[];

/** NameIsDNSSubdomain for generateName: the trailing '-' of a prefix is fine. */
const asPrefix = (check: NameCheck) => (name: string) => check(name.endsWith('-') ? `${name.slice(0, -1)}a` : name);

function validateObjectMeta(meta: Partial<ObjectMeta>, namespaced: boolean, nameCheck: NameCheck): Errors {
  const errs: Errors = [];
  if (!meta.name && !meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  if (meta.name) errs.push(...each('metadata.name', meta.name, nameCheck(meta.name)));
  if (meta.generateName) errs.push(...each('metadata.generateName', meta.generateName, asPrefix(nameCheck)(meta.generateName)));
  if (namespaced && meta.namespace) errs.push(...each('metadata.namespace', meta.namespace, isDNS1123Label(meta.namespace)));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  const owners = meta.ownerReferences ?? [];
  owners.forEach((o, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!o.apiVersion) errs.push(invalidValue(`${p}.apiVersion`, o.apiVersion, 'version must not be empty'));
    if (!o.kind) errs.push(invalidValue(`${p}.kind`, o.kind, 'kind must not be empty'));
    if (!o.name) errs.push(invalidValue(`${p}.name`, o.name, 'name must not be empty'));
    if (!o.uid) errs.push(invalidValue(`${p}.uid`, o.uid, 'uid must not be empty'));
  });
  const controllers = owners.filter((o) => o.controller);
  if (controllers.length > 1) {
    errs.push(
      invalidValue(
        'metadata.ownerReferences',
        owners,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((o) => `${o.kind}/${o.name}`).join(' and ')}`,
      ),
    );
  }
  return errs;
}

export function validateLabelSelector(ls: LabelSelector, path: string): Errors {
  const errs: Errors = [...validateLabels(ls.matchLabels, `${path}.matchLabels`)];
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    errs.push(...each(`${p}.key`, e.key, isQualifiedName(e.key)));
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
      errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
      errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    values.forEach((v, j) => errs.push(...each(`${p}.values[${j}]`, v, isValidLabelValue(v))));
  });
  return errs;
}

// ---- pods ----

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

function validateProbe(probe: Probe | undefined, path: string, which: 'readiness' | 'liveness' | 'startup'): Errors {
  if (!probe) return [];
  const errs: Errors = [];
  const handlers = (['exec', 'httpGet', 'tcpSocket'] as const).filter((h) => probe[h] !== undefined);
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
  return errs;
}

/** A path inside a volume (subPath, items[].path): relative and without '..'. */
function relativePath(errs: Errors, path: string, value: string): void {
  if (value.startsWith('/')) errs.push(invalidValue(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errs.push(invalidValue(path, value, "must not contain '..'"));
}

function fileMode(errs: Errors, path: string, mode: number | undefined): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) errs.push(invalidValue(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
}

function validateContainer(c: Container, path: string, spec: PodSpec, volumeNames: Set<string>): Errors {
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
      const sources = (['fieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((s) => e.valueFrom![s] !== undefined);
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
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, 'readiness'));
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, 'liveness'));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, 'startup'));
  errs.push(...validateSecurityContext(c.securityContext, `${path}.securityContext`));
  return errs;
}

function validateVolume(v: Volume, path: string): Errors {
  const errs: Errors = [];
  if (!v.name) errs.push(required(`${path}.name`));
  else errs.push(...each(`${path}.name`, v.name, isDNS1123Label(v.name)));
  const sources = (['emptyDir', 'configMap', 'secret', 'hostPath'] as const).filter((s) => v[s] !== undefined);
  if (sources.length === 0) errs.push(required(path, 'must specify a volume type'));
  for (const s of sources.slice(1)) errs.push(forbidden(`${path}.${s}`, 'may not specify more than 1 volume type'));

  const items = (p: string, list: { key: string; path: string; mode?: number }[] | undefined) =>
    (list ?? []).forEach((it, i) => {
      if (!it.key) errs.push(required(`${p}.items[${i}].key`));
      if (!it.path) errs.push(required(`${p}.items[${i}].path`));
      else relativePath(errs, `${p}.items[${i}].path`, it.path);
      fileMode(errs, `${p}.items[${i}].mode`, it.mode);
    });
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
  if (v.hostPath && !v.hostPath.path) errs.push(required(`${path}.hostPath.path`));
  if (v.emptyDir?.sizeLimit !== undefined) {
    const bad = quantityError(v.emptyDir.sizeLimit);
    if (bad) errs.push(invalidValue(`${path}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit, bad));
  }
  return errs;
}

/** `template` names the workload kind whose pod template this is: its pods must always restart. */
export function validatePodSpec(spec: PodSpec, path: string, template?: 'Deployment' | 'ReplicaSet'): Errors {
  const errs: Errors = unimplementedPodFields(spec, path);

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

  if (template && spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    errs.push(unsupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always']));
  }
  nonNegative(errs, `${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (spec.hostname) errs.push(...each(`${path}.hostname`, spec.hostname, isDNS1123Label(spec.hostname)));
  if (spec.subdomain) errs.push(...each(`${path}.subdomain`, spec.subdomain, isDNS1123Label(spec.subdomain)));
  if (spec.nodeName) errs.push(...each(`${path}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));

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
  }
  return errs;
}

// ---- workloads ----

function validateTemplate(tpl: PodTemplateSpec, selector: LabelSelector, kind: 'Deployment' | 'ReplicaSet'): Errors {
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

function validateReplicaSet(rs: ReplicaSet): Errors {
  const errs: Errors = [];
  nonNegative(errs, 'spec.replicas', rs.spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', rs.spec.minReadySeconds);
  errs.push(...validateLabelSelector(rs.spec.selector, 'spec.selector'));
  errs.push(...validateTemplate(rs.spec.template, rs.spec.selector, 'ReplicaSet'));
  return errs;
}

/** maxSurge/maxUnavailable: a non-negative number or a percentage like "25%". */
function validateIntOrPercent(errs: Errors, path: string, v: number | string | undefined, max100: boolean): void {
  if (v === undefined) return;
  if (typeof v === 'number') {
    nonNegative(errs, path, v);
    return;
  }
  const pct = parsePercent(v);
  if (pct === undefined) {
    errs.push(invalidValue(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (max100 && pct > 100) {
    errs.push(invalidValue(path, v, 'must not be greater than 100%'));
  }
}

const isZero = (v: number | string | undefined) => v === 0 || (typeof v === 'string' && parsePercent(v) === 0);

function validateDeployment(d: Deployment): Errors {
  const errs: Errors = [];
  const spec = d.spec;
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  nonNegative(errs, 'spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
    errs.push(invalidValue('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validateTemplate(spec.template, spec.selector, 'Deployment'));

  const strategy = spec.strategy;
  if (strategy?.type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  const ru = strategy?.rollingUpdate;
  if (ru && strategy?.type !== 'Recreate') {
    validateIntOrPercent(errs, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, true);
    validateIntOrPercent(errs, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge, false);
    // Both zero would let a rollout neither add nor remove a pod. Absent values default to 25%.
    if (ru.maxUnavailable !== undefined && ru.maxSurge !== undefined && isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
      errs.push(invalidValue('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  return errs;
}

// ---- services and endpoints ----

function validateService(svc: Service, opts: ValidateOptions): Errors {
  const errs: Errors = [];
  const spec = svc.spec;
  const type = spec.type ?? 'ClusterIP';
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';

  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else {
      const name = spec.externalName.endsWith('.') ? spec.externalName.slice(0, -1) : spec.externalName;
      errs.push(...each('spec.externalName', spec.externalName, isDNS1123Subdomain(name)));
    }
  } else if (ports.length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }

  if (spec.clusterIP && !headless && !isIP(spec.clusterIP)) {
    errs.push(invalidValue('spec.clusterIP', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (spec.clusterIPs?.length && spec.clusterIP && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(invalidValue('spec.clusterIPs[0]', spec.clusterIPs[0], 'must match `clusterIP` when both are specified'));
  }
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(invalidValue('spec.clusterIP', spec.clusterIP, `may not be set to 'None' for ${type} services`));
  }
  // k1s's networks are IPv4 only, as a single-stack cluster's.
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4') errs.push(invalidValue(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
  });
  if (spec.ipFamilyPolicy === 'RequireDualStack') {
    errs.push(invalidValue('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  if (spec.externalTrafficPolicy && type !== 'NodePort' && type !== 'LoadBalancer') {
    errs.push(invalidValue('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    if (p.name) {
      errs.push(...each(`${pp}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    portNumber(errs, `${pp}.port`, p.port);
    const protocol = p.protocol ?? 'TCP';
    const key = JSON.stringify({ port: p.port, protocol });
    if (portKeys.has(key)) errs.push(duplicate(pp, { port: p.port, protocol }));
    portKeys.add(key);
    if (p.targetPort !== undefined && p.targetPort !== 0 && p.targetPort !== '') portNumOrName(errs, `${pp}.targetPort`, p.targetPort);
    if (p.nodePort) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errs.push(forbidden(`${pp}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else {
        const range = opts.nodePortRange;
        if (range && (p.nodePort < range.min || p.nodePort > range.max)) {
          errs.push(invalidValue(`${pp}.nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`));
        } else if (!range) {
          portNumber(errs, `${pp}.nodePort`, p.nodePort);
        }
        const nodeKey = `${p.nodePort}/${protocol}`;
        if (nodePorts.has(nodeKey)) errs.push(duplicate(`${pp}.nodePort`, p.nodePort));
        nodePorts.add(nodeKey);
      }
    }
  });
  return errs;
}

function validateEndpoints(ep: Endpoints): Errors {
  const errs: Errors = [];
  (ep.subsets ?? []).forEach((s, i) => {
    const sp = `subsets[${i}]`;
    for (const which of ['addresses', 'notReadyAddresses'] as const) {
      (s[which] ?? []).forEach((a, j) => {
        if (!isIP(a.ip)) errs.push(invalidValue(`${sp}.${which}[${j}].ip`, a.ip, 'must be a valid IP address'));
        if (a.hostname) errs.push(...each(`${sp}.${which}[${j}].hostname`, a.hostname, isDNS1123Label(a.hostname)));
      });
    }
    const ports = s.ports ?? [];
    ports.forEach((p, j) => {
      const pp = `${sp}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
      if (p.name) errs.push(...each(`${pp}.name`, p.name, isDNS1123Label(p.name)));
      portNumber(errs, `${pp}.port`, p.port);
    });
  });
  return errs;
}

// ---- config ----

const MAX_DATA_SIZE = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function validateConfigMap(cm: ConfigMap): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    errs.push(...each(`data[${k}]`, k, isConfigMapKey(k)));
    if (cm.binaryData && Object.hasOwn(cm.binaryData, k)) errs.push(invalidValue(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    errs.push(...each(`binaryData[${k}]`, k, isConfigMapKey(k)));
    if (!BASE64.test(v)) errs.push({ path: `binaryData[${k}]`, message: 'Invalid value: must be base64-encoded' });
    size += Math.floor((v.length * 3) / 4);
  }
  if (size > MAX_DATA_SIZE) errs.push({ path: '', message: `Too long: must have at most ${MAX_DATA_SIZE} bytes` });
  return errs;
}

function validateSecret(s: Secret): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    errs.push(...each(`data[${k}]`, k, isConfigMapKey(k)));
    // the value is secret: never echo it
    if (!BASE64.test(v)) errs.push({ path: `data[${k}]`, message: 'Invalid value: must be base64-encoded (use stringData for plain text)' });
    size += Math.floor((v.length * 3) / 4);
  }
  for (const [k, v] of Object.entries(s.stringData ?? {})) {
    errs.push(...each(`stringData[${k}]`, k, isConfigMapKey(k)));
    size += Buffer.byteLength(v);
  }
  if (size > MAX_DATA_SIZE) errs.push({ path: 'data', message: `Too long: must have at most ${MAX_DATA_SIZE} bytes` });
  // Typed secrets must carry their keys (in data, or in stringData before the server merges it).
  const has = (k: string) => Object.hasOwn(s.data ?? {}, k) || Object.hasOwn(s.stringData ?? {}, k);
  const needs: Record<string, string[]> = {
    'kubernetes.io/tls': ['tls.crt', 'tls.key'],
    'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
    'kubernetes.io/dockercfg': ['.dockercfg'],
    'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  };
  for (const k of needs[s.type ?? ''] ?? []) if (!has(k)) errs.push(required(`data[${k}]`));
  return errs;
}

// ---- updates ----

/** Deep equality that ignores key order and undefined members. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}

/**
 * The rules that compare an update with the stored object (ValidateUpdate in Kubernetes): what may
 * not change once created. Both objects are expected defaulted. [] when the update is allowed.
 */
export function validateUpdate(next: AnyObject, prev: AnyObject): FieldError[] {
  const errs: Errors = [];
  if (next.kind === 'Deployment' || next.kind === 'ReplicaSet') {
    const before = (prev as Deployment | ReplicaSet).spec.selector;
    if (!deepEqual(next.spec.selector, before)) errs.push(invalidValue('spec.selector', next.spec.selector, 'field is immutable'));
  } else if (next.kind === 'Pod') {
    const before = (prev as Pod).spec;
    // Undo the changes that are allowed (each container's image; a first nodeName, which is the
    // scheduler's binding) and what is left must be unchanged.
    const undone: PodSpec = {
      ...next.spec,
      containers: next.spec.containers.map((c, i) => ({ ...c, image: before.containers[i]?.image ?? c.image })),
      nodeName: before.nodeName ? next.spec.nodeName : undefined,
    };
    if (!deepEqual(undone, before)) {
      errs.push(forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image` (and `spec.nodeName` while unset)'));
    }
  } else if (next.kind === 'ConfigMap' || next.kind === 'Secret') {
    const before = prev as ConfigMap | Secret;
    if (before.immutable) {
      if (!deepEqual(next.data, before.data)) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
      if (next.kind === 'ConfigMap' && !deepEqual(next.binaryData, (before as ConfigMap).binaryData)) {
        errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
      }
      if (!next.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    }
    if (next.kind === 'Secret' && (next.type ?? 'Opaque') !== ((before as Secret).type ?? 'Opaque')) {
      errs.push(invalidValue('type', next.type, 'field is immutable'));
    }
  }
  return errs;
}

// ---- entry point ----

const NAME_CHECKS: Partial<Record<AnyObject['kind'], NameCheck>> = {
  Namespace: isDNS1123Label,
  Service: isDNS1035Label,
};

/** Every semantic error of obj (which must have passed schema.validateObject). [] when valid. */
export function validateSemantics(obj: AnyObject, opts: ValidateOptions = {}): FieldError[] {
  const info = byKind(obj.kind);
  const errs = validateObjectMeta(obj.metadata, info?.namespaced ?? true, NAME_CHECKS[obj.kind] ?? isDNS1123Subdomain);
  switch (obj.kind) {
    case 'Pod':
      errs.push(...validatePodSpec((obj as Pod).spec, 'spec'));
      break;
    case 'Service':
      errs.push(...validateService(obj, opts));
      break;
    case 'Endpoints':
      errs.push(...validateEndpoints(obj));
      break;
    case 'ConfigMap':
      errs.push(...validateConfigMap(obj));
      break;
    case 'Secret':
      errs.push(...validateSecret(obj));
      break;
    case 'ReplicaSet':
      errs.push(...validateReplicaSet(obj));
      break;
    case 'Deployment':
      errs.push(...validateDeployment(obj));
      break;
    case 'Namespace':
    case 'Event':
      break;
  }
  return errs;
}
