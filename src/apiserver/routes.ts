// Turning a Kubernetes REST path into (resource, namespace, name, subresource). Pure.
import type { VersionView } from '../api/kinds/kind.js';
import { byResource, type ResourceInfo } from '../api/resources.js';

export interface Route {
  resource: ResourceInfo;
  /** the version of the URL when it is not the stored one (autoscaling/v1 of HPAs) */
  view?: VersionView;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ParsedPath = { type: 'resource'; route: Route } | { type: 'discovery'; path: string } | { type: 'unknown' };

/**
 * /api/v1/namespaces/default/pods/web/log -> pods, default, web, log
 * /apis/apps/v1/deployments              -> deployments in all namespaces
 * /api/v1/namespaces/default             -> the namespace object "default"
 */
export function parsePath(pathname: string): ParsedPath {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version = 'v1';
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length === 3) {
    // /apis/<group>/<version> of any version (metrics.k8s.io/v1beta1) is a discovery document: a
    // 404 there makes kubectl print an error and fetch discovery afresh on every command
    return { type: 'discovery', path: '/' + parts.join('/') };
  } else if (parts[0] === 'apis' && parts.length > 3) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { type: 'discovery', path: '/' + parts.join('/') };
  }
  if (rest.length === 0) return { type: 'discovery', path: '/' + parts.join('/') };

  let namespace: string | undefined;
  const namespaces = byResource('', 'namespaces')!;
  if (group === '' && rest[0] === 'namespaces' && rest.length === 3 && namespaces.subresources.includes(rest[2] as never)) {
    // /api/v1/namespaces/{name}/status, /finalize: the Namespace's own subresources
    return { type: 'resource', route: { resource: namespaces, name: rest[1], subresource: rest[2] } };
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2 && group === '') {
    // /api/v1/namespaces/{name}: the Namespace object itself
    return { type: 'resource', route: { resource: namespaces, name: rest[1] } };
  }
  const resource = byResource(group, rest[0]);
  if (!resource || rest.length > 3) return { type: 'unknown' };
  const view = resource.version === version ? undefined : resource.otherVersions?.find((v) => v.version === version);
  if (resource.version !== version && !view) return { type: 'unknown' };
  if (!resource.namespaced && namespace) return { type: 'unknown' };
  return { type: 'resource', route: { resource, namespace, name: rest[1], subresource: rest[2], ...(view ? { view } : {}) } };
}
