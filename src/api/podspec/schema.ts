// The pod spec's schema, shared by Pod and by the pod templates of every workload kind. The
// TypeScript types of a pod's parts are derived from these schemas (z.output), so they cannot drift.
import { z } from 'zod';
import { bool, conditionStatus, int, intOrString, objectMeta, protocol, quantity, str, stringList, stringMap } from '../fields.js';
import { affinity, topologySpreadConstraint } from './affinity.js';

// ---- containers ----

export const containerPort = z.strictObject({
  name: str.optional(),
  containerPort: int,
  protocol: protocol.optional(),
  hostPort: int.optional(),
  hostIP: str.optional(),
});

const keySelector = z.strictObject({ name: str, key: str, optional: bool.optional() });

export const envVar = z.strictObject({
  name: str,
  value: str.optional(),
  valueFrom: z
    .strictObject({
      configMapKeyRef: keySelector.optional(),
      secretKeyRef: keySelector.optional(),
      fieldRef: z.strictObject({ fieldPath: str, apiVersion: str.optional() }).optional(),
      resourceFieldRef: z.strictObject({ containerName: str.optional(), resource: str, divisor: quantity.optional() }).optional(),
    })
    .optional(),
});

export const envFromSource = z.strictObject({
  prefix: str.optional(),
  configMapRef: z.strictObject({ name: str, optional: bool.optional() }).optional(),
  secretRef: z.strictObject({ name: str, optional: bool.optional() }).optional(),
});

export const volumeMount = z.strictObject({
  name: str,
  mountPath: str,
  readOnly: bool.optional(),
  subPath: str.optional(),
});

const execAction = z.strictObject({ command: stringList.optional() });
const httpGetAction = z.strictObject({
  path: str.optional(),
  port: intOrString,
  host: str.optional(),
  scheme: z.enum(['HTTP', 'HTTPS']).optional(),
  httpHeaders: z.array(z.strictObject({ name: str, value: str })).optional(),
});
const tcpSocketAction = z.strictObject({ port: intOrString, host: str.optional() });

export const probe = z.strictObject({
  exec: execAction.optional(),
  httpGet: httpGetAction.optional(),
  tcpSocket: tcpSocketAction.optional(),
  grpc: z.strictObject({ port: int, service: str.optional() }).optional(),
  initialDelaySeconds: int.optional(),
  timeoutSeconds: int.optional(),
  periodSeconds: int.optional(),
  successThreshold: int.optional(),
  failureThreshold: int.optional(),
  terminationGracePeriodSeconds: int.optional(),
});

/** LifecycleHandler: one of exec, httpGet, sleep; tcpSocket is accepted (as kube does, for old
 * manifests) but fails when run. */
export const lifecycleHandler = z.strictObject({
  exec: execAction.optional(),
  httpGet: httpGetAction.optional(),
  sleep: z.strictObject({ seconds: int }).optional(),
  tcpSocket: tcpSocketAction.optional(),
});

export const lifecycle = z.strictObject({
  postStart: lifecycleHandler.optional(),
  preStop: lifecycleHandler.optional(),
});

const seccompProfile = z.strictObject({ type: z.enum(['RuntimeDefault', 'Unconfined', 'Localhost']), localhostProfile: str.optional() });

export const securityContext = z.strictObject({
  runAsUser: int.optional(),
  runAsGroup: int.optional(),
  runAsNonRoot: bool.optional(),
  privileged: bool.optional(),
  readOnlyRootFilesystem: bool.optional(),
  allowPrivilegeEscalation: bool.optional(),
  capabilities: z.strictObject({ add: stringList.optional(), drop: stringList.optional() }).optional(),
  seccompProfile: seccompProfile.optional(),
});

export const container = z.strictObject({
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
  lifecycle: lifecycle.optional(),
  terminationMessagePath: str.optional(),
  terminationMessagePolicy: z.enum(['File', 'FallbackToLogsOnError']).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  startupProbe: probe.optional(),
  securityContext: securityContext.optional(),
  stdin: bool.optional(),
  stdinOnce: bool.optional(),
  tty: bool.optional(),
  // Init containers only, and only `Always` (a "native sidecar"): Kubernetes has one Container type
  // for both lists, and validation refuses it on app containers. A plain string, so that a wrong
  // value gets kube's `Unsupported value` from validation rather than a decoding error.
  restartPolicy: str.optional(),
});

// ---- pods ----

export const keyToPath = z.strictObject({ key: str, path: str, mode: int.optional() });

const objectFieldSelector = z.strictObject({ fieldPath: str, apiVersion: str.optional() });
const resourceFieldSelector = z.strictObject({ containerName: str.optional(), resource: str, divisor: quantity.optional() });

export const downwardAPIVolumeFile = z.strictObject({
  path: str,
  fieldRef: objectFieldSelector.optional(),
  resourceFieldRef: resourceFieldSelector.optional(),
  mode: int.optional(),
});

