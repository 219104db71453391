// ValidateObjectMeta and the label and selector rules every kind shares (apimachinery's
// validation packages), worded as the API server words them.
import { each, forbidden, invalidValue, required, type Errors } from './field-errors.js';
import type { LabelSelector, ObjectMeta } from './fields.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';

export type NameCheck = (name: string) => string[];

export function validateLabels(labels: Record<string, string> | undefined, path: string): Errors {
  const errs: Errors = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...each(path, k, isQualifiedName(k)));
    errs.push(...each(path, v, isValidLabelValue(v)));
  }
  return errs;
}

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): Errors {
  const errs: Errors = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...each(path, k, isQualifiedName(k.toLowerCase())));
    size += k.length + v.length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push({ path, message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE} bytes` });
  return errs;
}

/** NameIsDNSSubdomain for generateName: the trailing '-' of a prefix is fine. */
const asPrefix = (check: NameCheck) => (name: string) => check(name.endsWith('-') ? `${name.slice(0, -1)}a` : name);

export function validateObjectMeta(meta: Partial<ObjectMeta>, namespaced: boolean, nameCheck: NameCheck): Errors {
  const errs: Errors = [];
  if (!meta.name && !meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  if (meta.name) errs.push(...each('metadata.name', meta.name, nameCheck(meta.name)));
  if (meta.generateName) errs.push(...each('metadata.generateName', meta.generateName, asPrefix(nameCheck)(meta.generateName)));
  if (namespaced && meta.namespace) errs.push(...each('metadata.namespace', meta.namespace, isDNS1123Label(meta.namespace)));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
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

/**
 * ValidateFinalizers: qualified names, and not both of the garbage collector's opposite policies
 * (k1s runs those policies inside the DELETE itself, so neither is ever set by the server).
 */
export function validateFinalizers(finalizers: string[] | undefined, path: string): Errors {
  const list = finalizers ?? [];
  const errs: Errors = list.flatMap((f) => each(path, f, isQualifiedName(f)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalidValue(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/**
 * ValidateNoNewFinalizers, for an update of an object being deleted. The list is printed as Go's
 * %#v prints a []string, which is how kube-apiserver words it.
 */
export function validateNoNewFinalizers(next: string[] | undefined, prev: string[] | undefined, path: string): Errors {
  const added = [...new Set((next ?? []).filter((f) => !(prev ?? []).includes(f)))].sort();
  if (!added.length) return [];
  const list = `[]string{${added.map((f) => JSON.stringify(f)).join(', ')}}`;
  return [forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${list}`)];
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
