import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSerial } from '../../../dns/serial.js';

const T = Date.UTC(2026, 11, 2, 17, 0, 0); // 1796230800 s

test('serial: the first change takes the Unix time in seconds', () => {
  assert.equal(nextSerial(0, T + 999), T / 1000);
});

test('serial: later changes, in the same second, after a clock step back: always up', () => {
  const table: [previous: number, nowMs: number, want: number][] = [
    [T / 1000, T + 5000, T / 1000 + 5], // a later second
    [T / 1000, T + 200, T / 1000 + 1], // the same second: one more
    [T / 1000 + 7, T, T / 1000 + 8], // the clock went back: one more, never back
  ];
  for (const [previous, now, want] of table) assert.equal(nextSerial(previous, now), want, `${previous} @ ${now}`);
});
