// ReplicationController, Ingress and IngressClass: defaults (SetDefaults_*), validation with kube's
// messages and paths (v1.32), update and status rules, the DefaultIngressClass admission, the
// warning an Ingress write answers with, discovery facts and printer rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAndDefault } from '../../../src/api/manifest.js';
import { byKind } from '../../../src/api/resources.js';
import { validateUpdate } from '../../../src/api/validate.js';
import type { FieldError } from '../../../src/api/schema.js';
import type { AnyObject, Ingress, IngressClass, ReplicationController } from '../../../src/api/types.js';
import { admitIngress, NO_INGRESS_CONTROLLER_WARNING } from '../../../src/api/kinds/ingress.js';
import { validateReplicationControllerStatus } from '../../../src/api/kinds/replicationcontroller.js';
import { validateIngressStatus } from '../../../src/api/kinds/ingress.js';
import type { KubeObject } from '../../../src/api/kinds/kind.js';
import { ApiError } from '../../../src/api/errors.js';
import { checkValidationCases, type ValidationCase } from './fixtures.js';

const rc = (): AnyObject =>
  ({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
  }) as unknown as AnyObject;

const backend = (name = 'web', port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });

const ing = (): AnyObject =>
  ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'site', namespace: 'default' },
    spec: {
      tls: [{ hosts: ['foo.com'], secretName: 'foo-tls' }],
      rules: [{ host: 'foo.com', http: { paths: [{ path: '/app', pathType: 'Prefix', backend: backend() }] } }],
    },
  }) as unknown as AnyObject;

const ic = (): AnyObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } }) as unknown as AnyObject;

function errorsOf(obj: AnyObject): FieldError[] {
  const r = validateAndDefault(obj);
  return r.ok ? [] : r.errors;
}

test('defaults: SetDefaults_ReplicationController fills the selector, empty object labels and replicas from the template; SetDefaults_IngressClass the scope', () => {
  const o = rc() as unknown as ReplicationController;
  delete o.spec.replicas;
  const r = validateAndDefault(o as unknown as AnyObject);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const got = r.object as ReplicationController;
  assert.deepEqual(got.spec.selector, { app: 'web' });
  assert.deepEqual(got.metadata.labels, { app: 'web' });
  assert.equal(got.spec.replicas, 1);
  assert.equal(got.spec.template!.spec.restartPolicy, 'Always');
  // labels and a selector of its own are kept
  const own = rc() as unknown as ReplicationController;
  own.metadata.labels = { team: 'a' };
  own.spec.template!.metadata!.labels = { app: 'web', tier: 'front' };
  own.spec.selector = { app: 'web' };
  const kept = validateAndDefault(own as unknown as AnyObject);
  assert.ok(kept.ok);
  assert.deepEqual((kept.object as ReplicationController).metadata.labels, { team: 'a' });
  assert.deepEqual((kept.object as ReplicationController).spec.selector, { app: 'web' });

  const c = ic() as unknown as IngressClass;
  c.spec!.parameters = { kind: 'Params', name: 'p' };
  const d = validateAndDefault(c as unknown as AnyObject);
  assert.ok(d.ok);
  assert.equal((d.object as IngressClass).spec!.parameters!.scope, 'Cluster');
});

