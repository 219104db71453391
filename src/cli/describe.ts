// `kubectl describe`: the layouts of kubectl's pkg/describe/describe.go, written through the same
// Go tabwriter settings (so blocks align, and break, where kubectl's do).
import type {
  AnyObject,
  ConfigMap,
  Container,
  ContainerState,
  ContainerStatus,
  Deployment,
  Endpoints,
  Event,
  Namespace,
  OwnerReference,
  Pod,
  PodTemplateSpec,
  Probe,
  ReplicaSet,
  Secret,
  Service,
  Volume,
} from '../api/types.js';
import { age, formatRFC1123Z } from '../api/age.js';
import { formatLabels, formatLabelSelector, selectorMatches, selectorString } from '../api/label-format.js';
import { formatEndpoints } from '../api/kinds/endpoints.js';
import { DESCRIBE_TABWRITER, TabWriter } from './tabwriter.js';

export interface DescribeContext {
  /** events of the namespace (or already those of the object); describe keeps the object's own */
  events: Event[];
  now: Date;
  /** pods of the namespace: a ReplicaSet's "Pods Status" counts those it controls */
  pods?: Pod[];
  /** a Service's Endpoints object, if it exists */
  endpoints?: Endpoints;
  /** replica sets of the namespace: a Deployment's OldReplicaSets/NewReplicaSet */
  replicaSets?: ReplicaSet[];
}

/** The whole `kubectl describe` text for one object, ending in "\n". */
export function describe(obj: AnyObject, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  const events = eventsFor(obj, ctx.events);
  switch (obj.kind) {
    case 'Pod':
      describePod(w, obj, events, ctx.now);
      break;
    case 'Service':
      describeService(w, obj, ctx.endpoints, events, ctx.now);
      break;
    case 'Deployment':
      describeDeployment(w, obj, ctx.replicaSets ?? [], events, ctx.now);
      break;
    case 'ReplicaSet':
      describeReplicaSet(w, obj, ctx.pods ?? [], events, ctx.now);
      break;
    case 'Endpoints':
      describeEndpoints(w, obj, events, ctx.now);
      break;
    case 'Namespace':
      describeNamespace(w, obj);
      break;
    case 'ConfigMap':
      describeConfigMap(w, obj, events, ctx.now);
      break;
    case 'Secret':
      describeSecret(w, obj);
      break;
    default:
      describeGeneric(w, obj, events, ctx.now);
  }
  return w.toString();
}

// ---- the writer ----

/** describe.go's PrefixWriter: two spaces per level, over the tabwriter. */
class PrefixWriter {
  private readonly tw = new TabWriter(DESCRIBE_TABWRITER);
  private raw = '';
  /** raw: straight to a buffer, tabs left in, as kubectl's rollout history writes a template (describe.NewPrefixWriter over a bytes.Buffer) */
  constructor(private readonly unaligned = false) {}
  write(level: number, text: string): void {
    if (this.unaligned) this.raw += '  '.repeat(level) + text;
    else this.tw.write('  '.repeat(level) + text);
  }
  writeLine(text = ''): void {
    if (this.unaligned) this.raw += text + '\n';
    else this.tw.write(text + '\n');
  }
  flush(): void {
    if (!this.unaligned) this.tw.flush();
  }
  toString(): string {
    return this.unaligned ? this.raw : this.tw.toString();
  }
}

