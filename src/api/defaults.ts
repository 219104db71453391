// Defaulting: what the API server fills in on every create and update (pkg/apis/*/v1/defaults.go
// plus the few defaults its registry sets), so that `k1s get -o yaml` shows what a cluster would.
// Every default applies only where the field is absent, so defaulting twice changes nothing.
import { byKind } from './resources.js';
import type { AnyObject, Container, Deployment, Endpoints, Pod, PodSpec, Probe, ReplicaSet, Secret, Service, PullPolicy } from './types.js';

/**
 * The tag of an image reference: `nginx:1.27` -> "1.27", `nginx` -> "latest" (no tag and no digest
 * means latest), `app@sha256:...` -> "" (a digest alone has no tag). The tag is looked for after
 * the last '/', so a registry port (`localhost:5000/app`) is not mistaken for one.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon >= 0) return lastSegment.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** Always for `:latest` (explicit or implied), IfNotPresent otherwise, as the API server decides. */
export function defaultPullPolicy(image: string): PullPolicy {
  return imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const p of c.ports ?? []) {
    p.protocol ??= 'TCP';
    // on the host's network a container port is a host port
    if (hostNetwork) p.hostPort ??= p.containerPort;
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  defaultProbe(c.readinessProbe);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.startupProbe);
}

/** SetDefaults_PodSpec: for pods and for the pod templates of workloads. */
function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 0o644;
    if (v.secret) v.secret.defaultMode ??= 0o644;
    if (v.hostPath) v.hostPath.type ??= '';
  }
  for (const c of spec.containers) defaultContainer(c, spec.hostNetwork === true);
}

/** SetDefaults_Pod (pods only, not templates): a limit without a request requests the limit. */
function defaultPod(pod: Pod): void {
  defaultPodSpec(pod.spec);
  for (const c of pod.spec.containers) {
    const limits = c.resources?.limits;
    if (!limits || !Object.keys(limits).length) continue;
    const requests = (c.resources!.requests ??= {});
    for (const [name, q] of Object.entries(limits)) requests[name] ??= q;
  }
}

function defaultService(svc: Service): void {
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    // k1s is a single-stack IPv4 cluster (the registry sets these in Kubernetes)
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.ipFamilies ??= ['IPv4'];
  }
}

function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodSpec(spec.template.spec);
}

function defaultReplicaSet(rs: ReplicaSet): void {
  rs.spec.replicas ??= 1;
  defaultPodSpec(rs.spec.template.spec);
}

/** stringData is a write-only convenience: merged into data (base64, winning over data) and dropped. */
function defaultSecret(s: Secret): void {
  s.type ??= 'Opaque';
  if (s.stringData) {
    const data = (s.data ??= {});
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
}

function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const p of subset.ports ?? []) p.protocol ??= 'TCP';
}

/** A defaulted copy of obj (obj itself is left alone). */
export function applyDefaults<T extends AnyObject>(obj: T): T {
  const o = structuredClone(obj) as AnyObject;
  const info = byKind(o.kind);
  if (info?.namespaced) {
    if (!o.metadata.namespace) o.metadata.namespace = 'default';
  } else {
    // the API server ignores a namespace given for a cluster-scoped object
    delete o.metadata.namespace;
  }
  switch (o.kind) {
    case 'Pod':
      defaultPod(o);
      break;
    case 'Service':
      defaultService(o);
      break;
    case 'Deployment':
      defaultDeployment(o);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(o);
      break;
    case 'Secret':
      defaultSecret(o);
      break;
    case 'Endpoints':
      defaultEndpoints(o);
      break;
    case 'Namespace':
    case 'ConfigMap':
    case 'Event':
      break;
  }
  return o as T;
}
