import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject, type FieldError } from '../../../src/api/schema.js';
import { deployment, pod, service } from './fixtures.js';

function errorsOf(obj: unknown): FieldError[] {
  const r = validateObject(obj);
  assert.equal(r.ok, false, 'expected the object to be refused');
  return r.ok ? [] : r.errors;
}

test('valid objects pass and come back as a copy', () => {
  for (const obj of [deployment(), pod(), service()]) {
    const r = validateObject(obj);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.object, obj);
    assert.notEqual(r.object, obj);
  }
});

const cases: Record<string, { mutate: (d: any) => void; expected: FieldError[] }> = {
  'unknown field in a container': {
    mutate: (d) => (d.spec.template.spec.containers[0].imagePullPolcy = 'Always'),
    expected: [{ path: 'spec.template.spec.containers[0].imagePullPolcy', message: 'unknown field "imagePullPolcy"' }],
  },
  'unknown fields at the top and in metadata': {
    mutate: (d) => {
      d.specs = {};
      d.metadata.label = {};
    },
    expected: [
      { path: 'metadata.label', message: 'unknown field "label"' },
      { path: 'specs', message: 'unknown field "specs"' },
    ],
  },
  'a Kubernetes field k1s does not implement yet, beside a typo': {
    mutate: (d) => {
      d.spec.template.spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['app'] }] } };
      d.spec.template.spec.containers[0].volumeDevices = [];
      d.spec.template.spec.containers[0].volumeDevicez = [];
    },
    expected: [
      { path: 'spec.template.spec.containers[0].volumeDevices', message: 'Unsupported value: not supported by k1s yet (refused rather than ignored)' },
      { path: 'spec.template.spec.containers[0].volumeDevicez', message: 'unknown field "volumeDevicez"' },
      { path: 'spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys', message: 'Unsupported value: not supported by k1s yet (refused rather than ignored)' },
    ],
  },
  'a port given as a word': {
    mutate: (d) => (d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty'),
    expected: [{ path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'expected number, got string "eighty"' }],
  },
  'a fractional port': {
    mutate: (d) => (d.spec.template.spec.containers[0].ports[0].containerPort = 80.5),
    expected: [{ path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'expected integer, got number 80.5' }],
  },
  'a missing image': {
    mutate: (d) => delete d.spec.template.spec.containers[0].image,
    expected: [{ path: 'spec.template.spec.containers[0].image', message: 'Required value' }],
  },
  'a missing selector': {
    mutate: (d) => delete d.spec.selector,
    expected: [{ path: 'spec.selector', message: 'Required value' }],
  },
  'a label value that is a number (YAML `version: 1.0`)': {
    mutate: (d) => (d.metadata.labels.version = 1),
    expected: [{ path: 'metadata.labels[version]', message: 'expected string, got number 1' }],
  },
  'a map key with dots is shown in brackets': {
    mutate: (d) => (d.spec.template.metadata.labels['app.kubernetes.io/name'] = true),
    expected: [{ path: 'spec.template.metadata.labels[app.kubernetes.io/name]', message: 'expected string, got boolean true' }],
  },
  'an enum value in the wrong case': {
    mutate: (d) => (d.spec.template.spec.containers[0].ports[0].protocol = 'tcp'),
    expected: [{ path: 'spec.template.spec.containers[0].ports[0].protocol', message: 'Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"' }],
  },
  'a restartPolicy that does not exist': {
    mutate: (d) => (d.spec.template.spec.restartPolicy = 'Sometimes'),
    expected: [{ path: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"' }],
  },
  'containers given as a map': {
    mutate: (d) => (d.spec.template.spec.containers = { name: 'web', image: 'x' }),
    expected: [{ path: 'spec.template.spec.containers', message: 'expected array, got object' }],
  },
  'maxSurge neither a number nor a string': {
    mutate: (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: true } }),
    expected: [{ path: 'spec.strategy.rollingUpdate.maxSurge', message: 'expected integer or string, got boolean true' }],
  },
  'a resource quantity of the wrong type': {
    mutate: (d) => (d.spec.template.spec.containers[0].resources = { limits: { memory: ['1Gi'] } }),
    expected: [{ path: 'spec.template.spec.containers[0].resources.limits[memory]', message: 'expected string or number, got array' }],
  },
  'a null list item': {
    mutate: (d) => d.spec.template.spec.containers.push(null),
    expected: [{ path: 'spec.template.spec.containers[1]', message: 'expected object, got null' }],
  },
};