test('validation: kube messages and paths', () => {
  const cases: Record<string, ValidationCase> = {
    'everything is good; do nothing: replicationcontroller': { base: rc, mutate: () => {}, expected: [] },
    'everything is good; do nothing: ingress': { base: ing, mutate: () => {}, expected: [] },
    'everything is good; do nothing: ingressclass': { base: ic, mutate: () => {}, expected: [] },
    'rc: a selector that does not match the template': {
      base: rc,
      mutate: (o) => (o.spec.selector = { app: 'other' }),
      expected: [{ path: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' }],
    },
    'rc: no selector and no template labels': {
      base: rc,
      mutate: (o) => delete o.spec.template.metadata,
      expected: [{ path: 'spec.selector', message: 'Required value' }],
    },
    'rc: no template': {
      base: rc,
      mutate: (o) => {
        o.spec.selector = { app: 'web' };
        delete o.spec.template;
      },
      expected: [{ path: 'spec.template', message: 'Required value' }],
    },
    'rc: negative replicas and minReadySeconds': {
      base: rc,
      mutate: (o) => {
        o.spec.replicas = -1;
        o.spec.minReadySeconds = -2;
      },
      expected: [
        { path: 'spec.minReadySeconds', message: 'Invalid value: -2: must be greater than or equal to 0' },
        { path: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
      ],
    },
    'rc: restartPolicy OnFailure': {
      base: rc,
      mutate: (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'),
      expected: [{ path: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "OnFailure": supported values: "Always"' }],
    },
    'rc: a selector given as a LabelSelector': {
      base: rc,
      mutate: (o) => (o.spec.selector = { matchLabels: { app: 'web' } }),
      expected: [{ path: 'spec.selector[matchLabels]', message: /string/ as unknown as string }],
    },
    'ingress: neither rules nor defaultBackend': {
      base: ing,
      mutate: (o) => (o.spec = {}),
      expected: [{ path: 'spec', message: 'Invalid value: null: either `defaultBackend` or `rules` must be specified' }],
    },
    'ingress: no pathType': {
      base: ing,
      mutate: (o) => delete o.spec.rules[0].http.paths[0].pathType,
      expected: [{ path: 'spec.rules[0].http.paths[0].pathType', message: 'Required value: pathType must be specified' }],
    },
    'ingress: an unknown pathType': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].pathType = 'Regex'),
      expected: [{ path: 'spec.rules[0].http.paths[0].pathType', message: 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"' }],
    },
    'ingress: a relative Prefix path': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].path = 'app'),
      expected: [{ path: 'spec.rules[0].http.paths[0].path', message: 'Invalid value: "app": must be an absolute path' }],
    },
    'ingress: an Exact path with // and ending in /.': {
      base: ing,
      mutate: (o) => Object.assign(o.spec.rules[0].http.paths[0], { pathType: 'Exact', path: '/a//b/.' }),
      expected: [
        { path: 'spec.rules[0].http.paths[0].path', message: `Invalid value: "/a//b/.": must not contain '//'` },
        { path: 'spec.rules[0].http.paths[0].path', message: `Invalid value: "/a//b/.": cannot end with '/.'` },
      ],
    },
    'ingress: ImplementationSpecific may leave the path out, not make it relative': {
      base: ing,
      mutate: (o) => {
        o.spec.rules[0].http.paths = [
          { pathType: 'ImplementationSpecific', backend: backend() },
          { pathType: 'ImplementationSpecific', path: 'x', backend: backend() },
        ];
      },
      expected: [{ path: 'spec.rules[0].http.paths[1].path', message: 'Invalid value: "x": must be an absolute path' }],
    },
    'ingress: http without paths': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http = {}),
      expected: [{ path: 'spec.rules[0].http.paths', message: 'Required value' }],
    },
    'ingress: both a service and a resource backend': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].backend.resource = { kind: 'Bucket', name: 'b' }),
      expected: [{ path: 'spec.rules[0].http.paths[0].backend', message: 'Invalid value: "": cannot set both resource and service backends' }],
    },
    'ingress: no backend at all': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].backend = {}),
      expected: [{ path: 'spec.rules[0].http.paths[0].backend', message: 'Invalid value: "": resource or service backend is required' }],
    },
    'ingress: port name and number': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].backend = backend('web', { name: 'http', number: 80 })),
      expected: [{ path: 'spec.rules[0].http.paths[0].backend', message: 'Invalid value: "": cannot set both port name & port number' }],
    },
    'ingress: neither port name nor number': {
      base: ing,
      mutate: (o) => (o.spec.defaultBackend = backend('web', {})),
      expected: [{ path: 'spec.defaultBackend', message: 'Required value: port name or number is required' }],
    },
    'ingress: a bad port number and a Service name that is no DNS-1035 label': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].backend = backend('1web', { number: 70000 })),
      expected: [
        {
          path: 'spec.rules[0].http.paths[0].backend.service.name',
          message: `Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
        },
        { path: 'spec.rules[0].http.paths[0].backend.service.port.number', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
      ],
    },
    'ingress: a resource backend without a name, with a / in its kind': {
      base: ing,
      mutate: (o) => (o.spec.defaultBackend = { resource: { apiGroup: 'k8s.example.com', kind: 'a/b', name: '' } }),
      expected: [
        { path: 'spec.defaultBackend.resource.kind', message: `Invalid value: "a/b": may not contain '/'` },
        { path: 'spec.defaultBackend.resource.name', message: 'Required value' },
      ],
    },
    'ingress: an IP as host': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].host = '10.0.0.1'),
      expected: [{ path: 'spec.rules[0].host', message: 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address' }],
    },
    'ingress: a good wildcard host, and a bad one': {
      base: ing,
      mutate: (o) => {
        o.spec.rules.push({ host: '*.foo.com', http: o.spec.rules[0].http });
        o.spec.rules.push({ host: 'f*.foo.com' });
      },
      expected: [
        {
          path: 'spec.rules[2].host',
          message: `Invalid value: "f*.foo.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
        },
      ],
    },
    'ingress: a TLS host and secret name that are not DNS subdomains': {
      base: ing,
      mutate: (o) => (o.spec.tls = [{ hosts: ['Foo.com'], secretName: 'Bad_Secret' }]),
      expected: [
        { path: 'spec.tls[0].hosts[0]', message: /^Invalid value: "Foo.com": a lowercase RFC 1123 subdomain/ as unknown as string },
        { path: 'spec.tls[0].secretName', message: /^Invalid value: "Bad_Secret": a lowercase RFC 1123 subdomain/ as unknown as string },
      ],
    },
    'ingress: a field of another version (serviceName of v1beta1)': {
      base: ing,
      mutate: (o) => (o.spec.rules[0].http.paths[0].backend = { serviceName: 'web', servicePort: 80 }),
      expected: [
        { path: 'spec.rules[0].http.paths[0].backend.serviceName', message: /unknown field/ as unknown as string },
        { path: 'spec.rules[0].http.paths[0].backend.servicePort', message: /unknown field/ as unknown as string },
      ],
    },
    'ingressclass: no controller': {
      base: ic,
      mutate: (o) => (o.spec = {}),
      expected: [{ path: 'spec.controller', message: 'Required value' }],
    },
    'ingressclass: a controller that is not a domain-prefixed path': {
      base: ic,
      mutate: (o) => (o.spec.controller = 'nginx'),
      expected: [{ path: 'spec.controller', message: 'Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")' }],
    },
    'ingressclass: Namespace scope without a namespace, an unknown scope': {
      base: ic,
      mutate: (o) => (o.spec.parameters = { kind: 'P', name: 'p', scope: 'Namespace' }),
      expected: [{ path: 'spec.parameters.namespace', message: "Required value: `parameters.scope` is set to 'Namespace'" }],
    },
    'ingressclass: Cluster scope with a namespace': {
      base: ic,
      mutate: (o) => (o.spec.parameters = { kind: 'P', name: 'p', scope: 'Cluster', namespace: 'default' }),
      expected: [{ path: 'spec.parameters.namespace', message: "Forbidden: `parameters.scope` is set to 'Cluster'" }],
    },
    'ingressclass: an unknown scope': {
      base: ic,
      mutate: (o) => (o.spec.parameters = { kind: 'P', name: 'p', scope: 'Global' }),
      expected: [{ path: 'spec.parameters.scope', message: 'Unsupported value: "Global": supported values: "Cluster", "Namespace"' }],
    },
  };
  checkValidationCases(cases, errorsOf);
});

