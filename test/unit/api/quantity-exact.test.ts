// Exact quantities: kube's canonical text (Quantity.String()) and the arithmetic quota sums with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addQuantities, canonicalQuantity, compareQuantities, formatQuantity, milliValue, parseQuantity, ZERO } from '../../../src/api/quantity-exact.js';
import { QuantityError } from '../../../src/api/quantity.js';

test('canonical text, as kube stores and prints quantities', () => {
  const cases: Record<string, string> = {
    '2000m': '2',
    '1500m': '1500m',
    '1000': '1k',
    '1500': '1500',
    '0.5': '500m',
    '.5': '500m',
    '0.1': '100m',
    '1024Mi': '1Gi',
    '1536Mi': '1536Mi',
    '1.5Gi': '1536Mi',
    '0.5Ki': '512', // below 1024 a binary quantity prints as decimal
    '1e3': '1e3',
    '129e6': '129e6',
    '1n': '1n',
    '0.1n': '1n', // finer than nano rounds up
    '-1': '-1',
    '0': '0',
    '0Mi': '0',
    '+2': '2',
  };
  for (const [input, want] of Object.entries(cases)) assert.equal(canonicalQuantity(input), want, input);
  assert.equal(canonicalQuantity(2), '2');
  assert.equal(canonicalQuantity(0.25), '250m');
});

test('sums keep the first non-zero operand\'s format (quota.Add from an empty usage)', () => {
  const mi = parseQuantity('64Mi');
  assert.equal(formatQuantity(addQuantities(addQuantities(addQuantities(ZERO, mi), mi), mi)), '192Mi');
  assert.equal(formatQuantity(addQuantities(parseQuantity('500m'), parseQuantity('1'))), '1500m');
  assert.equal(formatQuantity(addQuantities(parseQuantity('250m'), parseQuantity('750m'))), '1');
  assert.equal(formatQuantity(addQuantities(parseQuantity('1G'), parseQuantity('1Gi'))), '2073741824');
});

test('comparison and milli values', () => {
  assert.equal(compareQuantities(parseQuantity('1'), parseQuantity('1000m')), 0);
  assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1G')), 1);
  assert.equal(milliValue(parseQuantity('1.5')), 1500n);
  assert.equal(milliValue(parseQuantity('1n')), 1n, 'rounded up');
});

test('what is no quantity is refused', () => {
  for (const bad of ['', 'abc', '1Gb', '1.2.3', ' 1']) assert.throws(() => parseQuantity(bad), QuantityError, bad);
});
