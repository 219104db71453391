// Ingress (networking.k8s.io/v1): HTTP routes from hosts and paths to Services. k1s has no ingress
// controller yet, so an Ingress is stored and served as on a cluster without one (no address in
// its status), and every create or update says so in a warning kubectl prints.
import { z } from 'zod';
import { age } from '../age.js';
import { invalid } from '../errors.js';
import { each, invalidValue, required, unsupported, type Errors } from '../field-errors.js';
import { int, objectBase, protocol, str, stringList } from '../fields.js';
import { isDNS1035Label, isDNS1123Subdomain, isIP, isValidPathSegmentName, isValidPortName, isWildcardDNS1123Subdomain } from '../names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type AdmissionReader, type KubeObject, type Stored } from './kind.js';

const serviceBackend = z.strictObject({
  name: str,
  port: z.strictObject({ name: str.optional(), number: int.optional() }).optional(),
});

const backend = z.strictObject({
  service: serviceBackend.optional(),
  resource: z.strictObject({ apiGroup: str.optional(), kind: str, name: str }).optional(),
});

export const ingressSchema = z.strictObject({
  ...objectBase('Ingress'),
  spec: z
    .strictObject({
      ingressClassName: str.optional(),
      defaultBackend: backend.optional(),
      tls: z.array(z.strictObject({ hosts: stringList.optional(), secretName: str.optional() })).optional(),
      rules: z
        .array(
          z.strictObject({
            host: str.optional(),
            http: z
              .strictObject({
                // required by kube's validation (with its wording), so optional to the schema
                paths: z.array(z.strictObject({ path: str.optional(), pathType: str.optional(), backend })).optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  status: z
    .strictObject({
      loadBalancer: z
        .strictObject({
          ingress: z
            .array(
              z.strictObject({
                ip: str.optional(),
                hostname: str.optional(),
                ports: z.array(z.strictObject({ port: int, protocol, error: str.optional() })).optional(),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export type Ingress = Stored<z.output<typeof ingressSchema>>;
type Backend = z.output<typeof backend>;
type Rule = NonNullable<NonNullable<Ingress['spec']>['rules']>[number];
type HTTPPath = NonNullable<NonNullable<Rule['http']>['paths']>[number];

/** The annotation that named a class before spec.ingressClassName (networking/v1beta1). */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** The IngressClass annotation that makes it the class of Ingresses that name none. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** What a create or update of an Ingress answers with, as a Warning header kubectl prints. */
export const NO_INGRESS_CONTROLLER_WARNING = 'k1s has no ingress controller yet: this Ingress is stored, but no traffic is routed by it';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

/** A host of a rule or a TLS entry: a DNS subdomain, or a wildcard one ("*.example.com"). */
function hostErrors(host: string): string[] {
  return host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
}

/** validateIngressBackend: a service (by name, and port by name xor number) or a resource, not both. */
function validateBackend(b: Backend, path: string): Errors {
  if (b.resource && b.service) return [invalidValue(path, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const errs: Errors = [];
    const r = b.resource;
    if (r.apiGroup !== undefined) errs.push(...each(`${path}.resource.apiGroup`, r.apiGroup, isDNS1123Subdomain(r.apiGroup)));
    if (!r.kind) errs.push(required(`${path}.resource.kind`));
    else errs.push(...each(`${path}.resource.kind`, r.kind, isValidPathSegmentName(r.kind)));
    if (!r.name) errs.push(required(`${path}.resource.name`));
    else errs.push(...each(`${path}.resource.name`, r.name, isValidPathSegmentName(r.name)));
    return errs;
  }
  if (!b.service) return [invalidValue(path, '', 'resource or service backend is required')];
  const errs: Errors = [];
  const svc = b.service;
  // ValidateServiceName: a Service's name is a DNS-1035 label
  if (!svc.name) errs.push(required(`${path}.service.name`));
  else errs.push(...each(`${path}.service.name`, svc.name, isDNS1035Label(svc.name)));
  const portName = svc.port?.name ?? '';
  const portNumber = svc.port?.number ?? 0;
  if (portName && portNumber) errs.push(invalidValue(path, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...each(`${path}.service.port.name`, portName, isValidPortName(portName)));
  else if (portNumber) {
    if (portNumber < 1 || portNumber > 65535) errs.push(invalidValue(`${path}.service.port.number`, portNumber, 'must be between 1 and 65535, inclusive'));
  } else errs.push(required(path, 'port name or number is required'));
  return errs;
}

/** validateHTTPIngressPath: a pathType, and for Exact and Prefix a clean absolute path. */
function validatePath(p: HTTPPath, path: string): Errors {
  if (p.pathType === undefined) return [required(`${path}.pathType`, 'pathType must be specified')];
  const errs: Errors = [];
  const value = p.path ?? '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(invalidValue(`${path}.path`, value, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalidValue(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) errs.push(invalidValue(`${path}.path`, value, `cannot end with '${suffix}'`));
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(invalidValue(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(unsupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(p.backend, `${path}.backend`));
  return errs;
}

/** ValidateIngressSpec (pkg/apis/networking/validation), as of v1.32. */
export function validateIngress(ing: Ingress): Errors {
  const errs: Errors = [];
  const spec = ing.spec ?? {};
  if (!spec.rules?.length && !spec.defaultBackend) {
    errs.push(invalidValue('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  (spec.rules ?? []).forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    if (rule.host) {
      if (isIP(rule.host)) errs.push(invalidValue(`${at}.host`, rule.host, 'must be a DNS name, not an IP address'));
      errs.push(...each(`${at}.host`, rule.host, hostErrors(rule.host)));
    }
    if (rule.http) {
      const paths = rule.http.paths ?? [];
      if (!paths.length) errs.push(required(`${at}.http.paths`));
      paths.forEach((p, j) => errs.push(...validatePath(p, `${at}.http.paths[${j}]`)));
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((host, j) => errs.push(...each(`spec.tls[${i}].hosts[${j}]`, host, hostErrors(host))));
    // ValidateSecretName
    if (tls.secretName) errs.push(...each(`spec.tls[${i}].secretName`, tls.secretName, isDNS1123Subdomain(tls.secretName)));
  });
  if (spec.ingressClassName !== undefined) errs.push(...each('spec.ingressClassName', spec.ingressClassName, isDNS1123Subdomain(spec.ingressClassName)));
  return errs;
}

/** ValidateIngressLoadBalancerStatus: what a /status write may set. */
export function validateIngressStatus(ing: Ingress): Errors {
  const errs: Errors = [];
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const at = `status.loadBalancer.ingress[${i}]`;
    if (lb.ip && !isIP(lb.ip)) errs.push(invalidValue(`${at}.ip`, lb.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (lb.hostname) {
      errs.push(...each(`${at}.hostname`, lb.hostname, isDNS1123Subdomain(lb.hostname)));
      if (isIP(lb.hostname)) errs.push(invalidValue(`${at}.hostname`, lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/**
 * ValidateIngressCreate's check of the old class annotation, and the DefaultIngressClass admission
 * plugin: an Ingress created naming no class (by field or annotation) gets the class annotated
 * ingressclass.kubernetes.io/is-default-class "true", the newest if several are.
 */
export function admitIngress(ing: Ingress, read: AdmissionReader, old?: Ingress): void {
  if (old) return;
  const annotated = ing.metadata.annotations?.[INGRESS_CLASS_ANNOTATION];
  const named = ing.spec?.ingressClassName;
  if (annotated !== undefined && named !== undefined && annotated !== named) {
    throw invalid('Ingress', 'networking.k8s.io', ing.metadata.name, [
      invalidValue(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotated, 'must match `ingressClassName` when both are specified'),
    ]);
  }
  if (named !== undefined || annotated !== undefined) return;
  const byNewest = (a: KubeObject, b: KubeObject) =>
    (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name);
  const [newest] = read
    .list('IngressClass')
    .filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true')
    .sort(byNewest);
  if (newest) ing.spec = { ...ing.spec, ingressClassName: newest.metadata.name };
}

/** formatHosts: the hosts of the rules until three are listed; "*" for none. */
export function formatHosts(rules: Rule[] | undefined): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (!list.length) return '*';
  return more ? `${list.join(',')} + ${(rules ?? []).length - max} more...` : list.join(',');
}

/** ingressLoadBalancerStatusStringer (server-side tables are always wide: never clipped). */
function formatAddress(ing: Ingress): string {
  const seen = new Set<string>();
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) seen.add(lb.ip);
    else if (lb.hostname) seen.add(lb.hostname);
  }
  return [...seen].sort().join(',');
}

export const IngressKind = defineKind<Ingress>({
  kind: 'Ingress',
  group: 'networking.k8s.io',
  resource: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  // not in "all": kube's discovery lists ingresses without categories
  schema: ingressSchema,
  subresources: ['status'],
  generation: true,
  patchMergeKeys: META_PATCH_KEYS,
  validate: validateIngress,
  validateStatusUpdate: validateIngressStatus,
  admit: admitIngress,
  // PrepareForCreate: an empty status, which serves as `status: {loadBalancer: {}}`
  prepareForCreate: (ing) => void (ing.status = { loadBalancer: {} }),
  warnings: () => [NO_INGRESS_CONTROLLER_WARNING],
  printer: {
    columns: [
      NAME_COLUMN,
      column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
      column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
      column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
      column('Ports', 'string', 'Ports of TLS configurations that open'),
      AGE_COLUMN,
    ],
    row(ing, now) {
      return [
        ing.metadata.name,
        ing.spec?.ingressClassName ?? '<none>',
        formatHosts(ing.spec?.rules),
        formatAddress(ing),
        ing.spec?.tls?.length ? '80, 443' : '80',
        age(ing.metadata.creationTimestamp, now),
      ];
    },
  },
});
