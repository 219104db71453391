// Pod volume and volumeMount validation (ValidateVolumes, validateVolumeMounts, validateProjectionSources,
// validateDownwardAPIVolumeFile): one base pod using every source k1s mounts, one case per rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject, type FieldError } from '../../../src/api/schema.js';
import { validateSemantics } from '../../../src/api/validate.js';
import { pod } from './fixtures.js';

function base(): any {
  const p = pod() as any;
  p.metadata.uid = 'u1';
  p.spec.volumes = [
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'a', path: 'conf/a.txt', mode: 0o600 }], defaultMode: 0o644 } },
    { name: 'creds', secret: { secretName: 'db', optional: true } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    {
      name: 'info',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
          { path: 'mem', resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
    },
    {
      name: 'all',
      projected: {
        sources: [
          { configMap: { name: 'app-config', items: [{ key: 'a', path: 'a' }] } },
          { secret: { name: 'db', items: [{ key: 'p', path: 'p' }] } },
          { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
        ],
      },
    },
    { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
  ];
  p.spec.containers[0].volumeMounts = [
    { name: 'scratch', mountPath: '/tmp' },
    { name: 'cfg', mountPath: '/etc/app/a.txt', subPath: 'conf/a.txt', readOnly: true },
    { name: 'data', mountPath: '/data' },
  ];
  return p;
}

const cases: Record<string, { mutate: (p: any) => void; expected: FieldError[] }> = {
  'everything is good; do nothing': { mutate: () => {}, expected: [] },
  'a volume needs exactly one source': {
    mutate: (p) => {
      p.spec.volumes[0] = { name: 'scratch' };
      p.spec.volumes[6].downwardAPI = { items: [] };
    },
    expected: [
      { path: 'spec.volumes[0]', message: 'Required value: must specify a volume type' },
      { path: 'spec.volumes[6].persistentVolumeClaim', message: 'Forbidden: may not specify more than 1 volume type' },
    ],
  },
  'a mount naming no volume': {
    mutate: (p) => (p.spec.containers[0].volumeMounts[0].name = 'x'),
    expected: [{ path: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "x"' }],
  },
  'duplicate mountPath': {
    mutate: (p) => (p.spec.containers[0].volumeMounts[2].mountPath = '/tmp'),
    expected: [{ path: 'spec.containers[0].volumeMounts[2].mountPath', message: 'Invalid value: "/tmp": must be unique' }],
  },
  'subPath absolute or with ..': {
    mutate: (p) => {
      p.spec.containers[0].volumeMounts[0].subPath = '/etc';
      p.spec.containers[0].volumeMounts[1].subPath = 'conf/../../x';
    },
    expected: [
      { path: 'spec.containers[0].volumeMounts[0].subPath', message: 'Invalid value: "/etc": must be a relative path' },
      { path: 'spec.containers[0].volumeMounts[1].subPath', message: `Invalid value: "conf/../../x": must not contain '..'` },
    ],
  },
  'a subPath starting with .. but no .. element is fine (only item paths are reserved)': {
    mutate: (p) => (p.spec.containers[0].volumeMounts[0].subPath = '..cache'),
    expected: [],
  },
  'item paths: absolute, .., reserved ..name, bad mode': {
    mutate: (p) =>
      (p.spec.volumes[1].configMap.items = [
        { key: 'a', path: '/abs' },
        { key: 'b', path: 'x/../y' },
        { key: 'c', path: '..data' },
        { key: 'd', path: 'd', mode: 0o1777 },
      ]),
    expected: [
      { path: 'spec.volumes[1].configMap.items[0].path', message: 'Invalid value: "/abs": must be a relative path' },
      { path: 'spec.volumes[1].configMap.items[1].path', message: `Invalid value: "x/../y": must not contain '..'` },
      { path: 'spec.volumes[1].configMap.items[2].path', message: `Invalid value: "..data": must not start with '..'` },
      { path: 'spec.volumes[1].configMap.items[3].mode', message: 'Invalid value: 1023: must be a number between 0 and 0777 (octal), both inclusive' },
    ],
  },
  'secret items: the same rules': {
    mutate: (p) => (p.spec.volumes[2].secret.items = [{ key: '', path: '../p' }]),
    expected: [
      { path: 'spec.volumes[2].secret.items[0].key', message: 'Required value' },
      { path: 'spec.volumes[2].secret.items[0].path', message: `Invalid value: "../p": must not contain '..'` },
    ],
  },
  'hostPath path with ..': {
    mutate: (p) => (p.spec.volumes[3].hostPath.path = '/var/../etc'),
    expected: [{ path: 'spec.volumes[3].hostPath.path', message: `Invalid value: "/var/../etc": must not contain '..'` }],
  },
  'downwardAPI: no ref, both refs, unsupported field, bad label subscript': {
    mutate: (p) =>
      (p.spec.volumes[4].downwardAPI.items = [
        { path: 'a' },
        { path: 'b', fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { containerName: 'web', resource: 'limits.cpu' } },
        { path: 'c', fieldRef: { fieldPath: 'spec.nodeName' } },
        { path: 'd', fieldRef: { fieldPath: "metadata.labels['bad key']" } },
      ]),
    expected: [
      { path: 'spec.volumes[4].downwardAPI', message: 'Required value: one of fieldRef and resourceFieldRef is required' },
      { path: 'spec.volumes[4].downwardAPI', message: 'Invalid value: "resource": fieldRef and resourceFieldRef can not be specified simultaneously' },
      {
        path: 'spec.volumes[4].downwardAPI.fieldRef.fieldPath',
        message: 'Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"',
      },
      {
        path: 'spec.volumes[4].downwardAPI.fieldRef',
        message:
          "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
    ],
  },
  'downwardAPI resources: containerName required, unknown resource, bad divisors': {
    mutate: (p) =>
      (p.spec.volumes[4].downwardAPI.items = [
        { path: 'a', resourceFieldRef: { resource: 'limits.cpu' } },
        { path: 'b', resourceFieldRef: { containerName: 'web', resource: 'limits.gpu' } },
        { path: 'c', resourceFieldRef: { containerName: 'web', resource: 'requests.cpu', divisor: '10m' } },
        { path: 'd', resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '3' } },
        { path: 'e', resourceFieldRef: { containerName: 'web', resource: 'limits.cpu', divisor: '1000m' } },
      ]),
    expected: [
      { path: 'spec.volumes[4].downwardAPI.resourceFieldRef.containerName', message: 'Required value' },
      {
        path: 'spec.volumes[4].downwardAPI.resourceFieldRef.resource',
        message:
          'Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"',
      },
      { path: 'spec.volumes[4].downwardAPI.resourceFieldRef.divisor', message: `Invalid value: "requests.cpu": only divisor's values 1m and 1 are supported with the cpu resource` },
      {
        path: 'spec.volumes[4].downwardAPI.resourceFieldRef.divisor',
        message: `Invalid value: "limits.memory": only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource`,
      },
    ],
  },
  'projected: two kinds in one source, duplicate paths, reserved item path, bad defaultMode': {
    mutate: (p) => {
      const pr = p.spec.volumes[5].projected;
      pr.defaultMode = -1;
      pr.sources[0].secret = { name: 'db' };
      pr.sources[1].secret.items = [{ key: 'p', path: 'a' }, { key: 'q', path: '..x' }];
      pr.sources[2].downwardAPI.items[0].path = 'a';
    },
    expected: [
      { path: 'spec.volumes[5].projected.defaultMode', message: 'Invalid value: -1: must be a number between 0 and 0777 (octal), both inclusive' },
      { path: 'spec.volumes[5].projected.sources[0]', message: 'Forbidden: may not specify more than 1 volume type' },
      { path: 'spec.volumes[5].projected', message: 'Invalid value: "db": conflicting duplicate paths' },
      { path: 'spec.volumes[5].projected.sources[1].secret.items[1].path', message: `Invalid value: "..x": must not start with '..'` },
      { path: 'spec.volumes[5].projected', message: 'Invalid value: "a": conflicting duplicate paths' },
    ],
  },
  'persistentVolumeClaim: claimName required': {
    mutate: (p) => (p.spec.volumes[6].persistentVolumeClaim.claimName = ''),
    expected: [{ path: 'spec.volumes[6].persistentVolumeClaim.claimName', message: 'Required value' }],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`volume validation: ${name}`, () => {
    const p = base();
    c.mutate(p);
    const errs = validateSemantics(p).filter((e) => !e.message.includes('not supported by k1s yet'));
    assert.deepEqual(errs, c.expected);
  });
}

test('volume schema: serviceAccountToken, clusterTrustBundle and mount fields k1s does not implement are refused by name', () => {
  const p = base();
  p.spec.volumes[5].projected.sources.push({ serviceAccountToken: { path: 'token' } }, { clusterTrustBundle: { path: 'ca.crt', signerName: 'x' } });
  p.spec.containers[0].volumeMounts[0].subPathExpr = '$(POD)';
  p.spec.containers[0].volumeMounts[1].mountPropagation = 'HostToContainer';
  const r = validateObject(p);
  assert.equal(r.ok, false);
  const errs = r.ok ? [] : r.errors.filter((e) => e.message.includes('not supported by k1s yet'));
  assert.deepEqual(errs.map((e) => e.path).sort(), [
    'spec.containers[0].volumeMounts[0].subPathExpr',
    'spec.containers[0].volumeMounts[1].mountPropagation',
    'spec.volumes[5].projected.sources[3].serviceAccountToken',
    'spec.volumes[5].projected.sources[4].clusterTrustBundle',
  ]);
});
