// The structural check of every kind: zod schemas in Kubernetes' field names, mirroring types.ts.
// This is what the API server's strict decoding does: an unknown field is an error (never dropped,
// so a typo like `imagePullPolcy` cannot silently do nothing) and a value of the wrong JSON type is
// an error naming the field. Semantic rules (name syntax, port ranges, selector vs. labels) are in
// validate.ts; defaults in defaults.ts.
import { z } from 'zod';
import { apiVersionOf, byKind } from './resources.js';
import type { AnyObject, Kind } from './types.js';

/** One problem with one field. path is Kubernetes style: `spec.template.spec.containers[0].ports[0].containerPort`. */
export interface FieldError {
  path: string;
  message: string;
}

export type ValidationResult = { ok: true; object: AnyObject } | { ok: false; errors: FieldError[] };

// ---- messages ----

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

function typeMismatch(expected: string, input: unknown): string {
  return input === undefined ? 'Required value' : `expected ${expected}, got ${describeValue(input)}`;
}

// ---- building blocks ----

const str = z.string();
const int = z.int();
const bool = z.boolean();
const stringList = z.array(z.string());
/** labels, annotations, selectors, ConfigMap data: string to string */
const stringMap = z.record(z.string(), z.string());

/** intstr.IntOrString: `targetPort: 8080` or `targetPort: http`, `maxSurge: 1` or `maxSurge: "25%"` */
const intOrString = z.union([z.int(), z.string()], { error: (iss) => typeMismatch('integer or string', iss.input) });

/** resource.Quantity: users write `cpu: 1` as often as `cpu: "500m"`; stored as a string, as the API server prints it. */
const quantity = z
  .union([z.string(), z.number()], { error: (iss) => typeMismatch('string or number', iss.input) })
  .transform((v) => String(v));

const protocol = z.enum(['TCP', 'UDP', 'SCTP']);

// ---- metadata ----

const ownerReference = z.strictObject({
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool.optional(),
  blockOwnerDeletion: bool.optional(),
});

// name is optional here: an object may carry generateName instead, which validate.ts checks.
const objectMeta = z.strictObject({
  name: str.optional(),
  generateName: str.optional(),
  namespace: str.optional(),
  uid: str.optional(),
  resourceVersion: str.optional(),
  generation: int.optional(),
  creationTimestamp: str.optional(),
  deletionTimestamp: str.optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ownerReferences: z.array(ownerReference).optional(),
});

