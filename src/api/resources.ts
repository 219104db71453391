// The table of kinds k1s serves: where each lives on the REST API, whether it is namespaced, and
// the names kubectl accepts for it. Everything that maps between a kind, a URL and a CLI word
// reads this one table.
import type { Kind } from './types.js';

export interface ResourceInfo {
  kind: Kind;
  /** plural, lower case: the URL segment ("pods") */
  resource: string;
  singular: string;
  group: '' | 'apps';
  version: 'v1';
  namespaced: boolean;
  shortNames: string[];
  /** has a /status subresource whose writes touch only .status */
  hasStatus: boolean;
}

export const RESOURCES: readonly ResourceInfo[] = [
  { kind: 'Namespace', resource: 'namespaces', singular: 'namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'], hasStatus: true },
  { kind: 'Pod', resource: 'pods', singular: 'pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], hasStatus: true },
  { kind: 'Service', resource: 'services', singular: 'service', group: '', version: 'v1', namespaced: true, shortNames: ['svc'], hasStatus: true },
  { kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', group: '', version: 'v1', namespaced: true, shortNames: ['ep'], hasStatus: false },
  { kind: 'ConfigMap', resource: 'configmaps', singular: 'configmap', group: '', version: 'v1', namespaced: true, shortNames: ['cm'], hasStatus: false },
  { kind: 'Secret', resource: 'secrets', singular: 'secret', group: '', version: 'v1', namespaced: true, shortNames: [], hasStatus: false },
  { kind: 'Event', resource: 'events', singular: 'event', group: '', version: 'v1', namespaced: true, shortNames: ['ev'], hasStatus: false },
  { kind: 'ReplicaSet', resource: 'replicasets', singular: 'replicaset', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], hasStatus: true },
  { kind: 'Deployment', resource: 'deployments', singular: 'deployment', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], hasStatus: true },
];

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function byKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

export function byResource(group: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

/** What `k1s get WORD` means: plural, singular, kind or short name, any case. */
export function byName(word: string): ResourceInfo | undefined {
  const w = word.toLowerCase().split('.')[0];
  return RESOURCES.find(
    (r) => r.resource === w || r.singular === w || r.kind.toLowerCase() === w || r.shortNames.includes(w),
  );
}

/** The REST path of a collection or an object: /api/v1/namespaces/default/pods[/name]. */
export function pathFor(r: ResourceInfo, namespace?: string, name?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name ? `/${encodeURIComponent(name)}` : '';
  return `${root}${ns}/${r.resource}${tail}`;
}

/** The string kubectl prints before a name: "deployment.apps", "service". */
export function qualifiedName(r: ResourceInfo): string {
  return r.group ? `${r.singular}.${r.group}` : r.singular;
}
