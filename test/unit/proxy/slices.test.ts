import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpointsByService, usableEndpoints } from '../../../proxy/slices.js';
import type { EndpointSlice, SliceEndpoint } from '../../../src/api/types.js';
import { buildRules } from '../../../proxy/rules.js';
import { config, service } from './fixtures.js';

function slice(name: string, svc: string | undefined, endpoints: SliceEndpoint[], ports: EndpointSlice['ports'], extra: Partial<EndpointSlice> = {}): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: svc ? { 'kubernetes.io/service-name': svc } : {} },
    addressType: 'IPv4',
    endpoints,
    ports,
    ...extra,
  };
}
const ep = (ip: string, c?: SliceEndpoint['conditions']): SliceEndpoint => ({ addresses: [ip], ...(c ? { conditions: c } : {}) });
const http: EndpointSlice['ports'] = [{ name: 'http', protocol: 'TCP', port: 8080 }];

/** The ip:port list that gets new connections for default/web's "http" TCP port. */
function used(slices: EndpointSlice[]): string[] {
  const all = endpointsByService(slices).get('default/web')?.get('http/TCP') ?? [];
  return usableEndpoints(all).map((e) => `${e.ip}:${e.port}`);
}

test('which endpoints get new connections (kube-proxy CategorizeEndpoints), table', () => {
  const T = { ready: false, serving: true, terminating: true };
  const cases: [string, EndpointSlice[], string[]][] = [
    ['ready endpoints of two slices are merged', [slice('a', 'web', [ep('10.244.0.3')], http), slice('b', 'web', [ep('10.244.0.2', { ready: true })], http)], ['10.244.0.2:8080', '10.244.0.3:8080']],
    ['a missing condition means ready', [slice('a', 'web', [ep('10.244.0.3')], http)], ['10.244.0.3:8080']],
    ['not ready is left out', [slice('a', 'web', [ep('10.244.0.3', { ready: false }), ep('10.244.0.4', { ready: true })], http)], ['10.244.0.4:8080']],
    ['terminating is left out while a ready one exists', [slice('a', 'web', [ep('10.244.0.3', T), ep('10.244.0.4', { ready: true })], http)], ['10.244.0.4:8080']],
    ['no ready: serving+terminating ones are used (fallback)', [slice('a', 'web', [ep('10.244.0.3', T), ep('10.244.0.5', { ready: false, serving: false, terminating: true })], http)], ['10.244.0.3:8080']],
    ['nothing ready or serving: none', [slice('a', 'web', [ep('10.244.0.3', { ready: false, serving: false, terminating: true })], http)], []],
    ['slices of another service or without the label do not count', [slice('a', 'other', [ep('10.244.0.3')], http), slice('b', undefined, [ep('10.244.0.4')], http)], []],
    ['FQDN slices are for DNS only', [slice('a', 'web', [{ addresses: ['db.example.org'] }], http, { addressType: 'FQDN' })], []],
    ['the same ip:port in two slices is one endpoint, ready wins', [slice('a', 'web', [ep('10.244.0.3', { ready: false })], http), slice('b', 'web', [ep('10.244.0.3', { ready: true })], http)], ['10.244.0.3:8080']],
    ['only the first address of an endpoint is used', [slice('a', 'web', [{ addresses: ['10.244.0.3', '10.244.0.9'] }], http)], ['10.244.0.3:8080']],
    ['port matched by name and protocol; each slice has its own number', [slice('a', 'web', [ep('10.244.0.3')], [{ name: 'http', protocol: 'UDP', port: 1 }, { name: 'x', protocol: 'TCP', port: 2 }]), slice('b', 'web', [ep('10.244.0.4')], [{ name: 'http', protocol: 'TCP', port: 8081 }])], ['10.244.0.4:8081']],
  ];
  for (const [name, slices, want] of cases) assert.deepEqual(used(slices), want, name);
});

test('a selector-less Service with a hand-written slice (no managed-by label) is programmed', () => {
  const svc = { ...service('ext', '10.96.0.60', [{ port: 80 }]) };
  delete (svc.spec as { selector?: unknown }).selector;
  const hand = slice('ext-1', 'ext', [ep('192.168.1.20')], [{ name: '', protocol: 'TCP', port: 8000 }]);
  const { payload } = buildRules({ services: [svc], slices: [hand], existing: '', config });
  assert.match(payload, /-A K1S-SEP-\w+ -m comment --comment "default\/ext" -p tcp -m tcp -j DNAT --to-destination 192\.168\.1\.20:8000/);
});