export const labelSelectorSchema = z.strictObject({
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

// ---- containers ----

const containerPort = z.strictObject({
  name: str.optional(),
  containerPort: int,
  protocol: protocol.optional(),
  hostPort: int.optional(),
  hostIP: str.optional(),
});

const keySelector = z.strictObject({ name: str, key: str, optional: bool.optional() });

const envVar = z.strictObject({
  name: str,
  value: str.optional(),
  valueFrom: z
    .strictObject({
      configMapKeyRef: keySelector.optional(),
      secretKeyRef: keySelector.optional(),
      fieldRef: z.strictObject({ fieldPath: str, apiVersion: str.optional() }).optional(),
    })
    .optional(),
});

const envFromSource = z.strictObject({
  prefix: str.optional(),
  configMapRef: z.strictObject({ name: str, optional: bool.optional() }).optional(),
  secretRef: z.strictObject({ name: str, optional: bool.optional() }).optional(),
});

const volumeMount = z.strictObject({
  name: str,
  mountPath: str,
  readOnly: bool.optional(),
  subPath: str.optional(),
});

const probe = z.strictObject({
  exec: z.strictObject({ command: stringList.optional() }).optional(),
  httpGet: z
    .strictObject({
      path: str.optional(),
      port: intOrString,
      host: str.optional(),
      scheme: z.enum(['HTTP', 'HTTPS']).optional(),
      httpHeaders: z.array(z.strictObject({ name: str, value: str })).optional(),
    })
    .optional(),
  tcpSocket: z.strictObject({ port: intOrString, host: str.optional() }).optional(),
  initialDelaySeconds: int.optional(),
  timeoutSeconds: int.optional(),
  periodSeconds: int.optional(),
  successThreshold: int.optional(),
  failureThreshold: int.optional(),
  terminationGracePeriodSeconds: int.optional(),
});

const securityContext = z.strictObject({
  runAsUser: int.optional(),
  runAsGroup: int.optional(),
  runAsNonRoot: bool.optional(),
  privileged: bool.optional(),
  readOnlyRootFilesystem: bool.optional(),
  allowPrivilegeEscalation: bool.optional(),
  capabilities: z.strictObject({ add: stringList.optional(), drop: stringList.optional() }).optional(),
});

const container = z.strictObject({
  name: str,
  image: str,
  command: stringList.optional(),
  args: stringList.optional(),
  workingDir: str.optional(),
  env: z.array(envVar).optional(),
  envFrom: z.array(envFromSource).optional(),
  ports: z.array(containerPort).optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  resources: z
    .strictObject({
      limits: z.record(z.string(), quantity).optional(),
      requests: z.record(z.string(), quantity).optional(),
    })
    .optional(),
  terminationMessagePath: str.optional(),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  startupProbe: probe.optional(),
  securityContext: securityContext.optional(),
});

// ---- pods ----

const keyToPath = z.strictObject({ key: str, path: str, mode: int.optional() });

const volume = z.strictObject({
  name: str,
  emptyDir: z.strictObject({ medium: z.enum(['', 'Memory']).optional(), sizeLimit: quantity.optional() }).optional(),
  configMap: z
    .strictObject({ name: str, items: z.array(keyToPath).optional(), defaultMode: int.optional(), optional: bool.optional() })
    .optional(),
  secret: z
    .strictObject({ secretName: str, items: z.array(keyToPath).optional(), defaultMode: int.optional(), optional: bool.optional() })
    .optional(),
  hostPath: z
    .strictObject({
      path: str,
      type: z.enum(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']).optional(),
    })
    .optional(),
});

const podSpec = z.strictObject({
  containers: z.array(container),
  volumes: z.array(volume).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  terminationGracePeriodSeconds: int.optional(),
  dnsPolicy: z.enum(['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']).optional(),
  dnsConfig: z
    .strictObject({
      nameservers: stringList.optional(),
      searches: stringList.optional(),
      options: z.array(z.strictObject({ name: str, value: str.optional() })).optional(),
    })
    .optional(),
  hostNetwork: bool.optional(),
  nodeName: str.optional(),
  hostname: str.optional(),
  subdomain: str.optional(),
  schedulerName: str.optional(),
  securityContext: z
    .strictObject({
      runAsUser: int.optional(),
      runAsGroup: int.optional(),
      runAsNonRoot: bool.optional(),
      fsGroup: int.optional(),
      supplementalGroups: z.array(int).optional(),
    })
    .optional(),
});

const containerState = z.strictObject({
  waiting: z.strictObject({ reason: str.optional(), message: str.optional() }).optional(),
  running: z.strictObject({ startedAt: str.optional() }).optional(),
  terminated: z
    .strictObject({
      exitCode: int,
      reason: str.optional(),
      message: str.optional(),
      startedAt: str.optional(),
      finishedAt: str.optional(),
      containerID: str.optional(),
    })
    .optional(),
});

const conditionStatus = z.enum(['True', 'False', 'Unknown']);

const podStatus = z.strictObject({
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).optional(),
  conditions: z
    .array(
      z.strictObject({
        type: z.enum(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers']),
        status: conditionStatus,
        reason: str.optional(),
        message: str.optional(),
        lastProbeTime: str.optional(),
        lastTransitionTime: str.optional(),
      }),
    )
    .optional(),
  hostIP: str.optional(),
  podIP: str.optional(),
  podIPs: z.array(z.strictObject({ ip: str })).optional(),
  startTime: str.optional(),
  containerStatuses: z
    .array(
      z.strictObject({
        name: str,
        state: containerState,
        lastState: containerState,
        ready: bool,
        restartCount: int,
        image: str,
        imageID: str,
        containerID: str.optional(),
        started: bool.optional(),
      }),
    )
    .optional(),
  reason: str.optional(),
  message: str.optional(),
});

const podTemplateSpec = z.strictObject({ metadata: objectMeta.optional(), spec: podSpec });

// Every object: apiVersion and kind (already checked against the resource table) and metadata.
const objectBase = { apiVersion: str, kind: str, metadata: objectMeta };

// ---- core/v1 kinds ----

const namespaceSchema = z.strictObject({
  ...objectBase,
  spec: z.strictObject({ finalizers: stringList.optional() }).optional(),
  status: z.strictObject({ phase: z.enum(['Active', 'Terminating']).optional() }).optional(),
});

const podSchema = z.strictObject({ ...objectBase, spec: podSpec, status: podStatus.optional() });

const serviceSchema = z.strictObject({
  ...objectBase,
  spec: z.strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
    selector: stringMap.optional(),
    ports: z
      .array(
        z.strictObject({
          name: str.optional(),
          protocol: protocol.optional(),
          port: int,
          targetPort: intOrString.optional(),
          nodePort: int.optional(),
          appProtocol: str.optional(),
        }),
      )
      .optional(),
    clusterIP: str.optional(),
    clusterIPs: stringList.optional(),
    externalName: str.optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
    ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
    ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
    internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
  }),
  status: z
    .strictObject({
      loadBalancer: z
        .strictObject({ ingress: z.array(z.strictObject({ ip: str.optional(), hostname: str.optional() })).optional() })
        .optional(),
    })
    .optional(),
});

const endpointAddress = z.strictObject({
  ip: str,
  hostname: str.optional(),
  nodeName: str.optional(),
  targetRef: z
    .strictObject({ kind: str, namespace: str.optional(), name: str, uid: str.optional() })
    .optional(),
});

const endpointsSchema = z.strictObject({
  ...objectBase,
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).optional(),
        notReadyAddresses: z.array(endpointAddress).optional(),
        ports: z
          .array(z.strictObject({ name: str.optional(), port: int, protocol: protocol.optional(), appProtocol: str.optional() }))
          .optional(),
      }),
    )
    .optional(),
});

