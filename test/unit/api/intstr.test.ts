import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolvePort, scaledValue } from '../../../src/api/intstr.js';
import { parseQuantity, quantityError } from '../../../src/api/quantity.js';
import type { ContainerPort } from '../../../src/api/types.js';

const ports: ContainerPort[] = [
  { name: 'http', containerPort: 8080 },
  { name: 'dns', containerPort: 5353, protocol: 'UDP' },
  { containerPort: 9090 },
];

test('resolvePort', () => {
  assert.equal(resolvePort(undefined, 80, ports), 80);
  assert.equal(resolvePort(0, 80, ports), 80);
  assert.equal(resolvePort(9000, 80, ports), 9000);
  assert.equal(resolvePort('http', 80, ports), 8080);
  assert.equal(resolvePort('metrics', 80, ports), undefined);
  // a named port must also match the protocol
  assert.equal(resolvePort('dns', 53, ports), undefined);
  assert.equal(resolvePort('dns', 53, ports, 'UDP'), 5353);
});

// value, total, roundUp, expected
const scaled: [number | string, number, boolean, number][] = [
  [3, 10, true, 3],
  ['25%', 10, true, 3],
  ['25%', 10, false, 2],
  ['25%', 1, true, 1],
  ['25%', 1, false, 0],
  ['100%', 7, false, 7],
  ['0%', 7, true, 0],
  ['50%', 0, true, 0],
];

for (const [value, total, roundUp, expected] of scaled) {
  test(`scaledValue(${JSON.stringify(value)}, ${total}, ${roundUp}) = ${expected}`, () => {
    assert.equal(scaledValue(value, total, roundUp), expected);
  });
}

test('scaledValue refuses strings that are not percentages', () => {
  assert.throws(() => scaledValue('25', 10, true), /string is not a percentage/);
  assert.throws(() => scaledValue('x%', 10, true), /invalid value "x%"/);
});

const quantities: [string | number, number][] = [
  ['1', 1],
  ['500m', 0.5],
  ['1.5', 1.5],
  ['128Mi', 128 * 2 ** 20],
  ['1G', 1e9],
  ['2k', 2000],
  ['1e3', 1000],
  ['.5', 0.5],
  [2, 2],
];

for (const [q, value] of quantities) {
  test(`quantity ${JSON.stringify(q)} = ${value}`, () => assert.equal(parseQuantity(q), value));
}

test('bad quantities', () => {
  assert.equal(quantityError('1Gb'), "unable to parse quantity's suffix");
  assert.equal(quantityError('lots'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.equal(quantityError(' 1'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.equal(quantityError('toString'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});
