// Namespace (core/v1): cluster-scoped; its status.phase is the server's (Active, then Terminating
// while its contents are deleted).
import { z } from 'zod';
import { age } from '../age.js';
import { objectBase, stringList } from '../fields.js';
import { isDNS1123Label } from '../names.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const namespaceSchema = z.strictObject({
  ...objectBase('Namespace'),
  spec: z.strictObject({ finalizers: stringList.optional() }).optional(),
  status: z.strictObject({ phase: z.enum(['Active', 'Terminating']).optional() }).optional(),
});

export type Namespace = Stored<z.output<typeof namespaceSchema>>;

export const NamespaceKind = defineKind<Namespace>({
  kind: 'Namespace',
  group: '',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  schema: namespaceSchema,
  subresources: ['status'],
  fieldSelectors: ['status.phase'],
  nameCheck: isDNS1123Label,
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  printer: {
    columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    row: (ns, now) => [ns.metadata.name, ns.status?.phase ?? 'Active', age(ns.metadata.creationTimestamp, now)],
  },
});
