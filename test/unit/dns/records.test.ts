import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordIndex, SLICE_SERVICE_LABEL, ZONE_KEY, namespacesOf, reverseName, serviceKey, serviceRecords, slicesByService, toZoneText, zoneRecords, type LookupResult } from '../../../dns/records.js';
import type { Service, ServicePort } from '../../../src/api/types.js';
import { SERVICE_NAME_LABEL, type EndpointSlice } from '../../../src/api/kinds/endpointslice.js';
import { httpPorts, notReady, ready, services, slice, slices, svc } from './cluster-fixture.js';

const index = new RecordIndex(services, slices, { zone: 'cluster.local', namespaces: ['empty'] });

const SOA = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 42 7200 1800 86400 5';

interface Case {
  q: [string, string];
  rcode?: LookupResult['rcode'];
  answers?: string[];
  authority?: string[];
  additionals?: string[];
  chase?: string;
}

// Each case: the question, and the response as zone-file text. Omitted sections are empty.
const cases: Record<string, Case> = {
  'ClusterIP service: A is the ClusterIP, TTL 5': {
    q: ['web.default.svc.cluster.local', 'A'],
    answers: ['web.default.svc.cluster.local. 5 IN A 10.96.0.12'],
  },
  'a trailing dot and any letter case ask the same thing': {
    q: ['WEB.Default.SVC.cluster.LOCAL.', 'a'],
    answers: ['web.default.svc.cluster.local. 5 IN A 10.96.0.12'],
  },
  'unknown service: NXDOMAIN with the SOA': {
    q: ['nope.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'unknown namespace: NXDOMAIN': {
    q: ['web.nowhere.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'a search-path expansion (ndots) is NXDOMAIN, answered here, fast': {
    q: ['example.com.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'existing name, no record of that type (AAAA on IPv4 service): NODATA': {
    q: ['web.default.svc.cluster.local', 'AAAA'],
    authority: [SOA],
  },
  'svc.<zone> exists as a prefix only: NODATA': {
    q: ['svc.cluster.local', 'A'],
    authority: [SOA],
  },
  '<ns>.svc.<zone> with services: NODATA': {
    q: ['default.svc.cluster.local', 'A'],
    authority: [SOA],
  },
  'a namespace known without services: NODATA': {
    q: ['empty.svc.cluster.local', 'A'],
    authority: [SOA],
  },
  'empty non-terminal under a service (_tcp): NODATA': {
    q: ['_tcp.web.default.svc.cluster.local', 'SRV'],
    authority: [SOA],
  },
  'SRV for a named port points at the service name, address in additionals': {
    q: ['_http._tcp.web.default.svc.cluster.local', 'SRV'],
    answers: ['_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 100 80 web.default.svc.cluster.local.'],
    additionals: ['web.default.svc.cluster.local. 5 IN A 10.96.0.12'],
  },
  'SRV protocol label follows the port protocol': {
    q: ['_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV'],
    answers: ['_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.'],
    additionals: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'],
  },
  'SRV with the wrong protocol: NXDOMAIN': {
    q: ['_http._udp.web.default.svc.cluster.local', 'SRV'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'SRV on the bare service name lists every port, unnamed ones too, their weights sharing 100 (as CoreDNS)': {
    q: ['web.default.svc.cluster.local', 'SRV'],
    answers: [
      'web.default.svc.cluster.local. 5 IN SRV 0 50 80 web.default.svc.cluster.local.',
      'web.default.svc.cluster.local. 5 IN SRV 0 50 9090 web.default.svc.cluster.local.',
    ],
    additionals: ['web.default.svc.cluster.local. 5 IN A 10.96.0.12'],
  },
  'ClusterIP services publish no per-endpoint names': {
    q: ['10-244-0-9.web.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'PTR for a ClusterIP': {
    q: ['12.0.96.10.in-addr.arpa', 'PTR'],
    answers: ['12.0.96.10.in-addr.arpa. 5 IN PTR web.default.svc.cluster.local.'],
  },
  'known reverse name, other type: NODATA with the in-addr.arpa SOA': {
    q: ['12.0.96.10.in-addr.arpa', 'A'],
    authority: ['in-addr.arpa. 5 IN SOA ns.dns.in-addr.arpa. hostmaster.in-addr.arpa. 42 7200 1800 86400 5'],
  },
  'headless: one A per ready endpoint, not-ready ones left out': {
    q: ['db.default.svc.cluster.local', 'A'],
    answers: ['db.default.svc.cluster.local. 5 IN A 10.244.0.5', 'db.default.svc.cluster.local. 5 IN A 10.244.0.6'],
  },
  'headless endpoint by hostname': {
    q: ['db-0.db.default.svc.cluster.local', 'A'],
    answers: ['db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5'],
  },
  'headless endpoint without hostname: named by its dashed IP': {
    q: ['10-244-0-6.db.default.svc.cluster.local', 'A'],
    answers: ['10-244-0-6.db.default.svc.cluster.local. 5 IN A 10.244.0.6'],
  },
  'headless endpoint that is not ready: NXDOMAIN': {
    q: ['10-244-0-7.db.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'headless SRV: one per ready endpoint, targets its own name, weights sharing 100 (CoreDNS: floor(100 / n)), addresses in additionals': {
    q: ['_pg._tcp.db.default.svc.cluster.local', 'SRV'],
    answers: [
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 5432 db-0.db.default.svc.cluster.local.',
      '_pg._tcp.db.default.svc.cluster.local. 5 IN SRV 0 50 5432 10-244-0-6.db.default.svc.cluster.local.',
    ],
    additionals: ['db-0.db.default.svc.cluster.local. 5 IN A 10.244.0.5', '10-244-0-6.db.default.svc.cluster.local. 5 IN A 10.244.0.6'],
  },
  'PTR for a headless endpoint names the endpoint': {
    q: ['5.0.244.10.in-addr.arpa', 'PTR'],
    answers: ['5.0.244.10.in-addr.arpa. 5 IN PTR db-0.db.default.svc.cluster.local.'],
  },
  'headless without ready endpoints: NXDOMAIN (spec 2.4.1)': {
    q: ['lonely.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'tolerate-unready-endpoints publishes not-ready addresses': {
    q: ['racy.default.svc.cluster.local', 'A'],
    answers: ['racy.default.svc.cluster.local. 5 IN A 10.244.0.11'],
  },
  'publishNotReadyAddresses publishes endpoints that are not ready, with their hostnames': {
    q: ['_peer._tcp.eager.default.svc.cluster.local', 'SRV'],
    answers: ['_peer._tcp.eager.default.svc.cluster.local. 5 IN SRV 0 100 2380 etcd-0.eager.default.svc.cluster.local.'],
    additionals: ['etcd-0.eager.default.svc.cluster.local. 5 IN A 10.244.0.12'],
  },
  'headless across slices: every endpoint once': {
    q: ['split.default.svc.cluster.local', 'A'],
    answers: ['split.default.svc.cluster.local. 5 IN A 10.244.0.21', 'split.default.svc.cluster.local. 5 IN A 10.244.0.22'],
  },
  'a slice without the service-name label adds nothing to its namesake': {
    q: ['10-244-0-31.web.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'a slice of a Service that does not exist makes no name': {
    q: ['ghost.default.svc.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'ExternalName: CNAME, and the out-of-zone target is left for the server to chase': {
    q: ['ext.default.svc.cluster.local', 'A'],
    answers: ['ext.default.svc.cluster.local. 5 IN CNAME www.example.test.'],
    chase: 'www.example.test',
  },
  'ExternalName asked for CNAME: just the CNAME': {
    q: ['ext.default.svc.cluster.local', 'CNAME'],
    answers: ['ext.default.svc.cluster.local. 5 IN CNAME www.example.test.'],
  },
  'ExternalName pointing into the zone: followed here': {
    q: ['alias.default.svc.cluster.local', 'A'],
    answers: ['alias.default.svc.cluster.local. 5 IN CNAME web.default.svc.cluster.local.', 'web.default.svc.cluster.local. 5 IN A 10.96.0.12'],
  },
  'below an ExternalName: NXDOMAIN': {
    q: ['x.ext.default.svc.cluster.local', 'CNAME'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'dual-stack service: A': {
    q: ['dual.shop.svc.cluster.local', 'A'],
    answers: ['dual.shop.svc.cluster.local. 5 IN A 10.96.0.20'],
  },
  'dual-stack service: AAAA': {
    q: ['dual.shop.svc.cluster.local', 'AAAA'],
    answers: ['dual.shop.svc.cluster.local. 5 IN AAAA fd00::20'],
  },
  'PTR for an IPv6 ClusterIP, under ip6.arpa': {
    q: [reverseName('fd00::20'), 'PTR'],
    answers: [`${reverseName('fd00::20')}. 5 IN PTR dual.shop.svc.cluster.local.`],
  },
  'pod A record from its dashed address (pods insecure)': {
    q: ['10-244-0-42.default.pod.cluster.local', 'A'],
    answers: ['10-244-0-42.default.pod.cluster.local. 5 IN A 10.244.0.42'],
  },
  'pod record in an unknown namespace: NXDOMAIN': {
    q: ['10-244-0-42.nowhere.pod.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'pod record that is not an address: NXDOMAIN': {
    q: ['not-an-ip.default.pod.cluster.local', 'A'],
    rcode: 'NXDOMAIN',
    authority: [SOA],
  },
  'zone apex SOA': {
    q: ['cluster.local', 'SOA'],
    answers: [SOA],
  },
  'zone apex NS, nameserver address (kube-dns ClusterIP) in additionals': {
    q: ['cluster.local', 'NS'],
    answers: ['cluster.local. 5 IN NS ns.dns.cluster.local.'],
    additionals: ['ns.dns.cluster.local. 5 IN A 10.96.0.10'],
  },
  'NS below the apex: NODATA': {
    q: ['svc.cluster.local', 'NS'],
    authority: [SOA],
  },
  'SOA below the apex: NODATA': {
    q: ['web.default.svc.cluster.local', 'SOA'],
    authority: [SOA],
  },
  'schema version TXT': {
    q: ['dns-version.cluster.local', 'TXT'],
    answers: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'],
  },
  'an unknown type on an existing name: NODATA': {
    q: ['web.default.svc.cluster.local', 'TYPE65'],
    authority: [SOA],
  },
  'a name outside the zone is not ours': {
    q: ['example.test', 'A'],
    rcode: 'REFUSED',
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`records: ${name}`, () => {
    const got = index.lookup(c.q[0], c.q[1]);
    assert.deepEqual(
      {
        rcode: got.rcode,
        answers: toZoneText(got.answers),
        authority: toZoneText(got.authority),
        additionals: toZoneText(got.additionals),
        chase: got.chase,
      },
      {
        rcode: c.rcode ?? 'NOERROR',
        answers: (c.answers ?? []).join('\n'),
        authority: (c.authority ?? []).join('\n'),
        additionals: (c.additionals ?? []).join('\n'),
        chase: c.chase,
      },
    );
  });
}

test('records: isInZone covers the zone and the reverse names we hold, nothing else', () => {
  assert.equal(index.isInZone('cluster.local'), true);
  assert.equal(index.isInZone('anything.at.all.cluster.local.'), true);
  assert.equal(index.isInZone('12.0.96.10.in-addr.arpa'), true);
  assert.equal(index.isInZone('1.1.168.192.in-addr.arpa'), false); // a host address: forwarded
  assert.equal(index.isInZone('example.test'), false);
  assert.equal(index.isInZone('notcluster.local'), false);
  assert.equal(index.isInZone('local'), false);
});

test('records: another zone and TTL', () => {
  const idx = new RecordIndex(services.slice(0, 1), [], { zone: 'k1s.internal.', ttl: 30, serial: 7 });
  assert.equal(toZoneText(idx.lookup('web.default.svc.k1s.internal', 'A').answers), 'web.default.svc.k1s.internal. 30 IN A 10.96.0.12');
  assert.equal(
    toZoneText(idx.lookup('x.k1s.internal', 'A').authority),
    'k1s.internal. 30 IN SOA ns.dns.k1s.internal. hostmaster.k1s.internal. 7 7200 1800 86400 30',
  );
  assert.equal(idx.isInZone('web.default.svc.cluster.local'), false);
});

test('records: an empty index still answers the apex and NXDOMAINs the rest', () => {
  const idx = new RecordIndex([], [], {});
  assert.equal(idx.lookup('cluster.local', 'SOA').answers.length, 1);
  assert.equal(idx.lookup('web.default.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  assert.equal(idx.lookup('default.svc.cluster.local', 'A').rcode, 'NOERROR');
});

test('records: two headless services selecting one pod give one PTR each, and duplicates collapse', () => {
  const eps = [{ addresses: ['10.244.1.1'] }, { addresses: ['10.244.1.1'] }];
  const idx = new RecordIndex([svc('a', 'one', { clusterIP: 'None' }), svc('a', 'two', { clusterIP: 'None' })], [slice('a', 'one', eps), slice('a', 'two', eps)]);
  assert.equal(toZoneText(idx.lookup('one.a.svc.cluster.local', 'A').answers), 'one.a.svc.cluster.local. 5 IN A 10.244.1.1');
  assert.equal(
    toZoneText(idx.lookup('1.1.244.10.in-addr.arpa', 'PTR').answers),
    ['1.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-1.one.a.svc.cluster.local.', '1.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-1.two.a.svc.cluster.local.'].join('\n'),
  );
});

test('records: a service whose ClusterIP is not allocated yet exists without an address', () => {
  const idx = new RecordIndex([svc('default', 'new', { ports: [{ port: 80 }] })], []);
  const r = idx.lookup('new.default.svc.cluster.local', 'A');
  assert.equal(r.rcode, 'NOERROR');
  assert.equal(r.answers.length, 0);
});

test('records: reverseName', () => {
  assert.equal(reverseName('10.96.0.1'), '1.0.96.10.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
});

// ---- incremental: contributions set and replaced one Service at a time ----

test('records: setting every Service one by one gives the same records as building at once', () => {
  const idx = new RecordIndex([], [], { zone: 'cluster.local', namespaces: ['empty'], serial: 42 });
  // the zone's contribution must know the namespaces and kube-dns, as the constructor did
  idx.set(ZONE_KEY, zoneRecords('cluster.local', 5, namespacesOf([], ['empty']), '10.96.0.10'));
  const bySvc = slicesByService(slices);
  for (const s of services) idx.set(serviceKey(s), serviceRecords(s, bySvc.get(serviceKey(s)) ?? [], 'cluster.local', 5));
  assert.equal(toZoneText(idx.allRecords()), toZoneText(index.allRecords()));
});

test('records: replacing and removing a Service leaves no trace, shared parents stay', () => {
  const idx = new RecordIndex([], []); // namespace a: no Namespace object, only its Services
  for (const s of [svc('a', 'one', { clusterIP: '10.96.1.1' }), svc('a', 'two', { clusterIP: '10.96.1.2' })]) idx.set(serviceKey(s), serviceRecords(s, [], 'cluster.local', 5));
  assert.equal(idx.lookup('10-0-0-1.a.pod.cluster.local', 'A').rcode, 'NOERROR');
  const before = idx.generation;
  idx.set('a/one', serviceRecords(svc('a', 'one', { clusterIP: '10.96.1.9' }), [], 'cluster.local', 5));
  assert.ok(idx.generation > before, 'a change moves the generation on');
  assert.equal(toZoneText(idx.lookup('one.a.svc.cluster.local', 'A').answers), 'one.a.svc.cluster.local. 5 IN A 10.96.1.9');
  assert.equal(idx.lookup('1.1.96.10.in-addr.arpa', 'PTR').rcode, 'REFUSED', 'the old PTR is gone (not ours any more)');
  idx.set('a/one', undefined);
  assert.equal(idx.lookup('one.a.svc.cluster.local', 'A').rcode, 'NXDOMAIN');
  assert.equal(idx.lookup('a.svc.cluster.local', 'A').rcode, 'NOERROR', 'two still makes its namespace exist');
  idx.set('a/two', undefined);
  assert.equal(idx.lookup('a.svc.cluster.local', 'A').rcode, 'NXDOMAIN', 'no Service and no Namespace object: gone');
  assert.equal(idx.lookup('10-0-0-1.a.pod.cluster.local', 'A').rcode, 'NXDOMAIN');
});

test('records: setSerial changes the SOA everywhere, answers and negative answers', () => {
  const idx = new RecordIndex([], [], { serial: 5 });
  idx.setSerial(6);
  assert.match(toZoneText(idx.lookup('cluster.local', 'SOA').answers), / 6 7200 1800 86400 5$/);
  assert.match(toZoneText(idx.lookup('nope.cluster.local', 'A').authority), / 6 7200 1800 86400 5$/);
});

test('records: the slice label it reads is the kind module\'s (kept apart so DNS workers do not load the API kinds)', () => {
  assert.equal(SLICE_SERVICE_LABEL, SERVICE_NAME_LABEL);
});

test('records: ANY lists the types in the order they came, records of a type together; a name shared by two Services keeps both', () => {
  const ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }];
  const eps = [{ addresses: ['10.244.0.1'], conditions: ready }, { addresses: ['10.244.0.2'], conditions: ready }];
  const one = svc('a', 'one', { clusterIP: 'None' });
  const two = svc('a', 'two', { clusterIP: 'None' });
  const idx = new RecordIndex([one, two], [slice('a', 'one', eps, ports), slice('a', 'two', eps.slice(0, 1), ports)], { serial: 9 });
  // the contribution adds A, SRV, A, SRV at the Service's name: the answer groups them by type
  assert.equal(
    toZoneText(idx.lookup('one.a.svc.cluster.local', 'ANY').answers),
    [
      'one.a.svc.cluster.local. 5 IN A 10.244.0.1',
      'one.a.svc.cluster.local. 5 IN A 10.244.0.2',
      'one.a.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-0-1.one.a.svc.cluster.local.',
      'one.a.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-0-2.one.a.svc.cluster.local.',
    ].join('\n'),
  );
  assert.equal(toZoneText(idx.lookup('cluster.local', 'ANY').answers), 'cluster.local. 5 IN NS ns.dns.cluster.local.\ncluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 9 7200 1800 86400 5');
  const ptr = '1.0.244.10.in-addr.arpa';
  assert.equal(toZoneText(idx.lookup(ptr, 'PTR').answers), `${ptr}. 5 IN PTR 10-244-0-1.one.a.svc.cluster.local.\n${ptr}. 5 IN PTR 10-244-0-1.two.a.svc.cluster.local.`);
  const before = idx.lookup('one.a.svc.cluster.local', 'A');
  idx.set('a/one', undefined);
  assert.equal(toZoneText(idx.lookup(ptr, 'PTR').answers), `${ptr}. 5 IN PTR 10-244-0-1.two.a.svc.cluster.local.`, 'two still holds the name');
  assert.equal(before.answers.length, 2, 'an answer handed out before a change is not changed by it');
  idx.set('a/one', serviceRecords(one, [slice('a', 'one', eps, ports)], 'cluster.local', 5));
  assert.equal(toZoneText(idx.lookup(ptr, 'PTR').answers), `${ptr}. 5 IN PTR 10-244-0-1.two.a.svc.cluster.local.\n${ptr}. 5 IN PTR 10-244-0-1.one.a.svc.cluster.local.`, 'in the order contributed');
});
