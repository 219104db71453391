import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { patchMetaFromTable, strategicMergePatch, type PatchFieldMeta, type PatchMetaLookup } from '../../../../src/api/patch/strategic.js';
import { GENERIC_422_MESSAGE, PatchError } from '../../../../src/api/patch/error.js';
import { deepFreeze, deployment, sharesNothing, type Deployment } from './fixtures.js';

// The patchStrategy/patchMergeKey tags of k8s.io/api (core/v1 PodSpec, Container, ObjectMeta, ...).
function podSpecTags(prefix: string): Record<string, PatchFieldMeta> {
  const tags: Record<string, PatchFieldMeta> = {
    volumes: { strategy: 'merge,retainKeys', mergeKey: 'name' },
    imagePullSecrets: { strategy: 'merge', mergeKey: 'name' },
  };
  for (const list of ['containers', 'initContainers']) {
    tags[list] = { strategy: 'merge', mergeKey: 'name' };
    tags[`${list}.ports`] = { strategy: 'merge', mergeKey: 'containerPort' };
    tags[`${list}.env`] = { strategy: 'merge', mergeKey: 'name' };
    tags[`${list}.volumeMounts`] = { strategy: 'merge', mergeKey: 'mountPath' };
  }
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}.${k}`, v]));
}

const metaTags: Record<string, PatchFieldMeta> = {
  'metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'metadata.finalizers': { strategy: 'merge' },
};

export const deploymentMeta = patchMetaFromTable({
  ...metaTags,
  ...podSpecTags('spec.template.spec'),
  'spec.strategy': { strategy: 'retainKeys' },
  'status.conditions': { strategy: 'merge', mergeKey: 'type' },
});

export const podMeta = patchMetaFromTable({
  ...metaTags,
  ...podSpecTags('spec'),
  'status.conditions': { strategy: 'merge', mergeKey: 'type' },
});

export const serviceMeta = patchMetaFromTable({
  ...metaTags,
  'spec.ports': { strategy: 'merge', mergeKey: 'port' },
});

interface Case {
  meta?: PatchMetaLookup;
  original: unknown;
  /** the body as the client sends it */
  patch: string;
  expected: unknown;
}

const web = (d: Deployment) => d.spec.template.spec.containers[0];
const withLog = (d: Deployment) => d.spec.template.spec.containers.push({ name: 'log', image: 'busybox:1' });
const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"web","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"b:2","name":"web"}]}}}}\n';

const pod = (status: Record<string, unknown>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'p-1' },
  spec: { containers: [{ name: 'web', image: 'a:1' }] },
  status,
});
const conditions = (ready: string) => [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: ready },
  { type: 'ContainersReady', status: ready },
  { type: 'PodScheduled', status: 'True' },
];
const service = (ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports } });
const ref = (uid: string, controller?: boolean) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${uid}`, uid, ...(controller ? { controller, blockOwnerDeletion: true } : {}) });

