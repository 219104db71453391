// Lookups over the table of kinds (kinds/index.ts): where each lives on the REST API and the
// names kubectl accepts for it. Everything that maps between a kind, a URL and a CLI word reads
// this one table.
import { KINDS } from './kinds/index.js';
import type { KindDef } from './kinds/kind.js';

export type ResourceInfo = KindDef;

export const RESOURCES: readonly ResourceInfo[] = KINDS;

/** The API groups k1s serves, core ('') first. */
export const GROUPS: readonly string[] = [...new Set(['', ...KINDS.map((k) => k.group)])];

export function apiVersionOf(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function byKind(kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

export function byResource(group: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

/** What `k1s get WORD` means: plural, singular, kind or short name, any case, optionally `.group`. */
export function byName(word: string): ResourceInfo | undefined {
  const [w, ...rest] = word.toLowerCase().split('.');
  const group = rest.join('.');
  return RESOURCES.find(
    (r) =>
      (r.resource === w || r.singular === w || r.kind.toLowerCase() === w || r.shortNames.includes(w)) &&
      (!group || r.group === group || `${r.version}.${r.group}` === group),
  );
}

/** The kinds in a category: `kubectl get all`. */
export function inCategory(category: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.categories.includes(category));
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
