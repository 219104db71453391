// The discovery documents kubectl and client libraries read first (/api, /api/v1, /apis,
// /apis/<group>/<version>), built from the table of kinds: names, short names, categories,
// verbs and subresources, as kube-apiserver serves them.
import type { KindDef } from '../api/kinds/kind.js';
import { apiVersionOf, GROUPS, RESOURCES } from '../api/resources.js';
import { METRICS_API } from './metrics.js';
import { REVIEW_APIS, type ExtraGroupVersion } from './reviews.js';

/** Group-versions served beside the kinds: reviews, metrics. */
const EXTRA: ExtraGroupVersion[] = [...REVIEW_APIS, METRICS_API];

const OBJECT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The verbs of each subresource, as kube-apiserver lists them. */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  finalize: ['update'],
  eviction: ['create'],
};

/** The kind a subresource reads or writes, where it is not the resource's own. */
const SUBRESOURCE_KINDS: Record<string, string> = {
  scale: 'Scale',
  log: 'Pod',
  exec: 'PodExecOptions',
  attach: 'PodAttachOptions',
  portforward: 'PodPortForwardOptions',
  eviction: 'Eviction',
};

/** Subresources whose kind lives in another group-version (kubectl drain reads pods/eviction's). */
const SUBRESOURCE_GROUP_VERSIONS: Record<string, { group: string; version: string }> = {
  scale: { group: 'autoscaling', version: 'v1' },
  eviction: { group: 'policy', version: 'v1' },
};

function resourceEntries(r: KindDef): unknown[] {
  const main: Record<string, unknown> = {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: OBJECT_VERBS,
  };
  if (r.shortNames.length) main.shortNames = r.shortNames;
  if (r.categories.length) main.categories = r.categories;
  const subs = r.subresources.map((sub) => {
    return {
      name: `${r.resource}/${sub}`,
      singularName: '',
      namespaced: r.namespaced,
      ...SUBRESOURCE_GROUP_VERSIONS[sub],
      kind: SUBRESOURCE_KINDS[sub] ?? r.kind,
      verbs: SUBRESOURCE_VERBS[sub],
    };
  });
  return [main, ...subs];
}

/** The versions of a group, preferred (the stored one) first, then those served converted. */
function versionsOf(group: string): string[] {
  const kinds = RESOURCES.filter((r) => r.group === group);
  const versions = kinds.length ? kinds.flatMap((r) => [r.version, ...(r.otherVersions ?? []).map((v) => v.version)]) : [EXTRA.find((e) => e.group === group)!.version];
  return [...new Set(versions)];
}

function groupVersions(group: string) {
  const versions = versionsOf(group).map((version) => ({ groupVersion: apiVersionOf({ group, version }), version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** The document at a discovery path, or undefined when there is none. */
export function discoveryDocument(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
  if (path === '/apis') {
    const groups = [...GROUPS.filter((g) => g), ...EXTRA.map((e) => e.group)];
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupVersions) };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (m) {
    const group = m[2] ?? '';
    const version = m[1] ?? m[3];
    const kinds = RESOURCES.filter((r) => r.group === group && (r.version === version || r.otherVersions?.some((v) => v.version === version)));
    const extra = EXTRA.find((e) => e.group === group && e.version === version);
    if (!kinds.length && !extra) return undefined;
    const resources = [...kinds.flatMap(resourceEntries), ...(extra?.resources ?? [])];
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
  }
  const g = /^\/apis\/([^/]+)$/.exec(path);
  if (g && (GROUPS.includes(g[1]) || EXTRA.some((e) => e.group === g[1]))) return { kind: 'APIGroup', apiVersion: 'v1', ...groupVersions(g[1]) };
  return undefined;
}