const cases: Record<string, Case> = {
  // kubectl apply (CreateThreeWayMergePatch) after the image changed in the file
  'kubectl apply: new image': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"b:2","name":"web"}]}}}}',
    expected: deployment((d) => { web(d).image = 'b:2'; }),
  },
  'kubectl apply: new image and last-applied-configuration': {
    original: deployment(),
    patch: JSON.stringify({ metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }, spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ image: 'b:2', name: 'web' }] } } } }),
    expected: deployment((d) => {
      d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = lastApplied;
      web(d).image = 'b:2';
    }),
  },
  'kubectl apply: a port removed from the file': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/ports":[{"containerPort":80}],"name":"web","ports":[{"$patch":"delete","containerPort":8080}]}]}}}}',
    expected: deployment((d) => { web(d).ports = [{ containerPort: 80, protocol: 'TCP' }]; }),
  },
  'kubectl apply: a volume mount added (volumeMounts by mountPath)': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/volumeMounts":[{"mountPath":"/data"},{"mountPath":"/cache"}],"name":"web","volumeMounts":[{"mountPath":"/cache","name":"cache"}]}]}}}}',
    expected: deployment((d) => { web(d).volumeMounts = [{ name: 'data', mountPath: '/data' }, { mountPath: '/cache', name: 'cache' }]; }),
  },
  'kubectl apply: containers reordered, nothing else changed': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"log"},{"name":"web"}]}}}}',
    expected: deployment((d) => { withLog(d); d.spec.template.spec.containers.reverse(); }),
  },
  'kubectl apply: initContainers by name': {
    original: deployment((d) => { d.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox:1' }]; }),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/initContainers":[{"name":"init"}],"initContainers":[{"image":"busybox:2","name":"init"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox:2' }]; }),
  },
  // volumes are merge,retainKeys: switching the volume source clears the old one
  'kubectl apply: a volume switched from emptyDir to hostPath ($retainKeys)': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/volumes":[{"name":"data"}],"volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/srv/data"},"name":"data"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.volumes = [{ name: 'data', hostPath: { path: '/srv/data' } }]; }),
  },
  'kubectl apply: strategy RollingUpdate to Recreate ($retainKeys)': {
    original: deployment(),
    patch: '{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}',
    expected: deployment((d) => { d.spec.strategy = { type: 'Recreate' }; }),
  },
  'kubectl apply: finalizer added ($setElementOrder of a primitive list)': {
    original: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/a'] }); }),
    patch: '{"metadata":{"$setElementOrder/finalizers":["example.com/a","example.com/b"],"finalizers":["example.com/b"]}}',
    expected: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/a', 'example.com/b'] }); }),
  },
  'kubectl apply: finalizer removed ($deleteFromPrimitiveList)': {
    original: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/a', 'example.com/b'] }); }),
    patch: '{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/a"],"$setElementOrder/finalizers":["example.com/b"]}}',
    expected: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/b'] }); }),
  },
  // kubectl set image / set env / edit: CreateTwoWayMergePatch, which also sends $setElementOrder
  'kubectl set image web=a:2 (two containers)': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"log"}],"containers":[{"image":"a:2","name":"web"}]}}}}',
    expected: deployment((d) => { withLog(d); web(d).image = 'a:2'; }),
  },
  'kubectl set image log=busybox:2 (two containers)': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"log"}],"containers":[{"image":"busybox:2","name":"log"}]}}}}',
    expected: deployment((d) => { withLog(d); d.spec.template.spec.containers[1].image = 'busybox:2'; }),
  },
  'kubectl set env B=2 (added after A)': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"B"}],"env":[{"name":"B","value":"2"}],"name":"web"}]}}}}',
    expected: deployment((d) => { web(d).env = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]; }),
  },
  'kubectl set env A=9 (changed)': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"name":"A","value":"9"}],"name":"web"}]}}}}',
    expected: deployment((d) => { web(d).env = [{ name: 'A', value: '9' }]; }),
  },
  'kubectl set env A- (one of two removed)': {
    original: deployment((d) => { web(d).env.push({ name: 'B', value: '2' }); }),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"B"}],"env":[{"$patch":"delete","name":"A"}],"name":"web"}]}}}}',
    expected: deployment((d) => { web(d).env = [{ name: 'B', value: '2' }]; }),
  },
  'kubectl set env A- (the last one removed)': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"env":null,"name":"web"}]}}}}',
    expected: deployment((d) => { delete web(d).env; }),
  },
  'kubectl rollout restart': {
    original: deployment(),
    patch: '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-06-01T10:00:00Z"}}}}}',
    expected: deployment((d) => { d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2025-06-01T10:00:00Z' }; }),
  },
  'kubectl rollout pause': {
    original: deployment(),
    patch: '{"spec":{"paused":true}}',
    expected: deployment((d) => { Object.assign(d.spec, { paused: true }); }),
  },
  // kubectl rollout undo of a DaemonSet/StatefulSet sends a ControllerRevision's data
  'rollout undo (ControllerRevision data): $patch: replace on a map': {
    original: deployment(),
    patch: '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"a:0","name":"web"}]}}}}',
    expected: deployment((d) => { d.spec.template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ image: 'a:0', name: 'web' }] } }; }),
  },
  'kubectl patch: labels merge, null deletes': {
    original: deployment((d) => { d.metadata.labels.tier = 'front'; }),
    patch: '{"metadata":{"labels":{"env":"prod","tier":null}}}',
    expected: deployment((d) => { d.metadata.labels.env = 'prod'; }),
  },
  // Without $setElementOrder a new element goes first (apimachinery's mergeSortedSlice)
  'kubectl patch: a new container goes to the front': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"busybox:1"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.containers.unshift({ name: 'log', image: 'busybox:1' }); }),
  },
  'kubectl patch: a new env var goes to the front': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"B","value":"2"}]}]}}}}',
    expected: deployment((d) => { web(d).env.unshift({ name: 'B', value: '2' }); }),
  },
  'kubectl patch: a changed container keeps its place': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"busybox:2"}]}}}}',
    expected: deployment((d) => { withLog(d); d.spec.template.spec.containers[1].image = 'busybox:2'; }),
  },
  'kubectl patch: a port deleted by $patch: delete': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":8080,"$patch":"delete"}]}]}}}}',
    expected: deployment((d) => { web(d).ports.pop(); }),
  },
  'kubectl patch: a container deleted by $patch: delete': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"containers":[{"$patch":"delete","name":"log"}]}}}}',
    expected: deployment(),
  },
  'kubectl patch: $patch: replace on a list': {
    original: deployment(withLog),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x:1"},{"$patch":"replace"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.containers = [{ name: 'only', image: 'x:1' }]; }),
  },
  'kubectl patch: $patch: delete on a map leaves it empty': {
    original: deployment(),
    patch: '{"spec":{"strategy":{"$patch":"delete"}}}',
    expected: deployment((d) => { d.spec.strategy = {}; }),
  },
  'kubectl patch: imagePullSecrets by name': {
    original: deployment((d) => { d.spec.template.spec.imagePullSecrets = [{ name: 'a' }]; }),
    patch: '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"b"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.imagePullSecrets = [{ name: 'b' }, { name: 'a' }]; }),
  },
  'kubectl patch: finalizers are a set; a new one goes first': {
    original: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/a'] }); }),
    patch: '{"metadata":{"finalizers":["example.com/b","example.com/a"]}}',
    expected: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/b', 'example.com/a'] }); }),
  },
  'kubectl patch: a list without a strategy is replaced (args)': {
    original: deployment((d) => { web(d).args = ['--a', '--b']; }),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"web","args":["--c"]}]}}}}',
    expected: deployment((d) => { web(d).args = ['--c']; }),
  },
  'kubectl patch: a list without a strategy is replaced (tolerations)': {
    original: deployment((d) => { d.spec.template.spec.tolerations = [{ key: 'a', operator: 'Exists' }]; }),
    patch: '{"spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.tolerations = [{ key: 'b', operator: 'Exists' }]; }),
  },
  'a new map loses its nulls and any object with $patch': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"nodeSelector":{"disk":"ssd","zone":null},"affinity":{"nodeAffinity":{"$patch":"delete"}}}}}}',
    expected: deployment((d) => { Object.assign(d.spec.template.spec, { nodeSelector: { disk: 'ssd' }, affinity: {} }); }),
  },
  // mergeSliceWithoutSpecialElements appends the patch's element as it is
  'an element appended to a merged list keeps its nulls': {
    original: deployment(),
    patch: '{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"busybox:1","env":null}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.containers.unshift({ name: 'log', image: 'busybox:1', env: null }); }),
  },
  'a value of another type replaces the old one': {
    original: deployment(),
    patch: '{"spec":{"strategy":"Recreate","replicas":"2"}}',
    expected: deployment((d) => { Object.assign(d.spec, { strategy: 'Recreate', replicas: '2' }); }),
  },
  'null for a missing key is nothing to do': {
    original: deployment(),
    patch: '{"spec":{"paused":null},"status":{"$deleteFromPrimitiveList/nothing":["x"]}}',
    expected: deployment(),
  },
  'an empty list in the original counts as absent (kube never stores one)': {
    original: deployment((d) => { d.spec.template.spec.imagePullSecrets = []; }),
    patch: '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"a","x":null}]}}}}',
    expected: deployment((d) => { d.spec.template.spec.imagePullSecrets = [{ name: 'a' }]; }),
  },
  'a null body is an empty patch': {
    original: deployment(),
    patch: 'null',
    expected: deployment(),
  },
  // the garbage collector removing an owner; a controller adopting
  'GC: ownerReferences element deleted by uid': {
    original: deployment((d) => { Object.assign(d.metadata, { ownerReferences: [ref('u1', true), ref('u2')] }); }),
    patch: '{"metadata":{"ownerReferences":[{"$patch":"delete","uid":"u1"}],"uid":"b1f3c2de-0000-4000-8000-000000000001"}}',
    expected: deployment((d) => { Object.assign(d.metadata, { ownerReferences: [ref('u2')] }); }),
  },
  'adoption: ownerReferences merged by uid': {
    original: deployment((d) => { Object.assign(d.metadata, { ownerReferences: [ref('u1')] }); }),
    patch: JSON.stringify({ metadata: { ownerReferences: [ref('u1', true)], uid: 'b1f3c2de-0000-4000-8000-000000000001' } }),
    expected: deployment((d) => { Object.assign(d.metadata, { ownerReferences: [ref('u1', true)] }); }),
  },
  // the kubelet's status manager patches conditions by type
  'kubelet: pod status conditions by type': {
    meta: podMeta,
    original: pod({ phase: 'Running', conditions: conditions('False') }),
    patch: '{"metadata":{"uid":"p-1"},"status":{"$setElementOrder/conditions":[{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"status":"True","type":"Ready"},{"status":"True","type":"ContainersReady"}]}}',
    expected: pod({ phase: 'Running', conditions: conditions('True') }),
  },
  'kubectl apply: Service port targetPort changed (spec.ports by port)': {
    meta: serviceMeta,
    original: service([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }]),
    patch: '{"spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],"ports":[{"port":80,"targetPort":8081}]}}',
    expected: service([{ name: 'http', port: 80, targetPort: 8081, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }]),
  },
  'kubectl apply: Service port removed': {
    meta: serviceMeta,
    original: service([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }]),
    patch: '{"spec":{"$setElementOrder/ports":[{"port":443}],"ports":[{"$patch":"delete","port":80}]}}',
    expected: service([{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }]),
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`strategic merge patch: ${name}`, () => {
    const original = deepFreeze(structuredClone(c.original));
    const patch = deepFreeze(JSON.parse(c.patch));
    const out = strategicMergePatch(original, patch, c.meta ?? deploymentMeta);
    assert.deepEqual(out, c.expected);
    assert.ok(sharesNothing(out, original, patch), 'the result is a fresh object');
  });
}

