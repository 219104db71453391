// The definitions: k1s's schemas decide the fields, Kubernetes' catalog the words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { objectMeta } from '../../../../src/api/fields.js';
import { definitionNamed } from '../../../../src/api/k8s-catalog.js';
import type { KindDef } from '../../../../src/api/kinds/kind.js';
import { apiVersionOf, byKind, RESOURCES } from '../../../../src/api/resources.js';
import { buildDefinitions, DEFINITION_REF, INT_OR_STRING, reachable, type SchemaObject } from '../../../../src/apiserver/openapi/schemas.js';

const built = buildDefinitions(RESOURCES);
const defs = built.definitions;
const def = (name: string) => {
  const d = defs[`io.k8s.api.core.v1.${name}`] ?? defs[`io.k8s.api.apps.v1.${name}`] ?? defs[`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`];
  assert.ok(d, `no definition ${name}`);
  return d;
};
const props = (name: string) => def(name).properties!;

test('every kind has its Kubernetes definition, with its group-version-kind, and a list', () => {
  assert.deepEqual(built.divergences, [], 'k1s and Kubernetes disagree somewhere: extend the catalog or fix the schema');
  for (const r of RESOURCES) {
    const names = built.kinds.get(r)!;
    assert.equal(names.object.split('.').at(-1), r.kind);
    assert.deepEqual(defs[names.object]['x-kubernetes-group-version-kind'], [{ group: r.group, kind: r.kind, version: r.version }]);
    const list = defs[names.list];
    assert.deepEqual(list['x-kubernetes-group-version-kind'], [{ group: r.group, version: r.version, kind: `${r.kind}List` }]);
    assert.equal(list.properties!.items.items!.$ref, DEFINITION_REF + names.object);
  }
});

test('every $ref resolves, and every definition is reached from a kind', () => {
  const roots = [...built.kinds.values()].flatMap((n) => [n.object, n.list]);
  assert.deepEqual(reachable(defs, roots), Object.keys(defs).sort());
});

/** Walks a definition beside the zod schema's JSON Schema: the same fields at every object. */
function sameFields(s: SchemaObject, js: Record<string, unknown>, at: string): void {
  if (s.$ref) return sameFields(defs[s.$ref.slice(DEFINITION_REF.length)], js, at);
  const jsProps = js.properties as Record<string, Record<string, unknown>> | undefined;
  if (jsProps) {
    assert.deepEqual(Object.keys(s.properties ?? {}).sort(), Object.keys(jsProps).sort(), `${at}: fields`);
    for (const [k, v] of Object.entries(jsProps)) sameFields(s.properties![k], v, `${at}.${k}`);
  } else if (js.type === 'array') {
    sameFields(s.items!, js.items as Record<string, unknown>, `${at}[]`);
  } else if (js.type === 'object' && typeof js.additionalProperties === 'object' && s.additionalProperties) {
    // (a map k1s reads whose Kubernetes type is free-form, FieldsV1, stays free-form: nothing inside to compare)
    sameFields(s.additionalProperties, js.additionalProperties as Record<string, unknown>, `${at}{}`);
  }
}

