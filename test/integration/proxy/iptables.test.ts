// REAL iptables, REAL packets, safely: the only endpoints are servers in a network namespace this
// test creates (veth, 10.244.<n>.0/24); traffic goes only to 127.0.0.1, the host's own addresses,
// that namespace, and ClusterIPs, which the K1S-GUARD rule (installed, and checked, before the first
// packet) keeps from ever leaving the host. Everything is removed in `finally`, even on failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as http from 'node:http';
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { IptablesNetfilter } from '../../../proxy/netfilter.js';
import { cleanupNetfilter, restoreSysctls, ServiceProxy } from '../../../proxy/proxier.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { silentLogger } from '../../../src/log.js';

const exec = promisify(execFile);
const NS = 'k1s-pxt';
const VETH = 'k1s-pxt-h';
const DOCKER_NET = 'k1s-pxt-net';
const SERVICE_CIDR = '10.96.0.0/16';
const WEB_IP = '10.96.250.10';
const EMPTY_IP = '10.96.250.11';
const UNASSIGNED_IP = '10.96.250.99';

async function sh(cmd: string, ...args: string[]): Promise<string> {
  return (await exec(cmd, args)).stdout;
}

async function quietly(cmd: string, ...args: string[]): Promise<void> {
  await exec(cmd, args).catch(() => {});
}

/**
 * A /24 nothing on this machine uses: no address in it, and only the default route covers it (so
 * we shadow nobody's network, e.g. a k1s bridge on 10.244.0.0/16 left by another run).
 */
async function freeSubnet(): Promise<string> {
  const addrs = await sh('ip', '-4', '-o', 'addr');
  const candidates = [250, 251, 252, 253, 254].map((n) => `10.244.${n}`).concat(['10.250.250', '10.250.251']);
  for (const net of candidates) {
    if (addrs.includes(` ${net}.`)) continue;
    const route = await sh('ip', '-4', 'route', 'get', `${net}.2`).catch(() => 'unreachable');
    if (/ via /.test(route) || /unreachable/.test(route)) return net;
  }
  throw new Error('no free /24 for the test namespace');
}

async function removeNamespace(): Promise<void> {
  await quietly('ip', 'netns', 'del', NS); // takes the veth pair with it
  await quietly('ip', 'link', 'del', VETH);
}

async function dockerAvailable(): Promise<boolean> {
  return exec('docker', ['info', '--format', '{{.ID}}'], { timeout: 5000 }).then(
    () => true,
    () => false,
  );
}

function rulesOf(save: string, chain: string): string[] {
  return save.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

/** Packet count of the rule number `n` (1-based) of a chain. */
async function packets(table: string, chain: string, n = 1): Promise<number> {
  const out = await sh('iptables', '-w', '-t', table, '-L', chain, '-n', '-v', '-x');
  const rules = out.split('\n').slice(2).filter((l) => l.trim() !== '');
  return Number(rules[n - 1].trim().split(/\s+/)[0]);
}

function get(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Connect and report how it ended: 'connected', an errno code, or 'timeout'. */
function connectOutcome(host: string, port: number, timeoutMs = 2000): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('connect', () => done('connected'));
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

function udpAsk(host: string, port: number, message: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('udp timeout'));
    }, timeoutMs);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      s.close();
      reject(e);
    });
    s.send(message, port, host);
  });
}

// Runs inside the namespace: two HTTP servers (the two endpoints of "web") and a UDP echo server.
const SERVER = `
const http = require('http'), dgram = require('dgram');
let up = 0; const ready = () => { if (++up === 4) console.log('ready'); };
for (const [port, name] of [[8080, 'one'], [8081, 'two']]) {
  http.createServer((req, res) => res.end(name + ' ' + req.socket.remoteAddress)).listen(port, '0.0.0.0', ready);
}
// 5353 is the UDP endpoint; 5354 plays the pod that replaces it
for (const [port, word] of [[5353, 'echo'], [5354, 'new']]) {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(word + ' ' + m, r.port, r.address));
  u.bind(port, '0.0.0.0', ready);
}
`;