test('updates: an RC may change its selector (kube revalidates the spec only); an IngressClass may not change its controller', () => {
  const base = validateAndDefault(rc());
  assert.ok(base.ok);
  const prev = base.object as ReplicationController;
  const next = structuredClone(prev);
  next.spec.selector = { app: 'web', tier: 'front' };
  next.spec.template!.metadata!.labels = { app: 'web', tier: 'front' };
  assert.deepEqual(validateUpdate(next as AnyObject, prev as AnyObject), []);
  const c = validateAndDefault(ic());
  assert.ok(c.ok);
  const moved = structuredClone(c.object) as IngressClass;
  moved.spec!.controller = 'example.com/other';
  assert.deepEqual(validateUpdate(moved as AnyObject, c.object), [{ path: 'spec.controller', message: 'Invalid value: "example.com/other": field is immutable' }]);
});

test('status: an RC counts nothing above status.replicas; an Ingress load balancer has an IP or a DNS name', () => {
  const o = rc() as unknown as ReplicationController;
  o.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1 };
  assert.deepEqual(validateReplicationControllerStatus(o), []);
  o.status = { replicas: 1, readyReplicas: 2, availableReplicas: 3, fullyLabeledReplicas: -1 };
  assert.deepEqual(validateReplicationControllerStatus(o), [
    { path: 'status.fullyLabeledReplicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
    { path: 'status.readyReplicas', message: 'Invalid value: 2: cannot be greater than status.replicas' },
    { path: 'status.availableReplicas', message: 'Invalid value: 3: cannot be greater than status.replicas' },
    { path: 'status.availableReplicas', message: 'Invalid value: 3: cannot be greater than readyReplicas' },
  ]);
  const i = ing() as unknown as Ingress;
  i.status = { loadBalancer: { ingress: [{ ip: '10.0.0.1' }, { hostname: 'lb.example.com' }] } };
  assert.deepEqual(validateIngressStatus(i), []);
  i.status = { loadBalancer: { ingress: [{ ip: 'not-an-ip' }, { hostname: '10.0.0.2' }] } };
  assert.deepEqual(validateIngressStatus(i), [
    { path: 'status.loadBalancer.ingress[0].ip', message: 'Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' },
    { path: 'status.loadBalancer.ingress[1].hostname', message: 'Invalid value: "10.0.0.2": must be a DNS name, not an IP address' },
  ]);
});

