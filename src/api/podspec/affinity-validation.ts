// Validation of a pod spec's affinity and topologySpreadConstraints, as pkg/apis/core/validation
// (v1.32) words it: validateAffinity, ValidateNodeSelector(Term|Requirement),
// ValidateNodeFieldSelectorRequirement, validatePodAffinityTerm and validateTopologySpreadConstraints.
import { duplicate, each, forbidden, invalidValue, required, unsupported, type Errors } from '../field-errors.js';
import type { LabelSelector } from '../fields.js';
import { validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../names.js';
import type { Affinity, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, TopologySpreadConstraint } from './affinity.js';

/** ValidateNodeSelectorRequirement; label values are checked in required terms only (preferred ones kept their old leniency). */
function validateRequirement(errs: Errors, path: string, r: NodeSelectorRequirement, checkValues: boolean): void {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (!values.length) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalidValue(`${path}.operator`, r.operator, 'not a valid selector operator'));
  }
  errs.push(...each(`${path}.key`, r.key, isQualifiedName(r.key)));
  if (checkValues) values.forEach((v, i) => errs.push(...each(`${path}.values[${i}]`, v, isValidLabelValue(v))));
}

/** ValidateNodeFieldSelectorRequirement: metadata.name is the one field a node can be selected by. */
function validateFieldRequirement(errs: Errors, path: string, r: NodeSelectorRequirement): void {
  const values = r.values ?? [];
  if (r.operator === 'In' || r.operator === 'NotIn') {
    if (values.length !== 1) errs.push(required(`${path}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalidValue(`${path}.operator`, r.operator, 'not a valid selector operator'));
  }
  if (r.key !== 'metadata.name') errs.push(invalidValue(`${path}.key`, r.key, 'not a valid field selector key'));
  else values.forEach((v, i) => errs.push(...each(`${path}.values[${i}]`, v, isDNS1123Subdomain(v))));
}

function validateTerm(errs: Errors, path: string, term: NodeSelectorTerm, checkValues: boolean): void {
  (term.matchExpressions ?? []).forEach((r, j) => validateRequirement(errs, `${path}.matchExpressions[${j}]`, r, checkValues));
  (term.matchFields ?? []).forEach((r, j) => validateFieldRequirement(errs, `${path}.matchFields[${j}]`, r));
}

/** ValidateNodeSelector: at least one term; terms are ORed, so an empty list could never match. */
export function validateNodeSelector(sel: NodeSelector, path: string): Errors {
  const terms = sel.nodeSelectorTerms ?? [];
  if (!terms.length) return [required(`${path}.nodeSelectorTerms`, 'must have at least one node selector term')];
  const errs: Errors = [];
  terms.forEach((t, i) => validateTerm(errs, `${path}.nodeSelectorTerms[${i}]`, t, true));
  return errs;
}

function weight(errs: Errors, path: string, w: number | undefined): void {
  const v = w ?? 0;
  if (v <= 0 || v > 100) errs.push(invalidValue(path, v, 'must be in the range 1-100'));
}

function validatePodAffinityTerm(errs: Errors, path: string, term: PodAffinityTerm): void {
  if (term.labelSelector) errs.push(...validateLabelSelector(term.labelSelector, `${path}.labelSelector`));
  if (term.namespaceSelector) errs.push(...validateLabelSelector(term.namespaceSelector, `${path}.namespaceSelector`));
  // kube reports a bad name under `namespace` (singular), and so do we
  for (const ns of term.namespaces ?? []) errs.push(...each(`${path}.namespace`, ns, isDNS1123Label(ns)));
  const key = term.topologyKey ?? '';
  if (!key) errs.push(required(`${path}.topologyKey`, 'can not be empty'));
  errs.push(...each(`${path}.topologyKey`, key, isQualifiedName(key)));
}

function validatePodAffinity(errs: Errors, path: string, a: NonNullable<Affinity['podAffinity']>): void {
  const req = `${path}.requiredDuringSchedulingIgnoredDuringExecution`;
  (a.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => validatePodAffinityTerm(errs, `${req}[${i}]`, t));
  const pref = `${path}.preferredDuringSchedulingIgnoredDuringExecution`;
  (a.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((w, i) => {
    weight(errs, `${pref}[${i}].weight`, w.weight);
    validatePodAffinityTerm(errs, `${pref}[${i}].podAffinityTerm`, w.podAffinityTerm);
  });
}

/** validateAffinity. */
export function validateAffinity(a: Affinity | undefined, path: string): Errors {
  const errs: Errors = [];
  if (!a) return errs;
  const na = a.nodeAffinity;
  if (na?.requiredDuringSchedulingIgnoredDuringExecution) {
    errs.push(...validateNodeSelector(na.requiredDuringSchedulingIgnoredDuringExecution, `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`));
  }
  (na?.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
    const at = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    weight(errs, `${at}.weight`, p.weight);
    validateTerm(errs, `${at}.preference`, p.preference, false);
  });
  if (a.podAffinity) validatePodAffinity(errs, `${path}.podAffinity`, a.podAffinity);
  if (a.podAntiAffinity) validatePodAffinity(errs, `${path}.podAntiAffinity`, a.podAntiAffinity);
  return errs;
}

function selectorKeys(ls: LabelSelector | undefined): Set<string> {
  return new Set([...Object.keys(ls?.matchLabels ?? {}), ...(ls?.matchExpressions ?? []).map((e) => e.key)]);
}

const NOT_POSITIVE = 'must be greater than zero';

/** validateTopologySpreadConstraints. */
export function validateTopologySpreadConstraints(list: readonly TopologySpreadConstraint[] | undefined, path: string): Errors {
  const errs: Errors = [];
  (list ?? []).forEach((c, i) => {
    const at = `${path}[${i}]`;
    const maxSkew = c.maxSkew ?? 0;
    if (maxSkew <= 0) errs.push(invalidValue(`${at}.maxSkew`, maxSkew, NOT_POSITIVE));
    if (!c.topologyKey) errs.push(required(`${at}.topologyKey`, 'can not be empty'));
    const when = c.whenUnsatisfiable ?? '';
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') errs.push(unsupported(`${at}.whenUnsatisfiable`, when, ['DoNotSchedule', 'ScheduleAnyway']));
    // {topologyKey, whenUnsatisfiable} names one kind of constraint: the first of a pair is the one reported
    if (list!.slice(i + 1).some((o) => (o.topologyKey ?? '') === (c.topologyKey ?? '') && (o.whenUnsatisfiable ?? '') === when)) {
      errs.push(duplicate(`${at}.{topologyKey, whenUnsatisfiable}`, `{${c.topologyKey ?? ''}, ${when}}`));
    }
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0) errs.push(invalidValue(`${at}.minDomains`, c.minDomains, NOT_POSITIVE));
      if (when !== 'DoNotSchedule') errs.push(invalidValue(`${at}.minDomains`, c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[policy];
      if (v !== undefined && v !== 'Honor' && v !== 'Ignore') errs.push(unsupported(`${at}.${policy}`, v, ['Honor', 'Ignore']));
    }
    const keys = c.matchLabelKeys ?? [];
    if (keys.length && !c.labelSelector) errs.push(forbidden(`${at}.matchLabelKeys`, 'must not be specified when labelSelector is not set'));
    const inSelector = selectorKeys(c.labelSelector);
    keys.forEach((k, j) => {
      errs.push(...each(`${at}.matchLabelKeys[${j}]`, k, isQualifiedName(k)));
      if (inSelector.has(k)) errs.push(invalidValue(`${at}.matchLabelKeys[${j}]`, k, 'exists in both matchLabelKeys and labelSelector'));
    });
    if (c.labelSelector) errs.push(...validateLabelSelector(c.labelSelector, `${at}.labelSelector`));
  });
  return errs;
}
