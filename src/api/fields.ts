// The zod building blocks every kind's schema is made of, in Kubernetes' field names: scalars with
// the API server's messages for a wrong JSON type, and the metadata every object carries.
// Schemas are strict: an unknown field is an error, never dropped (see schema.ts).
import { z } from 'zod';

/** How a wrong value is shown: `string "eighty"`, `number 80.5`, `boolean true`, `array`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': {
      const s = JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}...` : v);
      return `string ${s}`;
    }
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    default:
      return typeof v;
  }
}

export function typeMismatch(expected: string, input: unknown): string {
  return input === undefined ? 'Required value' : `expected ${expected}, got ${describeValue(input)}`;
}

export const str = z.string();
export const int = z.int();
export const bool = z.boolean();
export const stringList = z.array(z.string());
/** labels, annotations, selectors, ConfigMap data: string to string */
export const stringMap = z.record(z.string(), z.string());

/** intstr.IntOrString: `targetPort: 8080` or `targetPort: http`, `maxSurge: 1` or `maxSurge: "25%"` */
export const intOrString = z.union([z.int(), z.string()], { error: (iss) => typeMismatch('integer or string', iss.input) });

/** resource.Quantity: users write `cpu: 1` as often as `cpu: "500m"`; stored as a string, as the API server prints it. */
export const quantity = z
  .union([z.string(), z.number()], { error: (iss) => typeMismatch('string or number', iss.input) })
  .transform((v) => String(v));

export const protocol = z.enum(['TCP', 'UDP', 'SCTP']);
export const conditionStatus = z.enum(['True', 'False', 'Unknown']);

export const ownerReference = z.strictObject({
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool.optional(),
  blockOwnerDeletion: bool.optional(),
});

/**
 * metav1.ManagedFieldsEntry. Its values are not checked here: like kube-apiserver, the server
 * replaces entries it cannot read with the stored ones rather than refusing the write
 * (managed-fields/manager.ts), and only ever stores entries it wrote.
 */
export const managedFieldsEntry = z.strictObject({
  manager: str.optional(),
  operation: str.optional(),
  apiVersion: str.optional(),
  time: str.optional(),
  fieldsType: str.optional(),
  fieldsV1: z.record(z.string(), z.unknown()).optional(),
  subresource: str.optional(),
});

// name is optional here: an object may carry generateName instead, which validation checks.
export const objectMeta = z.strictObject({
  name: str.optional(),
  generateName: str.optional(),
  namespace: str.optional(),
  uid: str.optional(),
  resourceVersion: str.optional(),
  generation: int.optional(),
  creationTimestamp: str.optional(),
  deletionTimestamp: str.optional(),
  deletionGracePeriodSeconds: int.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ownerReferences: z.array(ownerReference).optional(),
  finalizers: stringList.optional(),
  managedFields: z.array(managedFieldsEntry).optional(),
});

export const labelSelector = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: str,
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
        values: stringList.optional(),
      }),
    )
    .optional(),
});

/** Every object: apiVersion and kind (checked against the resource table first) and metadata. */
export function objectBase<K extends string>(kind: K) {
  return { apiVersion: str, kind: z.literal(kind), metadata: objectMeta };
}

/** ObjectMeta once stored: the server always sets a name. */
export type ObjectMeta = z.output<typeof objectMeta> & { name: string };
export type OwnerReference = z.output<typeof ownerReference>;
export type ManagedFieldsEntry = z.output<typeof managedFieldsEntry>;
export type LabelSelector = z.output<typeof labelSelector>;
export type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number];
export type Protocol = z.output<typeof protocol>;
