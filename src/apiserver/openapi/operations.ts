// The REST operations k1s serves for each kind, in the terms Kubernetes' OpenAPI documents use
// (operationId, x-kubernetes-action, x-kubernetes-group-version-kind, query parameters), neutral
// between OpenAPI v2 and v3: v2.ts and v3.ts render them. Only what server.ts handles is listed:
// no /watch/ paths (a watch is `?watch=true` on a list), no proxy, no server-side apply.
import type { GroupVersionKind } from '../../api/k8s-catalog.js';
import type { KindDef } from '../../api/kinds/kind.js';
import { OBJECT_TYPES, PATCH_TYPES } from '../body.js';

export type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
}

/** What a response or request body is: the kind, its list, or text (a pod's log). */
export type Payload = 'object' | 'list' | 'text';

export interface Operation {
  method: Method;
  operationId: string;
  description: string;
  /** x-kubernetes-action: get, list, post, put, patch, delete, deletecollection */
  action: string;
  gvk: GroupVersionKind;
  parameters: Parameter[];
  /** the request body: the object itself, or a patch of one of `consumes` */
  body?: 'object' | 'patch';
  consumes: string[];
  produces: string[];
  /** status code -> payload, for the successful answers */
  responses: Record<string, Payload>;
}

export interface PathItem {
  path: string;
  /** parameters of every operation of the path (name, namespace) */
  parameters: Parameter[];
  operations: Operation[];
}

const JSON_TYPE = 'application/json';
/** The patch types the server applies, server-side apply included. */
export const PATCH_CONTENT_TYPES = Object.keys(PATCH_TYPES);

// Parameter descriptions are Kubernetes' own where k1s behaves as Kubernetes does, and say so where it does not.
const q = (name: string, type: Parameter['type'], description: string): Parameter => ({ name, in: 'query', type, description });

const DRY_RUN = q(
  'dryRun',
  'string',
  'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
);
const FIELD_MANAGER = q(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.',
);
const PATCH_FIELD_MANAGER = q(
  'fieldManager',
  'string',
  'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).',
);
const FORCE = q(
  'force',
  'boolean',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
);
const FIELD_VALIDATION = q(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Strict (the default here) fails the request on an unknown field, naming it; Warn drops unknown fields with a Warning header; Ignore drops them silently. A field Kubernetes has but k1s does not implement yet is refused as such whatever the value.',
);
const WRITE_PARAMETERS = [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION];
const PATCH_PARAMETERS = [DRY_RUN, PATCH_FIELD_MANAGER, FIELD_VALIDATION, FORCE];

const LIST_PARAMETERS = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.'),
];