interface ErrorCase {
  meta?: PatchMetaLookup;
  original?: unknown;
  patch: string;
  code: number;
  message: string;
  detail?: string;
}

const errors: Record<string, ErrorCase> = {
  'a container without its merge key': {
    patch: '{"spec":{"template":{"spec":{"containers":[{"image":"x:1"}]}}}}',
    code: 500,
    message: 'map: map[image:x:1] does not contain declared merge key: name',
  },
  'a Service port without its merge key': {
    meta: serviceMeta,
    original: service([{ port: 80, targetPort: 8080 }]),
    patch: '{"spec":{"ports":[{"targetPort":441}]}}',
    code: 500,
    message: 'map: map[targetPort:441] does not contain declared merge key: port',
  },
  '$patch: delete without the merge key': {
    patch: '{"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}}',
    code: 500,
    message: 'map: map[$patch:delete] does not contain declared merge key: name',
  },
  'an unknown $patch on a list element': {
    patch: '{"spec":{"template":{"spec":{"containers":[{"$patch":"remove","name":"web"}]}}}}',
    code: 500,
    message: 'unknown patch type: remove in map: map[$patch:remove name:web]',
  },
  'an unknown $patch on a map': {
    patch: '{"spec":{"strategy":{"$patch":"remove","type":"Recreate"}}}',
    code: 500,
    message: 'unknown patch type: remove in map: map[$patch:remove type:Recreate]',
  },
  'a $patch that is not a string': {
    patch: '{"spec":{"$patch":5}}',
    code: 500,
    message: 'unknown patch type: %!s(int64=5) in map: map[$patch:5]',
  },
  '$patch: merge on a list element': {
    patch: '{"spec":{"template":{"spec":{"containers":[{"$patch":"merge","name":"web"}]}}}}',
    code: 500,
    message: 'merging lists cannot yet be specified in the patch',
  },
  '$retainKeys that is not a list': {
    patch: '{"spec":{"strategy":{"$retainKeys":"type","type":"Recreate"}}}',
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  '$retainKeys without a key the patch sets': {
    patch: '{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1},"type":"RollingUpdate"}}}',
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  '$setElementOrder that does not list a patched element': {
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"x:1","name":"log"}]}}}}',
    code: 500,
    message: 'The order in patch list:\n[map[image:x:1 name:log]]\n doesn\'t match $setElementOrder list:\n[map[name:web]]\n',
  },
  '$setElementOrder that is not a list': {
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":"web"}}}}',
    code: 500,
    message: 'expected a []interface {}, but received a string',
  },
  '$setElementOrder with an element missing the merge key': {
    patch: '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"nome":"web"}],"containers":[{"image":"b:2","name":"web"}]}}}}',
    code: 500,
    message: 'map: map[nome:web] does not contain declared merge key: name',
  },
  '$setElementOrder without a field': {
    patch: '{"spec":{"$setElementOrder":[]}}',
    code: 400,
    message: 'invalid patch format of setElementOrder list',
  },
  '$deleteFromPrimitiveList without a field': {
    patch: '{"metadata":{"$deleteFromPrimitiveList":["example.com/a"]}}',
    code: 400,
    message: 'invalid patch format of primitive list',
  },
  // unreachable with a typed original, whose first element decides
  'a list of lists': {
    original: deployment((d) => { Object.assign(d.metadata, { finalizers: [['example.com/a']] }); }),
    patch: '{"metadata":{"finalizers":[["example.com/b"]]}}',
    code: 422,
    message: GENERIC_422_MESSAGE,
    detail: 'lists of lists are not supported',
  },
  'list elements of different types': {
    original: deployment((d) => { Object.assign(d.metadata, { finalizers: ['example.com/a'] }); }),
    patch: '{"metadata":{"finalizers":[1]}}',
    code: 500,
    message: 'list element types are not identical: [[example.com/a] [1]]',
  },
  'a body that is not an object': {
    patch: '[{"op":"add"}]',
    code: 400,
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
};