for (const [name, { mutate, expected }] of Object.entries(cases)) {
  test(`schema: ${name}`, () => {
    const d = deployment();
    mutate(d);
    const sort = (e: FieldError[]) => [...e].sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(sort(errorsOf(d)), sort(expected));
  });
}

test('unknown kind', () => {
  assert.deepEqual(errorsOf({ apiVersion: 'v1', kind: 'Foo', metadata: { name: 'x' } }), [{ path: '', message: 'no matches for kind "Foo" in version "v1"' }]);
});

test('known kind in the wrong apiVersion', () => {
  const d: any = deployment();
  d.apiVersion = 'extensions/v1beta1';
  assert.deepEqual(errorsOf(d), [
    { path: '', message: 'no matches for kind "Deployment" in version "extensions/v1beta1" (Deployment is served as apps/v1)' },
  ]);
});

test('missing kind and apiVersion', () => {
  assert.deepEqual(errorsOf({ metadata: { name: 'x' } }), [
    { path: 'kind', message: 'Required value' },
    { path: 'apiVersion', message: 'Required value' },
  ]);
});

test('not an object at all', () => {
  assert.deepEqual(errorsOf('hello'), [{ path: '', message: 'expected object, got string "hello"' }]);
});

test('null means absent, as the API server decodes it (kubectl prints creationTimestamp: null)', () => {
  const d: any = deployment();
  d.metadata.creationTimestamp = null;
  d.spec.template.spec.containers[0].env = null;
  d.status = {};
  const r = validateObject(d);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal('creationTimestamp' in r.object.metadata, false);
});

test('numeric quantities become strings', () => {
  const p: any = pod();
  p.spec.containers[0].resources = { limits: { cpu: 1, memory: '64Mi' }, requests: { cpu: 0.5 } };
  const r = validateObject(p);
  assert.ok(r.ok);
  assert.deepEqual((r.object as any).spec.containers[0].resources, { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '0.5' } });
});

test('targetPort takes a number or a name', () => {
  for (const targetPort of [8080, 'http']) {
    const s: any = service();
    s.spec.ports[0].targetPort = targetPort;
    assert.ok(validateObject(s).ok);
  }
});

test('every field of the fuller pod spec is known', () => {
  const p: any = pod();
  p.spec.volumes = [
    { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
    { name: 'conf', configMap: { name: 'conf', items: [{ key: 'a', path: 'a.conf', mode: 0o600 }], defaultMode: 0o644 } },
    { name: 'keys', secret: { secretName: 'keys', optional: true } },
    { name: 'host', hostPath: { path: '/srv', type: 'Directory' } },
  ];
  p.spec.hostNetwork = false;
  p.spec.dnsConfig = { nameservers: ['1.1.1.1'], searches: ['a.local'], options: [{ name: 'ndots', value: '2' }] };
  p.spec.securityContext = { runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000] };
  Object.assign(p.spec.containers[0], {
    envFrom: [{ configMapRef: { name: 'conf' }, prefix: 'CONF_' }],
    env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, subPath: 'x' }],
    readinessProbe: { httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-A', value: 'b' }] }, periodSeconds: 5 },
    livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 3 },
    startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
    securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  });
  const r = validateObject(p);
  assert.ok(r.ok, JSON.stringify(r));
});

test('a Service field Kubernetes has is not called unknown (spec.trafficDistribution)', () => {
  const svc = service() as any;
  svc.spec.trafficDistribution = 'PreferClose';
  svc.spec.externalIPz = ['192.0.2.1'];
  assert.deepEqual(errorsOf(svc), [
    { path: 'spec.trafficDistribution', message: 'Unsupported value: not supported by k1s yet (refused rather than ignored)' },
    { path: 'spec.externalIPz', message: 'unknown field "externalIPz"' },
  ]);
});