const configMapSchema = z.strictObject({
  ...objectBase,
  data: stringMap.optional(),
  binaryData: stringMap.optional(),
  immutable: bool.optional(),
});

const secretSchema = z.strictObject({
  ...objectBase,
  type: str.optional(),
  data: stringMap.optional(),
  stringData: stringMap.optional(),
  immutable: bool.optional(),
});

const eventSchema = z.strictObject({
  ...objectBase,
  involvedObject: z.strictObject({
    kind: str,
    namespace: str.optional(),
    name: str,
    uid: str.optional(),
    apiVersion: str.optional(),
    fieldPath: str.optional(),
    resourceVersion: str.optional(),
  }),
  reason: str,
  message: str,
  type: z.enum(['Normal', 'Warning']),
  source: z.strictObject({ component: str.optional(), host: str.optional() }).optional(),
  firstTimestamp: str.optional(),
  lastTimestamp: str.optional(),
  count: int.optional(),
});

// ---- apps/v1 kinds ----

const replicaSetSchema = z.strictObject({
  ...objectBase,
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelectorSchema,
    template: podTemplateSpec,
    minReadySeconds: int.optional(),
  }),
  status: z
    .strictObject({
      replicas: int,
      readyReplicas: int.optional(),
      availableReplicas: int.optional(),
      fullyLabeledReplicas: int.optional(),
      observedGeneration: int.optional(),
    })
    .optional(),
});