test('admission: DefaultIngressClass gives the newest default class to an Ingress that names none; the class annotation must match the field', () => {
  const cls = (name: string, created: string, isDefault: string | undefined): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, creationTimestamp: created, annotations: isDefault === undefined ? undefined : { 'ingressclass.kubernetes.io/is-default-class': isDefault } },
  });
  const reader = (classes: KubeObject[]) => ({ list: (kind: string) => (kind === 'IngressClass' ? classes : []) });
  const admitted = (mutate: (i: Ingress) => void, classes: KubeObject[], old?: Ingress) => {
    const i = ing() as unknown as Ingress;
    mutate(i);
    admitIngress(i, reader(classes), old);
    return i.spec?.ingressClassName;
  };
  const classes = [cls('old', '2026-01-01T00:00:00Z', 'true'), cls('new', '2026-02-01T00:00:00Z', 'true'), cls('plain', '2026-03-01T00:00:00Z', undefined), cls('no', '2026-04-01T00:00:00Z', 'false')];
  const cases: Record<string, { mutate: (i: Ingress) => void; classes: KubeObject[]; old?: boolean; expected: string | undefined }> = {
    'no default class: nothing set': { mutate: () => {}, classes: [classes[2], classes[3]], expected: undefined },
    'one default': { mutate: () => {}, classes: [classes[0], classes[2]], expected: 'old' },
    'two defaults: the newest': { mutate: () => {}, classes, expected: 'new' },
    'a class named: kept': { mutate: (i) => (i.spec!.ingressClassName = 'plain'), classes, expected: 'plain' },
    'the old annotation: no default added': { mutate: (i) => (i.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' }), classes, expected: undefined },
    'an update: not defaulted': { mutate: () => {}, classes, old: true, expected: undefined },
  };
  for (const [name, c] of Object.entries(cases)) {
    assert.equal(admitted(c.mutate, c.classes, c.old ? (ing() as unknown as Ingress) : undefined), c.expected, name);
  }
  assert.throws(
    () => admitted((i) => {
      i.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' };
      i.spec!.ingressClassName = 'traefik';
    }, []),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /annotations\.kubernetes\.io\/ingress\.class: Invalid value: "nginx": must match `ingressClassName` when both are specified/.test(e.message),
  );
});