for (const [name, c] of Object.entries(errors)) {
  test(`strategic merge patch error: ${name}`, () => {
    const original = deepFreeze(c.original ?? deployment());
    assert.throws(() => strategicMergePatch(original, JSON.parse(c.patch), c.meta ?? deploymentMeta), (e: unknown) => {
      assert.ok(e instanceof PatchError, String(e));
      assert.equal(e.message, c.message);
      assert.equal(e.code, c.code);
      assert.equal(e.reason, ({ 400: 'BadRequest', 422: 'Invalid' } as Record<number, string>)[c.code]);
      assert.equal(e.detail, c.detail ?? c.message);
      return true;
    });
  });
}

test('patchMetaFromTable looks up dot-joined paths and nothing else', () => {
  const lookup = patchMetaFromTable({ 'spec.ports': { strategy: 'merge', mergeKey: 'port' } });
  assert.deepEqual(lookup(['spec', 'ports']), { strategy: 'merge', mergeKey: 'port' });
  assert.equal(lookup(['spec']), undefined);
  assert.equal(lookup(['constructor']), undefined);
  assert.equal(lookup(['toString']), undefined);
});

test('strategic merge patch: the field path passed to the lookup leaves out list levels', () => {
  const asked: string[] = [];
  const meta: PatchMetaLookup = (path) => {
    asked.push(path.join('.'));
    return deploymentMeta(path);
  };
  strategicMergePatch(deployment(), JSON.parse('{"spec":{"template":{"spec":{"containers":[{"name":"web","ports":[{"containerPort":80,"name":"http"}]}]}}}}'), meta);
  assert.ok(asked.includes('spec.template.spec.containers.ports'), asked.join(' '));
});