function startServer(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

function services(web: Partial<Service['spec']> = {}): Service[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'k1s-test' },
      spec: {
        ...web,
        type: 'NodePort',
        clusterIP: WEB_IP,
        ports: [
          { name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' },
          { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty', namespace: 'k1s-test' },
      spec: { type: 'NodePort', clusterIP: EMPTY_IP, ports: [{ port: 80, nodePort: 30081 }] },
    },
  ];
}

/**
 * The web Service's EndpointSlices, as the EndpointSlice controller writes them: http on 8080
 * ("one") and 8081 ("two"), dns on 5353 (or `udpPort`). `only8081` leaves "one" out.
 */
function webEndpoints(ip: string, ready: boolean, opts: { only8081?: boolean; udpPort?: number } = {}): EndpointSlice[] {
  const conditions = { ready, serving: ready, terminating: false };
  if (opts.only8081 || opts.udpPort) {
    const slice = (name: string, ports: EndpointSlice['ports']): EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: 'k1s-test', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions }],
      ports,
    });
    return [
      slice('web-a', [...(opts.only8081 ? [] : [{ name: 'http', port: 8080, protocol: 'TCP' as const }]), { name: 'dns', port: opts.udpPort ?? 5353, protocol: 'UDP' }]),
      slice('web-b', [{ name: 'http', port: 8081, protocol: 'TCP' }]),
    ];
  }
  const slice = (name: string, ports: EndpointSlice['ports']): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'k1s-test', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions }],
    ports,
  });
  return [
    slice('web-a', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }]),
    ...(ready ? [slice('web-b', [{ name: 'http', port: 8081, protocol: 'TCP' }])] : []),
  ];
}

const skip = process.getuid?.() !== 0 ? 'needs root (iptables, ip netns)' : false;