test('discovery facts, the Ingress warning and printer rows as kubectl prints them', () => {
  const RC = byKind('ReplicationController')!;
  const ING = byKind('Ingress')!;
  const IC = byKind('IngressClass')!;
  assert.deepEqual([RC.group, RC.version, RC.resource, RC.shortNames, RC.categories, RC.subresources, RC.namespaced], ['', 'v1', 'replicationcontrollers', ['rc'], ['all'], ['status', 'scale'], true]);
  // kube-apiserver's discovery gives ingresses no categories: `kubectl get all` leaves them out
  assert.deepEqual([ING.group, ING.resource, ING.shortNames, ING.categories, ING.subresources], ['networking.k8s.io', 'ingresses', ['ing'], [], ['status']]);
  assert.deepEqual([IC.resource, IC.namespaced, IC.shortNames], ['ingressclasses', false, []]);
  assert.deepEqual(ING.warnings?.(ing()), [NO_INGRESS_CONTROLLER_WARNING]);
  assert.equal(RC.warnings, undefined);

  const now = new Date('2026-01-01T01:00:00Z');
  const r = validateAndDefault(rc());
  assert.ok(r.ok);
  const o = r.object as ReplicationController;
  o.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  o.status = { replicas: 2, readyReplicas: 1 };
  assert.deepEqual(RC.printer.columns.map((c) => [c.name, c.priority]), [['Name', 0], ['Desired', 0], ['Current', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  assert.deepEqual(RC.printer.row(o, now), ['web', 2, 2, 1, '60m', 'c', 'busybox:1.36', 'app=web']);

  assert.deepEqual(ING.printer.columns.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  const row = (mutate: (i: Ingress) => void) => {
    const i = ing() as unknown as Ingress;
    i.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    mutate(i);
    return ING.printer.row(i as unknown as AnyObject, now);
  };
  const http = (ing() as unknown as Ingress).spec!.rules![0].http;
  const rows: Record<string, { mutate: (i: Ingress) => void; expected: (string | number)[] }> = {
    'one host, TLS, no class, no address': { mutate: () => {}, expected: ['site', '<none>', 'foo.com', '', '80, 443', '60m'] },
    'no host, no TLS, a class': {
      mutate: (i) => {
        i.spec = { ingressClassName: 'nginx', rules: [{ http }] };
      },
      expected: ['site', 'nginx', '*', '', '80', '60m'],
    },
    'five rules: three hosts and "+ 2 more..."; addresses sorted, IP before hostname': {
      mutate: (i) => {
        i.spec!.rules = ['a.com', 'b.com', '', 'c.com', 'd.com'].map((host) => ({ host: host || undefined, http }));
        i.status = { loadBalancer: { ingress: [{ ip: '10.0.0.9', hostname: 'x.com' }, { hostname: 'lb.com' }, { ip: '10.0.0.9' }] } };
      },
      expected: ['site', '<none>', 'a.com,b.com,c.com + 2 more...', '10.0.0.9,lb.com', '80, 443', '60m'],
    },
  };
  for (const [name, c] of Object.entries(rows)) assert.deepEqual(row(c.mutate), c.expected, name);

  const c = ic() as unknown as IngressClass;
  c.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
  assert.deepEqual(IC.printer.columns.map((x) => x.name), ['Name', 'Controller', 'Parameters', 'Age']);
  assert.deepEqual(IC.printer.row(c as unknown as AnyObject, now), ['nginx', 'k8s.io/ingress-nginx', '<none>', '60m']);
  c.spec!.parameters = { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb', scope: 'Cluster' };
  assert.deepEqual(IC.printer.row(c as unknown as AnyObject, now)[2], 'IngressParameters.k8s.example.com/external-lb');
});