// Cases from apimachinery's own tests (strategicpatch/patch_test.go): `patch` is a two-way or
// three-way patch that kubectl computed, `original` the object it is applied to, over the fields of
// the test type MergeItem. Several pin down the order of elements the patch does not mention.
const mergeItemTags: Record<string, PatchFieldMeta> = {
  mergingList: { strategy: 'merge', mergeKey: 'name' },
  mergeItemPtr: { strategy: 'merge', mergeKey: 'name' },
  mergingIntList: { strategy: 'merge' },
  retainKeysMap: { strategy: 'retainKeys' },
  retainKeysMergingList: { strategy: 'merge,retainKeys', mergeKey: 'name' },
  replacingItem: { strategy: 'replace' },
};
// MergeItem is recursive, so a field's last name decides
const mergeItemMeta: PatchMetaLookup = (path) => mergeItemTags[path[path.length - 1]];

const upstream: Record<string, { original: string; patch: string; expected: string }> = {
  'delete items in lists of scalars': {
    original: 'mergingIntList: [1, 2, 3, 4]',
    patch: '{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}',
    expected: 'mergingIntList: [1, 2, 4]',
  },
  'add and delete items in lists of scalars': {
    original: 'mergingIntList: [1, 2, 3]',
    patch: '{$setElementOrder/mergingIntList: [1, 2, 4], $deleteFromPrimitiveList/mergingIntList: [3], mergingIntList: [4]}',
    expected: 'mergingIntList: [1, 2, 4]',
  },
  'merge lists of maps': {
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: '{$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}',
    expected: 'mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  'merge lists of maps with conflict': {
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]}',
    expected: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  'delete missing map from merging list with conflict': {
    original: 'mergingList: [{name: 3, other: a}]',
    patch: '{$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 2}, {name: 1, $patch: delete}]}',
    expected: 'mergingList: [{name: 2}, {name: 3, other: a}]',
  },
  // these two depend on the original list being rewritten in place (GoSlice in strategic.ts)
  'add map and delete map from merging list': {
    original: 'mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]',
    patch: '{$setElementOrder/mergingList: [{name: 2}, {name: 3}], mergingList: [{name: 3}, {name: 1, $patch: delete}]}',
    expected: 'mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]',
  },
  'add map and delete map from merging list with conflict': {
    original: 'mergingList: [{name: 1, other: a}, {name: 4, other: c}]',
    patch: '{$setElementOrder/mergingList: [{name: 2}, {name: 3}], mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]}',
    expected: 'mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]',
  },
  'delete field from map in merging list': {
    original: 'mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, value: null}]}',
    expected: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
  },
  'replace non merging list nested in merging list': {
    original: 'mergingList: [{name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]}',
    expected: 'mergingList: [{name: 1, other: a, nonMergingList: [{name: 1, value: 1}]}, {name: 2, other: b}]',
  },
  'add field to map in merging list nested in merging list with deletion conflict': {
    original: 'mergingList: [{name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}]}, {name: 2, other: b}]',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{$setElementOrder/mergingList: [{name: 2}, {name: 1}], name: 1, mergingList: [{name: 1, value: 1}]}]}',
    expected: 'mergingList: [{name: 1, other: a, mergingList: [{name: 2, value: 2, other: d}, {name: 1, value: 1}]}, {name: 2, other: b}]',
  },
  'add map to merging list by pointer': {
    original: 'mergeItemPtr: [{name: 1, other: a}, {name: 3}]',
    patch: '{$setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}], mergeItemPtr: [{name: 2}]}',
    expected: 'mergeItemPtr: [{name: 1, other: a}, {name: 2}, {name: 3}]',
  },
  'add map to merging list by pointer with conflict': {
    original: 'mergeItemPtr: [{name: 3}]',
    patch: '{$setElementOrder/mergeItemPtr: [{name: 1}, {name: 2}], mergeItemPtr: [{name: 1}, {name: 2}]}',
    expected: 'mergeItemPtr: [{name: 1}, {name: 2}, {name: 3}]',
  },
  'merge lists of scalars': {
    original: 'mergingIntList: [1, 2, 4]',
    patch: '{$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3]}',
    expected: 'mergingIntList: [1, 2, 3, 4]',
  },
  'add an item in a list of primitives and preserve order': {
    original: 'mergingIntList: [1, 4, 2]',
    patch: '{$setElementOrder/mergingIntList: [3, 1, 2], mergingIntList: [3]}',
    expected: 'mergingIntList: [3, 1, 4, 2]',
  },
  'delete an item in a list of primitives and preserve order': {
    original: 'mergingIntList: [1, 2, 3]',
    patch: '{$setElementOrder/mergingIntList: [2, 1], $deleteFromPrimitiveList/mergingIntList: [3]}',
    expected: 'mergingIntList: [2, 1]',
  },
  'add and delete an item in a list and preserve order': {
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
    patch: '{$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 1}], mergingList: [{name: 4, value: 4}, {name: 3, $patch: delete}]}',
    expected: 'mergingList: [{name: 4, value: 4}, {name: 2, value: 2, other: b}, {name: 1, other: a}]',
  },
  'set elements order in a list with server-only items': {
    original: 'mergingList: [{name: 1, other: a}, {name: 3, value: 3}, {name: 4, value: 4}, {name: 2, value: 2}, {name: 9}]',
    patch: '{$setElementOrder/mergingList: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]}',
    expected: 'mergingList: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}, {name: 1, other: a}, {name: 9}]',
  },
  'set elements order in a list with server-only items 3': {
    original: 'mergingList: [{name: 1, other: a}, {name: 2, value: 2}, {name: 7}, {name: 9}, {name: 8}, {name: 3, value: 3}, {name: 4, value: 4}]',
    patch: '{$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]}',
    expected: 'mergingList: [{name: 2, value: 2}, {name: 1, other: a}, {name: 7}, {name: 9}, {name: 8}, {name: 4, value: 4}, {name: 3, value: 3}]',
  },
  'set elements order in a int list with server-only items 2': {
    original: 'mergingIntList: [1, 2, 9, 3, 4]',
    patch: '{$setElementOrder/mergingIntList: [2, 1, 4, 3]}',
    expected: 'mergingIntList: [2, 1, 9, 4, 3]',
  },
  'behavior of set element order for a merging list with duplicate': {
    original: 'mergingList: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]',
    patch: '{$setElementOrder/mergingList: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]}',
    expected: 'mergingList: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]',
  },
  '$setElementOrder contains item that is not present in the list to be merged': {
    original: 'mergingList: [{name: 1}, {name: 3}]',
    patch: '{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}',
    expected: 'mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
  },
  'retainKeys map should clear defaulted field with conflict (discriminated union)': {
    original: 'retainKeysMap: {name: type1, value: foo}',
    patch: '{retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}}',
    expected: 'retainKeysMap: {name: type2, other: bar}',
  },
  'retainKeys map adds an item and deletes an item in nested merging int list': {
    original: 'retainKeysMap: {name: foo, mergingIntList: [1, 2, 3, 4]}',
    patch: '{retainKeysMap: {$retainKeys: [mergingIntList, name], mergingIntList: [5], $deleteFromPrimitiveList/mergingIntList: [2], $setElementOrder/mergingIntList: [1, 3, 5]}}',
    expected: 'retainKeysMap: {name: foo, mergingIntList: [1, 3, 5, 4]}',
  },
  'retainKeys map deletes an item in nested merging list': {
    original: 'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: b}, {name: x}]}',
    patch: '{retainKeysMap: {$retainKeys: [mergingList, name], $setElementOrder/mergingList: [{name: a}], mergingList: [{name: b, $patch: delete}]}}',
    expected: 'retainKeysMap: {name: foo, mergingList: [{name: a}, {name: x}]}',
  },
  'retainKeys list of maps changes a field and clear a field': {
    original: 'retainKeysMergingList: [{name: bar}, {name: foo, value: old, other: x}]',
    patch: '{$setElementOrder/retainKeysMergingList: [{name: bar}, {name: foo}], retainKeysMergingList: [{$retainKeys: [name, value], name: foo, value: new}]}',
    expected: 'retainKeysMergingList: [{name: bar}, {name: foo, value: new}]',
  },
  'delete all maps from merging list': {
    original: 'mergingList: [{name: 1}, {name: 2}]',
    patch: '{mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]}',
    expected: 'mergingList: []',
  },
  'delete all items from merging list ($patch: replace)': {
    original: 'mergingList: [{name: 1}, {name: 2}]',
    patch: '{mergingList: [{$patch: replace}]}',
    expected: 'mergingList: []',
  },
  'add key and delete all keys from map': {
    original: '{name: 1, value: 1}',
    patch: '{other: a, $patch: replace}',
    expected: '{other: a}',
  },
  'unique scalars when merging lists': {
    original: 'mergingIntList: [1, 2]',
    patch: '{mergingIntList: [2, 3]}',
    expected: 'mergingIntList: [1, 2, 3]',
  },
  'preserve the order from the patch in a merging list 2': {
    original: 'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: '{mergingList: [{name: 3, value: c}, {name: 1, value: a}]}',
    expected: 'mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
  },
  'preserve the order from the patch in a merging int list': {
    original: 'mergingIntList: [1, 2, 3]',
    patch: '{mergingIntList: [3, 1]}',
    expected: 'mergingIntList: [2, 3, 1]',
  },
  'replace RawExtension field and merge list': {
    original: '{name: my-object, mergingList: [{name: 1}], replacingItem: {Some: Generic, Yaml: Inside, The: RawExtension, Field: Period}}',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 2}], replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}}',
    expected: '{name: my-object, mergingList: [{name: 1}, {name: 2}], replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}}',
  },
};

