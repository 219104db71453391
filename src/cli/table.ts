// `kubectl get` tables: the column sets and cell rules of kubernetes/pkg/printers/internalversion
// (printers.go), laid out by the same tabwriter settings cli-runtime uses.
import type {
  AnyObject,
  ConfigMap,
  Deployment,
  Endpoints,
  Event,
  Kind,
  Namespace,
  Pod,
  ReplicaSet,
  Secret,
  Service,
} from '../api/types.js';
import { byKind, qualifiedName } from '../api/resources.js';
import { age } from './age.js';
import { formatLabelSelector, formatLabels, selectorString } from './labels.js';
import { TABLE_TABWRITER, tabwrite } from './tabwriter.js';

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  /** prefix names with their resource ("pod/web", "deployment.apps/web"), as `kubectl get all` */
  showKind?: boolean;
  noHeaders?: boolean;
  now: Date;
}

interface Column {
  name: string;
  /** priority 1 columns appear only with -o wide */
  wide?: boolean;
}

interface Printer<T> {
  columns: Column[];
  /** index of the column holding the object's name (the one showKind decorates) */
  nameColumn: number;
  row(obj: T, now: Date): string[];
}

const cols = (names: string, wideNames = ''): Column[] => [
  ...names.split(',').map((name) => ({ name })),
  ...(wideNames ? wideNames.split(',').map((name) => ({ name, wide: true })) : []),
];

// ---- Pod ----

/** What kubectl shows in a pod's STATUS column, with READY and RESTARTS computed alongside. */
export function podSummary(pod: Pod, now: Date): { ready: string; status: string; restarts: string } {
  const phase = pod.status?.phase ?? 'Pending';
  let reason: string = pod.status?.reason || phase;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let restarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let hasRunning = false;
  const statuses = pod.status?.containerStatuses ?? [];
  // kubectl walks the statuses backwards, so the first container's reason wins
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished) || 0);
    const waiting = c.state?.waiting;
    const terminated = c.state?.terminated;
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = `ExitCode:${terminated.exitCode}`;
    else if (c.ready && c.state?.running) {
      hasRunning = true;
      readyContainers++;
    }
  }
  if (reason === 'Completed' && hasRunning) {
    const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    reason = ready ? 'Running' : 'NotReady';
  }

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (pod.metadata.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) {
    restartsText = `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${pod.spec.containers.length}`, status: reason, restarts: restartsText };
}

