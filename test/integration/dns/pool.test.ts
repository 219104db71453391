// The DNS worker pool on loopback: every worker answers on its own port from the snapshots the
// main thread publishes, and keeps answering while the main thread is blocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { UDPClient } from 'dns2';
import { DnsWorkerPool } from '../../../dns/pool.js';
import { RecordIndex } from '../../../dns/records.js';
import { silentLogger } from '../../../src/log.js';
import type { Service } from '../../../src/api/types.js';

const svc = (name: string, ip: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: ip } });

function ask(port: number, name: string) {
  return UDPClient({ dns: '127.0.0.1', port, timeout: 2000, retryOverTCP: false })(name, 'A');
}

test('dns pool: two workers, two ports, both answer; a change is answered by both within 100 ms', async () => {
  const services = [svc('web', '10.96.0.12')];
  const pool = new DnsWorkerPool({ address: '127.0.0.1', port: 0, workers: 2, upstreams: [], logger: silentLogger, build: () => new RecordIndex(services, []) });
  const ports = await pool.start();
  try {
    assert.equal(ports.length, 2);
    assert.notEqual(ports[0], ports[1]);
    for (const port of ports) assert.deepEqual((await ask(port, 'web.default.svc.cluster.local')).answers.map((a) => a.address), ['10.96.0.12']);

    services.push(svc('late', '10.96.0.99'));
    const t0 = Date.now();
    pool.changed();
    for (const port of ports) {
      for (;;) {
        const r = await ask(port, 'late.default.svc.cluster.local');
        if (r.answers.length) break;
        assert.ok(Date.now() - t0 < 100, `late not answered on port ${port} within 100 ms`);
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  } finally {
    await pool.stop();
  }
});

test('dns pool: queries are answered while the main thread is blocked', async () => {
  const pool = new DnsWorkerPool({ address: '127.0.0.1', port: 0, workers: 1, upstreams: [], logger: silentLogger, build: () => new RecordIndex([svc('web', '10.96.0.12')], []) });
  const [port] = await pool.start();
  try {
    // a child asks while this thread sits in execFileSync (as it would in a long proxy resync)
    const script = `require('dns2').UDPClient({dns:'127.0.0.1',port:${port},timeout:2000,retryOverTCP:false})('web.default.svc.cluster.local','A').then(r=>console.log(r.answers[0].address),()=>console.log('timeout'))`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: process.cwd(), timeout: 10_000 });
    assert.equal(out.trim(), '10.96.0.12');
  } finally {
    await pool.stop();
  }
});

test('dns pool: a worker that cannot listen fails start()', async () => {
  const pool = new DnsWorkerPool({ address: '192.0.2.123', port: 0, workers: 1, upstreams: [], logger: silentLogger, build: () => new RecordIndex([], []) });
  await assert.rejects(pool.start(), /EADDRNOTAVAIL|exited/);
});
