// The ServiceLB controller: /proc/net parsing, the pure plan (who gets a port, what stays pending
// and why), the events (once per change), and the controller over the in-process API with a fake
// host: status written through /status, pending until a host process or an older Service lets go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from '../../../src/api/types.js';
import { parseProcNet, type HostListener, type HostPorts } from '../../../src/controllers/host-ports.js';
import { awaitingAddresses, lbEvents, nodeIngressAddresses, planServiceLB, type LBDecision } from '../../../src/controllers/servicelb-plan.js';
import { ServiceLBController } from '../../../src/controllers/servicelb.js';
import type { EventRecorder } from '../../../src/controllers/events.js';
import { startControllers, until } from '../../fixtures/controller-harness.js';

test('/proc/net tables: listening TCP sockets and unconnected UDP ones, IPv4 and IPv6 (v4-mapped as IPv4)', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 624 1 0 100 0 0 10 0
   1: 0100F40A:B198 0200F40A:0050 06 00000000:00000000 03:00000C63 00000000     0        0 0 3 0
   2: 0100007F:1913 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 625 1 0 100 0 0 10 0
`;
  assert.deepEqual(parseProcNet(tcp, 'TCP', false), [
    { protocol: 'TCP', address: '0.0.0.0', port: 2024 },
    { protocol: 'TCP', address: '127.0.0.1', port: 6419 },
  ]);
  const tcp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0000000000000000FFFF00000500A8C0:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 000080FE00000000FF005E0201000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0
`;
  assert.deepEqual(parseProcNet(tcp6, 'TCP', true), [
    { protocol: 'TCP', address: '::', port: 80 },
    { protocol: 'TCP', address: '192.168.0.5', port: 8080 },
    { protocol: 'TCP', address: 'fe80:0:0:0:25e:ff:0:1', port: 22 },
  ]);
  const udp = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 0100F40A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0
  101: 0100F40A:C000 0800080A:0035 01 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0
`;
  assert.deepEqual(parseProcNet(udp, 'UDP', false), [{ protocol: 'UDP', address: '10.244.0.1', port: 53 }]);
});

const NODE_IP = '192.168.1.10';

function lb(name: string, created: string, ports: [number, string?][], extra: Partial<Service['spec']> = {}, ingress: string[] = []): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', creationTimestamp: created, uid: name },
    spec: { type: 'LoadBalancer', ports: ports.map(([port, protocol], i) => ({ name: `p${i}`, port, protocol: (protocol ?? 'TCP') as 'TCP' })), ...extra },
    ...(ingress.length ? { status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip, ipMode: 'VIP' })) } } } : {}),
  };
}

const admitted = (key: string): LBDecision => ({ key, ingress: [{ ip: NODE_IP, ipMode: 'VIP' }] });

test('the Node addresses are InternalIP and ExternalIP (IPv4)', () => {
  assert.deepEqual(
    nodeIngressAddresses([{ status: { addresses: [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: 'vm' }, { type: 'ExternalIP', address: '203.0.113.4' }, { type: 'InternalIP', address: 'fd00::1' }] } }]),
    [NODE_IP, '203.0.113.4'],
  );
});

test('plan: oldest first, then name; a port held by an older LoadBalancer or a host listener keeps a Service pending', () => {
  const cases: { name: string; services: Service[]; listeners?: HostListener[]; want: LBDecision[] }[] = [
    { name: 'one LoadBalancer gets the node address', services: [lb('a', '2026-01-01T00:00:00Z', [[80]])], want: [admitted('default/a')] },
    {
      name: 'same port: the older wins, whatever the list order',
      services: [lb('young', '2026-01-02T00:00:00Z', [[80]]), lb('old', '2026-01-01T00:00:00Z', [[80]])],
      want: [admitted('default/old'), { key: 'default/young', ingress: [], pending: 'port 80/TCP is already used by Service default/old' }],
    },
    {
      name: 'same age: by name',
      services: [lb('b', '2026-01-01T00:00:00Z', [[80]]), lb('a', '2026-01-01T00:00:00Z', [[80]])],
      want: [admitted('default/a'), { key: 'default/b', ingress: [], pending: 'port 80/TCP is already used by Service default/a' }],
    },
    {
      name: 'same number, other protocol: no conflict',
      services: [lb('tcp', '2026-01-01T00:00:00Z', [[53]]), lb('udp', '2026-01-02T00:00:00Z', [[53, 'UDP']])],
      want: [admitted('default/tcp'), admitted('default/udp')],
    },
    {
      name: 'a pending Service holds nothing: the next one may have its other port',
      services: [lb('a', '2026-01-01T00:00:00Z', [[80]]), lb('b', '2026-01-02T00:00:00Z', [[80], [443]]), lb('c', '2026-01-03T00:00:00Z', [[443]])],
      want: [admitted('default/a'), { key: 'default/b', ingress: [], pending: 'port 80/TCP is already used by Service default/a' }, admitted('default/c')],
    },
    {
      name: 'host listeners on every address or the node address take the port; loopback and other addresses do not',
      services: [lb('any', '2026-01-01T00:00:00Z', [[8080]]), lb('v6', '2026-01-01T00:00:00Z', [[8081]]), lb('node', '2026-01-01T00:00:00Z', [[8082]]), lb('lo', '2026-01-01T00:00:00Z', [[8083]]), lb('udp', '2026-01-01T00:00:00Z', [[8084]])],
      listeners: [
        { protocol: 'TCP', address: '0.0.0.0', port: 8080 },
        { protocol: 'TCP', address: '::', port: 8081 },
        { protocol: 'TCP', address: NODE_IP, port: 8082 },
        { protocol: 'TCP', address: '127.0.0.1', port: 8083 },
        { protocol: 'UDP', address: '0.0.0.0', port: 8084 },
      ],
      want: [
        { key: 'default/any', ingress: [], pending: 'port 8080/TCP is already used by a process on the host listening on 0.0.0.0:8080' },
        admitted('default/lo'),
        { key: 'default/node', ingress: [], pending: `port 8082/TCP is already used by a process on the host listening on ${NODE_IP}:8082` },
        admitted('default/udp'),
        { key: 'default/v6', ingress: [], pending: 'port 8081/TCP is already used by a process on the host listening on [::]:8081' },
      ],
    },
    {
      name: 'a Service that has its address keeps it when a process binds the port later (first come, first served)',
      services: [lb('a', '2026-01-01T00:00:00Z', [[80]], {}, [NODE_IP])],
      listeners: [{ protocol: 'TCP', address: '0.0.0.0', port: 80 }],
      want: [admitted('default/a')],
    },
    {
      name: 'a loadBalancerClass is another implementation: no decision; type changed away: cleared',
      services: [lb('classed', '2026-01-01T00:00:00Z', [[80]], { loadBalancerClass: 'example.com/lb' }), lb('was', '2026-01-01T00:00:00Z', [[80]], { type: 'ClusterIP' }, [NODE_IP])],
      want: [{ key: 'default/was', ingress: [] }],
    },
  ];
  for (const c of cases) assert.deepEqual(planServiceLB(c.services, [NODE_IP], c.listeners ?? []), c.want, c.name);
  assert.deepEqual(planServiceLB([lb('a', '2026-01-01T00:00:00Z', [[80]])], [], []), [], 'no node address yet: nothing decided');
});

test('events: Ensuring/Ensured when written, SyncLoadBalancerFailed once per reason, Deleting/Deleted when cleared', () => {
  const pending: LBDecision = { key: 'default/b', ingress: [], pending: 'port 80/TCP is already used by Service default/a' };
  assert.deepEqual(lbEvents(undefined, pending, false).map((e) => `${e.type} ${e.reason}: ${e.message}`), [
    'Normal EnsuringLoadBalancer: Ensuring load balancer',
    'Warning SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: port 80/TCP is already used by Service default/a',
  ]);
  assert.deepEqual(lbEvents(`pending:${pending.pending}`, pending, false), [], 'the same reason again: quiet');
  assert.equal(lbEvents(`pending:${pending.pending}`, { ...pending, pending: 'port 80/TCP is already used by a process on the host listening on 0.0.0.0:80' }, false).length, 2, 'a new reason is said');
  assert.deepEqual(lbEvents(`pending:x`, admitted('default/b'), true).map((e) => e.reason), ['EnsuringLoadBalancer', 'EnsuredLoadBalancer']);
  assert.deepEqual(lbEvents('ensured', admitted('default/b'), false), []);
  assert.deepEqual(lbEvents(undefined, admitted('default/b'), false), [], 'already admitted (a restart): nothing to say');
  assert.deepEqual(lbEvents('ensured', { key: 'default/b', ingress: [] }, true).map((e) => e.reason), ['DeletingLoadBalancer', 'DeletedLoadBalancer']);
});

class FakeHost implements HostPorts {
  list: HostListener[] = [];
  async listeners() {
    return this.list;
  }
}

test('controller: status through /status, pending with one event until the port frees, cleared when no longer a LoadBalancer', async () => {
  const host = new FakeHost();
  host.list = [{ protocol: 'TCP', address: '0.0.0.0', port: 9090 }];
  const recorded: string[] = [];
  const events = { record: (o: Service, type: string, reason: string, message: string) => recorded.push(`${o.metadata.name} ${type} ${reason} ${message}`) } as unknown as EventRecorder;
  const h = await startControllers((ctx) => [new ServiceLBController(ctx, { hostPorts: host, recheckMs: 20 })], events);
  try {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'vm' } } as Node;
    const created = await h.client.create<Node>(node);
    await h.client.updateStatus<Node>({ ...created, status: { addresses: [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: 'vm' }] } });
    const svc = (name: string, port: number): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port }] } });
    await h.client.create(svc('first', 80));
    const ingressOf = (name: string) => h.informers.services.get('default', name)?.status?.loadBalancer?.ingress;
    await until('first admitted', () => ingressOf('first')?.length === 1);
    assert.deepEqual(ingressOf('first'), [{ ip: NODE_IP, ipMode: 'VIP' }]);

    await new Promise((r) => setTimeout(r, 5)); // a later creationTimestamp (they are second-precise: the name breaks the tie)
    await h.client.create(svc('second', 80));
    await h.client.create(svc('third', 9090));
    await until('second pending event', () => recorded.some((r) => r.startsWith('second Warning SyncLoadBalancerFailed')));
    await until('third pending event', () => recorded.some((r) => r.startsWith('third Warning SyncLoadBalancerFailed')));
    await new Promise((r) => setTimeout(r, 150)); // several re-checks: no repeat
    assert.equal(recorded.filter((r) => r.startsWith('second Warning')).length, 1, recorded.join('\n'));
    assert.equal(ingressOf('second'), undefined);
    assert.match(recorded.find((r) => r.startsWith('third Warning'))!, /port 9090\/TCP is already used by a process on the host listening on 0\.0\.0\.0:9090$/);

    host.list = [];
    await until('third admitted once the process stops', () => ingressOf('third')?.length === 1);
    await h.client.delete('Service', 'default', 'first');
    await until('second admitted once first is gone', () => ingressOf('second')?.length === 1);
    assert.ok(recorded.includes('second Normal EnsuredLoadBalancer Ensured load balancer'));

    const current = h.informers.services.get('default', 'second')!;
    await h.client.update<Service>({ ...current, spec: { ...current.spec, type: 'ClusterIP' } });
    await until('cleared', () => h.informers.services.get('default', 'second')?.spec.type === 'ClusterIP' && ingressOf('second') === undefined);
    assert.ok(recorded.includes('second Normal DeletedLoadBalancer Deleted load balancer'));
  } finally {
    await h.stop();
  }
});

test('the host is read only while a LoadBalancer of ours waits for its addresses', () => {
  assert.equal(awaitingAddresses([lb('a', '2026-01-01T00:00:00Z', [[80]], {}, [NODE_IP])], [NODE_IP]), false);
  assert.equal(awaitingAddresses([lb('a', '2026-01-01T00:00:00Z', [[80]])], [NODE_IP]), true);
  assert.equal(awaitingAddresses([lb('a', '2026-01-01T00:00:00Z', [[80]], { loadBalancerClass: 'example.com/lb' })], [NODE_IP]), false);
  assert.equal(awaitingAddresses([lb('a', '2026-01-01T00:00:00Z', [[80]], {}, ['10.0.0.1'])], [NODE_IP]), true, 'the node address moved');
  assert.equal(awaitingAddresses([lb('a', '2026-01-01T00:00:00Z', [[80]])], []), false, 'no node address yet');
});
