// The small pure pieces of the agent: back-off, tar, resolv.conf, names/hashes, log selection,
// Docker's log framing and inspect conversion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Pod } from '../../../src/api/types.js';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, isInBackoff, isInBackoffSinceUpdate, nextBackoff } from '../../../agent/backoff.js';
import { buildTar } from '../../../agent/tar.js';
import { resolvConf } from '../../../agent/dns.js';
import { containerName, hashContainer } from '../../../agent/labels.js';
import { canonicalJSON as stableStringify } from '../../../src/store/canonical.js';
import { defaultPullPolicy } from '../../../src/api/defaults.js';
import { AgentError, pickLogContainer, resolveContainerName } from '../../../agent/logs.js';
import { DockerLogDemuxer, fromInspect, splitRef } from '../../../agent/runtime.js';
import { networkCreateOptions, DEFAULT_NETWORK } from '../../../agent/network.js';
import { expandVars, podHostname } from '../../../agent/agent.js';
import type { ObservedContainer, ObservedPod } from '../../../agent/observed.js';

function pod(containers: string[], extra: Partial<Pod['spec']> = {}, ns = 'shop'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns, uid: 'abcdef12-3456' },
    spec: { containers: containers.map((name) => ({ name, image: 'k1s.local/busybox:1.36' })), ...extra },
  };
}

