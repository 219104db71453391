// The documents and how they are served: what kubectl looks for in them (the PATCH operation of a
// kind with fieldValidation; strategic merge patch; the kind's schema by group-version-kind), and
// kube-openapi's negotiation, ETags and hash caching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApiError } from '../../../../src/api/errors.js';
import { RESOURCES } from '../../../../src/api/resources.js';
import { encodeOpenAPIV2 } from '../../../../src/apiserver/openapi/gnostic.js';
import { PATCH_CONTENT_TYPES } from '../../../../src/apiserver/openapi/operations.js';
import { buildDefinitions } from '../../../../src/apiserver/openapi/schemas.js';
import {
  negotiate,
  OpenAPIDocuments,
  openAPIResponse,
  parseAccept,
  V2_PROTOBUF,
  V2_PROTOBUF_DEPRECATED,
  type OpenAPIRequest,
} from '../../../../src/apiserver/openapi/serve.js';
import { buildOpenAPIV2 } from '../../../../src/apiserver/openapi/v2.js';
import { buildOpenAPIV3, COMPONENT_REF, type OpenAPIV3Document } from '../../../../src/apiserver/openapi/v3.js';

const built = buildDefinitions(RESOURCES);
const v2 = buildOpenAPIV2(RESOURCES, built, 'v1.32.0');
const v3 = buildOpenAPIV3(RESOURCES, built, 'v1.32.0');
const WRITES = ['post', 'put', 'patch'] as const;
/** kubectl compares group, version and kind, not JSON text */
const sameGVK = (a: unknown, b: { group: string; version: string; kind: string }) => {
  const x = a as typeof b | undefined;
  return x?.group === b.group && x.version === b.version && x.kind === b.kind;
};

test('v2: every write of every kind takes fieldValidation, dryRun and fieldManager; kubectl finds the PATCH by GVK', () => {
  for (const r of RESOURCES) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const patches = Object.values(v2.paths).filter((p) => p.patch && sameGVK(p.patch['x-kubernetes-group-version-kind'], gvk));
    assert.ok(patches.length >= 1, `${r.kind}: no PATCH operation`);
  }
  let writes = 0;
  for (const [path, item] of Object.entries(v2.paths)) {
    for (const m of WRITES) {
      const op = item[m];
      if (!op) continue;
      writes++;
      const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      for (const want of ['dryRun', 'fieldManager', 'fieldValidation']) assert.ok(names.includes(want), `${m} ${path}: ${want}`);
      assert.equal(op.parameters![0].in, 'body');
    }
  }
  assert.ok(writes > 3 * RESOURCES.length);
});

test('v2: operation ids are unique and kube-style; actions as Kubernetes names them', () => {
  const ids = Object.values(v2.paths).flatMap((item) => (['get', 'put', 'post', 'patch', 'delete'] as const).flatMap((m) => (item[m] ? [item[m]!.operationId] : [])));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ['listCoreV1NamespacedPod', 'createCoreV1NamespacedPod', 'readCoreV1NamespacedPod', 'replaceCoreV1NamespacedPod', 'patchCoreV1NamespacedPod', 'deleteCoreV1NamespacedPod', 'deleteCoreV1CollectionNamespacedPod', 'listCoreV1PodForAllNamespaces', 'readCoreV1NamespacedPodStatus', 'patchCoreV1NamespacedPodStatus', 'readCoreV1NamespacedPodLog', 'patchAppsV1NamespacedDeployment', 'patchCoreV1Namespace', 'listCoreV1Namespace']) {
    assert.ok(ids.includes(id), id);
  }
  const pods = v2.paths['/api/v1/namespaces/{namespace}/pods'];
  assert.deepEqual([pods.get!['x-kubernetes-action'], pods.post!['x-kubernetes-action'], pods.delete!['x-kubernetes-action']], ['list', 'post', 'deletecollection']);
  const pod = v2.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
  assert.deepEqual([pod.get!['x-kubernetes-action'], pod.put!['x-kubernetes-action'], pod.patch!['x-kubernetes-action'], pod.delete!['x-kubernetes-action']], ['get', 'put', 'patch', 'delete']);
  assert.deepEqual(pod.parameters!.map((p) => [p.name, p.in, p.required]), [['name', 'path', true], ['namespace', 'path', true]]);
  // cluster-scoped: no namespace in the path
  assert.ok(v2.paths['/api/v1/namespaces/{name}'].patch);
  assert.ok(!Object.keys(v2.paths).some((p) => p.includes('/watch/')), 'k1s serves watches as ?watch=true only');
});

