// A pod's affinity and topologySpreadConstraints, validated as kube-apiserver v1.32 words it
// (cases after pkg/apis/core/validation's TestValidateAffinity and TestValidateTopologySpreadConstraints).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject, type FieldError } from '../../../src/api/schema.js';
import { validateSemantics } from '../../../src/api/validate.js';
import type { Pod } from '../../../src/api/types.js';
import { pod } from './fixtures.js';

const QN = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NS_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const REQ = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
const ANTI = 'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution';
const required = (...terms: unknown[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } });
const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] });
const anti = (term: Record<string, unknown>) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } });

type Case = { spec: (s: any) => void; expected: FieldError[] };
const cases: Record<string, Case> = {
  'everything is good; no errors': {
    spec: (s) => {
      s.affinity = {
        ...required(expr('disk', 'In', ['ssd', 'nvme']), { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['vm'] }] }, expr('gen', 'Gt', ['3'])),
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['data'] }] },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, namespaceSelector: {}, topologyKey: 'zone' } }],
        },
      };
      s.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = [{ weight: 1, preference: expr('zone', 'NotIn', ['a']) }];
      s.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', matchLabelKeys: ['pod-template-hash'] }];
    },
    expected: [],
  },
  'no node selector terms': {
    spec: (s) => (s.affinity = required()),
    expected: [{ path: `${REQ}.nodeSelectorTerms`, message: 'Required value: must have at least one node selector term' }],
  },
  'an empty term is accepted (it selects nothing)': { spec: (s) => (s.affinity = required({})), expected: [] },
  'In without values': {
    spec: (s) => (s.affinity = required(expr('disk', 'In'))),
    expected: [{ path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].values`, message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" }],
  },
  'Exists with values': {
    spec: (s) => (s.affinity = required(expr('disk', 'Exists', ['x']))),
    expected: [{ path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].values`, message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" }],
  },
  'Gt with two values': {
    spec: (s) => (s.affinity = required(expr('gen', 'Gt', ['1', '2']))),
    expected: [{ path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].values`, message: "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'" }],
  },
  'an unknown operator and a bad key': {
    spec: (s) => (s.affinity = required(expr('bad key', 'Equals', ['x']))),
    expected: [
      { path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].operator`, message: 'Invalid value: "Equals": not a valid selector operator' },
      { path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].key`, message: `Invalid value: "bad key": ${QN}` },
    ],
  },
  'a value that is no label value, in a required term': {
    spec: (s) => (s.affinity = required(expr('disk', 'In', ['-ssd']))),
    expected: [{ path: `${REQ}.nodeSelectorTerms[0].matchExpressions[0].values[0]`, message: `Invalid value: "-ssd": ${LABEL_VALUE}` }],
  },
  'but a preferred term keeps it': {
    spec: (s) => (s.affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: expr('disk', 'In', ['-ssd']) }] } }),
    expected: [],
  },
  'matchFields: only metadata.name, In/NotIn with one value': {
    spec: (s) =>
      (s.affinity = required({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['a', 'b'] },
          { key: 'metadata.labels', operator: 'Exists' },
        ],
      })),
    expected: [
      { path: `${REQ}.nodeSelectorTerms[0].matchFields[0].values`, message: "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector" },
      { path: `${REQ}.nodeSelectorTerms[0].matchFields[1].operator`, message: 'Invalid value: "Exists": not a valid selector operator' },
      { path: `${REQ}.nodeSelectorTerms[0].matchFields[1].key`, message: 'Invalid value: "metadata.labels": not a valid field selector key' },
    ],
  },
  'weights 1..100': {
    spec: (s) =>
      (s.affinity = {
        nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }, { weight: 101, preference: {} }] },
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ podAffinityTerm: { topologyKey: 'zone' } }] },
      }),
    expected: [
      { path: 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', message: 'Invalid value: 0: must be in the range 1-100' },
      { path: 'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[1].weight', message: 'Invalid value: 101: must be in the range 1-100' },
      { path: 'spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', message: 'Invalid value: 0: must be in the range 1-100' },
    ],
  },
  'a pod affinity term without a topologyKey': {
    spec: (s) => (s.affinity = anti({ labelSelector: { matchLabels: { app: 'web' } } })),
    expected: [
      { path: `${ANTI}[0].topologyKey`, message: 'Required value: can not be empty' },
      { path: `${ANTI}[0].topologyKey`, message: 'Invalid value: "": name part must be non-empty' },
    ],
  },
  'a topologyKey that is no qualified name': {
    spec: (s) => (s.affinity = anti({ topologyKey: 'a/b/c' })),
    expected: [
      {
        path: `${ANTI}[0].topologyKey`,
        message: `Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      },
    ],
  },
  'a bad namespace name (reported under namespace, as kube does) and a bad selector': {
    spec: (s) => (s.affinity = anti({ topologyKey: 'zone', namespaces: ['Data'], labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })),
    expected: [
      { path: `${ANTI}[0].labelSelector.matchExpressions[0].values`, message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" },
      { path: `${ANTI}[0].namespace`, message: `Invalid value: "Data": ${NS_LABEL}` },
    ],
  },
  'spread: maxSkew, topologyKey, whenUnsatisfiable': {
    spec: (s) => (s.topologySpreadConstraints = [{ maxSkew: 0, whenUnsatisfiable: 'Never' }]),
    expected: [
      { path: 'spec.topologySpreadConstraints[0].maxSkew', message: 'Invalid value: 0: must be greater than zero' },
      { path: 'spec.topologySpreadConstraints[0].topologyKey', message: 'Required value: can not be empty' },
      { path: 'spec.topologySpreadConstraints[0].whenUnsatisfiable', message: 'Unsupported value: "Never": supported values: "DoNotSchedule", "ScheduleAnyway"' },
    ],
  },
  'spread: a repeated {topologyKey, whenUnsatisfiable}': {
    spec: (s) =>
      (s.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        { maxSkew: 2, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
      ]),
    expected: [{ path: 'spec.topologySpreadConstraints[0].{topologyKey, whenUnsatisfiable}', message: 'Duplicate value: "{zone, DoNotSchedule}"' }],
  },
  'spread: minDomains only positive and with DoNotSchedule; policies Honor or Ignore': {
    spec: (s) => (s.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', minDomains: 0, nodeTaintsPolicy: 'Always' }]),
    expected: [
      { path: 'spec.topologySpreadConstraints[0].minDomains', message: 'Invalid value: 0: must be greater than zero' },
      { path: 'spec.topologySpreadConstraints[0].minDomains', message: 'Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway' },
      { path: 'spec.topologySpreadConstraints[0].nodeTaintsPolicy', message: 'Unsupported value: "Always": supported values: "Honor", "Ignore"' },
    ],
  },
  'spread: matchLabelKeys need a labelSelector, and not one with the same key': {
    spec: (s) =>
      (s.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', matchLabelKeys: ['app'] },
        { maxSkew: 1, topologyKey: 'host', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['app'] },
      ]),
    expected: [
      { path: 'spec.topologySpreadConstraints[0].matchLabelKeys', message: 'Forbidden: must not be specified when labelSelector is not set' },
      { path: 'spec.topologySpreadConstraints[1].matchLabelKeys[0]', message: 'Invalid value: "app": exists in both matchLabelKeys and labelSelector' },
    ],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`affinity validation: ${name}`, () => {
    const p = pod() as Pod & { spec: any };
    c.spec(p.spec);
    const decoded = validateObject(p);
    assert.ok(decoded.ok, `the schema takes it: ${JSON.stringify(!decoded.ok && decoded.errors)}`);
    assert.deepEqual(validateSemantics(p), c.expected);
  });
}

test('affinity validation: a workload template is validated the same way', () => {
  const errs = validateSemantics({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }], affinity: required() } } },
  } as never);
  assert.deepEqual(errs, [{ path: `spec.template.${REQ}.nodeSelectorTerms`, message: 'Required value: must have at least one node selector term' }]);
});
