import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostAddress, roundOrder, summarize, type Path, type Run } from '../../../bench/datapath-report.js';

const v4 = (address: string, internal = false) => ({ address, netmask: '255.255.255.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` });
const v6 = { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6' as const, mac: '00:00:00:00:00:00', internal: false, cidr: 'fe80::1/64', scopeid: 2 };

test('hostAddress skips loopback, Docker and k1s bridges and veths', () => {
  const ifaces = { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], k1s0: [v4('10.244.0.1')], 'br-1a2b': [v4('172.18.0.1')], veth12: [v4('169.254.1.1')], eth0: [v6, v4('192.0.2.2')] };
  assert.equal(hostAddress(ifaces), '192.0.2.2');
  assert.equal(hostAddress({ lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')] }), undefined);
});

const paths: Path[] = [
  { name: 'pod IP', url: 'http://10.244.0.2:8080/', floor: 'pod IP', backend: 'pod' },
  { name: 'ClusterIP', url: 'http://10.96.0.9/', floor: 'pod IP', backend: 'pod' },
  { name: 'unmeasured', url: 'http://x/', floor: 'pod IP', backend: 'pod' },
];
const run = (path: string, round: number, rps: number, p99 = 1): Run => ({ path, round, requestsPerSec: rps, requests: rps * 10, p50ms: 0.1, p99ms: p99, errors: 0, proxyCpu: 0, cpuUsPerReq: 10 });

test('summarize takes medians per path and divides by the floor median', () => {
  const rows = summarize(paths, [run('pod IP', 0, 100), run('pod IP', 1, 120), run('pod IP', 2, 110), run('ClusterIP', 0, 99), run('ClusterIP', 1, 90, 3), run('ClusterIP', 2, 104, 2)]);
  assert.deepEqual(rows.map((r) => r.path), ['pod IP', 'ClusterIP']);
  assert.equal(rows[0].ratio, 1);
  assert.equal(rows[1].rps, 99);
  assert.equal(rows[1].ratio, 0.9);
  assert.equal(rows[1].minRps, 90);
  assert.equal(rows[1].maxRps, 104);
  assert.equal(rows[1].p99ms, 2);
  // per round: 99/100, 90/120, 104/110 -> median 0.945...
  assert.equal(rows[1].roundRatio, 104 / 110);
});

test('summarize gives NaN when the floor was not measured', () => {
  const rows = summarize([{ name: 'a', url: '', floor: 'b', backend: 'pod' }], [run('a', 0, 1)]);
  assert.ok(Number.isNaN(rows[0].ratio));
  assert.ok(Number.isNaN(rows[0].roundRatio));
});

test('roundOrder rotates the paths by round', () => {
  assert.deepEqual(roundOrder([1, 2, 3], 0), [1, 2, 3]);
  assert.deepEqual(roundOrder([1, 2, 3], 1), [2, 3, 1]);
  assert.deepEqual(roundOrder([1, 2, 3], 4), [2, 3, 1]);
});