const podPrinter: Printer<Pod> = {
  columns: cols('Name,Ready,Status,Restarts,Age', 'IP,Node,Nominated Node,Readiness Gates'),
  nameColumn: 0,
  row(pod, now) {
    const s = podSummary(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    const node = pod.spec.nodeName || '<none>';
    return [pod.metadata.name, s.ready, s.status, s.restarts, age(pod.metadata.creationTimestamp, now), ip, node, '<none>', '<none>'];
  },
};

// ---- Service ----

function loadBalancerIPs(svc: Service): string[] {
  const ingress = (svc.status?.loadBalancer as { ingress?: { ip?: string; hostname?: string }[] } | undefined)?.ingress ?? [];
  const out: string[] = [];
  for (const i of ingress) {
    const v = i.ip || i.hostname;
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

function externalIP(svc: Service): string {
  const externalIPs = (svc.spec as { externalIPs?: string[] }).externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerIPs(svc), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** PORT(S): "80:30080/TCP,443/TCP". */
export function servicePorts(svc: Service): string {
  const pieces = (svc.spec.ports ?? []).map((p) => {
    const proto = p.protocol ?? 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

const servicePrinter: Printer<Service> = {
  columns: cols('Name,Type,Cluster-IP,External-IP,Port(s),Age', 'Selector'),
  nameColumn: 0,
  row(svc, now) {
    const clusterIP = svc.spec.clusterIPs?.[0] ?? svc.spec.clusterIP ?? '<none>';
    return [
      svc.metadata.name,
      svc.spec.type ?? 'ClusterIP',
      clusterIP || '<none>',
      externalIP(svc),
      servicePorts(svc),
      age(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec.selector),
    ];
  },
};

// ---- Endpoints ----

/** At most three "ip:port" entries, then " + N more...", as printers.formatEndpoints. */
export function formatEndpoints(ep: Endpoints, portNames?: Set<string>): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      // headless services may have no ports
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      if (portNames && !portNames.has(port.name ?? '')) continue;
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const endpointsPrinter: Printer<Endpoints> = {
  columns: cols('Name,Endpoints,Age'),
  nameColumn: 0,
  row: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)],
};

// ---- apps/v1 ----

function containerCells(containers: { name: string; image: string }[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

const deploymentPrinter: Printer<Deployment> = {
  columns: cols('Name,Ready,Up-to-date,Available,Age', 'Containers,Images,Selector'),
  nameColumn: 0,
  row(d, now) {
    const st = d.status ?? {};
    return [
      d.metadata.name,
      `${st.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
      String(st.updatedReplicas ?? 0),
      String(st.availableReplicas ?? 0),
      age(d.metadata.creationTimestamp, now),
      ...containerCells(d.spec.template.spec.containers),
      selectorString(d.spec.selector),
    ];
  },
};

const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: cols('Name,Desired,Current,Ready,Age', 'Containers,Images,Selector'),
  nameColumn: 0,
  row(rs, now) {
    return [
      rs.metadata.name,
      String(rs.spec.replicas ?? 1),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      age(rs.metadata.creationTimestamp, now),
      ...containerCells(rs.spec.template.spec.containers),
      formatLabelSelector(rs.spec.selector),
    ];
  },
};

// ---- the simple ones ----

const namespacePrinter: Printer<Namespace> = {
  columns: cols('Name,Status,Age'),
  nameColumn: 0,
  row: (ns, now) => [ns.metadata.name, ns.status?.phase ?? 'Active', age(ns.metadata.creationTimestamp, now)],
};

const configMapPrinter: Printer<ConfigMap> = {
  columns: cols('Name,Data,Age'),
  nameColumn: 0,
  row: (cm, now) => [
    cm.metadata.name,
    String(Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length),
    age(cm.metadata.creationTimestamp, now),
  ],
};

const secretPrinter: Printer<Secret> = {
  columns: cols('Name,Type,Data,Age'),
  nameColumn: 0,
  row: (s, now) => [
    s.metadata.name,
    s.type ?? 'Opaque',
    // stringData is merged into data on write; count it too in case a stored object still has it
    String(new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]).size),
    age(s.metadata.creationTimestamp, now),
  ],
};

const eventPrinter: Printer<Event> = {
  columns: [
    { name: 'Last Seen' },
    { name: 'Type' },
    { name: 'Reason' },
    { name: 'Object' },
    { name: 'Subobject', wide: true },
    { name: 'Source', wide: true },
    { name: 'Message' },
    { name: 'First Seen', wide: true },
    { name: 'Count', wide: true },
    { name: 'Name', wide: true },
  ],
  nameColumn: 9,
  row(e, now) {
    const first = age(e.firstTimestamp, now);
    const last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
    const kind = e.involvedObject.kind.toLowerCase();
    const target = e.involvedObject.name ? `${kind}/${e.involvedObject.name}` : kind;
    const source = e.source?.host ? `${e.source.component ?? ''}, ${e.source.host}` : (e.source?.component ?? '');
    return [
      last,
      e.type,
      e.reason,
      target,
      e.involvedObject.fieldPath ?? '',
      source,
      e.message.trim(),
      first,
      String(e.count || 1),
      e.metadata.name,
    ];
  },
};

const PRINTERS: { [K in Kind]: Printer<Extract<AnyObject, { kind: K }>> } = {
  Pod: podPrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Event: eventPrinter,
};

/**
 * The `kubectl get` table for objects of one kind, one line per object, each ending in "\n".
 * An empty list gives "" (print noResourcesMessage() to stderr instead, as kubectl does).
 */
export function printTable(kind: Kind, items: AnyObject[], opts: TableOptions): string {
  if (items.length === 0) return '';
  const printer = PRINTERS[kind] as Printer<AnyObject>;
  const info = byKind(kind);
  const withNamespace = !!opts.allNamespaces && info?.namespaced !== false;
  const shown = printer.columns.map((c, i) => (opts.wide || !c.wide ? i : -1)).filter((i) => i >= 0);

  const rows: string[][] = [];
  if (!opts.noHeaders) {
    const header = shown.map((i) => printer.columns[i].name.toUpperCase());
    rows.push(withNamespace ? ['NAMESPACE', ...header] : header);
  }
  for (const obj of items) {
    const cells = printer.row(obj, opts.now);
    if (opts.showKind && info) cells[printer.nameColumn] = `${qualifiedName(info)}/${cells[printer.nameColumn]}`;
    const row = shown.map((i) => cells[i]);
    rows.push(withNamespace ? [obj.metadata.namespace ?? '', ...row] : row);
  }
  return tabwrite(rows.map((r) => r.join('\t') + '\n').join(''), TABLE_TABWRITER);
}

/**
 * What kubectl prints (to stderr) for an empty list: "No resources found in default namespace."
 * for a namespaced kind in one namespace, "No resources found" otherwise.
 */
export function noResourcesMessage(namespace?: string, allNamespaces?: boolean): string {
  if (namespace && !allNamespaces) return `No resources found in ${namespace} namespace.`;
  return 'No resources found';
}
