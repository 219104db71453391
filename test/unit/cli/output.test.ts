import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byKind } from '../../../src/api/resources.js';
import type { ConfigMap } from '../../../src/api/types.js';
import { printApplyResult, toJSON, toYAML } from '../../../src/cli/output.js';

const lines = (...ls: string[]) => ls.map((l) => l + '\n').join('');

const cm: ConfigMap = {
  metadata: {
    name: 'settings',
    namespace: 'default',
    resourceVersion: '42',
    creationTimestamp: '2025-01-10T11:00:00Z',
    labels: { 'app.kubernetes.io/name': 'web', app: 'web', enabled: 'true', n: 'no' },
  },
  kind: 'ConfigMap',
  apiVersion: 'v1',
  data: {
    'nginx.conf': 'server {\n  listen 80;\n}\n',
    port: '8080',
    url: 'http://example.com:8080/a',
    comment: '# not a comment',
    empty: '',
    quote: 'a: b',
    html: '<b>&</b>',
  },
};

test('toYAML: sorted keys, go-yaml quoting and block literals, flush sequences', () => {
  assert.equal(
    toYAML(cm),
    lines(
      'apiVersion: v1',
      'data:',
      "  comment: '# not a comment'",
      '  empty: ""',
      '  html: <b>&</b>',
      '  nginx.conf: |',
      '    server {',
      '      listen 80;',
      '    }',
      '  port: "8080"',
      "  quote: 'a: b'",
      '  url: http://example.com:8080/a',
      'kind: ConfigMap',
      'metadata:',
      '  creationTimestamp: "2025-01-10T11:00:00Z"',
      '  labels:',
      '    app: web',
      '    app.kubernetes.io/name: web',
      '    enabled: "true"',
      '    "n": "no"',
      '  name: settings',
      '  namespace: default',
      '  resourceVersion: "42"',
    ),
  );
});

test('toYAML of a list request prints a kind List, sequences not indented', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', args: ['-c', 'sleep 1'] }] } };
  assert.equal(
    toYAML([pod]),
    lines(
      'apiVersion: v1',
      'items:',
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata:',
      '    name: p',
      '  spec:',
      '    containers:',
      '    - args:',
      '      - -c',
      '      - sleep 1',
      '      image: i',
      '      name: c',
      'kind: List',
      'metadata:',
      '  resourceVersion: ""',
    ),
  );
  assert.equal(toYAML([]), lines('apiVersion: v1', 'items: []', 'kind: List', 'metadata:', '  resourceVersion: ""'));
});

test('toJSON: four-space indent, sorted keys, HTML characters escaped as Go does', () => {
  const small = { metadata: { name: 'x' }, kind: 'ConfigMap', apiVersion: 'v1', data: { html: '<b>&</b>' } };
  assert.equal(
    toJSON(small),
    lines(
      '{',
      '    "apiVersion": "v1",',
      '    "data": {',
      '        "html": "\\u003cb\\u003e\\u0026\\u003c/b\\u003e"',
      '    },',
      '    "kind": "ConfigMap",',
      '    "metadata": {',
      '        "name": "x"',
      '    }',
      '}',
    ),
  );
  const list = JSON.parse(toJSON([small, small]));
  assert.equal(list.kind, 'List');
  assert.equal(list.items.length, 2);
  assert.deepEqual(list.metadata, { resourceVersion: '' });
});

test('printApplyResult prints kubectl\'s one-line results', () => {
  assert.equal(printApplyResult(byKind('Deployment')!, 'hello', 'created'), 'deployment.apps/hello created');
  assert.equal(printApplyResult(byKind('Service')!, 'hello', 'unchanged'), 'service/hello unchanged');
  assert.equal(printApplyResult(byKind('ConfigMap')!, 'settings', 'configured'), 'configmap/settings configured');
  assert.equal(printApplyResult(byKind('Deployment')!, 'hello', 'scaled'), 'deployment.apps/hello scaled');
  assert.equal(printApplyResult(byKind('Deployment')!, 'hello', 'deleted'), 'deployment.apps "hello" deleted');
});