const deploymentSchema = z.strictObject({
  ...objectBase,
  spec: z.strictObject({
    replicas: int.optional(),
    selector: labelSelectorSchema,
    template: podTemplateSpec,
    strategy: z
      .strictObject({
        type: z.enum(['RollingUpdate', 'Recreate']).optional(),
        rollingUpdate: z.strictObject({ maxUnavailable: intOrString.optional(), maxSurge: intOrString.optional() }).optional(),
      })
      .optional(),
    minReadySeconds: int.optional(),
    revisionHistoryLimit: int.optional(),
    progressDeadlineSeconds: int.optional(),
    paused: bool.optional(),
  }),
  status: z
    .strictObject({
      observedGeneration: int.optional(),
      replicas: int.optional(),
      updatedReplicas: int.optional(),
      readyReplicas: int.optional(),
      availableReplicas: int.optional(),
      unavailableReplicas: int.optional(),
      conditions: z
        .array(
          z.strictObject({
            type: z.enum(['Available', 'Progressing', 'ReplicaFailure']),
            status: conditionStatus,
            reason: str.optional(),
            message: str.optional(),
            lastUpdateTime: str.optional(),
            lastTransitionTime: str.optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export const SCHEMAS: Record<Kind, z.ZodType> = {
  Namespace: namespaceSchema,
  Pod: podSchema,
  Service: serviceSchema,
  Endpoints: endpointsSchema,
  ConfigMap: configMapSchema,
  Secret: secretSchema,
  Event: eventSchema,
  ReplicaSet: replicaSetSchema,
  Deployment: deploymentSchema,
};

// ---- from zod issues to field errors ----

type Segment = PropertyKey;

/** A zod schema's internal definition: just what formatPath needs to walk it. */
interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(s: z.ZodType | undefined): SchemaDef | undefined {
  return s ? (s.def as unknown as SchemaDef) : undefined;
}

/** Sees through optional and transform wrappers to the schema that describes the value. */
function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  for (let d = defOf(s); s && d; d = defOf(s)) {
    if (d.type === 'optional' || d.type === 'nullable' || d.type === 'default') s = d.innerType;
    else if (d.type === 'pipe') s = d.in;
    else break;
  }
  return s;
}

/**
 * Renders a zod path the way the API server does: fields with dots, list items as [i] and map keys
 * as [key] (`metadata.labels[app.kubernetes.io/name]`). Map keys are told from fields by walking
 * the schema alongside the path.
 */
export function formatPath(root: z.ZodType, segments: readonly Segment[]): string {
  let out = '';
  let s: z.ZodType | undefined = root;
  for (const seg of segments) {
    s = unwrap(s);
    const d = defOf(s);
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      s = d?.type === 'array' ? d.element : undefined;
    } else if (d?.type === 'record') {
      out += `[${String(seg)}]`;
      s = d.valueType;
    } else {
      out += out ? `.${String(seg)}` : String(seg);
      s = d?.type === 'object' ? (s as z.ZodObject).shape[String(seg)] : undefined;
    }
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object' };

function issueToErrors(root: z.ZodType, iss: z.core.$ZodIssue): FieldError[] {
  const path = (extra: Segment[] = []) => formatPath(root, [...iss.path, ...extra]);
  switch (iss.code) {
    case 'unrecognized_keys':
      return iss.keys.map((key) => ({ path: path([key]), message: `unknown field ${JSON.stringify(key)}` }));
    case 'invalid_type':
      return [{ path: path(), message: typeMismatch(TYPE_NAMES[iss.expected] ?? iss.expected, iss.input) }];
    case 'invalid_value':
      if (iss.input === undefined) return [{ path: path(), message: 'Required value' }];
      return [
        {
          path: path(),
          message: `Unsupported value: ${JSON.stringify(iss.input)}: supported values: ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    default:
      // unions carry their own message (see intOrString, quantity)
      return [{ path: path(), message: iss.message }];
  }
}

// ---- entry point ----

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * JSON null in an object means "not set", as when the API server decodes into Go structs (kubectl's
 * own output has `creationTimestamp: null`, and `env:` with nothing after it is null in YAML).
 * Nulls inside lists stay, and are reported.
 */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = dropNulls(val);
  return out;
}

/** apiVersion and kind against the resource table; [] when k1s serves this kind at this version. */
export function checkTypeMeta(obj: Record<string, unknown>): FieldError[] {
  const { apiVersion, kind } = obj;
  const errors: FieldError[] = [];
  if (kind === undefined || kind === '') errors.push({ path: 'kind', message: 'Required value' });
  else if (typeof kind !== 'string') errors.push({ path: 'kind', message: typeMismatch('string', kind) });
  if (apiVersion === undefined || apiVersion === '') errors.push({ path: 'apiVersion', message: 'Required value' });
  else if (typeof apiVersion !== 'string') errors.push({ path: 'apiVersion', message: typeMismatch('string', apiVersion) });
  if (errors.length) return errors;
  const r = byKind(kind as string);
  if (!r || apiVersionOf(r) !== apiVersion) {
    // The hint matters most for manifests from old tutorials (extensions/v1beta1 Deployments).
    const hint = r ? ` (${r.kind} is served as ${apiVersionOf(r)})` : '';
    return [{ path: '', message: `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}${hint}` }];
  }
  return [];
}

/**
 * The structural check: apiVersion/kind against the resource table, then the kind's schema.
 * On success the object is a fresh copy (nulls dropped, numeric quantities as strings), not defaulted.
 */
export function validateObject(obj: unknown): ValidationResult {
  if (!isPlainObject(obj)) return { ok: false, errors: [{ path: '', message: typeMismatch('object', obj) }] };
  const typeErrors = checkTypeMeta(obj);
  if (typeErrors.length) return { ok: false, errors: typeErrors };
  const schema = SCHEMAS[obj.kind as Kind];
  const result = schema.safeParse(dropNulls(obj), { reportInput: true });
  if (result.success) return { ok: true, object: result.data as AnyObject };
  return { ok: false, errors: result.error.issues.flatMap((iss) => issueToErrors(schema, iss)) };
}