test('backoff: 10 s doubling to 300 s, forgotten after 10 min', () => {
  let e = nextBackoff(undefined, 0, 0);
  assert.deepEqual(e, { delayMs: BACKOFF_INITIAL_MS, lastUpdate: 0 });
  const delays = [e.delayMs];
  for (let i = 0; i < 7; i++) {
    e = nextBackoff(e, e.lastUpdate + 1_000, e.lastUpdate + 1_000);
    delays.push(e.delayMs);
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  // died 5 s ago with a 10 s back-off: wait; 11 s ago: go
  const ten = { delayMs: 10_000, lastUpdate: 100_000 };
  assert.equal(isInBackoff(ten, 120_000, 125_000), true);
  assert.equal(isInBackoff(ten, 120_000, 131_000), false);
  assert.equal(isInBackoff(undefined, 120_000, 120_000), false);
  // ran for more than 2 x max since the last restart: start from 10 s again
  assert.equal(isInBackoff({ delayMs: BACKOFF_MAX_MS, lastUpdate: 0 }, 2 * BACKOFF_MAX_MS + 1, 2 * BACKOFF_MAX_MS + 2), false);
  assert.equal(nextBackoff({ delayMs: BACKOFF_MAX_MS, lastUpdate: 0 }, 700_000, 700_000).delayMs, BACKOFF_INITIAL_MS);
  assert.equal(isInBackoffSinceUpdate(ten, 105_000), true);
  assert.equal(isInBackoffSinceUpdate(ten, 110_001), false);
});

test('tar: the system tar reads what buildTar writes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-tar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.txt`;
  const tar = buildTar([
    { type: 'dir', path: 'www' },
    { type: 'file', path: 'www/index.html', data: Buffer.from('hello\n') },
    { type: 'file', path: 'bin/tool', data: Buffer.alloc(1000, 7), mode: 0o755 },
    { type: 'symlink', path: 'bin/ls', target: '/bin/tool' },
    { type: 'file', path: long, data: Buffer.from('deep') },
  ]);
  assert.equal(tar.length % 512, 0);
  writeFileSync(join(dir, 'x.tar'), tar);
  execFileSync('tar', ['-xf', 'x.tar'], { cwd: dir });
  assert.equal(readFileSync(join(dir, 'www/index.html'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(join(dir, 'bin/tool')).length, 1000);
  assert.equal(readlinkSync(join(dir, 'bin/ls')), '/bin/tool');
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'deep');
  const listing = execFileSync('tar', ['-tvf', 'x.tar'], { cwd: dir, encoding: 'utf8' });
  assert.match(listing, /-rwxr-xr-x root\/root\s+1000 .* bin\/tool/);
});

test('resolv.conf: ClusterFirst points at the cluster DNS with the namespace search path', () => {
  const dns = { nameservers: ['10.96.0.10'], clusterDomain: 'cluster.local' };
  assert.equal(
    resolvConf(pod(['a']), dns, 'nameserver 192.0.2.53\n'),
    'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
  );
  // Default: the host's, without loopback resolvers that cannot work from a pod
  const host = '# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\n';
  assert.equal(resolvConf(pod(['a'], { dnsPolicy: 'Default' }), dns, host), 'search example.org\nnameserver 192.0.2.53\n');
  // ClusterFirst without a cluster DNS falls back to Default
  assert.equal(resolvConf(pod(['a']), { nameservers: [], clusterDomain: 'cluster.local' }, host), 'search example.org\nnameserver 192.0.2.53\n');
});

test('resolv.conf: host search domains follow the cluster ones; dnsConfig appends; None uses only dnsConfig; host network means Default', () => {
  const dns = { nameservers: ['10.96.0.10'], clusterDomain: 'cluster.local' };
  const host = 'nameserver 192.0.2.53\nsearch example.org\noptions timeout:2\n';
  assert.equal(
    resolvConf(pod(['a']), dns, host),
    'search shop.svc.cluster.local svc.cluster.local cluster.local example.org\nnameserver 10.96.0.10\noptions ndots:5\n',
  );
  const withConfig = pod(['a'], { dnsConfig: { nameservers: ['192.0.2.9'], searches: ['corp.example', 'svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } });
  assert.equal(
    resolvConf(withConfig, dns, host),
    'search shop.svc.cluster.local svc.cluster.local cluster.local example.org corp.example\nnameserver 10.96.0.10\nnameserver 192.0.2.9\noptions ndots:2 edns0\n',
  );
  const none = pod(['a'], { dnsPolicy: 'None', dnsConfig: { nameservers: ['192.0.2.9'], searches: ['corp.example'] } });
  assert.equal(resolvConf(none, dns, host), 'search corp.example\nnameserver 192.0.2.9\n');
  assert.equal(resolvConf(pod(['a'], { hostNetwork: true }), dns, host), 'search example.org\nnameserver 192.0.2.53\noptions timeout:2\n');
  assert.equal(
    resolvConf(pod(['a'], { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), dns, host),
    'search shop.svc.cluster.local svc.cluster.local cluster.local example.org\nnameserver 10.96.0.10\noptions ndots:5\n',
  );
});

test('labels: kubelet-style names; spec hash ignores resources and key order', () => {
  assert.equal(containerName({ uid: 'abcdef12-3456', name: 'web', namespace: 'shop' }, 'app', 3), 'k1s_app_web_shop_abcdef12_3');
  const a = hashContainer({ name: 'app', image: 'i:1', command: ['x'] });
  assert.equal(hashContainer({ command: ['x'], image: 'i:1', name: 'app', resources: { limits: { cpu: '1' } } }), a);
  assert.notEqual(hashContainer({ name: 'app', image: 'i:2', command: ['x'] }), a);
  assert.equal(stableStringify({ b: 1, a: { d: undefined, c: [1, 'x'] } }), '{"a":{"c":[1,"x"]},"b":1}');
});

test('agent helpers: pull policy defaults, $(VAR) expansion, hostname', () => {
  assert.equal(defaultPullPolicy('nginx'), 'Always');
  assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultPullPolicy('localhost:5000/nginx'), 'Always');
  assert.equal(defaultPullPolicy('k1s.local/busybox:1.36'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('nginx@sha256:abc'), 'IfNotPresent');
  const vars = new Map([['A', 'x'], ['B', 'y']]);
  assert.equal(expandVars('$(A)-$(B)-$(C)-$$(A)', vars), 'x-y-$(C)-$(A)');
  assert.equal(podHostname(pod(['a'])), 'web');
  assert.equal(podHostname(pod(['a'], { hostname: 'h1' })), 'h1');
  assert.deepEqual(splitRef('k1s.local/pause:3.10'), { repo: 'k1s.local/pause', tag: '3.10' });
  assert.deepEqual(splitRef('localhost:5000/x'), { repo: 'localhost:5000/x', tag: 'latest' });
});

test('network: the create body carries the subnet, gateway, bridge name and our label', () => {
  assert.deepEqual(networkCreateOptions(DEFAULT_NETWORK), {
    Name: 'k1s',
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: '10.244.0.0/16', Gateway: '10.244.0.1' }] },
    Options: { 'com.docker.network.bridge.name': 'k1s0' },
    Labels: { 'io.k1s.managed': 'true' },
  });
});

function oc(id: string, name: string, attempt: number, state: ObservedContainer['state'], exitCode?: number): ObservedContainer {
  return { id, name, attempt, state, exitCode, hash: 'h', image: 'i', imageID: 's', createdAt: `2026-01-01T00:00:0${attempt}Z` };
}

test('logs: which container, with kubectl wording for the errors', () => {
  const two = pod(['a', 'b']);
  assert.throws(
    () => resolveContainerName(two, undefined),
    (e: unknown) => e instanceof AgentError && e.code === 'BadRequest' && e.message === 'a container name must be specified for pod web, choose one of: [a b]',
  );
  assert.equal(resolveContainerName(pod(['only']), undefined), 'only');
  assert.throws(() => resolveContainerName(two, 'c'), /container c is not valid for pod web/);

  const observed: ObservedPod = { uid: 'u', name: 'web', namespace: 'shop', sandboxes: [], containers: [oc('a2', 'a', 2, 'running'), oc('a1', 'a', 1, 'exited', 1)] };
  assert.equal(pickLogContainer(two, observed, 'a', false), 'a2');
  assert.equal(pickLogContainer(two, observed, 'a', true), 'a1');
  // crashed and waiting to restart: the crash is both "current" and "previous"
  const crashed: ObservedPod = { ...observed, containers: [oc('a2', 'a', 2, 'exited', 1)] };
  assert.equal(pickLogContainer(two, crashed, 'a', false), 'a2');
  assert.equal(pickLogContainer(two, crashed, 'a', true), 'a2');
  assert.throws(() => pickLogContainer(two, observed, 'b', false), /container "b" in pod "web" is waiting to start: ContainerCreating/);
  const never = pod(['a'], { restartPolicy: 'Never' });
  assert.throws(() => pickLogContainer(never, crashed, 'a', true), /previous terminated container "a" in pod "web" not found/);
});

test('DockerLogDemuxer: frames split anywhere come out as plain bytes', async () => {
  const frame = (type: number, text: string): Buffer => {
    const body = Buffer.from(text);
    const h = Buffer.alloc(8);
    h.writeUInt8(type, 0);
    h.writeUInt32BE(body.length, 4);
    return Buffer.concat([h, body]);
  };
  const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err two\n'), frame(1, 'out three\n')]);
  const chunks = [all.subarray(0, 3), all.subarray(3, 12), all.subarray(12, 30), all.subarray(30)];
  let text = '';
  for await (const c of Readable.from(chunks).pipe(new DockerLogDemuxer())) text += c.toString();
  assert.equal(text, 'out one\nerr two\nout three\n');
});

test('fromInspect: states, zero times, a failed start counts as a death', () => {
  const info = (state: Partial<Docker.ContainerInspectInfo['State']>, ip = ''): Docker.ContainerInspectInfo =>
    ({
      Id: 'abc',
      Name: '/k1s_app_web_shop_abcdef12_0',
      Created: '2026-01-01T00:00:00.5Z',
      Image: 'sha256:img',
      Config: { Image: 'k1s.local/busybox:1.36', Labels: { 'io.k1s.managed': 'true' } },
      NetworkSettings: { Networks: ip ? { k1s: { IPAddress: ip } } : {} },
      State: { Status: 'running', ExitCode: 0, Error: '', OOMKilled: false, StartedAt: '2026-01-01T00:00:01Z', FinishedAt: '0001-01-01T00:00:00Z', ...state },
    }) as unknown as Docker.ContainerInspectInfo;
  const running = fromInspect(info({}, '10.244.0.5'));
  assert.equal(running.state, 'running');
  assert.equal(running.name, 'k1s_app_web_shop_abcdef12_0');
  assert.equal(running.ip, '10.244.0.5');
  assert.equal(running.finishedAt, undefined);
  assert.equal(running.exitCode, undefined);
  const exited = fromInspect(info({ Status: 'exited', ExitCode: 3, FinishedAt: '2026-01-01T00:00:09Z' }));
  assert.deepEqual([exited.state, exited.exitCode, exited.finishedAt], ['exited', 3, '2026-01-01T00:00:09Z']);
  const cannotRun = fromInspect(info({ Status: 'created', ExitCode: 127, Error: 'exec: "nope": not found', StartedAt: '0001-01-01T00:00:00Z' }));
  assert.deepEqual([cannotRun.state, cannotRun.exitCode, cannotRun.finishedAt, cannotRun.startedAt], ['exited', 127, '2026-01-01T00:00:00.5Z', undefined]);
  assert.equal(fromInspect(info({ Status: 'created' })).state, 'created');
});