const sortStrings = (xs: string[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const orNone = (s: string | undefined) => (s ? s : '<none>');
const printBool = (b: boolean | undefined) => (b ? 'True' : 'False');

function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = sortStrings(Object.keys(labels ?? {}));
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${k}=${labels![k]}\n`);
  });
}

const MAX_ANNOTATION_LEN = 140;
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = sortStrings(Object.keys(annotations ?? {}).filter((k) => !SKIP_ANNOTATIONS.has(k)));
  if (keys.length === 0) {
    w.writeLine('<none>');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = annotations![key].replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const s of value.split('\n')) {
        const max = MAX_ANNOTATION_LEN - 2;
        w.write(0, `\t  ${s.length > max ? s.slice(0, max) + '...' : s}\n`);
      }
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

function controlledBy(refs: OwnerReference[] | undefined): string {
  const ref = refs?.find((r) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

// ---- events ----

function eventsFor(obj: AnyObject, events: Event[]): Event[] {
  const m = obj.metadata;
  return events.filter((e) => {
    const io = e.involvedObject;
    if (io.name !== m.name) return false;
    // kubectl looks up a pod's events without the kind (mirror pods), everything else with it
    if (obj.kind !== 'Pod' && io.kind !== obj.kind) return false;
    if (m.namespace && (io.namespace ?? e.metadata.namespace) !== m.namespace) return false;
    if (m.uid && io.uid && io.uid !== m.uid) return false;
    return true;
  });
}

function describeEvents(w: PrefixWriter, events: Event[], now: Date): void {
  if (events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  const time = (t: string | undefined) => (t ? Date.parse(t) || 0 : 0);
  const sorted = [...events].sort((a, b) => time(a.lastTimestamp) - time(b.lastTimestamp));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = age(e.firstTimestamp, now);
    const interval = (e.count ?? 0) > 1 ? `${age(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    w.write(1, `${e.type}\t${e.reason}\t${interval}\t${e.source?.component ?? ''}\t${e.message.trim()}\n`);
  }
}

// ---- Pod ----

function describePod(w: PrefixWriter, pod: Pod, events: Event[], now: Date): void {
  const st = pod.status ?? {};
  const phase = st.phase ?? 'Pending';
  w.write(0, `Name:\t${pod.metadata.name}\n`);
  w.write(0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
  w.write(0, pod.spec.nodeName ? `Node:\t${pod.spec.nodeName}/${st.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (st.startTime) w.write(0, `Start Time:\t${formatRFC1123Z(st.startTime)}\n`);
  printLabelsMultiline(w, 'Labels', pod.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', pod.metadata.annotations);
  if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${age(pod.metadata.deletionTimestamp, now)})\n`);
    w.write(0, `Termination Grace Period:\t${pod.spec.terminationGracePeriodSeconds ?? 30}s\n`);
  } else {
    w.write(0, `Status:\t${phase}\n`);
  }
  if (st.reason) w.write(0, `Reason:\t${st.reason}\n`);
  if (st.message) w.write(0, `Message:\t${st.message}\n`);
  w.write(0, `IP:\t${st.podIP ?? ''}\n`);
  const ips = st.podIPs ?? [];
  if (ips.length === 0) {
    w.write(0, 'IPs:\t<none>\n');
  } else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const owner = controlledBy(pod.metadata.ownerReferences);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);

  describeContainers(w, 'Containers', pod.spec.containers, st.containerStatuses, pod, '');
  const conditions = st.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, pod.spec.volumes, '');
  w.write(0, `QoS Class:\t${podQOSClass(pod.spec.containers)}\n`);
  printLabelsMultiline(w, 'Node-Selectors', undefined);
  w.write(0, 'Tolerations:\t<none>\n');
  describeEvents(w, events, now);
}

