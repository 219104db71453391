import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  definitionOf,
  fieldAt,
  isKubernetesField,
  k8sCatalog,
  refTarget,
  type CatalogField,
  type CatalogPath,
} from '../../../src/api/k8s-catalog.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');

// apiVersion, kind, path, is it Kubernetes' field
const fields: [string, string, CatalogPath, boolean][] = [
  ['v1', 'Service', ['spec', 'externalIPs'], true],
  ['v1', 'Service', ['spec', 'externalIPz'], false],
  ['v1', 'Service', ['spec', 'externalIPs', 0], true],
  ['v1', 'Service', ['spec', 'ports', 1, 'targetPort'], true],
  ['apps/v1', 'Deployment', ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port'], true],
  ['apps/v1', 'Deployment', ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'portz'], false],
  ['apps/v1', 'Deployment', ['metadata', 'labels', 'app'], true],
  ['apps/v1', 'Deployment', ['metadata', 'labels', 'app', 'deeper'], false],
  ['v1', 'Pod', ['spec', 'affinity', 'nodeAffinity'], true],
  ['v1', 'Pod', ['spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms', 0, 'matchExpressions', 2, 'values', 0], true],
  ['v1', 'Pod', ['spec', 'resources'], true], // new in 1.32
  ['v1', 'Pod', ['specs'], false],
  ['v1', 'Pod', ['apiVersion'], true],
  ['v1', 'Pod', [], true],
  // list levels may also be left out of the path
  ['v1', 'Pod', ['spec', 'containers', 'image'], true],
  ['v1', 'Pod', ['spec', 'containers', 0, 'image', 'tag'], false],
  ['v1', 'Pod', ['spec', 'containers', 'x', 'image'], false],
  // FieldsV1 is free-form: anything below it is Kubernetes' content
  ['v1', 'Pod', ['metadata', 'managedFields', 0, 'fieldsV1', 'f:spec', 'f:containers'], true],
  ['v1', 'ConfigMap', ['data', 'any.key'], true],
  ['v1', 'Secret', ['stringData', 'password'], true],
  ['v1', 'Event', ['involvedObject', 'uid'], true],
  ['v1', 'Namespace', ['spec', 'finalizers', 0], true],
  ['v1', 'Endpoints', ['subsets', 0, 'addresses', 0, 'targetRef', 'name'], true],
  ['apps/v1', 'StatefulSet', ['spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage'], true],
  ['apps/v1', 'DaemonSet', ['spec', 'updateStrategy', 'rollingUpdate', 'maxSurge'], true],
  ['apps/v1', 'ReplicaSet', ['spec', 'selector', 'matchLabels', 'app'], true],
  ['batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'podFailurePolicy', 'rules', 0, 'action'], true],
  ['batch/v1', 'Job', ['spec', 'successPolicy', 'rules', 0, 'succeededCount'], true],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], true],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', ['spec', 'targetCPUUtilizationPercentage'], false],
  ['autoscaling/v1', 'HorizontalPodAutoscaler', ['spec', 'targetCPUUtilizationPercentage'], true],
  ['discovery.k8s.io/v1', 'EndpointSlice', ['endpoints', 0, 'conditions', 'ready'], true],
  ['discovery.k8s.io/v1', 'EndpointSlice', ['ports', 0, 'appProtocol'], true],
  ['v1', 'Deployment', ['spec'], false],
  ['v1', 'Widget', ['spec'], false],
];

for (const [apiVersion, kind, path, expected] of fields) {
  test(`isKubernetesField ${apiVersion} ${kind} ${JSON.stringify(path)} = ${expected}`, () => {
    assert.equal(isKubernetesField(apiVersion, kind, path), expected);
  });
}

