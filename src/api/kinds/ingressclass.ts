// IngressClass (networking.k8s.io/v1, cluster-scoped): names the controller that implements the
// Ingresses of a class, and optionally a resource with its parameters. The class annotated
// ingressclass.kubernetes.io/is-default-class is given to Ingresses that name none (ingress.ts).
import { z } from 'zod';
import { age } from '../age.js';
import { each, forbidden, invalidValue, required, unsupported, type Errors } from '../field-errors.js';
import { objectBase, str } from '../fields.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName } from '../names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const ingressClassSchema = z.strictObject({
  ...objectBase('IngressClass'),
  spec: z
    .strictObject({
      controller: str.optional(),
      parameters: z
        .strictObject({
          apiGroup: str.optional(),
          kind: str,
          name: str,
          namespace: str.optional(),
          scope: str.optional(),
        })
        .optional(),
    })
    .optional(),
});

export type IngressClass = Stored<z.output<typeof ingressClassSchema>>;

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];
/** RFC 3986 path characters (validation.httpPathFmt) */
const HTTP_PATH = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/** SetDefaults_IngressClass: parameters without a scope are the cluster's. */
function defaultIngressClass(ic: IngressClass): void {
  if (ic.spec?.parameters && ic.spec.parameters.scope === undefined) ic.spec.parameters.scope = 'Cluster';
}

/** validation.IsDomainPrefixedPath: "acme.io/foo", a DNS subdomain, '/', then HTTP path characters. */
function domainPrefixedPath(path: string, value: string): Errors {
  if (!value) return [required(path)];
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? '' : value.slice(slash + 1);
  if (slash < 0 || !host || !rest) return [invalidValue(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = each(path, host, isDNS1123Subdomain(host));
  if (!new RegExp(`^${HTTP_PATH}$`).test(rest)) errs.push(invalidValue(path, rest, `Invalid path (regex used for validation is '${HTTP_PATH}')`));
  return errs;
}

/** validateIngressClassSpec with validateIngressClassParametersReference (v1.32). */
export function validateIngressClass(ic: IngressClass): Errors {
  const errs: Errors = [];
  const controller = ic.spec?.controller ?? '';
  if (controller.length > MAX_CONTROLLER_LENGTH) errs.push({ path: 'spec.controller', message: `Too long: may not be more than ${MAX_CONTROLLER_LENGTH} bytes` });
  errs.push(...domainPrefixedPath('spec.controller', controller));
  const p = ic.spec?.parameters;
  if (!p) return errs;
  const at = 'spec.parameters';
  if (p.apiGroup !== undefined) errs.push(...each(`${at}.apiGroup`, p.apiGroup, isDNS1123Subdomain(p.apiGroup)));
  if (!p.kind) errs.push(required(`${at}.kind`));
  else errs.push(...each(`${at}.kind`, p.kind, isValidPathSegmentName(p.kind)));
  if (!p.name) errs.push(required(`${at}.name`));
  else errs.push(...each(`${at}.name`, p.name, isValidPathSegmentName(p.name)));
  if (p.scope === undefined) {
    errs.push(required(`${at}.scope`));
    return errs;
  }
  if (!SCOPES.includes(p.scope)) errs.push(unsupported(`${at}.scope`, p.scope, SCOPES));
  else if (p.scope === 'Namespace') {
    if (p.namespace === undefined) errs.push(required(`${at}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    // ValidateNamespaceName
    else errs.push(...each(`${at}.namespace`, p.namespace, isDNS1123Label(p.namespace)));
  } else if (p.namespace !== undefined) {
    errs.push(forbidden(`${at}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

/** validateIngressClassSpecUpdate: the controller is fixed once created. */
function validateIngressClassUpdate(next: IngressClass, prev: IngressClass): Errors {
  const a = next.spec?.controller ?? '';
  return a === (prev.spec?.controller ?? '') ? [] : [invalidValue('spec.controller', a, 'field is immutable')];
}

/** printIngressClass's PARAMETERS cell: Kind[.apiGroup]/name */
function formatParameters(ic: IngressClass): string {
  const p = ic.spec?.parameters;
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name}`;
}

export const IngressClassKind = defineKind<IngressClass>({
  kind: 'IngressClass',
  group: 'networking.k8s.io',
  resource: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  shortNames: [],
  schema: ingressClassSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  validateUpdate: validateIngressClassUpdate,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Controller', 'string', 'Controller that is responsible for handling this class'),
      column('Parameters', 'string', 'A reference to a resource with additional parameters'),
      AGE_COLUMN,
    ],
    row(ic, now) {
      return [ic.metadata.name, ic.spec?.controller ?? '', formatParameters(ic), age(ic.metadata.creationTimestamp, now)];
    },
  },
});