test("each kind's definition has exactly the fields its zod schema accepts, at every level", () => {
  for (const r of RESOURCES) {
    const js = z.toJSONSchema(r.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    sameFields({ $ref: DEFINITION_REF + built.kinds.get(r)!.object }, js, r.kind);
  }
});

test('fields Kubernetes has and k1s does not accept are left out', () => {
  const absent: [string, string][] = [
    ['PodSpec', 'hostAliases'],
    ['PodAffinityTerm', 'matchLabelKeys'],
    ['Container', 'resizePolicy'],
    ['ServiceSpec', 'trafficDistribution'],
  ];
  for (const [d, f] of absent) {
    assert.ok(Object.hasOwn(definitionNamed(Object.keys(defs).find((n) => n.endsWith(`.${d}`))!)!.properties, f), `${d}.${f} is Kubernetes'`);
    assert.ok(!Object.hasOwn(props(d), f), `${d}.${f} should be left out`);
  }
  assert.ok(!Object.keys(defs).some((n) => n.endsWith('.HostAlias')), 'definitions only the left-out fields reach are left out too');
  assert.ok(Object.hasOwn(props('PodSpec'), 'affinity') && Object.hasOwn(props('PodAffinityTerm'), 'topologyKey'), 'affinity is served');
  // served since graceful deletion: finalizers hold objects, pods carry their grace period
  for (const f of ['finalizers', 'deletionGracePeriodSeconds']) assert.ok(Object.hasOwn(props('ObjectMeta'), f), `ObjectMeta.${f} is served`);
});

test("descriptions, types and formats are Kubernetes'", () => {
  const catalog = definitionNamed('io.k8s.api.core.v1.Container')!.properties;
  assert.equal(props('Container').image.description, catalog.image.description);
  assert.equal(def('Container').description, 'A single application container that you want to run within a pod.');
  assert.deepEqual(props('ContainerPort').containerPort, { type: 'integer', format: 'int32', description: definitionNamed('io.k8s.api.core.v1.ContainerPort')!.properties.containerPort.description });
  assert.equal(props('ObjectMeta').creationTimestamp.format, 'date-time');
  // a field whose type is a definition has no words of its own in the catalog: the type's stand in
  assert.equal(props('PodSpec').securityContext.description?.endsWith(def('PodSecurityContext').description!), true);
  assert.equal(props('Pod').spec.description, def('PodSpec').description);
});

test('enums and required fields are what k1s enforces; apiVersion and kind are filled in from the URL', () => {
  assert.deepEqual(props('ServiceSpec').type.enum, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
  assert.deepEqual(props('Container').imagePullPolicy.enum, ['Always', 'IfNotPresent', 'Never']);
  assert.deepEqual(def('Container').required, ['name', 'image']);
  assert.deepEqual(def('Pod').required, ['metadata', 'spec']);
  assert.deepEqual(def('ConfigMap').required, ['metadata']);
});

test('fields k1s implements carry Kubernetes\' own descriptions, nothing of k1s', () => {
  for (const [d, f] of [['Container', 'image'], ['Container', 'livenessProbe'], ['Container', 'resources'], ['PodSpec', 'volumes'], ['PodSpec', 'hostNetwork'], ['EnvVarSource', 'secretKeyRef']]) {
    assert.ok(!props(d)[f].description?.includes('k1s'), `${d}.${f}`);
  }
});

test("patch strategies and merge keys are the kinds' own", () => {
  const cases: [string, string, string, string][] = [
    ['PodSpec', 'containers', 'name', 'merge'],
    ['Container', 'env', 'name', 'merge'],
    ['Container', 'ports', 'containerPort', 'merge'],
    ['PodSpec', 'volumes', 'name', 'merge,retainKeys'],
    ['ServiceSpec', 'ports', 'port', 'merge'],
    ['ObjectMeta', 'ownerReferences', 'uid', 'merge'],
  ];
  for (const [d, f, key, strategy] of cases) {
    assert.equal(props(d)[f]['x-kubernetes-patch-merge-key'], key, `${d}.${f}`);
    assert.equal(props(d)[f]['x-kubernetes-patch-strategy'], strategy, `${d}.${f}`);
  }
});

test('a type k1s accepts with different fields in two places: the wider keeps the name, the other is inline', () => {
  // Event's involvedObject takes seven ObjectReference fields, Endpoints' targetRef four.
  assert.equal(props('Event').involvedObject.$ref, `${DEFINITION_REF}io.k8s.api.core.v1.ObjectReference`);
  assert.deepEqual(Object.keys(props('ObjectReference')).sort(), ['apiVersion', 'fieldPath', 'kind', 'name', 'namespace', 'resourceVersion', 'uid']);
  const targetRef = props('EndpointAddress').targetRef;
  assert.equal(targetRef.$ref, undefined);
  assert.equal(targetRef.description, def('ObjectReference').description);
  assert.deepEqual(Object.keys(targetRef.properties!).sort(), ['kind', 'name', 'namespace', 'uid']);
  assert.deepEqual(targetRef.required, ['kind', 'name']);
});

test('int-or-string fields refer to IntOrString', () => {
  assert.equal(props('ServicePort').targetPort.$ref, DEFINITION_REF + INT_OR_STRING);
  assert.equal(props('RollingUpdateDeployment').maxSurge.$ref, DEFINITION_REF + INT_OR_STRING);
  assert.deepEqual(Object.keys(defs[INT_OR_STRING]).sort(), ['description', 'format', 'type']);
  assert.equal(defs[INT_OR_STRING].format, 'int-or-string');
});

test('the same kinds give the same definitions', () => {
  assert.equal(JSON.stringify(buildDefinitions(RESOURCES)), JSON.stringify(built));
  assert.equal(JSON.stringify(buildDefinitions(RESOURCES).definitions), JSON.stringify(defs));
});

test('a kind the catalog lacks still gets a definition, from its schema, and is reported', () => {
  const widget = {
    ...byKind('ConfigMap')!,
    kind: 'Widget',
    group: 'example.com',
    resource: 'widgets',
    schema: z.strictObject({ apiVersion: z.string(), kind: z.literal('Widget'), metadata: objectMeta, size: z.int() }),
  } as KindDef;
  const b = buildDefinitions([widget]);
  assert.deepEqual(b.divergences, [`Widget: the catalog has no definition of ${apiVersionOf(widget)} Widget`]);
  const d = b.definitions['io.k8s.api.example.v1.Widget'];
  assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: 'example.com', version: 'v1', kind: 'Widget' }]);
  assert.deepEqual(Object.keys(d.properties!), ['apiVersion', 'kind', 'metadata', 'size']);
  assert.deepEqual(d.required, ['metadata', 'size']);
});

