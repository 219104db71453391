// Defaulting of a pod spec (SetDefaults_PodSpec, SetDefaults_Container...), for pods and for the
// pod templates of workloads. Every default applies only where the field is absent.
import type { Container, PodSpec, Probe, PullPolicy } from './schema.js';

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
  defaultHTTPGet(p.httpGet);
}

/** SetDefaults_HTTPGetAction, for probes and lifecycle hooks alike. */
function defaultHTTPGet(h: { path?: string; scheme?: 'HTTP' | 'HTTPS' } | undefined): void {
  if (!h) return;
  h.path ??= '/';
  h.scheme ??= 'HTTP';
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
  defaultHTTPGet(c.lifecycle?.postStart?.httpGet);
  defaultHTTPGet(c.lifecycle?.preStop?.httpGet);
}

/** SetDefaults_PodSpec: for pods and for the pod templates of workloads. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 0o644;
    if (v.secret) v.secret.defaultMode ??= 0o644;
    if (v.hostPath) v.hostPath.type ??= '';
    if (v.downwardAPI) {
      v.downwardAPI.defaultMode ??= 0o644;
      for (const it of v.downwardAPI.items ?? []) if (it.fieldRef) it.fieldRef.apiVersion ??= 'v1';
    }
    if (v.projected) {
      v.projected.defaultMode ??= 0o644;
      for (const src of v.projected.sources ?? []) {
        for (const it of src.downwardAPI?.items ?? []) if (it.fieldRef) it.fieldRef.apiVersion ??= 'v1';
      }
    }
  }
  for (const c of spec.initContainers ?? []) defaultContainer(c, spec.hostNetwork === true);
  for (const c of spec.containers) defaultContainer(c, spec.hostNetwork === true);
}

/**
 * SetDefaults_Pod, for pods only: a container (app or init) that limits a resource without
 * requesting it requests its limit. Kubernetes does this for Pods and deliberately not for the pod
 * templates of workloads ("we only want this defaulting semantic to take place on a v1.Pod and not
 * a v1.PodTemplate"), so a template keeps what its author wrote and each pod made from it gets the
 * default when it is created.
 */
export function defaultPodResourceRequests(spec: PodSpec): void {
  const init = (spec as PodSpec & { initContainers?: Container[] }).initContainers ?? [];
  for (const c of [...spec.containers, ...init]) {
    const limits = c.resources?.limits;
    // an empty map is omitted when kube serializes it: no `requests: {}` for `limits: {}`
    if (!limits || !Object.keys(limits).length) continue;
    const requests = (c.resources!.requests ??= {});
    for (const [name, q] of Object.entries(limits)) if (!Object.hasOwn(requests, name)) requests[name] = q;
  }
}
