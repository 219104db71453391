// A start that fails on a stale endpoint disconnects it and tries once more; anything else fails as it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repairingStaleEndpoint, staleEndpoint } from '../../../agent/stale-endpoint.js';
import { sandboxRetryWait, SANDBOX_RETRY_MS } from '../../../agent/sandbox-backoff.js';

const STALE = '(HTTP code 403) unexpected - endpoint with name k1s_POD_web_default_0a1b2c3d_0 already exists in network k1s';

test('staleEndpoint reads the endpoint and network from Docker\'s error', () => {
  assert.deepEqual(staleEndpoint(STALE), { endpoint: 'k1s_POD_web_default_0a1b2c3d_0', network: 'k1s' });
  assert.equal(staleEndpoint('(HTTP code 404) no such container'), undefined);
});

test('repairingStaleEndpoint', async () => {
  const cases: Record<string, { failures: string[]; expected: { calls: string[]; error?: RegExp } }> = {
    'everything is good; do nothing': { failures: [], expected: { calls: ['start'] } },
    'a stale endpoint: disconnect it, start again': { failures: [STALE], expected: { calls: ['start', 'disconnect k1s k1s_POD_web_default_0a1b2c3d_0', 'start'] } },
    'stale twice: one repair, then the error': { failures: [STALE, STALE], expected: { calls: ['start', 'disconnect k1s k1s_POD_web_default_0a1b2c3d_0', 'start'], error: /already exists/ } },
    'another error is not retried': { failures: ['executable file not found'], expected: { calls: ['start'], error: /executable/ } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const calls: string[] = [];
    const failures = [...c.failures];
    const run = repairingStaleEndpoint(
      async () => {
        calls.push('start');
        const f = failures.shift();
        if (f) throw new Error(f);
      },
      async (network, endpoint) => void calls.push(`disconnect ${network} ${endpoint}`),
    );
    if (c.expected.error) await assert.rejects(run, c.expected.error, name);
    else await run;
    assert.deepEqual(calls, c.expected.calls, name);
  }
});

test('sandboxRetryWait: the pod worker\'s 10 s back-off after a failed sandbox', () => {
  const cases: Record<string, { failedAt: number | undefined; now: number; expected: number }> = {
    'never failed: now': { failedAt: undefined, now: 5, expected: 0 },
    'just failed: the whole period': { failedAt: 1000, now: 1000, expected: SANDBOX_RETRY_MS },
    'half way': { failedAt: 1000, now: 6000, expected: 5000 },
    'over: now': { failedAt: 1000, now: 1000 + SANDBOX_RETRY_MS, expected: 0 },
  };
  for (const [name, c] of Object.entries(cases)) assert.equal(sandboxRetryWait(c.failedAt, c.now), c.expected, name);
});