function describeContainers(
  w: PrefixWriter,
  label: string,
  containers: Container[],
  statuses: ContainerStatus[] | undefined,
  pod: Pod | undefined,
  space: string,
): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.write(0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = byName.get(c.name);
    w.write(1, `${space ? ' ' : ''}${c.name}:\n`);
    if (status) w.write(2, `Container ID:\t${status.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image}\n`);
    if (status) w.write(2, `Image ID:\t${status.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
    w.write(2, ports.includes(',') ? `Ports:\t${ports}\n` : `Port:\t${orNone(ports)}\n`);
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ');
    w.write(2, hostPorts.includes(',') ? `Host Ports:\t${hostPorts}\n` : `Host Port:\t${orNone(hostPorts)}\n`);
    if (c.command?.length) {
      w.write(2, 'Command:\n');
      for (const s of c.command.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (c.args?.length) {
      w.write(2, 'Args:\n');
      for (const s of c.args.flatMap((x) => x.split('\n'))) w.write(3, `${s}\n`);
    }
    if (status) {
      describeState(w, 'State', status.state);
      if (status.lastState?.terminated) describeState(w, 'Last State', status.lastState);
      w.write(2, `Ready:\t${printBool(status.ready)}\n`);
      w.write(2, `Restart Count:\t${status.restartCount ?? 0}\n`);
    }
    for (const [title, list] of [
      ['Limits', c.resources?.limits],
      ['Requests', c.resources?.requests],
    ] as const) {
      const names = sortStrings(Object.keys(list ?? {}));
      if (names.length > 0) w.write(2, `${title}:\n`);
      for (const n of names) w.write(3, `${n}:\t${list![n]}\n`);
    }
    if (c.livenessProbe) w.write(2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    if (c.envFrom?.length) {
      w.write(2, 'Environment Variables from:\n');
      for (const e of c.envFrom) {
        const [from, ref] = e.configMapRef ? ['ConfigMap', e.configMapRef] : ['Secret', e.secretRef];
        const source = e.prefix ? `${from} with prefix '${e.prefix}'` : from;
        w.write(3, `${ref?.name ?? ''}\t${source}\tOptional: ${!!ref?.optional}\n`);
      }
    }
    describeEnv(w, c, pod);
    const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
    w.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
      w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
  }
}

/** describe.DescribeProbe, with the API server's defaults for unset numbers. */
export function describeProbe(p: Probe): string {
  const attrs =
    `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s ` +
    `#success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    const host = String(g.port) !== '' ? joinHost(g.host ?? '', String(g.port)) : (g.host ?? '');
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${host}${g.path ?? '/'} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

const joinHost = (host: string, port: string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function describeVolumes(w: PrefixWriter, volumes: Volume[] | undefined, space: string): void {
  if (!volumes?.length) {
    w.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${space ? ' ' : ''}${v.name}:\n`);
    if (v.hostPath) {
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type ?? '<none>'}\n`);
    } else if (v.emptyDir) {
      w.write(
        2,
        `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n` +
          `    SizeLimit:\t${v.emptyDir.sizeLimit || '<unset>'}\n`,
      );
    } else if (v.secret) {
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName}\n    Optional:\t${!!v.secret.optional}\n`);
    } else if (v.configMap) {
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name}\n    Optional:\t${!!v.configMap.optional}\n`);
    } else {
      w.write(1, '<unknown>\n');
    }
  }
}

function describeState(w: PrefixWriter, name: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${formatRFC1123Z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    w.write(3, `Started:\t${formatRFC1123Z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${formatRFC1123Z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${name}:\tWaiting\n`);
  }
}

function describeEnv(w: PrefixWriter, c: Container, pod: Pod | undefined): void {
  const env = c.env ?? [];
  w.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      (e.value ?? '').split('\n').forEach((s, i) => w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
    } else if (from.fieldRef) {
      const value = pod ? fieldPathValue(pod, from.fieldRef.fieldPath) : '';
      w.write(3, `${e.name}:\t${value} (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})\n`);
    } else if (from.secretKeyRef) {
      const r = from.secretKeyRef;
      w.write(3, `${e.name}:\t<set to the key '${r.key}' in secret '${r.name}'>\tOptional: ${!!r.optional}\n`);
    } else if (from.configMapKeyRef) {
      const r = from.configMapKeyRef;
      w.write(3, `${e.name}:\t<set to the key '${r.key}' of config map '${r.name}'>\tOptional: ${!!r.optional}\n`);
    }
  }
}

/** The downward-API fields a fieldRef may name. */
function fieldPathValue(pod: Pod, path: string): string {
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return pod.metadata[sub[1] as 'labels' | 'annotations']?.[sub[2]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default:
      return '';
  }
}

/** Parses a resource quantity ("500m", "128Mi", "1e3") into base units, for comparisons only. */
function parseQuantity(q: string): number {
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const mult: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  };
  return m[3] ? n * mult[m[3]] : n;
}

/** kubectl's qos.GetPodQOS over cpu and memory. */
export function podQOSClass(containers: Container[]): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const supported = (name: string) => name === 'cpu' || name === 'memory';
  for (const c of containers) {
    for (const [name, q] of Object.entries(c.resources?.requests ?? {})) {
      const v = parseQuantity(q);
      if (supported(name) && v > 0) requests.set(name, (requests.get(name) ?? 0) + v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      const v = parseQuantity(q);
      if (supported(name) && v > 0) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0) + v);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || Math.abs(lim - req) > 1e-9 * Math.max(lim, req)) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** DescribePodTemplate over a plain buffer: what `kubectl rollout history --revision=N` prints, tabs and all. */