// serviceAccountToken and clusterTrustBundle sources are left out: the field catalog refuses them
// as "not supported by k1s yet" (k1s has no service account tokens nor trust bundles).
export const volumeProjection = z.strictObject({
  configMap: z.strictObject({ name: str, items: z.array(keyToPath).optional(), optional: bool.optional() }).optional(),
  secret: z.strictObject({ name: str, items: z.array(keyToPath).optional(), optional: bool.optional() }).optional(),
  downwardAPI: z.strictObject({ items: z.array(downwardAPIVolumeFile).optional() }).optional(),
});

export const volume = z.strictObject({
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
  downwardAPI: z.strictObject({ items: z.array(downwardAPIVolumeFile).optional(), defaultMode: int.optional() }).optional(),
  projected: z.strictObject({ sources: z.array(volumeProjection).optional(), defaultMode: int.optional() }).optional(),
  persistentVolumeClaim: z.strictObject({ claimName: str, readOnly: bool.optional() }).optional(),
});

export const toleration = z.strictObject({
  key: str.optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: str.optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: int.optional(),
});

export const podSpec = z.strictObject({
  initContainers: z.array(container).optional(),
  containers: z.array(container),
  volumes: z.array(volume).optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  // Secrets of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg, for the image pulls
  imagePullSecrets: z.array(z.strictObject({ name: str.optional() })).optional(),
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
  hostPID: bool.optional(),
  hostIPC: bool.optional(),
  shareProcessNamespace: bool.optional(),
  enableServiceLinks: bool.optional(),
  nodeName: str.optional(),
  // a node must carry these labels (the scheduler's NodeAffinity filter, and the DaemonSet controller's)
  nodeSelector: stringMap.optional(),
  // which taints the pod bears (the scheduler's TaintToleration filter; DaemonSets add their own)
  tolerations: z.array(toleration).optional(),
  // the scheduler's NodeAffinity, InterPodAffinity and PodTopologySpread filters (affinity.ts)
  affinity: affinity.optional(),
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
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
      seccompProfile: seccompProfile.optional(),
    })
    .optional(),
});

export const containerState = z.strictObject({
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

export const containerStatus = z.strictObject({
  name: str,
  state: containerState,
  lastState: containerState,
  ready: bool,
  restartCount: int,
  image: str,
  imageID: str,
  containerID: str.optional(),
  started: bool.optional(),
});

export const podStatus = z.strictObject({
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).optional(),
  conditions: z
    .array(
      z.strictObject({
        type: z.enum(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers', 'DisruptionTarget']),
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
  initContainerStatuses: z.array(containerStatus).optional(),
  containerStatuses: z.array(containerStatus).optional(),
  reason: str.optional(),
  message: str.optional(),
  // set by the API server when the pod is created (strategy PrepareForCreate), immutable after
  qosClass: z.enum(['Guaranteed', 'Burstable', 'BestEffort']).optional(),
});

export const podTemplateSpec = z.strictObject({ metadata: objectMeta.optional(), spec: podSpec });

export type Container = z.output<typeof container>;
export type ContainerPort = z.output<typeof containerPort>;
export type EnvVar = z.output<typeof envVar>;
export type EnvFromSource = z.output<typeof envFromSource>;
export type VolumeMount = z.output<typeof volumeMount>;
export type Probe = z.output<typeof probe>;
export type Lifecycle = z.output<typeof lifecycle>;
export type LifecycleHandler = z.output<typeof lifecycleHandler>;
export type SecurityContext = z.output<typeof securityContext>;
export type KeyToPath = z.output<typeof keyToPath>;
export type Toleration = z.output<typeof toleration>;
export type Volume = z.output<typeof volume>;
export type DownwardAPIVolumeFile = z.output<typeof downwardAPIVolumeFile>;
export type VolumeProjection = z.output<typeof volumeProjection>;
export type PodSpec = z.output<typeof podSpec>;
export type PodSecurityContext = NonNullable<PodSpec['securityContext']>;
export type PodDNSConfig = NonNullable<PodSpec['dnsConfig']>;
export type RestartPolicy = NonNullable<PodSpec['restartPolicy']>;
export type PullPolicy = NonNullable<Container['imagePullPolicy']>;
export type HostPathType = NonNullable<NonNullable<Volume['hostPath']>['type']>;
export type ContainerState = z.output<typeof containerState>;
export type PodStatus = z.output<typeof podStatus>;
export type PodPhase = NonNullable<PodStatus['phase']>;
export type PodQOSClass = NonNullable<PodStatus['qosClass']>;
export type PodCondition = NonNullable<PodStatus['conditions']>[number];
export type ContainerStatus = z.output<typeof containerStatus>;
export type PodTemplateSpec = z.output<typeof podTemplateSpec>;
