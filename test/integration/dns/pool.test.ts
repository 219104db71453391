// The DNS worker pool on loopback: every worker answers on its own port from the snapshots the
// main thread publishes, and keeps answering while the main thread is blocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { UDPClient } from 'dns2';
import { DnsWorkerPool } from '../../../dns/pool.js';
import type { EndpointSlice } from '../../../src/api/kinds/endpointslice.js';
import { silentLogger } from '../../../src/log.js';
import type { Service } from '../../../src/api/types.js';

const svc = (name: string, ip: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: ip } });

/** The pool's view of the objects: plain arrays the test changes. */
function source(services: Service[], slices: EndpointSlice[] = []) {
  return {
    services: () => services,
    service: (ns: string, name: string) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
    slices: (ns?: string) => slices.filter((s) => !ns || s.metadata.namespace === ns),
    namespaces: () => [],
  };
}

const base = { address: '127.0.0.1', port: 0, upstreams: [], logger: silentLogger, zone: 'cluster.local' };

function ask(port: number, name: string) {
  return UDPClient({ dns: '127.0.0.1', port, timeout: 2000, retryOverTCP: false })(name, 'A');
}

test('dns pool: two workers, two ports, both answer; a change is answered by both within 100 ms', async () => {
  const services = [svc('web', '10.96.0.12')];
  const pool = new DnsWorkerPool({ ...base, workers: 2, source: source(services) });
  const ports = await pool.start();
  try {
    assert.equal(ports.length, 2);
    assert.notEqual(ports[0], ports[1]);
    for (const port of ports) assert.deepEqual((await ask(port, 'web.default.svc.cluster.local')).answers.map((a) => a.address), ['10.96.0.12']);

    services.push(svc('late', '10.96.0.99'));
    const t0 = Date.now();
    pool.serviceChanged('default', 'late');
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

test('dns pool: a headless Service follows its slices; a deleted Service goes', async () => {
  const services = [{ ...svc('db', 'None') }];
  const slices: EndpointSlice[] = [];
  const pool = new DnsWorkerPool({ ...base, workers: 1, publishDelayMs: 1, source: source(services, slices) });
  const [port] = await pool.start();
  const until = async (name: string, want: string[]) => {
    const t0 = Date.now();
    for (;;) {
      const got = (await ask(port, name)).answers.map((a) => a.address).sort();
      if (JSON.stringify(got) === JSON.stringify(want)) return;
      assert.ok(Date.now() - t0 < 100, `${name}: ${got} after 100 ms, want ${want}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await until('db.default.svc.cluster.local', []);
    slices.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'db-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.5'], hostname: 'db-0' }, { addresses: ['10.244.0.6'] }] });
    pool.serviceChanged('default', 'db');
    await until('db.default.svc.cluster.local', ['10.244.0.5', '10.244.0.6']);
    await until('db-0.db.default.svc.cluster.local', ['10.244.0.5']);
    slices[0].endpoints[1].conditions = { ready: false };
    pool.serviceChanged('default', 'db');
    await until('db.default.svc.cluster.local', ['10.244.0.5']);
    services.length = 0;
    pool.serviceChanged('default', 'db');
    await until('db-0.db.default.svc.cluster.local', []);
  } finally {
    await pool.stop();
  }
});

test('dns pool: queries are answered while the main thread is blocked', async () => {
  const pool = new DnsWorkerPool({ ...base, workers: 1, source: source([svc('web', '10.96.0.12')]) });
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
  const pool = new DnsWorkerPool({ ...base, address: '192.0.2.123', workers: 1, source: source([]) });
  await assert.rejects(pool.start(), /EADDRNOTAVAIL|exited/);
});