test('definitionOf', () => {
  assert.equal(definitionOf('v1', 'Pod'), 'io.k8s.api.core.v1.Pod');
  assert.equal(definitionOf('v1', 'Event'), 'io.k8s.api.core.v1.Event');
  assert.equal(definitionOf('apps/v1', 'Deployment'), 'io.k8s.api.apps.v1.Deployment');
  assert.equal(definitionOf('autoscaling/v1', 'HorizontalPodAutoscaler'), 'io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler');
  assert.equal(definitionOf('autoscaling/v2', 'HorizontalPodAutoscaler'), 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler');
  assert.equal(definitionOf('discovery.k8s.io/v1', 'EndpointSlice'), 'io.k8s.api.discovery.v1.EndpointSlice');
  assert.equal(definitionOf('apps/v1', 'Pod'), undefined);
  assert.equal(definitionOf('v1', 'toString'), undefined);
});

// definition, path, what the field must have
const nodes: [string, CatalogPath, Partial<CatalogField>][] = [
  ['io.k8s.api.core.v1.Container', ['image'], { type: 'string' }],
  ['io.k8s.api.core.v1.Pod', ['spec', 'containers'], { type: 'array' }],
  ['io.k8s.api.core.v1.Pod', ['spec', 'containers', 0], { $ref: '#/definitions/io.k8s.api.core.v1.Container' }],
  ['io.k8s.api.core.v1.Pod', ['spec', 'affinity'], { $ref: '#/definitions/io.k8s.api.core.v1.Affinity' }],
  ['io.k8s.api.core.v1.Service', ['spec', 'ports', 0, 'targetPort'], { type: 'string', format: 'int-or-string' }],
  ['io.k8s.api.core.v1.Service', ['spec', 'ports', 0, 'port'], { type: 'integer', format: 'int32' }],
  ['io.k8s.api.apps.v1.Deployment', ['spec', 'replicas'], { type: 'integer', format: 'int32' }],
  ['io.k8s.api.apps.v1.Deployment', ['metadata', 'creationTimestamp'], { type: 'string', format: 'date-time' }],
  ['io.k8s.api.apps.v1.Deployment', ['metadata', 'labels', 'app'], { type: 'string' }],
  ['io.k8s.api.core.v1.Event', ['eventTime'], { type: 'string', format: 'date-time' }],
  ['io.k8s.api.core.v1.Secret', ['data', 'tls.crt'], { type: 'string', format: 'byte' }],
  ['io.k8s.api.core.v1.Pod', ['spec', 'containers', 0, 'resources', 'limits', 'cpu'], { type: 'string' }],
  ['io.k8s.api.core.v1.Pod', ['metadata'], { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }],
];

for (const [definition, path, expected] of nodes) {
  test(`fieldAt ${definition} ${JSON.stringify(path)}`, () => {
    const field = fieldAt(definition, path);
    assert.ok(field, 'no field');
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(field[key as keyof CatalogField], value, key);
  });
}

test('fieldAt: an unknown definition or field is undefined', () => {
  assert.equal(fieldAt('io.k8s.api.core.v1.Nope', ['spec']), undefined);
  assert.equal(fieldAt('io.k8s.api.core.v1.Container', ['imagez']), undefined);
  assert.equal(fieldAt('io.k8s.api.core.v1.Container', ['constructor']), undefined);
});

test('descriptions are there', () => {
  assert.match(fieldAt('io.k8s.api.core.v1.Container', ['image'])?.description ?? '', /^Container image name\./);
  assert.match(fieldAt('io.k8s.api.core.v1.Service', ['spec', 'externalIPs'])?.description ?? '', /externalIPs is a list of IP addresses/);
  assert.match(k8sCatalog().definitions['io.k8s.api.core.v1.Container'].description ?? '', /A single application container/);
  // openapi-generator's escaping is undone
  assert.match(fieldAt('io.k8s.api.core.v1.Container', ['args'])?.description ?? '', /container image's CMD/);
});

test('required fields and kinds', () => {
  const { definitions } = k8sCatalog();
  assert.deepEqual(definitions['io.k8s.api.core.v1.Container'].required, ['name']);
  assert.deepEqual(definitions['io.k8s.api.core.v1.ServicePort'].required, ['port']);
  assert.equal(definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].required, undefined);
  assert.deepEqual(definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [
    { group: 'apps', kind: 'Deployment', version: 'v1' },
  ]);
  assert.equal(definitions['io.k8s.api.core.v1.Container']['x-kubernetes-group-version-kind'], undefined);
});

test('the catalog is Kubernetes v1.32 and every $ref resolves', () => {
  const catalog = k8sCatalog();
  assert.equal(catalog.source.kubernetes, 'v1.32.0');
  const unresolved: string[] = [];
  const visit = (where: string, field: CatalogField): void => {
    const target = refTarget(field);
    if (field.$ref !== undefined && (target === undefined || !Object.hasOwn(catalog.definitions, target))) unresolved.push(`${where}: ${field.$ref}`);
    if (field.items) visit(`${where}[]`, field.items);
    if (field.additionalProperties) visit(`${where}{}`, field.additionalProperties);
  };
  for (const [name, definition] of Object.entries(catalog.definitions)) {
    for (const [property, field] of Object.entries(definition.properties)) visit(`${name}.${property}`, field);
  }
  for (const name of Object.values(catalog.kinds)) assert.ok(Object.hasOwn(catalog.definitions, name), name);
  assert.deepEqual(unresolved, []);
});

test('the committed catalog is what the generator makes from the pinned package', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join('scripts', 'gen-k8s-catalog.ts'), '--stdout'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, run.stderr);
  const committed = readFileSync(join(ROOT, 'src', 'api', 'k8s-catalog.json'), 'utf8');
  if (run.stdout !== committed) {
    let at = 0;
    while (at < committed.length && run.stdout[at] === committed[at]) at++;
    assert.fail(
      `src/api/k8s-catalog.json differs from the generator's output at offset ${at} ` +
        `(${JSON.stringify(committed.slice(at, at + 80))} vs ${JSON.stringify(run.stdout.slice(at, at + 80))}): ` +
        'run `npx tsx scripts/gen-k8s-catalog.ts`',
    );
  }
});