const DELETE_PARAMETERS = [
  DRY_RUN,
  q('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
];

const LOG_PARAMETERS = [
  q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.'),
  q('sinceTime', 'string', 'An RFC3339 timestamp from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.'),
  q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime'),
  q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
];

const pathParameter = (name: string, description: string): Parameter => ({ name, in: 'path', type: 'string', required: true, description });
const NAMESPACE = pathParameter('namespace', 'object name and auth scope, such as for teams and projects');

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "core_v1", "apps_v1": the tag of a group-version's operations. */
export function tagOf(r: Pick<KindDef, 'group' | 'version'>): string {
  return `${(r.group || 'core').split('.')[0]}_${r.version}`;
}

/** Every path k1s serves for a kind, with its operations. */
export function pathsOf(r: KindDef): PathItem[] {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  const gv = `${pascal((r.group || 'core').split('.')[0])}${pascal(r.version)}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${root}/namespaces/{namespace}/${r.resource}` : `${root}/${r.resource}`;
  const scopeParameters = r.namespaced ? [NAMESPACE] : [];
  const name = pathParameter('name', `name of the ${r.kind}`);

  /** `operationId` in `more` is the part after verb and group-version ("NamespacedPodStatus"). */
  const op = (method: Method, verb: string, action: string, description: string, more: Partial<Operation>): Operation => {
    const { operationId = `${scope}${r.kind}`, ...rest } = more;
    return {
      method,
      operationId: `${verb}${gv}${operationId}`,
      description,
      action,
      gvk,
      parameters: [],
      consumes: [],
      produces: [JSON_TYPE],
      responses: { '200': 'object' },
      ...rest,
    };
  };
  /** a PUT or PATCH of the object (suffix '') or of its status ('Status') */
  const writes = (method: 'put' | 'patch', suffix: '' | 'Status'): Operation =>
    op(method, method === 'put' ? 'replace' : 'patch', method, `${method === 'put' ? 'replace' : 'partially update'} ${suffix ? 'status of ' : ''}the specified ${r.kind}`, {
      operationId: `${scope}${r.kind}${suffix}`,
      parameters: method === 'put' ? WRITE_PARAMETERS : PATCH_PARAMETERS,
      body: method === 'put' ? 'object' : 'patch',
      consumes: method === 'put' ? OBJECT_TYPES : PATCH_CONTENT_TYPES,
      responses: { '200': 'object', '201': 'object' },
    });

  const items: PathItem[] = [
    {
      path: collection,
      parameters: scopeParameters,
      operations: [
        op('get', 'list', 'list', `list or watch objects of kind ${r.kind}`, {
          parameters: LIST_PARAMETERS,
          produces: [JSON_TYPE, 'application/json;stream=watch'],
          responses: { '200': 'list' },
        }),
        op('post', 'create', 'post', `create a ${r.kind}`, {
          parameters: WRITE_PARAMETERS,
          body: 'object',
          consumes: OBJECT_TYPES,
          responses: { '200': 'object', '201': 'object', '202': 'object' },
        }),
        op('delete', 'delete', 'deletecollection', `delete collection of ${r.kind}`, {
          operationId: `Collection${scope}${r.kind}`,
          parameters: [...DELETE_PARAMETERS, ...LIST_PARAMETERS.filter((p) => p.name === 'labelSelector' || p.name === 'fieldSelector')],
          responses: { '200': 'list' },
        }),
      ],
    },
    {
      path: `${collection}/{name}`,
      parameters: [name, ...scopeParameters],
      operations: [
        op('get', 'read', 'get', `read the specified ${r.kind}`, {}),
        writes('put', ''),
        writes('patch', ''),
        op('delete', 'delete', 'delete', `delete a ${r.kind}`, { parameters: DELETE_PARAMETERS, responses: { '200': 'object', '202': 'object' } }),
      ],
    },
  ];
  if (r.namespaced) {
    items.push({
      path: `${root}/${r.resource}`,
      parameters: [],
      operations: [
        op('get', 'list', 'list', `list or watch objects of kind ${r.kind}`, {
          operationId: `${r.kind}ForAllNamespaces`,
          parameters: LIST_PARAMETERS,
          produces: [JSON_TYPE, 'application/json;stream=watch'],
          responses: { '200': 'list' },
        }),
      ],
    });
  }
  if (r.subresources.includes('status')) {
    items.push({
      path: `${collection}/{name}/status`,
      parameters: [name, ...scopeParameters],
      operations: [
        op('get', 'read', 'get', `read status of the specified ${r.kind}`, { operationId: `${scope}${r.kind}Status` }),
        writes('put', 'Status'),
        writes('patch', 'Status'),
      ],
    });
  }
  if (r.subresources.includes('log')) {
    items.push({
      path: `${collection}/{name}/log`,
      parameters: [name, ...scopeParameters],
      operations: [
        op('get', 'read', 'get', `read log of the specified ${r.kind}`, {
          operationId: `${scope}${r.kind}Log`,
          parameters: LOG_PARAMETERS,
          produces: ['text/plain'],
          responses: { '200': 'text' },
        }),
      ],
    });
  }
  return items;
}
