// The e2e suites' fake upstream (test/e2e/upstream.ts) must answer while the test's own thread is
// blocked in a synchronous child process: that is how `kubectl exec <pod> -- nslookup` runs there,
// and the pod's query is relayed by the cluster DNS to this upstream during that very call.
// Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startFakeUpstream } from '../../e2e/upstream.js';

// A child that sends one A query for outside.example to the port and prints the rcode and the
// first answer's address, or "timeout" after 2 s.
const QUERY_SCRIPT = `
const dgram = require('node:dgram');
const q = Buffer.from('12340100000100000000000007' + Buffer.from('outside').toString('hex') + '07' + Buffer.from('example').toString('hex') + '0000010001', 'hex');
const s = dgram.createSocket('udp4');
const t = setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);
s.on('message', (m) => {
  const rcode = m[3] & 15, an = m.readUInt16BE(6);
  console.log(rcode + ' ' + (an ? m.subarray(m.length - 4).join('.') : '-'));
  process.exit(0);
});
s.send(q, Number(process.argv[1]), '127.0.0.1');
`;

test('the fake upstream answers while this thread waits in execFileSync', async () => {
  const up = await startFakeUpstream({ 'outside.example.': '192.0.2.44' });
  try {
    const out = execFileSync(process.execPath, ['-e', QUERY_SCRIPT, String(up.port)], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(out.trim(), '0 192.0.2.44');
  } finally {
    await up.stop();
  }
});

test('names it does not know are NXDOMAIN', async () => {
  const up = await startFakeUpstream({});
  try {
    const out = execFileSync(process.execPath, ['-e', QUERY_SCRIPT, String(up.port)], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(out.trim(), '3 -');
  } finally {
    await up.stop();
  }
});