test('real iptables: ClusterIP, NodePort on 127.0.0.1, REJECT without endpoints, guard, cleanup', { skip, timeout: 120_000 }, async (t) => {
  const netfilter = new IptablesNetfilter();
  // Leftovers of a killed run are ours to remove; then the machine is as k1s never touched it.
  await cleanupNetfilter(netfilter);
  await removeNamespace();
  const docker = await dockerAvailable();
  if (docker) await quietly('docker', 'network', 'rm', DOCKER_NET);
  const before = (await netfilter.save()).split('\n').filter((l) => l.startsWith('-A ') || l.startsWith(':'));

  const subnet = await freeSubnet();
  const hostSide = `${subnet}.1`;
  const podIP = `${subnet}.2`;
  let server: ChildProcess | undefined;
  let proxy: ServiceProxy | undefined;
  try {
    await sh('ip', 'netns', 'add', NS);
    await sh('ip', 'link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS);
    await sh('ip', 'addr', 'add', `${hostSide}/24`, 'dev', VETH);
    await sh('ip', 'link', 'set', VETH, 'up');
    await sh('ip', '-n', NS, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
    await sh('ip', '-n', NS, 'link', 'set', 'eth0', 'up');
    await sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
    // The namespace only knows its /24 and the service range (via the host): it cannot reach anything else.
    await sh('ip', '-n', NS, 'route', 'add', SERVICE_CIDR, 'via', hostSide);
    server = await startServer();

    proxy = new ServiceProxy({
      netfilter,
      config: { serviceCIDR: SERVICE_CIDR, podCIDR: '10.244.0.0/16' },
      logger: silentLogger,
    });
    await proxy.sync(services(), webEndpoints(podIP, true));
    assert.equal(proxy.restores, 1);

    // Safety before the first packet to the service range: the guard is in place, first in OUTPUT.
    const state = await netfilter.save();
    const output = state.split('\n').filter((l) => l.startsWith('-A OUTPUT '));
    assert.match(output[0], /-j K1S-GUARD$/);
    assert.match(state, new RegExp(`^-A K1S-GUARD -d ${SERVICE_CIDR.replace(/\./g, '\\.')} .*-j REJECT`, 'm'));

    await t.test('ClusterIP from the host reaches both endpoints, masqueraded', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30 && seen.size < 2; i++) {
        const body = await get(WEB_IP, 80);
        const [name, from] = body.split(' ');
        seen.add(name);
        assert.equal(from, hostSide, 'host traffic is masqueraded to the veth address');
      }
      assert.deepEqual([...seen].sort(), ['one', 'two']);
    });

    await t.test('UDP ClusterIP port reaches the UDP endpoint', async () => {
      assert.equal(await udpAsk(WEB_IP, 53, 'hi'), 'echo hi');
    });

    await t.test('NodePort answers on 127.0.0.1 and on a host address', async () => {
      assert.match(await get('127.0.0.1', 30080), new RegExp(`^(one|two) ${hostSide.replace(/\./g, '\\.')}$`));
      const hostAddr = Object.entries(networkInterfaces())
        .filter(([name]) => name !== VETH)
        .flatMap(([, addrs]) => addrs ?? [])
        .find((a) => a.family === 'IPv4' && !a.internal)?.address;
      if (hostAddr) assert.match(await get(hostAddr, 30080), /^(one|two) /);
    });

    await t.test('hairpin: the endpoint reaches itself through its ClusterIP', async () => {
      const client = `require('http').get({host:'${WEB_IP}',port:80,agent:false,timeout:3000},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>console.log(b))}).on('error',e=>console.log('ERR '+e.code))`;
      const { stdout } = await exec('ip', ['netns', 'exec', NS, process.execPath, '-e', client], { timeout: 10_000 });
      // Masqueraded: without it the endpoint would answer itself directly and the client would drop the reply.
      assert.match(stdout.trim(), new RegExp(`^(one|two) ${hostSide.replace(/\./g, '\\.')}$`));
    });

    await t.test('a service without endpoints is refused at once (filter REJECT)', async () => {
      // In OUTPUT the guard comes first, so it is the guard (not K1S-SERVICES) that refuses a ClusterIP
      // in the service range; K1S-SERVICES only adds its per-service REJECT behind it.
      const guard = await packets('filter', 'K1S-GUARD');
      const r = await connectOutcome(EMPTY_IP, 80);
      assert.equal(r.outcome, 'ECONNREFUSED');
      assert.ok(r.ms < 1000, `refused after ${r.ms} ms`);
      assert.ok((await packets('filter', 'K1S-GUARD')) > guard, 'rejected in filter OUTPUT');
      const node = await packets('filter', 'K1S-EXTERNAL-SERVICES');
      const n = await connectOutcome('127.0.0.1', 30081);
      assert.equal(n.outcome, 'ECONNREFUSED');
      assert.ok((await packets('filter', 'K1S-EXTERNAL-SERVICES')) > node, 'K1S-EXTERNAL-SERVICES REJECT matched');
    });

    await t.test('an address of the service range that no service has is rejected by the guard', async () => {
      const guard = await packets('filter', 'K1S-GUARD');
      const r = await connectOutcome(UNASSIGNED_IP, 80);
      assert.equal(r.outcome, 'ECONNREFUSED');
      assert.ok(r.ms < 1000, `refused after ${r.ms} ms`);
      assert.ok((await packets('filter', 'K1S-GUARD')) > guard, 'the guard rejected it: nothing left the host');
      // A known ClusterIP on a port it does not serve is not translated either.
      assert.equal((await connectOutcome(WEB_IP, 81)).outcome, 'ECONNREFUSED');
    });

    await t.test('idle sync writes nothing', async () => {
      const restores = proxy!.restores;
      await proxy!.sync(services(), webEndpoints(podIP, true));
      await proxy!.sync(services(), webEndpoints(podIP, true));
      assert.equal(proxy!.restores, restores);
    });

    await t.test('Docker reshuffling FORWARD (network create) never puts anything before the guard', { skip: !docker && 'no Docker engine' }, async () => {
      // Docker picks the subnet from its own free pools: no clash with anything.
      await sh('docker', 'network', 'create', DOCKER_NET);
      const reshuffled = await netfilter.save();
      const forward = rulesOf(reshuffled, 'FORWARD');
      const guardFirst =
        /-j K1S-GUARD$/.test(forward[0]) || (/-j DOCKER-USER$/.test(forward[0]) && /-j K1S-GUARD$/.test(rulesOf(reshuffled, 'DOCKER-USER')[0]));
      assert.ok(guardFirst, `forwarded packets meet the guard first:\n${forward.join('\n')}`);
      // The every-second check notices; the next sync (a full one) puts our jumps back on top of FORWARD.
      const restores = proxy!.restores;
      assert.equal(await proxy!.check(), false);
      await proxy!.sync(services(), webEndpoints(podIP, true));
      assert.equal(proxy!.restores, restores + 1);
      assert.match(rulesOf(await netfilter.save(), 'FORWARD')[0], /-j K1S-GUARD$/);
      await sh('docker', 'network', 'rm', DOCKER_NET);
    });

    await t.test('ClientIP affinity: every new connection from the host sticks to one endpoint', async () => {
      await proxy!.sync(services({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), webEndpoints(podIP, true));
      const seen = new Map<string, number>();
      for (let i = 0; i < 30; i++) {
        const name = (await get(WEB_IP, 80)).split(' ')[0];
        seen.set(name, (seen.get(name) ?? 0) + 1);
      }
      assert.equal(seen.size, 1, `30 connections went to ${JSON.stringify([...seen])}`);
      // without affinity the same 30 connections spread (1 in 2^29 to fail by chance)
      await proxy!.sync(services(), webEndpoints(podIP, true));
      const spread = new Set<string>();
      for (let i = 0; i < 30; i++) spread.add((await get(WEB_IP, 80)).split(' ')[0]);
      assert.equal(spread.size, 2);
    });

    await t.test('an endpoint removed gets no new connection after one sync', async () => {
      await proxy!.sync(services(), webEndpoints(podIP, true, { only8081: true }));
      for (let i = 0; i < 30; i++) assert.equal((await get(WEB_IP, 80)).split(' ')[0], 'two');
      await proxy!.sync(services(), webEndpoints(podIP, true));
    });

    await t.test('UDP: a client that keeps its socket reaches the replacing endpoint after one sync (conntrack flushed)', async () => {
      const s = dgram.createSocket('udp4');
      const ask = (m: string) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('udp timeout')), 2000);
          s.once('message', (b) => {
            clearTimeout(timer);
            resolve(b.toString());
          });
          s.send(m, 53, WEB_IP);
        });
      try {
        await new Promise<void>((r) => s.bind(0, r));
        assert.equal(await ask('a'), 'echo a');
        // the pod is replaced: the endpoint moves to 5354; the old one still answers, so only a
        // deleted conntrack entry can send the same 5-tuple to the new one
        await proxy!.sync(services(), webEndpoints(podIP, true, { udpPort: 5354 }));
        assert.equal(await ask('b'), 'new b');
      } finally {
        s.close();
        await proxy!.sync(services(), webEndpoints(podIP, true));
      }
    });

    await t.test('our rules flushed by hand come back within 2 s (the server loop: check every second)', async () => {
      assert.equal(await proxy!.check(), true);
      const loop = setInterval(() => void proxy!.check().then(async (ok) => { if (!ok) await proxy!.sync(services(), webEndpoints(podIP, true)); }), 1000);
      try {
        await sh('iptables', '-w', '-F', 'K1S-GUARD');
        await sh('iptables', '-w', '-t', 'nat', '-F', 'K1S-SERVICES');
        await sh('iptables', '-w', '-t', 'nat', '-F', 'K1S-CANARY');
        const flushed = Date.now();
        let back = false;
        while (!back && Date.now() - flushed < 2500) {
          await new Promise((r) => setTimeout(r, 100));
          const save = await netfilter.save();
          back = rulesOf(save, 'K1S-GUARD').length === 1 && /-A K1S-SERVICES .*cluster IP/.test(save);
        }
        assert.ok(back, `not back after ${Date.now() - flushed} ms`);
        assert.ok(Date.now() - flushed <= 2500);
        assert.match(await get(WEB_IP, 80), /^(one|two) /);
      } finally {
        clearInterval(loop);
      }
    });

    await t.test('endpoint no longer ready: refused at once, chains of the endpoint removed', async () => {
      await proxy!.sync(services(), webEndpoints(podIP, false));
      const r = await connectOutcome(WEB_IP, 80);
      assert.equal(r.outcome, 'ECONNREFUSED');
      assert.doesNotMatch(await netfilter.save(), /^:K1S-SEP-/m);
      await proxy!.sync(services(), webEndpoints(podIP, true));
      assert.match(await get(WEB_IP, 80), /^(one|two) /);
    });
  } finally {
    const cleaned = await cleanupNetfilter(netfilter);
    assert.ok(cleaned.chains > 0);
    server?.kill('SIGTERM');
    await removeNamespace();
    if (docker) await quietly('docker', 'network', 'rm', DOCKER_NET);
    await restoreSysctls(); // what k1s cleanup does: every sysctl the proxy changed, back
  }

  const after = await netfilter.save();
  assert.equal((after.match(/^:K1S-/gm) ?? []).length, 0, 'no K1S- chain left');
  assert.doesNotMatch(after, /K1S-/, 'no jump into a K1S- chain left');
  const afterLines = new Set(after.split('\n'));
  assert.deepEqual(before.filter((l) => !afterLines.has(l)), [], 'every rule that was there before is still there');
  assert.doesNotMatch(await sh('ip', 'netns', 'list'), new RegExp(`^${NS}\\b`, 'm'));
});
