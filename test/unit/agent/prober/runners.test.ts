// The pkg/probe runners against real servers on 127.0.0.1: HTTP(S), TCP and gRPC health, each
// with its failure modes and timeouts; exec through a fake exec function.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Probe } from '../../../../src/api/podspec/schema.js';
import { ensureServingCert } from '../../../../src/apiserver/tls.js';
import { execProbe, expandStatic } from '../../../../agent/prober/exec.js';
import { frame, grpcProbe, responseStatus } from '../../../../agent/prober/grpc.js';
import { httpProbe, httpProbeRequest } from '../../../../agent/prober/http.js';
import { runProbe } from '../../../../agent/prober/runners.js';
import { tcpProbe } from '../../../../agent/prober/tcp.js';

const HOST = '127.0.0.1';
let web: http.Server;
let webPort = 0;
let closedPort = 0;
const seen: http.IncomingHttpHeaders[] = [];
let loopHits = 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)));
}

const handler: http.RequestListener = (req, res) => {
  seen.push(req.headers);
  const url = req.url ?? '/';
  if (url === '/ok') res.end('fine');
  else if (url === '/500') res.writeHead(500).end('secret body');
  else if (url === '/to-ok') res.writeHead(302, { location: '/ok' }).end();
  else if (url === '/elsewhere') res.writeHead(301, { location: `http://localhost:${webPort}/ok` }).end('moved');
  else if (url === '/loop') {
    loopHits++;
    res.writeHead(302, { location: '/loop' }).end();
  } else if (url === '/big') res.end('x'.repeat(20 * 1024));
  else if (url === '/slow') setTimeout(() => res.end('late'), 5_000).unref();
  else res.writeHead(404).end();
};

before(async () => {
  web = http.createServer(handler);
  webPort = await listen(web);
  const probeClosed = net.createServer();
  closedPort = await listen(probeClosed);
  await new Promise((r) => probeClosed.close(r));
});

after(() => {
  web.closeAllConnections();
  web.close();
});

const container = { name: 'app', image: 'x', ports: [{ name: 'web', containerPort: 0 }] } as Container;

function get(path: string, extra: Partial<Parameters<typeof httpProbeRequest>[0]> = {}) {
  return httpProbe(httpProbeRequest({ port: webPort, path, ...extra }, container, HOST), 1000);
}

test('http: 200 is success; kube-probe headers and the user\'s are sent', async () => {
  seen.length = 0;
  const r = await get('/ok', { httpHeaders: [{ name: 'X-Custom', value: 'a' }, { name: 'x-custom', value: 'b' }] });
  assert.deepEqual(r, { result: 'Success', output: 'fine' });
  assert.equal(seen[0]['user-agent'], 'kube-probe/1.32');
  assert.equal(seen[0].accept, '*/*');
  assert.equal(seen[0]['x-custom'], 'a, b');
});

test('http: the user may replace User-Agent and remove Accept with an empty value', async () => {
  seen.length = 0;
  await get('/ok', { httpHeaders: [{ name: 'user-agent', value: 'mine' }, { name: 'Accept', value: '' }] });
  assert.equal(seen[0]['user-agent'], 'mine');
  assert.equal(seen[0].accept, undefined);
});

