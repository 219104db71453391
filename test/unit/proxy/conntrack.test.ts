import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conntrackArgs, staleFlows } from '../../../proxy/conntrack.js';
import type { ServicePortInfo } from '../../../proxy/rules.js';

function port(protocol: string, ips: string[], extra: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    spn: 'default/dns',
    clusterIP: '10.96.0.10',
    port: 53,
    protocol,
    externalIPs: [],
    localOnly: false,
    svcChain: 'K1S-SVC-X',
    endpoints: ips.map((ip) => ({ addr: `${ip}:53`, ip, chain: `K1S-SEP-${ip}` })),
    ...extra,
  };
}

test('which conntrack entries go after a change (kube-proxy conntrack cleanup), table', () => {
  const cases: [string, ServicePortInfo[], ServicePortInfo[], object[]][] = [
    ['nothing changed', [port('udp', ['10.244.0.5'])], [port('udp', ['10.244.0.5'])], []],
    ['an endpoint replaced: the old one is flushed', [port('udp', ['10.244.0.5'])], [port('udp', ['10.244.0.6'])], [{ protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }]],
    [
      'same address, another port: the old flows go',
      [port('udp', ['10.244.0.5'])],
      [{ ...port('udp', []), endpoints: [{ addr: '10.244.0.5:5354', ip: '10.244.0.5', chain: 'K1S-SEP-Y' }] }],
      [{ protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }],
    ],
    ['TCP closes its own connections: nothing', [port('tcp', ['10.244.0.5'])], [port('tcp', ['10.244.0.6'])], []],
    [
      'node port and external IPs too',
      [port('udp', ['10.244.0.5'], { nodePort: 30053, externalIPs: ['192.0.2.10'] })],
      [port('udp', [], { nodePort: 30053, externalIPs: ['192.0.2.10'] })],
      [
        { protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' },
        { protocol: 'udp', origDst: '192.0.2.10', dstNat: '10.244.0.5' },
        { protocol: 'udp', origDstPort: 30053, dstNat: '10.244.0.5' },
      ],
    ],
    ['the service port removed: its endpoints are flushed', [port('udp', ['10.244.0.5'])], [], [{ protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }]],
    [
      'from no endpoint to one: the un-NATed flows to the service go',
      [port('udp', [], { nodePort: 30053 })],
      [port('udp', ['10.244.0.6'], { nodePort: 30053 })],
      [{ protocol: 'udp', origDst: '10.96.0.10' }, { protocol: 'udp', origDstPort: 30053 }],
    ],
    ['SCTP is flushed like UDP', [port('sctp', ['10.244.0.5'])], [port('sctp', [])], [{ protocol: 'sctp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }]],
  ];
  for (const [name, prev, next, want] of cases) assert.deepEqual(staleFlows(prev, next), want, name);
});

test('conntrack -D arguments', () => {
  assert.deepEqual(conntrackArgs({ protocol: 'udp', origDst: '10.96.0.10', dstNat: '10.244.0.5' }), ['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.0.5']);
  assert.deepEqual(conntrackArgs({ protocol: 'udp', origDstPort: 30053 }), ['-D', '-p', 'udp', '--orig-port-dst', '30053']);
});