for (const [name, c] of Object.entries(upstream)) {
  test(`strategic merge patch (apimachinery's case): ${name}`, () => {
    const out = strategicMergePatch(deepFreeze(parse(c.original)), deepFreeze(parse(c.patch)), mergeItemMeta);
    assert.deepEqual(out, parse(c.expected));
  });
}

const upstreamErrors: Record<string, { original: string; patch: string; includes: string }> = {
  'should check if order in $setElementOrder and patch list match': {
    original: 'mergingList: [{name: 1}, {name: 3}, {name: 2}]',
    patch: '{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}',
    includes: "doesn't match",
  },
  'should check if order in $setElementOrder and patch int list match': {
    original: 'mergingIntList: [1, 3, 2]',
    patch: '{$setElementOrder/mergingIntList: [1, 2, 3], mergingIntList: [3, 1]}',
    includes: "doesn't match",
  },
  'missing merge key should error out': {
    original: 'mergingList: [{name: 1, value: a}]',
    patch: '{mergingList: [{value: b}]}',
    includes: 'does not contain declared merge key',
  },
};

for (const [name, c] of Object.entries(upstreamErrors)) {
  test(`strategic merge patch error (apimachinery's case): ${name}`, () => {
    assert.throws(() => strategicMergePatch(parse(c.original), parse(c.patch), mergeItemMeta), (e: unknown) => {
      assert.ok(e instanceof PatchError && e.message.includes(c.includes), String(e));
      return true;
    });
  });
}
