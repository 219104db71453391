import { test } from 'node:test';
import assert from 'node:assert/strict';
import { age, formatRFC1123Z, humanDuration } from '../../../src/api/age.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows apimachinery duration.HumanDuration', () => {
  const cases: [number, string][] = [
    // apimachinery's own table
    [1 * s, '1s'],
    [70 * s, '70s'],
    [190 * s, '3m10s'],
    [70 * m, '70m'],
    [47 * h, '47h'],
    [49 * h, '2d1h'],
    [(8 * 24 + 2) * h, '8d'],
    [367 * d, '367d'],
    [(365 * 2 * 24 + 25) * h, '2y1d'],
    [(365 * 8 * 24 + 2) * h, '8y'],
    // the edges between precisions
    [0, '0s'],
    [999, '0s'],
    [-1 * s, '0s'],
    [-1999, '0s'],
    [-2 * s, '<invalid>'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m + 59 * s, '179m'],
    [3 * h, '3h'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [48 * h, '2d'],
    [7 * d + 23 * h, '7d23h'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [3 * 365 * d + 10 * d, '3y10d'],
    [20 * 365 * d, '20y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `humanDuration(${ms})`);
});

test('age is <unknown> without a timestamp and the human duration since it otherwise', () => {
  const now = new Date('2025-01-10T12:00:00Z');
  assert.equal(age(undefined, now), '<unknown>');
  assert.equal(age('', now), '<unknown>');
  assert.equal(age('not a time', now), '<unknown>');
  assert.equal(age('2025-01-10T11:59:15Z', now), '45s');
  assert.equal(age('2025-01-10T11:55:30Z', now), '4m30s');
  assert.equal(age('2025-01-09T12:00:00Z', now), '24h');
});

test('formatRFC1123Z prints Go RFC1123Z in the local zone, and Go zero time when missing', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'UTC';
    assert.equal(formatRFC1123Z('2025-01-10T11:01:00Z'), 'Fri, 10 Jan 2025 11:01:00 +0000');
    process.env.TZ = 'Asia/Kolkata';
    assert.equal(formatRFC1123Z('2025-01-10T11:01:00Z'), 'Fri, 10 Jan 2025 16:31:00 +0530');
    assert.equal(formatRFC1123Z(undefined), 'Mon, 01 Jan 0001 00:00:00 +0000');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