test('inline variants keep their own patch facts', () => {
  // Two kinds whose pod templates take different container fields: the wider keeps the names,
  // the narrower is described inline all the way down, with its merge key on its own field.
  const kindWith = (kind: string, container: z.ZodType, patchMergeKeys: KindDef['patchMergeKeys']) =>
    ({
      ...byKind('Deployment')!,
      kind,
      patchMergeKeys,
      schema: z.strictObject({
        apiVersion: z.string(),
        kind: z.literal(kind),
        metadata: objectMeta,
        spec: z.strictObject({ template: z.strictObject({ spec: z.strictObject({ containers: z.array(container) }) }) }),
      }),
    }) as KindDef;
  const wide = kindWith('StatefulSet', z.strictObject({ name: z.string(), image: z.string(), ports: z.array(z.strictObject({ containerPort: z.int() })) }), {
    'spec.template.spec.containers.ports': { strategy: 'merge', mergeKey: 'containerPort' },
  });
  const narrow = kindWith('DaemonSet', z.strictObject({ name: z.string() }), { 'spec.template.spec.containers': { strategy: 'merge', mergeKey: 'name' } });
  const b = buildDefinitions([narrow, wide]);
  assert.deepEqual(b.divergences, []);
  const d = b.definitions;
  assert.deepEqual(Object.keys(d['io.k8s.api.core.v1.Container'].properties!), ['image', 'name', 'ports']);
  assert.equal(d['io.k8s.api.core.v1.Container'].properties!.ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(d['io.k8s.api.core.v1.PodSpec'].properties!.containers['x-kubernetes-patch-merge-key'], undefined, "the wide kind has no merge key for containers");
  const template = d['io.k8s.api.apps.v1.DaemonSetSpec'].properties!.template;
  assert.equal(template.$ref, undefined);
  const containers = template.properties!.spec.properties!.containers;
  assert.deepEqual([containers['x-kubernetes-patch-merge-key'], containers['x-kubernetes-patch-strategy']], ['name', 'merge']);
  assert.deepEqual(Object.keys(containers.items!.properties!), ['name']);
});
