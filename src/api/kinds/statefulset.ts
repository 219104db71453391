// StatefulSet (apps/v1): pods with a stable identity (<name>-<ordinal>, a hostname under the
// governing Service) and one PersistentVolumeClaim per ordinal and claim template. Only replicas,
// ordinals, template, updateStrategy, revisionHistoryLimit, the PVC retention policy and
// minReadySeconds may change once it is created.
import { z } from 'zod';
import { age } from '../age.js';
import { forbidden, invalidValue, nonNegative, required, unsupported, type Errors } from '../field-errors.js';
import { objectBase, int, labelSelector, conditionStatus, intOrString, str, objectMeta } from '../fields.js';
import { validateLabelSelector } from '../meta-validation.js';
import { isDNS1123Label } from '../names.js';
import { defaultPodSpec } from '../podspec/defaults.js';
import { podTemplateSpec } from '../podspec/schema.js';
import { validateTemplate } from '../podspec/validation.js';
import { containerCells, immutableSelector, POD_TEMPLATE_WORKLOAD } from '../podspec/workload.js';
import { deepEqual } from '../../store/canonical.js';
import { persistentVolumeClaimSchema, validatePersistentVolumeClaim, type PersistentVolumeClaim } from './persistentvolumeclaim.js';
import { AGE_COLUMN, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';
import { isZeroIntOrPercent, validateIntOrPercent } from './workload-fields.js';

const retention = z.enum(['Retain', 'Delete']);

// A claim template is a PersistentVolumeClaim without its own apiVersion/kind necessarily set.
const claimTemplate = persistentVolumeClaimSchema.extend({ apiVersion: str.optional(), kind: z.literal('PersistentVolumeClaim').optional(), metadata: objectMeta });

export const statefulSetSchema = z.strictObject({
  ...objectBase('StatefulSet'),
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelector,
    template: podTemplateSpec,
    volumeClaimTemplates: z.array(claimTemplate).optional(),
    serviceName: str.optional(),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']).optional(),
    updateStrategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'OnDelete']).optional(),
        rollingUpdate: z.strictObject({ partition: int.optional(), maxUnavailable: intOrString.optional() }).optional(),
      })
      .optional(),
    revisionHistoryLimit: int.optional(),
    minReadySeconds: int.optional(),
    persistentVolumeClaimRetentionPolicy: z.strictObject({ whenDeleted: retention.optional(), whenScaled: retention.optional() }).optional(),
    ordinals: z.strictObject({ start: int.optional() }).optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      replicas: int,
      readyReplicas: int.optional(),
      currentReplicas: int.optional(),
      updatedReplicas: int.optional(),
      availableReplicas: int.optional(),
      currentRevision: str.optional(),
      updateRevision: str.optional(),
      collisionCount: int.optional(),
      conditions: z
        .array(z.strictObject({ type: str, status: conditionStatus, lastTransitionTime: str.optional(), reason: str.optional(), message: str.optional() }))
        .optional(),
    })
    .optional(),
});

export type StatefulSet = Stored<z.output<typeof statefulSetSchema>>;
export type ClaimTemplate = z.output<typeof claimTemplate>;

/** SetDefaults_StatefulSet (v1.32: StatefulSetAutoDeletePVC is on, MaxUnavailableStatefulSet off so maxUnavailable has no default). */
function defaultStatefulSet(sts: StatefulSet): void {
  const spec = sts.spec;
  spec.podManagementPolicy ??= 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') (strategy.rollingUpdate ??= {}).partition ??= 0;
  const policy = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  policy.whenDeleted ??= 'Retain';
  policy.whenScaled ??= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  for (const t of spec.volumeClaimTemplates ?? []) {
    // SetDefaults_PersistentVolumeClaimSpec
    t.spec.volumeMode ??= 'Filesystem';
  }
  defaultPodSpec(spec.template.spec);
}

