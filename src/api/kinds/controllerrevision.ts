// ControllerRevision (apps/v1): an immutable snapshot of a StatefulSet's or DaemonSet's pod
// template (data: the strategic merge patch that restores it), numbered by revision. The
// controllers keep them (controllers/history.ts); `kubectl rollout history|undo` reads them.
import { z } from 'zod';
import { age } from '../age.js';
import { invalidValue, nonNegative, required, type Errors } from '../field-errors.js';
import { int, objectBase } from '../fields.js';
import { deepEqual } from '../../store/canonical.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

export const controllerRevisionSchema = z.strictObject({
  ...objectBase('ControllerRevision'),
  // runtime.RawExtension: any JSON object
  data: z.record(z.string(), z.unknown()).optional(),
  revision: int,
});

export type ControllerRevision = Stored<z.output<typeof controllerRevisionSchema>>;

function validateControllerRevision(cr: ControllerRevision): Errors {
  const errs: Errors = [];
  if (cr.data === undefined) errs.push(required('data', 'data is mandatory'));
  nonNegative(errs, 'revision', cr.revision);
  return errs;
}

function validateControllerRevisionUpdate(next: ControllerRevision, prev: ControllerRevision): Errors {
  return deepEqual(next.data, prev.data) ? [] : [invalidValue('data', next.data, 'field is immutable')];
}

/** "statefulset.apps/web": the controlling owner as kubectl prints it (formatResourceName). */
function controllerName(cr: ControllerRevision): string {
  const ref = cr.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export const ControllerRevisionKind = defineKind<ControllerRevision>({
  kind: 'ControllerRevision',
  group: 'apps',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  shortNames: [],
  schema: controllerRevisionSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  validate: validateControllerRevision,
  validateUpdate: validateControllerRevisionUpdate,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Controller', 'string', 'Controller of the object'),
      column('Revision', 'integer', 'Revision indicates the revision of the state represented by Data.'),
      AGE_COLUMN,
    ],
    row(cr, now) {
      return [cr.metadata.name, controllerName(cr), cr.revision, age(cr.metadata.creationTimestamp, now)];
    },
  },
});