export function podTemplateText(template: PodTemplateSpec): string {
  const w = new PrefixWriter(true);
  describePodTemplate(w, template);
  return w.toString();
}

function describePodTemplate(w: PrefixWriter, template: PodTemplateSpec): void {
  w.write(0, 'Pod Template:\n');
  printLabelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) {
    printAnnotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  }
  describeContainers(w, 'Containers', template.spec.containers, undefined, undefined, '  ');
  describeVolumes(w, template.spec.volumes, '  ');
  printLabelsMultiline(w, '  Node-Selectors', undefined);
  w.write(0, '  Tolerations:\t<none>\n');
}

// ---- Service / Endpoints ----

function describeService(w: PrefixWriter, svc: Service, ep: Endpoints | undefined, events: Event[], now: Date): void {
  const spec = svc.spec;
  w.write(0, `Name:\t${svc.metadata.name}\n`);
  w.write(0, `Namespace:\t${svc.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', svc.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
  w.write(0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(0, `Type:\t${spec.type ?? 'ClusterIP'}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  const ingress = (svc.status?.loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? [];
  if (ingress.length > 0) {
    w.write(0, `LoadBalancer Ingress:\t${ingress.map((i) => i.ip || i.hostname || '').join(', ')}\n`);
  }
  for (const sp of spec.ports ?? []) {
    const name = sp.name || '<unset>';
    const proto = sp.protocol ?? 'TCP';
    w.write(0, `Port:\t${name}\t${sp.port}/${proto}\n`);
    w.write(0, `TargetPort:\t${sp.targetPort ?? sp.port}/${proto}\n`);
    if (sp.nodePort) w.write(0, `NodePort:\t${name}\t${sp.nodePort}/${proto}\n`);
    w.write(0, `Endpoints:\t${serviceEndpoints(ep, sp.name ?? '')}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  describeEvents(w, events, now);
}

/**
 * kubectl reads EndpointSlices here: no slice at all prints <none>, a slice without ready
 * endpoints prints nothing. An Endpoints object stands in for the slices.
 */
function serviceEndpoints(ep: Endpoints | undefined, portName: string): string {
  if (!ep) return '<none>';
  if (!ep.subsets?.length) return '';
  return formatEndpoints(ep, new Set([portName]));
}

function describeEndpoints(w: PrefixWriter, ep: Endpoints, events: Event[], now: Date): void {
  w.write(0, `Name:\t${ep.metadata.name}\n`);
  w.write(0, `Namespace:\t${ep.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', ep.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
  w.write(0, 'Subsets:\n');
  for (const ss of ep.subsets ?? []) {
    w.write(1, `Addresses:\t${orNone((ss.addresses ?? []).map((a) => a.ip).join(','))}\n`);
    w.write(1, `NotReadyAddresses:\t${orNone((ss.notReadyAddresses ?? []).map((a) => a.ip).join(','))}\n`);
    if (ss.ports?.length) {
      w.write(1, 'Ports:\n');
      w.write(2, 'Name\tPort\tProtocol\n');
      w.write(2, '----\t----\t--------\n');
      for (const p of ss.ports) w.write(2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? 'TCP'}\n`);
    }
    w.write(0, '\n');
  }
  describeEvents(w, events, now);
}

// ---- apps/v1 ----

function describeDeployment(w: PrefixWriter, d: Deployment, replicaSets: ReplicaSet[], events: Event[], now: Date): void {
  const st = d.status ?? {};
  const strategy = d.spec.strategy?.type ?? 'RollingUpdate';
  w.write(0, `Name:\t${d.metadata.name}\n`);
  w.write(0, `Namespace:\t${d.metadata.namespace ?? ''}\n`);
  w.write(0, `CreationTimestamp:\t${formatRFC1123Z(d.metadata.creationTimestamp)}\n`);
  printLabelsMultiline(w, 'Labels', d.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', d.metadata.annotations);
  w.write(0, `Selector:\t${selectorString(d.spec.selector)}\n`);
  w.write(
    0,
    `Replicas:\t${d.spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ` +
      `${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable\n`,
  );
  w.write(0, `StrategyType:\t${strategy}\n`);
  w.write(0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}\n`);
  if (strategy === 'RollingUpdate') {
    // the API server defaults both to 25%
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    w.write(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge\n`);
  }
  describePodTemplate(w, d.spec.template);
  const conditions = st.conditions ?? [];
  if (conditions.length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  const { oldRSs, newRS } = deploymentReplicaSets(d, replicaSets);
  if (oldRSs.length > 0 || newRS) {
    w.write(0, `OldReplicaSets:\t${replicaSetList(oldRSs)}\n`);
    w.write(0, `NewReplicaSet:\t${replicaSetList(newRS ? [newRS] : [])}\n`);
  }
  describeEvents(w, events, now);
}

function replicaSetList(rss: ReplicaSet[]): string {
  const list = rss.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`);
  return list.length > 0 ? list.join(', ') : '<none>';
}

/** Sorted-key JSON, for comparing templates the way deploymentutil.EqualIgnoreHash does. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${sortStrings(Object.keys(o))
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function templateIgnoringHash(t: PodTemplateSpec): string {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return canonical({ ...t, metadata: { ...(t.metadata ?? {}), labels } });
}

/** deploymentutil: the RSs the deployment controls; the new one has the deployment's template. */
export function deploymentReplicaSets(d: Deployment, all: ReplicaSet[]): { oldRSs: ReplicaSet[]; newRS?: ReplicaSet } {
  const owned = all
    .filter((rs) => {
      const ref = rs.metadata.ownerReferences?.find((r) => r.controller);
      if (!ref || ref.kind !== 'Deployment') return false;
      return d.metadata.uid && ref.uid ? ref.uid === d.metadata.uid : ref.name === d.metadata.name;
    })
    .sort((a, b) => (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0));
  const want = templateIgnoringHash(d.spec.template);
  const newRS = owned.find((rs) => templateIgnoringHash(rs.spec.template) === want);
  return { oldRSs: owned.filter((rs) => rs !== newRS), newRS };
}

function describeReplicaSet(w: PrefixWriter, rs: ReplicaSet, pods: Pod[], events: Event[], now: Date): void {
  w.write(0, `Name:\t${rs.metadata.name}\n`);
  w.write(0, `Namespace:\t${rs.metadata.namespace ?? ''}\n`);
  w.write(0, `Selector:\t${formatLabelSelector(rs.spec.selector)}\n`);
  printLabelsMultiline(w, 'Labels', rs.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', rs.metadata.annotations);
  const owner = controlledBy(rs.metadata.ownerReferences);
  if (owner) w.write(0, `Controlled By:\t${owner}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired\n`);
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 } as Record<string, number>;
  for (const pod of pods) {
    if (pod.metadata.namespace !== rs.metadata.namespace) continue;
    if (!selectorMatches(rs.spec.selector, pod.metadata.labels)) continue;
    // orphans and pods of other controllers do not count
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (!ref || (rs.metadata.uid && ref.uid ? ref.uid !== rs.metadata.uid : ref.kind !== 'ReplicaSet' || ref.name !== rs.metadata.name)) continue;
    const phase = pod.status?.phase ?? 'Pending';
    counts[phase] = (counts[phase] ?? 0) + 1;
  }
  w.write(0, 'Pods Status:\t');
  w.write(0, `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed\n`);
  describePodTemplate(w, rs.spec.template);
  describeEvents(w, events, now);
}

// ---- Namespace / ConfigMap / Secret ----

function describeNamespace(w: PrefixWriter, ns: Namespace): void {
  // kubectl adds resource quotas and limit ranges here; k1s serves neither, and kubectl omits
  // both sections when the server does not know them.
  w.write(0, `Name:\t${ns.metadata.name}\n`);
  printLabelsMultiline(w, 'Labels', ns.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? 'Active'}\n`);
}

function describeConfigMap(w: PrefixWriter, cm: ConfigMap, events: Event[], now: Date): void {
  w.write(0, `Name:\t${cm.metadata.name}\n`);
  w.write(0, `Namespace:\t${cm.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', cm.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', cm.metadata.annotations);
  // kubectl walks Go maps (random order); sorted keys keep ours stable
  w.write(0, '\nData\n====\n');
  for (const k of sortStrings(Object.keys(cm.data ?? {}))) {
    w.write(0, `${k}:\n----\n`);
    w.write(0, `${cm.data![k]}\n`);
    w.write(0, '\n');
  }
  w.write(0, '\nBinaryData\n====\n');
  for (const k of sortStrings(Object.keys(cm.binaryData ?? {}))) {
    w.write(0, `${k}: ${Buffer.from(cm.binaryData![k], 'base64').length} bytes\n`);
  }
  w.write(0, '\n');
  describeEvents(w, events, now);
}

function describeSecret(w: PrefixWriter, s: Secret): void {
  w.write(0, `Name:\t${s.metadata.name}\n`);
  w.write(0, `Namespace:\t${s.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', s.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', s.metadata.annotations);
  w.write(0, `\nType:\t${s.type ?? 'Opaque'}\n`);
  w.write(0, '\nData\n====\n');
  const sizes = new Map<string, number>();
  for (const [k, v] of Object.entries(s.data ?? {})) sizes.set(k, Buffer.from(v, 'base64').length);
  for (const [k, v] of Object.entries(s.stringData ?? {})) sizes.set(k, Buffer.byteLength(v));
  for (const k of sortStrings([...sizes.keys()])) {
    if (k === 'token' && s.type === 'kubernetes.io/service-account-token') {
      w.write(0, `${k}:\t${Buffer.from(s.data?.[k] ?? '', 'base64').toString()}\n`);
    } else {
      w.write(0, `${k}:\t${sizes.get(k)} bytes\n`);
    }
  }
}

// ---- everything else: kubectl's generic describer ----

const GENERIC_SKIP = new Set([
  '.metadata.managedFields',
  '.metadata.name',
  '.metadata.namespace',
  '.metadata.labels',
  '.metadata.annotations',
]);

function describeGeneric(w: PrefixWriter, obj: AnyObject, events: Event[], now: Date): void {
  w.write(0, `Name:\t${obj.metadata.name}\n`);
  w.write(0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
  printLabelsMultiline(w, 'Labels', obj.metadata.labels);
  printAnnotationsMultiline(w, 'Annotations', obj.metadata.annotations);
  printUnstructured(w, 0, obj as unknown as Record<string, unknown>, '');
  describeEvents(w, events, now);
}

const goValue = (v: unknown) => (v === null || v === undefined ? '<nil>' : String(v));

function printUnstructured(w: PrefixWriter, level: number, content: Record<string, unknown>, prefix: string): void {
  for (const field of sortStrings(Object.keys(content))) {
    const value = content[field];
    const path = `${prefix}.${field}`;
    if (GENERIC_SKIP.has(path) || value === undefined) continue;
    if (Array.isArray(value)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      for (const child of value) {
        if (child && typeof child === 'object' && !Array.isArray(child)) {
          printUnstructured(w, level + 1, child as Record<string, unknown>, path);
        } else {
          w.write(level + 1, `${goValue(child)}\n`);
        }
      }
    } else if (value && typeof value === 'object') {
      w.write(level, `${smartLabelFor(field)}:\n`);
      printUnstructured(w, level + 1, value as Record<string, unknown>, path);
    } else {
      w.write(level, `${smartLabelFor(field)}:\t${goValue(value)}\n`);
    }
  }
}

/** describe.smartLabelFor: "apiVersion" -> "API Version", "involvedObject" -> "Involved Object". */
export function smartLabelFor(field: string): string {
  if (/[^\p{L}-]/u.test(field)) return field;
  const acronyms = new Set(['API', 'URL', 'UID', 'OSB', 'GUID']);
  return camelcaseSplit(field)
    .filter((p) => p !== '_')
    .map((p) => (acronyms.has(p.toUpperCase()) ? p.toUpperCase() : p.replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase())))
    .join(' ');
}

/** github.com/fatih/camelcase.Split. */
function camelcaseSplit(src: string): string[] {
  const classOf = (r: string) => (/\p{Ll}/u.test(r) ? 1 : /\p{Lu}/u.test(r) ? 2 : /\p{Nd}/u.test(r) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const r of src) {
    const c = classOf(r);
    if (c === last) runs[runs.length - 1].push(r);
    else runs.push([r]);
    last = c;
  }
  // "PDFL", "oader" -> "PDF", "Loader"
  for (let i = 0; i < runs.length - 1; i++) {
    if (classOf(runs[i][0]) === 2 && classOf(runs[i + 1][0]) === 1) {
      runs[i + 1].unshift(runs[i].pop()!);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}
