import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromLabelSelector, matches, parseSelector, selectorFromSet, selectorToString } from '../../../src/api/labels.js';

const labels = { app: 'web', tier: 'frontend', version: '3', 'app.kubernetes.io/name': 'shop' };

// selector text, matches `labels`, canonical string form
const table: [string, boolean, string][] = [
  ['', true, ''],
  ['app=web', true, 'app=web'],
  ['app==web', true, 'app=web'],
  ['app = web , tier=frontend', true, 'app=web,tier=frontend'],
  ['app=db', false, 'app=db'],
  ['app!=db', true, 'app!=db'],
  ['missing!=x', true, 'missing!=x'],
  ['app in (web,api)', true, 'app in (api,web)'],
  ['app in (api)', false, 'app in (api)'],
  ['app notin (api, db)', true, 'app notin (api,db)'],
  ['missing notin (x)', true, 'missing notin (x)'],
  ['tier', true, 'tier'],
  ['!tier', false, '!tier'],
  ['!missing', true, '!missing'],
  ['app.kubernetes.io/name=shop', true, 'app.kubernetes.io/name=shop'],
  ['version>2', true, 'version>2'],
  ['version<3', false, 'version<3'],
  ['tier,app=web,!legacy', true, 'app=web,!legacy,tier'],
  ['app=', false, 'app='],
];

for (const [text, expected, canonical] of table) {
  test(`selector ${JSON.stringify(text)}`, () => {
    const sel = parseSelector(text);
    assert.equal(matches(sel, labels), expected);
    assert.equal(selectorToString(sel), canonical);
    assert.deepEqual(parseSelector(selectorToString(sel)), sel);
  });
}

const errors: [string, RegExp][] = [
  ['app in web', /found 'web', expected: '\('/],
  ['app in (web', /found '', expected: ',' or '\)'/],
  ['app web', /found 'web', expected: '=', '!=', '==', 'in', 'notin', '>', '<', ',' or end of string/],
  [',app', /found ',', expected: identifier/],
  ['app=web,', /found '', expected: identifier/],
  ['!', /found '', expected: identifier after '!'/],
  ['app=a b', /found 'b', expected: ',' or end of string/],
  ['bad key=x', /found 'key'/],
  ['-bad=x', /key: Invalid value: "-bad": name part must consist of/],
  ['app=no good!', /found 'good'/],
  ['app=-x', /values\[0\]\[app\]: Invalid value: "-x": a valid label must be/],
  ['version>two', /must be an integer/],
  ['app in ()', /values set can't be empty/],
];

for (const [text, message] of errors) {
  test(`selector ${JSON.stringify(text)} is refused`, () => {
    assert.throws(() => parseSelector(text), message);
  });
}

test('LabelSelector objects: matchLabels and matchExpressions together', () => {
  const sel = fromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['frontend', 'backend'] },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.equal(selectorToString(sel), 'app=web,!legacy,tier in (backend,frontend)');
  assert.equal(matches(sel, labels), true);
  assert.equal(matches(sel, { ...labels, legacy: 'yes' }), false);
  assert.equal(matches(sel, { app: 'web' }), false);
});

test('an empty LabelSelector matches everything, even no labels', () => {
  assert.equal(matches(fromLabelSelector({}), {}), true);
  assert.equal(matches(fromLabelSelector({}), undefined), true);
});

test('selectorFromSet: the map form of a Service selector', () => {
  const sel = selectorFromSet({ tier: 'frontend', app: 'web' });
  assert.equal(selectorToString(sel), 'app=web,tier=frontend');
  assert.equal(matches(sel, labels), true);
  assert.equal(matches(sel, { app: 'web' }), false);
});
