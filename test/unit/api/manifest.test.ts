import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, loadManifests, parseManifests, validateAndDefault } from '../../../src/api/manifest.js';
import type { ConfigMap, Deployment, Pod, Service } from '../../../src/api/types.js';

const deploymentYaml = (name: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: k1s/busybox:1.36
${extra}`;

const serviceYaml = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: http
`;

function problemsOf(inputs: { source: string; text: string }[]): ManifestError {
  try {
    loadManifests(inputs);
  } catch (e) {
    assert.ok(e instanceof ManifestError, String(e));
    return e;
  }
  assert.fail('expected a ManifestError');
}

test('multi-document file: empty documents and comments are skipped, order is kept', () => {
  const text = `---\n# a comment only\n---\n${serviceYaml}---\n---\n${deploymentYaml('hello')}---\n`;
  const { objects } = loadManifests([{ source: 'app.yaml', text }]);
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata.name}`),
    ['Service/web', 'Deployment/hello'],
  );
  // validated, not defaulted: the server defaults
  assert.equal((objects[0] as Service).spec.type, undefined);
  assert.equal((objects[1] as Deployment).spec.replicas, undefined);
});

test('one bad document: nothing is returned, the problem names file, document, object, field and line', () => {
  const bad = deploymentYaml('hello', '        imagePullPolcy: Always\n');
  const e = problemsOf([{ source: 'examples/bad.yaml', text: `${serviceYaml}---\n${bad}` }]);
  assert.deepEqual(e.problems, [
    {
      source: 'examples/bad.yaml',
      index: 1,
      kind: 'Deployment',
      name: 'hello',
      path: 'spec.template.spec.containers[0].imagePullPolcy',
      message: 'unknown field "imagePullPolcy"',
      line: 25,
    },
  ]);
  assert.equal(
    e.message,
    'examples/bad.yaml: document 2 (Deployment "hello"): spec.template.spec.containers[0].imagePullPolcy: unknown field "imagePullPolcy" (line 25)',
  );
});

test('every problem of every input is reported at once', () => {
  const e = problemsOf([
    { source: 'a.yaml', text: deploymentYaml('a', '        ports:\n        - containerPort: eighty\n') },
    { source: 'b.yaml', text: `apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n---\n${deploymentYaml('B')}` },
    { source: 'ok.yaml', text: serviceYaml },
  ]);
  assert.deepEqual(e.message.split('\n'), [
    'a.yaml: document 1 (Deployment "a"): spec.template.spec.containers[0].ports[0].containerPort: expected number, got string "eighty" (line 16)',
    'b.yaml: document 1 (Foo "x"): no matches for kind "Foo" in version "v1" (line 1)',
    `b.yaml: document 2 (Deployment "B"): metadata.name: Invalid value: "B": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*') (line 8)`,
  ]);
});

test('a YAML syntax error names the file, the document, the line and the column', () => {
  const text = `${serviceYaml}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: {a: 1\n`;
  const e = problemsOf([{ source: '-', text }]);
  assert.equal(e.problems.length, 1);
  const p = e.problems[0];
  assert.equal(p.index, 1);
  // the unclosed flow mapping is noticed where the input ends
  assert.equal(p.line, 16);
  assert.equal(typeof p.column, 'number');
  assert.match(e.message, /^STDIN: document 2: line 16, column \d+: /);
});

test('duplicate keys are an error, not a silent last-one-wins', () => {
  const e = problemsOf([{ source: 'dup.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\nkind: ConfigMap\n' }]);
  assert.match(e.message, /^dup.yaml: document 1: line 4, column 1: Map keys must be unique/);
});

test('kind: List is expanded into its items; a bad item is named by its index', () => {
  const list = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: one}
  data: {a: "1"}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: two}
  data: {b: 2}
`;
  const e = problemsOf([{ source: 'list.yaml', text: list }]);
  assert.equal(e.message, 'list.yaml: document 1 (ConfigMap "two"): items[1].data[b]: expected string, got number 2 (line 11)');
  const { objects } = loadManifests([{ source: 'list.yaml', text: list.replace('b: 2', 'b: "2"') }]);
  assert.deepEqual(
    objects.map((o) => (o as ConfigMap).data),
    [{ a: '1' }, { b: '2' }],
  );
});

test('YAML 1.1 as Kubernetes reads it: octal modes, yes/no booleans, timestamps stay strings', () => {
  const [doc] = parseManifests('a: 0644\nb: yes\nc: 2024-01-01T00:00:00Z\nd: 1:20\ne: "0644"\n', 'x.yaml');
  assert.deepEqual(doc.object, { a: 420, b: true, c: '2024-01-01T00:00:00Z', d: '1:20', e: '0644' });
});

test('JSON manifests work too', () => {
  const { objects } = loadManifests([{ source: 'cm.json', text: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}' }]);
  assert.equal(objects[0].kind, 'ConfigMap');
});

test('no documents: no objects, no error', () => {
  assert.deepEqual(loadManifests([{ source: 'empty.yaml', text: '# nothing here\n' }]), { objects: [] });
});

test('validateAndDefault: schema, then defaults, then semantic validation', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
  const ok = validateAndDefault(pod);
  assert.ok(ok.ok);
  assert.equal((ok.object as Pod).spec.containers[0].imagePullPolicy, 'Always');
  assert.equal(ok.object.metadata.namespace, 'default');

  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } };
  const bad = validateAndDefault(svc, { nodePortRange: { min: 30000, max: 32767 } });
  assert.deepEqual(bad, {
    ok: false,
    errors: [{ path: 'spec.ports[0].nodePort', message: 'Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767' }],
  });

  const typo = validateAndDefault({ ...pod, spec: { containers: [{ name: 'c', image: 'nginx', imagePullPolcy: 'Always' }] } });
  assert.deepEqual(typo, { ok: false, errors: [{ path: 'spec.containers[0].imagePullPolcy', message: 'unknown field "imagePullPolcy"' }] });
});

test('an alias to an anchor that does not exist is a problem, not a crash', () => {
  const e = problemsOf([{ source: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata: *meta\n' }]);
  assert.match(e.message, /^a.yaml: document 1: line 1, column 1: Unresolved alias/);
});