function validateStatefulSet(sts: StatefulSet): Errors {
  const errs: Errors = [];
  const spec = sts.spec;
  const ru = spec.updateStrategy?.rollingUpdate;
  if (spec.updateStrategy?.type === 'OnDelete' && ru) {
    errs.push(invalidValue('spec.updateStrategy.rollingUpdate', ru, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (ru) {
    nonNegative(errs, 'spec.updateStrategy.rollingUpdate.partition', ru.partition);
    validateIntOrPercent(errs, 'spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
    if (ru.maxUnavailable !== undefined && isZeroIntOrPercent(ru.maxUnavailable)) {
      errs.push(invalidValue('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
    }
  }
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  nonNegative(errs, 'spec.ordinals.start', spec.ordinals?.start);
  if (spec.serviceName) {
    for (const m of isDNS1123Label(spec.serviceName)) errs.push(invalidValue('spec.serviceName', spec.serviceName, m));
  }
  const policy = spec.persistentVolumeClaimRetentionPolicy;
  for (const key of ['whenDeleted', 'whenScaled'] as const) {
    const v = policy?.[key];
    if (v !== undefined && v !== 'Retain' && v !== 'Delete') errs.push(unsupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, ['Retain', 'Delete']));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  // The pods get one volume per claim template (see controllers/statefulset-pods.ts): validate the
  // template as its pods will be, so that mounts of a claim template's volume are found.
  errs.push(...validateTemplate(templateWithClaims(sts), spec.selector, 'StatefulSet'));
  (spec.volumeClaimTemplates ?? []).forEach((t, i) => {
    const path = `spec.volumeClaimTemplates[${i}]`;
    const name = t.metadata.name ?? '';
    if (!name) errs.push(required(`${path}.metadata.name`));
    else for (const m of isDNS1123Label(name)) errs.push(invalidValue(`${path}.metadata.name`, name, m));
    for (const e of validatePersistentVolumeClaim(t as unknown as PersistentVolumeClaim)) errs.push({ ...e, path: `${path}.${e.path}` });
  });
  return errs;
}

/**
 * The pod template with a persistentVolumeClaim volume for every claim template the template does
 * not already name (the claim name is a placeholder: each pod gets its own, <claim>-<set>-<ordinal>).
 */
export function templateWithClaims(sts: StatefulSet, claimName: (template: string) => string = (t) => t): StatefulSet['spec']['template'] {
  const tpl = structuredClone(sts.spec.template);
  const volumes = (tpl.spec.volumes ??= []);
  for (const t of sts.spec.volumeClaimTemplates ?? []) {
    const name = t.metadata.name;
    if (!name) continue;
    const existing = volumes.find((v) => v.name === name);
    if (existing) {
      // kube's updateStorage: a volume of the template's name becomes the claim
      for (const k of Object.keys(existing)) if (k !== 'name') delete (existing as Record<string, unknown>)[k];
      existing.persistentVolumeClaim = { claimName: claimName(name) };
    } else {
      volumes.push({ name, persistentVolumeClaim: { claimName: claimName(name) } });
    }
  }
  if (!volumes.length) delete tpl.spec.volumes;
  return tpl;
}

const MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

/** ValidateStatefulSetUpdate: everything in spec but the fields above is fixed. */
function validateStatefulSetUpdate(next: StatefulSet, prev: StatefulSet): Errors {
  const strip = (s: StatefulSet['spec']) => {
    const copy: Record<string, unknown> = { ...s };
    for (const k of MUTABLE) delete copy[k];
    return copy;
  };
  const errs = immutableSelector(next, prev);
  if (!errs.length && !deepEqual(strip(next.spec), strip(prev.spec))) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export const StatefulSetKind = defineKind<StatefulSet>({
  kind: 'StatefulSet',
  group: 'apps',
  resource: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  schema: statefulSetSchema,
  subresources: ['status', 'scale'],
  generation: true,
  ...POD_TEMPLATE_WORKLOAD,
  validateUpdate: validateStatefulSetUpdate,
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Number of the pod with ready state'),
      AGE_COLUMN,
      column('Containers', 'string', 'Names of each container in the template.', 1),
      column('Images', 'string', 'Images referenced by each container in the template.', 1),
    ],
    row(sts, now) {
      return [
        sts.metadata.name,
        `${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas ?? 1}`,
        age(sts.metadata.creationTimestamp, now),
        ...containerCells(sts.spec.template.spec.containers),
      ];
    },
  },
});