test('http: 500 is a failure whose message has the status, not the body', async () => {
  assert.deepEqual(await get('/500'), { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' });
});

test('http: a redirect on the same host is followed', async () => {
  assert.deepEqual(await get('/to-ok'), { result: 'Success', output: 'fine' });
});

test('http: a redirect to another host is not followed: success with a warning', async () => {
  seen.length = 0;
  assert.deepEqual(await get('/elsewhere'), { result: 'Warning', output: 'Probe terminated redirects, Response body: moved' });
  assert.equal(seen.length, 1);
});

test('http: a redirect loop stops after 10 requests', async () => {
  loopHits = 0;
  assert.deepEqual(await get('/loop'), { result: 'Failure', output: 'Get "/loop": stopped after 10 redirects' });
  assert.equal(loopHits, 10);
});

test('http: the body read is capped at 10 KiB', async () => {
  const r = await get('/big');
  assert.equal(r.result, 'Success');
  assert.equal(r.output.length, 10 * 1024);
});

test('http: no answer within the timeout is a failure in Go\'s words', async () => {
  const began = Date.now();
  const r = await httpProbe(httpProbeRequest({ port: webPort, path: '/slow' }, container, HOST), 200);
  assert.deepEqual(r, { result: 'Failure', output: `Get "http://127.0.0.1:${webPort}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
  assert.ok(Date.now() - began < 1000);
});

test('http: a closed port is a failure (connection refused)', async () => {
  const r = await httpProbe(httpProbeRequest({ port: closedPort }, container, HOST), 1000);
  assert.deepEqual(r, { result: 'Failure', output: `Get "http://127.0.0.1:${closedPort}/": dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
});

test('http: HTTPS does not verify the certificate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-probe-'));
  try {
    const { cert, key } = ensureServingCert(dir, [HOST]);
    const server = https.createServer({ cert, key }, (_req, res) => res.end('secure'));
    const port = await listen(server);
    try {
      const r = await httpProbe(httpProbeRequest({ port, scheme: 'HTTPS', path: '/' }, container, HOST), 1000);
      assert.deepEqual(r, { result: 'Success', output: 'secure' });
    } finally {
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runProbe: httpGet by port name; an unknown name errors (not a failure)', async () => {
  const named = { ...container, ports: [{ name: 'web', containerPort: webPort }] } as Container;
  const probe: Probe = { httpGet: { port: 'web', path: '/ok' }, timeoutSeconds: 1 };
  assert.deepEqual(await runProbe(probe, named, { podIP: HOST, containerId: 'c1' }, {}), { result: 'Success', output: 'fine' });
  const bad: Probe = { httpGet: { port: 'metrics' } };
  assert.deepEqual(await runProbe(bad, named, { podIP: HOST, containerId: 'c1' }, {}), {
    result: 'Unknown',
    output: '',
    error: 'strconv.Atoi: parsing "metrics": invalid syntax',
  });
});

test('tcp: a listener is success, a closed port a failure; runProbe resolves the port', async () => {
  assert.deepEqual(await tcpProbe(HOST, webPort, 1000), { result: 'Success', output: '' });
  assert.deepEqual(await tcpProbe(HOST, closedPort, 1000), { result: 'Failure', output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
  const named = { ...container, ports: [{ name: 'web', containerPort: webPort }] } as Container;
  assert.equal((await runProbe({ tcpSocket: { port: 'web' } }, named, { podIP: HOST, containerId: 'c1' }, {})).result, 'Success');
});

test('exec: exit 0 success, other exits failure with the output, no answer in time a failure, no exec an error', async () => {
  const calls: string[] = [];
  const exec = async (id: string, cmd: string[], timeoutMs: number) => {
    calls.push(`${id} ${cmd.join(' ')} ${timeoutMs}`);
    if (cmd[0] === 'true') return { exitCode: 0, output: '' };
    if (cmd[0] === 'cat') return { exitCode: 1, output: "cat: can't open '/tmp/healthy': No such file or directory\n" };
    if (cmd[0] === 'sleep') return new Promise<never>(() => {});
    throw new Error('container not running');
  };
  assert.deepEqual(await execProbe(exec, 'c1', ['true'], 1000), { result: 'Success', output: '' });
  assert.deepEqual(await execProbe(exec, 'c1', ['cat', '/tmp/healthy'], 1000), {
    result: 'Failure',
    output: "cat: can't open '/tmp/healthy': No such file or directory\n",
  });
  const began = Date.now();
  assert.deepEqual(await execProbe(exec, 'c1', ['sleep', '10'], 100), { result: 'Failure', output: 'command "sleep 10" timed out' });
  assert.ok(Date.now() - began < 1000);
  assert.deepEqual(await execProbe(exec, 'c1', ['boom'], 100), { result: 'Unknown', output: '', error: 'container not running' });
  assert.deepEqual(calls, ['c1 true 1000', 'c1 cat /tmp/healthy 1000', 'c1 sleep 10 100', 'c1 boom 100']);

  // runProbe expands $(VAR) from the container's static env, with timeoutSeconds
  calls.length = 0;
  const c = { ...container, env: [{ name: 'FILE', value: '/tmp/ok' }, { name: 'FROM', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] } as Container;
  await runProbe({ exec: { command: ['true', '$(FILE)', '$(FROM)', '$(NONE)', '$$(FILE)'] }, timeoutSeconds: 2 }, c, { podIP: HOST, containerId: 'c7' }, { exec });
  assert.deepEqual(calls, ['c7 true /tmp/ok  $(NONE) $(FILE) 2000']);
  assert.equal((await runProbe({ exec: { command: ['true'] } }, c, { podIP: HOST, containerId: 'c7' }, {})).result, 'Unknown');
  assert.deepEqual(expandStatic(['a$(X)'], [{ name: 'X', value: 'b' }]), ['ab']);
});

test('grpc: the health request and response encodings', () => {
  assert.deepEqual([...frame('')], [0, 0, 0, 0, 0]);
  assert.deepEqual([...frame('ab')], [0, 0, 0, 0, 4, 0x0a, 2, 0x61, 0x62]);
  assert.equal(responseStatus(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), 1);
  assert.equal(responseStatus(Buffer.from([0, 0, 0, 0, 0])), 0);
});

test('grpc: serving, not serving, unimplemented, too slow, closed port', async () => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      if (headers[':path'] !== '/grpc.health.v1.Health/Check' || headers['content-type'] !== 'application/grpc') {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown service grpc.health.v1.Health' }, { endStream: true });
        return;
      }
      const body = Buffer.concat(chunks);
      const service = body.subarray(7).toString('utf8');
      if (service === 'slow') return;
      const status = service === 'down' ? 2 : 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 2, 0x08, status]));
    });
  });
  const port = await listen(server);
  const plain = http2.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'unknown%20service' }).end());
  const plainPort = await listen(plain);
  try {
    assert.deepEqual(await grpcProbe(HOST, '', port, 1000), { result: 'Success', output: 'service healthy' });
    assert.deepEqual(await grpcProbe(HOST, 'down', port, 1000), { result: 'Failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.deepEqual(await grpcProbe(HOST, '', plainPort, 1000), {
      result: 'Failure',
      output: 'error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service',
    });
    const began = Date.now();
    assert.deepEqual(await grpcProbe(HOST, 'slow', port, 300), { result: 'Failure', output: 'timeout: health rpc did not complete within 300ms' });
    assert.ok(Date.now() - began < 1000);
    assert.deepEqual(await grpcProbe(HOST, '', closedPort, 1000), {
      result: 'Failure',
      output: `error: failed to connect service at "127.0.0.1:${closedPort}": connect: connection refused`,
    });
    const probe: Probe = { grpc: { port, service: 'down' }, timeoutSeconds: 1 };
    assert.equal((await runProbe(probe, container, { podIP: HOST, containerId: 'c1' }, {})).result, 'Failure');
  } finally {
    server.close();
    plain.close();
  }
});
