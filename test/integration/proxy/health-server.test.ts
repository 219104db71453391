// The health check node port servers on real sockets (loopback only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { ServiceHealthServer } from '../../../proxy/health-server.js';
import { silentLogger } from '../../../src/log.js';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** One GET on a new connection each time (no pooled socket surviving a close). */
function probe(port: number): Promise<{ status: number; body: unknown } | string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? String(e)));
  });
}

test('health check servers: 200 with endpoints, 503 without, closed when gone or moved, a taken port reported once and retried', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  let healthy = true;
  const failures: string[] = [];
  const hs = new ServiceHealthServer({ logger: silentLogger, host: '127.0.0.1', proxyHealthy: () => healthy, onListenError: (k, p) => failures.push(`${k}:${p}`) });
  try {
    await hs.sync(new Map([['default/web', { port: p1, localEndpoints: 2 }]]));
    assert.deepEqual(await probe(p1), { status: 200, body: { service: { namespace: 'default', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true } });

    await hs.sync(new Map([['default/web', { port: p1, localEndpoints: 0 }]]));
    assert.equal((await probe(p1) as { status: number }).status, 503, 'no local endpoint: 503');
    await hs.sync(new Map([['default/web', { port: p1, localEndpoints: 1 }]]));
    healthy = false;
    assert.deepEqual(await probe(p1), { status: 503, body: { service: { namespace: 'default', name: 'web' }, localEndpoints: 1, serviceProxyHealthy: false } });
    healthy = true;

    await hs.sync(new Map([['default/web', { port: p2, localEndpoints: 1 }]]));
    assert.equal(await probe(p1), 'ECONNREFUSED', 'the old port is closed');
    assert.equal((await probe(p2) as { status: number }).status, 200);

    // someone else holds the port: reported once, retried at every sync, opened once it is free
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(p1, '127.0.0.1', r));
    const want = new Map([['default/web', { port: p2, localEndpoints: 1 }], ['shop/api', { port: p1, localEndpoints: 1 }]]);
    await hs.sync(want);
    await hs.sync(want);
    assert.deepEqual(failures, [`shop/api:${p1}`]);
    assert.deepEqual([...hs.ports()], [['default/web', p2]]);
    await new Promise((r) => squatter.close(r));
    await hs.sync(want);
    assert.equal((await probe(p1) as { status: number }).status, 200);

    await hs.sync(new Map());
    assert.deepEqual([await probe(p1), await probe(p2)], ['ECONNREFUSED', 'ECONNREFUSED']);
  } finally {
    await hs.stop();
  }
});
