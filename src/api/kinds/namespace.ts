// Namespace (core/v1): cluster-scoped; its status.phase is the server's (Active, then Terminating
// while its contents are deleted).
import { z } from 'zod';
import { age } from '../age.js';
import { objectBase, stringList } from '../fields.js';
import { each, invalidValue, type Errors } from '../field-errors.js';
import { isDNS1123Label, isQualifiedName } from '../names.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const namespaceSchema = z.strictObject({
  ...objectBase('Namespace'),
  spec: z.strictObject({ finalizers: stringList.optional() }).optional(),
  status: z.strictObject({ phase: z.enum(['Active', 'Terminating']).optional() }).optional(),
});

export type Namespace = Stored<z.output<typeof namespaceSchema>>;

/** The finalizer every namespace gets on creation (api.FinalizerKubernetes). */
export const FINALIZER_KUBERNETES = 'kubernetes';

const STANDARD_FINALIZERS = [FINALIZER_KUBERNETES, 'orphan', 'foregroundDeletion'];

/** validateFinalizerName of core's validation: qualified, and with a domain unless standard. */
function validateNamespaceFinalizers(finalizers: string[]): Errors {
  return finalizers.flatMap((f, i) => {
    const path = `spec.finalizers[${i}]`;
    const errs = each(path, f, isQualifiedName(f));
    if (!errs.length && !f.includes('/') && !STANDARD_FINALIZERS.includes(f)) {
      errs.push(invalidValue(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    return errs;
  });
}

export const NamespaceKind = defineKind<Namespace>({
  kind: 'Namespace',
  group: '',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  schema: namespaceSchema,
  subresources: ['status', 'finalize'],
  fieldSelectors: ['status.phase'],
  nameCheck: isDNS1123Label,
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    // The namespace controller's finalizer: a deleted namespace stays (Terminating) until the
    // controller has emptied it and removed this through /finalize.
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_KUBERNETES)) ns.spec = { ...ns.spec, finalizers: [...finalizers, FINALIZER_KUBERNETES] };
  },
  prepareForUpdate(next, prev) {
    // spec.finalizers change only through /finalize, so an edit or apply cannot drop them.
    const finalizers = prev.spec?.finalizers;
    if (finalizers) next.spec = { ...next.spec, finalizers };
    else if (next.spec) delete next.spec.finalizers;
  },
  validate: (ns) => validateNamespaceFinalizers(ns.spec?.finalizers ?? []),
  printer: {
    columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    row: (ns, now) => [ns.metadata.name, ns.status?.phase ?? 'Active', age(ns.metadata.creationTimestamp, now)],
  },
});
