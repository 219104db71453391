// One small cluster with every kind of record (ClusterIP, dual-stack, headless with and without
// hostnames, not-ready endpoints, ExternalName in and out of the zone, duplicate endpoints across
// slices, FQDN and orphan slices): shared by the records and the answer table tests.
import type { Service, ServicePort } from '../../../src/api/types.js';
import type { EndpointSlice } from '../../../src/api/kinds/endpointslice.js';

export function svc(ns: string, name: string, spec: Service['spec'], annotations?: Record<string, string>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, resourceVersion: '42', annotations }, spec };
}

let sliceSeq = 0;
/** A slice of the Service `service` (slices are found by the service-name label, not their name). */
export function slice(ns: string, service: string, endpoints: EndpointSlice['endpoints'], ports?: EndpointSlice['ports'], addressType = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${(sliceSeq++).toString(36)}`, namespace: ns, resourceVersion: '40', labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints,
    ports,
  };
}
export const ready = { ready: true };
export const notReady = { ready: false };

export const httpPorts: ServicePort[] = [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9090 }];

export const services: Service[] = [
  svc('default', 'web', { clusterIP: '10.96.0.12', ports: httpPorts }),
  svc('kube-system', 'kube-dns', {
    clusterIP: '10.96.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  }),
  svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }),
  svc('default', 'lonely', { clusterIP: 'None' }), // headless, no ready endpoint
  svc('default', 'ext', { type: 'ExternalName', externalName: 'www.example.test' }),
  svc('default', 'alias', { type: 'ExternalName', externalName: 'web.default.svc.cluster.local.' }),
  svc('shop', 'dual', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20', 'fd00::20'] }),
  svc('default', 'racy', { clusterIP: 'None' }, { 'service.alpha.kubernetes.io/tolerate-unready-endpoints': 'true' }),
  svc('default', 'eager', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'peer', port: 2380 }] }),
  svc('default', 'split', { clusterIP: 'None' }),
];

export const slices: EndpointSlice[] = [
  slice('default', 'web', [{ addresses: ['10.244.0.9'], conditions: ready }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
  slice(
    'default',
    'db',
    [
      { addresses: ['10.244.0.5'], hostname: 'db-0', conditions: ready },
      { addresses: ['10.244.0.6'], conditions: {} }, // ready unset: unknown, taken as ready (discovery/v1)
      { addresses: ['10.244.0.7'], conditions: notReady },
    ],
    [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  ),
  slice('default', 'lonely', [{ addresses: ['10.244.0.8'], conditions: notReady }]),
  slice('default', 'racy', [{ addresses: ['10.244.0.11'], conditions: notReady }]),
  slice('default', 'eager', [{ addresses: ['10.244.0.12'], hostname: 'etcd-0', conditions: { ready: false, serving: false } }], [{ name: 'peer', port: 2380, protocol: 'TCP' }]),
  // one Service, two slices, one endpoint in both (mid-move), and an FQDN slice that gives nothing
  slice('default', 'split', [{ addresses: ['10.244.0.21'], conditions: ready }]),
  slice('default', 'split', [{ addresses: ['10.244.0.22'], conditions: ready }, { addresses: ['10.244.0.21'], conditions: ready }]),
  slice('default', 'split', [{ addresses: ['db.example.test'], conditions: ready }], undefined, 'FQDN'),
  // a slice of no known Service, and one without the service-name label: ignored
  slice('default', 'ghost', [{ addresses: ['10.244.0.30'], conditions: ready }]),
  { ...slice('default', 'web', [{ addresses: ['10.244.0.31'], conditions: ready }]), metadata: { name: 'orphan', namespace: 'default', resourceVersion: '40' } },
];