test('v2: patches name the types the server applies, server-side apply included, and take force', () => {
  const patch = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch!;
  assert.deepEqual(patch.consumes, PATCH_CONTENT_TYPES);
  assert.deepEqual(PATCH_CONTENT_TYPES, ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
  assert.ok(patch.parameters!.some((p) => p.name === 'force'));
  assert.ok(!v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].put!.parameters!.some((p) => p.name === 'force'));
});

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref') out.push(x as string);
      else refs(x, out);
    }
  }
  return out;
}

test('v3: one document per group-version, each with its kinds, their PATCH for strategic merge, and every ref resolved', () => {
  assert.deepEqual([...v3.keys()].sort(), ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/networking.k8s.io/v1', 'apis/policy/v1', 'apis/storage.k8s.io/v1']);
  for (const [gv, doc] of v3) {
    const kinds = RESOURCES.filter((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`) === gv);
    for (const r of kinds) {
      const gvk = { group: r.group, version: r.version, kind: r.kind };
      const schema = Object.values(doc.components.schemas).find((s) => s['x-kubernetes-group-version-kind']?.length === 1 && sameGVK(s['x-kubernetes-group-version-kind'][0], gvk));
      assert.ok(schema, `${gv}: no schema for ${r.kind}`);
      const patch = Object.values(doc.paths).find((p) => p.patch && sameGVK(p.patch['x-kubernetes-group-version-kind'], gvk))?.patch;
      assert.ok(patch, `${gv}: no PATCH for ${r.kind}`);
      assert.ok(patch.parameters!.some((p) => p.name === 'fieldValidation'));
      assert.ok(patch.requestBody!.content['application/strategic-merge-patch+json']);
    }
    for (const ref of refs(doc)) {
      assert.ok(ref.startsWith(COMPONENT_REF) && doc.components.schemas[ref.slice(COMPONENT_REF.length)], `${gv}: ${ref}`);
    }
  }
  // apps/v1 carries what its kinds reach (PodSpec, ObjectMeta), not the core kinds themselves
  const apps = v3.get('apis/apps/v1')! as OpenAPIV3Document;
  assert.ok(apps.components.schemas['io.k8s.api.core.v1.PodSpec']);
  assert.ok(!apps.components.schemas['io.k8s.api.core.v1.Service']);
});

test('v3: a ref with words of its own is wrapped in allOf; IntOrString is one of integer and string', () => {
  const core = v3.get('api/v1')!;
  const spec = core.components.schemas['io.k8s.api.core.v1.Pod'].properties!.spec;
  assert.deepEqual(spec.allOf, [{ $ref: `${COMPONENT_REF}io.k8s.api.core.v1.PodSpec` }]);
  assert.ok(spec.description);
  const intOrString = core.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
  assert.deepEqual(intOrString.oneOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.equal(intOrString.type, undefined);
});

test('Accept: media ranges by preference, first match among the offers', () => {
  assert.deepEqual(parseAccept('application/json;q=0.5, application/x;q=0.9, */*;q=0'), [
    { type: 'application/x', q: 0.9 },
    { type: 'application/json', q: 0.5 },
  ]);
  const offers = ['application/json', V2_PROTOBUF_DEPRECATED, V2_PROTOBUF];
  const cases: [string | undefined, string | undefined][] = [
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['application/*', 'application/json'],
    [V2_PROTOBUF_DEPRECATED, V2_PROTOBUF_DEPRECATED],
    [`${V2_PROTOBUF};q=0.9, application/json;q=0.5`, V2_PROTOBUF],
    ['application/json, */*', 'application/json'],
    ['text/html', undefined],
    ['application/json;q=0', undefined],
  ];
  for (const [accept, want] of cases) assert.equal(negotiate(accept, offers), want, String(accept));
});

const docs = new OpenAPIDocuments(RESOURCES, 'v1.32.0');
const get = (pathname: string, more: Partial<OpenAPIRequest> = {}) => openAPIResponse(docs, { method: 'GET', pathname, query: new URLSearchParams(), ...more });
const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex').toUpperCase();

test('/openapi/v2: JSON or protobuf by Accept, one ETag for both, 304 when it matches', () => {
  const json = get('/openapi/v2', { accept: 'application/json' });
  assert.equal(json.status, 200);
  assert.equal(json.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(Buffer.from(json.body!).toString()), JSON.parse(JSON.stringify(v2)));
  assert.equal(json.headers.ETag, `"${sha512(json.body!)}"`);
  assert.equal(json.headers.Vary, 'Accept');

  const pb = get('/openapi/v2', { accept: V2_PROTOBUF_DEPRECATED });
  assert.equal(pb.headers['Content-Type'], V2_PROTOBUF);
  assert.deepEqual(Buffer.from(pb.body!), Buffer.from(encodeOpenAPIV2(v2)));
  assert.equal(pb.headers.ETag, json.headers.ETag);
  assert.equal(pb.headers['Content-Length'], String(pb.body!.length));

  const again = get('/openapi/v2', { accept: V2_PROTOBUF_DEPRECATED, ifNoneMatch: json.headers.ETag });
  assert.deepEqual([again.status, again.body, again.headers.ETag], [304, undefined, json.headers.ETag]);
  assert.equal(get('/openapi/v2', { ifNoneMatch: '"stale"' }).status, 200);
  assert.throws(() => get('/openapi/v2', { accept: 'text/html' }), (e: ApiError) => e.code === 406);
  assert.throws(() => get('/openapi/v2', { method: 'POST' }), (e: ApiError) => e.code === 405);
});

test('/openapi/v3: the index names each document with the hash of its content; the hash is stable', () => {
  const index = JSON.parse(Buffer.from(get('/openapi/v3').body!).toString()) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.deepEqual(Object.keys(index.paths), ['api/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/networking.k8s.io/v1', 'apis/policy/v1', 'apis/storage.k8s.io/v1']);
  for (const [gv, { serverRelativeURL }] of Object.entries(index.paths)) {
    const url = new URL(serverRelativeURL, 'https://k1s');
    assert.equal(url.pathname, `/openapi/v3/${gv}`);
    const doc = get(url.pathname, { accept: 'application/json' });
    assert.equal(url.searchParams.get('hash'), sha512(doc.body!));
    assert.deepEqual(JSON.parse(Buffer.from(doc.body!).toString()), JSON.parse(JSON.stringify(v3.get(gv))));
  }
  const other = new OpenAPIDocuments(RESOURCES, 'v1.32.0');
  assert.deepEqual(Buffer.from(openAPIResponse(other, { method: 'GET', pathname: '/openapi/v3', query: new URLSearchParams() }).body!), Buffer.from(get('/openapi/v3').body!));
});

test('/openapi/v3/<gv>: immutable caching for the current hash, a redirect for another, none without', () => {
  const hash = sha512(get('/openapi/v3/apis/apps/v1').body!);
  const now = new Date('2025-01-01T00:00:00Z');
  const current = openAPIResponse(docs, { method: 'GET', pathname: '/openapi/v3/apis/apps/v1', query: new URLSearchParams({ hash }) }, now);
  assert.equal(current.status, 200);
  assert.equal(current.headers['Cache-Control'], 'public, immutable');
  assert.equal(current.headers.Expires, 'Thu, 01 Jan 2026 00:00:00 GMT');
  assert.equal(current.headers.ETag, `"${hash}"`);
  const stale = get('/openapi/v3/apis/apps/v1', { query: new URLSearchParams({ hash: 'ABC' }) });
  assert.deepEqual([stale.status, stale.headers.Location, stale.body], [301, `/openapi/v3/apis/apps/v1?hash=${hash}`, undefined]);
  assert.equal(get('/openapi/v3/api/v1').headers['Cache-Control'], undefined);
  assert.throws(() => get('/openapi/v3/apis/rbac.authorization.k8s.io/v1'), (e: ApiError) => e.code === 404);
  assert.throws(() => get('/openapi/v3/api/v1', { accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' }), (e: ApiError) => e.code === 406);
});

test('each document is built once', () => {
  const d = new OpenAPIDocuments(RESOURCES, 'v1.32.0');
  assert.equal(d.v2protobuf(), d.v2protobuf());
  assert.equal(d.v2json(), d.v2json());
  assert.equal(d.v3('api/v1'), d.v3('api/v1'));
  assert.equal(d.v3index(), d.v3index());
});
