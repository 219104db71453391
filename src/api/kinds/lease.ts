// Lease (coordination.k8s.io/v1): a holder's claim on something for a while. k1s's node agent holds
// one in kube-node-lease named after its node, the kubelet's heartbeat (agent/node-lease.ts);
// anything else may use leases too (leader election). Namespaced, no status.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, type Errors } from '../field-errors.js';
import { int, objectBase, str } from '../fields.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const leaseSchema = z.strictObject({
  ...objectBase('Lease'),
  spec: z
    .strictObject({
      holderIdentity: str.optional(),
      leaseDurationSeconds: int.optional(),
      /** MicroTime: RFC 3339 with microseconds */
      acquireTime: str.optional(),
      renewTime: str.optional(),
      leaseTransitions: int.optional(),
    })
    .optional(),
});

export type Lease = Stored<z.output<typeof leaseSchema>>;

/** pkg/apis/coordination/validation ValidateLeaseSpec (without the coordinated leader election fields). */
function validateLease(lease: Lease): Errors {
  const errs: Errors = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && d <= 0) errs.push(invalidValue('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  nonNegative(errs, 'spec.leaseTransitions', lease.spec?.leaseTransitions);
  return errs;
}

export const LeaseKind = defineKind<Lease>({
  kind: 'Lease',
  group: 'coordination.k8s.io',
  resource: 'leases',
  singular: 'lease',
  namespaced: true,
  shortNames: [],
  schema: leaseSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  validate: validateLease,
  printer: {
    // printers.go printLease
    columns: [NAME_COLUMN, column('Holder', 'string', 'The holder of the lease.'), AGE_COLUMN],
    row: (lease, now) => [lease.metadata.name, lease.spec?.holderIdentity ?? '', age(lease.metadata.creationTimestamp, now)],
  },
});
