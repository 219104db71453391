import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseWrk, wrkArgv } from '../../../bench/wrk.js';

// Real `wrk --latency` output of this machine (Debian wrk 4.1.0) against bench/backend/fastd.
const CLEAN = `Running 1s test @ http://127.0.0.1:18080/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   261.52us  661.39us   5.50ms   90.29%
    Req/Sec   113.04k    21.18k  161.59k    81.82%
  Latency Distribution
     50%   34.00us
     75%   41.00us
     90%    0.88ms
     99%    3.29ms
  123205 requests in 1.10s, 11.40MB read
Requests/sec: 112027.46
Transfer/sec:     10.36MB
`;

test('parseWrk reads rate, count and the 50th/99th percentiles in ms', () => {
  const r = parseWrk(CLEAN);
  assert.equal(r.requestsPerSec, 112027.46);
  assert.equal(r.requests, 123205);
  assert.equal(r.p50ms, 0.034);
  assert.equal(r.p99ms, 3.29);
  assert.equal(r.errors, 0);
});

test('parseWrk adds socket errors and non-2xx responses', () => {
  const out = CLEAN.replace(
    'Requests/sec',
    '  Socket errors: connect 1, read 2, write 0, timeout 4\n  Non-2xx or 3xx responses: 10\nRequests/sec',
  );
  assert.equal(parseWrk(out).errors, 17);
});

test('parseWrk refuses output without the latency distribution', () => {
  assert.throws(() => parseWrk(CLEAN.replace(/ {5}50%.*\n/, '')), /50% latency/);
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:18099 Connection refused'), /Requests\/sec/);
});

test('parseDurationMs knows wrk units', () => {
  assert.equal(parseDurationMs('250.00us'), 0.25);
  assert.equal(parseDurationMs('1.50s'), 1500);
  assert.equal(parseDurationMs('2.00m'), 120_000);
  assert.throws(() => parseDurationMs('3 ms'));
});

test('wrkArgv keeps the same options for every path and enters a netns when asked', () => {
  const o = { threads: 1, connections: 32, seconds: 10 };
  assert.deepEqual(wrkArgv('http://10.96.0.5/', o), ['wrk', '--latency', '-t', '1', '-c', '32', '-d', '10s', 'http://10.96.0.5/']);
  assert.deepEqual(wrkArgv('http://10.96.0.5/', { ...o, netnsPid: 42 }).slice(0, 5), ['nsenter', '-t', '42', '-n', 'wrk']);
  assert.deepEqual(wrkArgv('http://10.96.0.5/', { ...o, netnsPid: 42, cpus: '0' }).slice(0, 5), ['taskset', '-c', '0', 'nsenter', '-t']);
});
