// The resource metrics API (metrics.k8s.io/v1beta1) that `kubectl top` reads, as metrics-server
// serves it: NodeMetrics and PodMetrics, computed on request from the node agent's readings
// (Docker's stats for containers, /proc for the node).
import { ApiError, methodNotAllowed, notFound } from '../api/errors.js';
import { matches, parseSelector } from '../api/labels.js';
import { byKind } from '../api/resources.js';
import { rfc3339 } from '../api/time.js';
import type { Node, Pod } from '../api/types.js';
import { usageQuantities, type Usage } from '../../agent/metrics.js';
import type { Registry } from './registry.js';
import type { ExtraGroupVersion } from './reviews.js';

export interface MetricsSource {
  pods(): Promise<{ namespace: string; name: string; containers: { name: string; usage: Usage }[] }[]>;
  node(): Promise<Usage>;
}

export const METRICS_API: ExtraGroupVersion = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

const API_VERSION = 'metrics.k8s.io/v1beta1';
/** Docker rates CPU over about a second; metrics-server says how long its window was. */
const WINDOW = '1s';

const PATH = /^\/apis\/metrics\.k8s\.io\/v1beta1(?:\/namespaces\/([^/]+))?\/(nodes|pods)(?:\/([^/]+))?$/;

export function isMetricsPath(path: string): boolean {
  return PATH.test(path);
}

function unavailable(): ApiError {
  return new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request (metrics need the node agent)');
}

export async function serveMetrics(path: string, method: string, q: URLSearchParams, registry: Registry, source: MetricsSource | undefined, now: Date): Promise<unknown> {
  const [, namespace, resource, name] = PATH.exec(path)!;
  if (method !== 'GET') throw methodNotAllowed();
  if (!source) throw unavailable();
  const timestamp = rfc3339(now);
  const selector = q.get('labelSelector') ? parseSelector(q.get('labelSelector')!) : undefined;
  const selected = (labels: Record<string, string> | undefined) => !selector || matches(selector, labels ?? {});
  if (resource === 'nodes') {
    const nodes = registry.list(byKind('Node')!, undefined).items as Node[];
    const usage = usageQuantities(await source.node());
    const items = nodes
      .filter((n) => (!name || n.metadata.name === name) && selected(n.metadata.labels))
      .map((n) => ({ metadata: { name: n.metadata.name, creationTimestamp: timestamp, labels: n.metadata.labels }, timestamp, window: WINDOW, usage }));
    if (name) return single(items, 'NodeMetrics', 'nodes', name);
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items: items.map((i) => ({ kind: 'NodeMetrics', apiVersion: API_VERSION, ...i })) };
  }
  const pods = new Map((registry.list(byKind('Pod')!, namespace).items as Pod[]).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const items = (await source.pods())
    .filter((m) => (!namespace || m.namespace === namespace) && (!name || m.name === name))
    .flatMap((m) => {
      const pod = pods.get(`${m.namespace}/${m.name}`);
      if (!pod || !selected(pod.metadata.labels)) return [];
      return [
        {
          metadata: { name: m.name, namespace: m.namespace, creationTimestamp: timestamp, labels: pod.metadata.labels },
          timestamp,
          window: WINDOW,
          containers: m.containers.map((c) => ({ name: c.name, usage: usageQuantities(c.usage) })),
        },
      ];
    });
  if (name) return single(items, 'PodMetrics', 'pods', name);
  return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items: items.map((i) => ({ kind: 'PodMetrics', apiVersion: API_VERSION, ...i })) };
}

function single(items: object[], kind: string, resource: string, name: string): unknown {
  if (!items.length) throw notFound(resource, name, 'metrics.k8s.io');
  return { kind, apiVersion: API_VERSION, ...items[0] };
}
