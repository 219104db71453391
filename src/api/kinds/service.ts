// Service (core/v1): ClusterIP, NodePort, LoadBalancer and ExternalName. Cluster IPs and node
// ports are allocated by the registry (apiserver/allocators.ts) inside the write.
import { z } from 'zod';
import { age } from '../age.js';
import { duplicate, each, forbidden, invalidValue, portNumber, portNumOrName, required, type Errors } from '../field-errors.js';
import { bool, int, intOrString, objectBase, protocol, str, stringList, stringMap } from '../fields.js';
import { formatLabels } from '../label-format.js';
import { validateLabels } from '../meta-validation.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP } from '../names.js';
import { specialIP } from './endpointslice.js';
import {
  defaultLoadBalancerStatus,
  dropTypeDependentFields,
  validateLoadBalancerClassUpdate,
  validateLoadBalancerFields,
  validateLoadBalancerStatus,
} from './service-lb.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored, type ValidateOptions } from './kind.js';

export const serviceSchema = z.strictObject({
  ...objectBase('Service'),
  spec: z.strictObject({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
    selector: stringMap.optional(),
    ports: z
      .array(
        z.strictObject({
          name: str.optional(),
          protocol: protocol.optional(),
          port: int,
          targetPort: intOrString.optional(),
          nodePort: int.optional(),
          appProtocol: str.optional(),
        }),
      )
      .optional(),
    clusterIP: str.optional(),
    clusterIPs: stringList.optional(),
    externalName: str.optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
    sessionAffinityConfig: z.strictObject({ clientIP: z.strictObject({ timeoutSeconds: int.optional() }).optional() }).optional(),
    /** Extra addresses (routed to this host by someone else) on which the service ports answer too. */
    externalIPs: stringList.optional(),
    ipFamilies: z.array(z.enum(['IPv4', 'IPv6'])).optional(),
    ipFamilyPolicy: z.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack']).optional(),
    internalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional(),
    /** Endpoints (and DNS records) for pods whether ready or not: a StatefulSet's peers finding each other before they are ready. */
    publishNotReadyAddresses: bool.optional(),
    /** LoadBalancer: false allocates no node ports (the host's addresses answer on the service port itself). */
    allocateLoadBalancerNodePorts: bool.optional(),
    /** LoadBalancer: the client ranges let in; empty lets everyone in. */
    loadBalancerSourceRanges: stringList.optional(),
    /** LoadBalancer: set, another implementation's Service; k1s's ServiceLB leaves it alone (as k3s's). */
    loadBalancerClass: str.optional(),
    /** LoadBalancer with externalTrafficPolicy Local: a node port for an external balancer's health checks. */
    healthCheckNodePort: int.optional(),
    /** Deprecated; only empty is accepted (service-lb.ts). */
    loadBalancerIP: str.optional(),
  }),
  status: z
    .strictObject({
      loadBalancer: z
        .strictObject({
          ingress: z
            .array(
              z.strictObject({
                ip: str.optional(),
                hostname: str.optional(),
                ipMode: str.optional(),
                ports: z.array(z.strictObject({ port: int, protocol: protocol, error: str.optional() })).optional(),
              }),
            )
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export type Service = Stored<z.output<typeof serviceSchema>>;
export type ServiceSpec = Service['spec'];
export type ServicePort = NonNullable<ServiceSpec['ports']>[number];
export type ServiceType = NonNullable<ServiceSpec['type']>;

const DEFAULT_AFFINITY_SECONDS = 10800;
/** core.MaxClientIPServiceAffinitySeconds: one day. */
const MAX_AFFINITY_SECONDS = 86400;

function defaultService(svc: Service): void {
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  // SetDefaults_Service: a ClientIP affinity sticks for 3 hours unless told
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= DEFAULT_AFFINITY_SECONDS;
  }
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  defaultLoadBalancerStatus(svc);
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    // k1s is a single-stack IPv4 cluster (the registry sets these in Kubernetes)
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.ipFamilies ??= ['IPv4'];
  }
}

function validateService(svc: Service, opts: ValidateOptions): Errors {
  const errs: Errors = [];
  const spec = svc.spec;
  const type = spec.type ?? 'ClusterIP';
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';

  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else {
      const name = spec.externalName.endsWith('.') ? spec.externalName.slice(0, -1) : spec.externalName;
      errs.push(...each('spec.externalName', spec.externalName, isDNS1123Subdomain(name)));
    }
  } else if (ports.length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }

  if (spec.clusterIP && !headless && !isIP(spec.clusterIP)) {
    errs.push(invalidValue('spec.clusterIP', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (spec.clusterIPs?.length && spec.clusterIP && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(invalidValue('spec.clusterIPs[0]', spec.clusterIPs[0], 'must match `clusterIP` when both are specified'));
  }
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(invalidValue('spec.clusterIP', spec.clusterIP, `may not be set to 'None' for ${type} services`));
  }
  // k1s's networks are IPv4 only, as a single-stack cluster's.
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== 'IPv4') errs.push(invalidValue(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
  });
  if (spec.ipFamilyPolicy === 'RequireDualStack') {
    errs.push(invalidValue('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  if (spec.externalTrafficPolicy && type !== 'NodePort' && type !== 'LoadBalancer') {
    errs.push(invalidValue('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  errs.push(...validateLoadBalancerFields(svc));

  // validateClientIPAffinityConfig (defaulting fills the timeout, so only a bad value is left to catch)
  if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (t !== undefined && (t <= 0 || t > MAX_AFFINITY_SECONDS)) {
      errs.push(invalidValue('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_AFFINITY_SECONDS}`));
    }
  } else if (spec.sessionAffinityConfig) {
    errs.push(forbidden('spec.sessionAffinityConfig', `must not be set when session affinity is ${spec.sessionAffinity ?? 'None'}`));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const at = `spec.externalIPs[${i}]`;
    if (!isIP(ip)) errs.push(invalidValue(at, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    else {
      const why = specialIP(ip);
      if (why) errs.push(invalidValue(at, ip, why));
    }
  });

  const names = new Set<string>();
  const portKeys = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
    if (p.name) {
      errs.push(...each(`${pp}.name`, p.name, isDNS1123Label(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    portNumber(errs, `${pp}.port`, p.port);
    const protocol = p.protocol ?? 'TCP';
    const key = JSON.stringify({ port: p.port, protocol });
    if (portKeys.has(key)) errs.push(duplicate(pp, { port: p.port, protocol }));
    portKeys.add(key);
    if (p.targetPort !== undefined && p.targetPort !== 0 && p.targetPort !== '') portNumOrName(errs, `${pp}.targetPort`, p.targetPort);
    if (p.nodePort) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errs.push(forbidden(`${pp}.nodePort`, `may not be used when \`type\` is '${type}'`));
      } else {
        const range = opts.nodePortRange;
        if (range && (p.nodePort < range.min || p.nodePort > range.max)) {
          errs.push(invalidValue(`${pp}.nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`));
        } else if (!range) {
          portNumber(errs, `${pp}.nodePort`, p.nodePort);
        }
        const nodeKey = `${p.nodePort}/${protocol}`;
        if (nodePorts.has(nodeKey)) errs.push(duplicate(`${pp}.nodePort`, p.nodePort));
        nodePorts.add(nodeKey);
      }
    }
  });
  return errs;
}

/** loadBalancerStatusStringer: each ingress's IP (else hostname), as a sorted set; server-side tables are wide, never cut. */
function loadBalancerIPs(svc: Service): string[] {
  const out = new Set<string>();
  for (const i of svc.status?.loadBalancer?.ingress ?? []) {
    const v = i.ip || i.hostname;
    if (v) out.add(v);
  }
  return [...out].sort();
}

function externalIP(svc: Service): string {
  const externalIPs = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerIPs(svc), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** PORT(S): "80:30080/TCP,443/TCP". */
export function servicePorts(svc: Service): string {
  const pieces = (svc.spec.ports ?? []).map((p) => {
    const proto = p.protocol ?? 'TCP';
    return p.nodePort ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

export const ServiceKind = defineKind<Service>({
  kind: 'Service',
  group: '',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  schema: serviceSchema,
  subresources: ['status'],
  fieldSelectors: ['spec.clusterIP', 'spec.type'],
  nameCheck: isDNS1035Label,
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    'spec.ports': { strategy: 'merge', mergeKey: 'port' },
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
  },
  // k8s.io/api/core/v1 ServiceSpec: ports `+listType=map +listMapKey=port +listMapKey=protocol`, selector `+mapType=atomic`
  fieldTypes: {
    'spec.ports': { list: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } },
    'spec.selector': { map: 'atomic' },
  },
  defaults: defaultService,
  validate: validateService,
  validateUpdate: validateLoadBalancerClassUpdate,
  prepareBodyForUpdate: dropTypeDependentFields,
  validateStatusUpdate: (next) => validateLoadBalancerStatus(next),
  printer: {
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'The type of the service.'),
      column('Cluster-IP', 'string', 'The cluster IP of the service.'),
      column('External-IP', 'string', 'The external IP of the service.'),
      column('Port(s)', 'string', 'The ports of the service.'),
      AGE_COLUMN,
      column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    row(svc, now) {
      const clusterIP = svc.spec.clusterIPs?.[0] ?? svc.spec.clusterIP ?? '<none>';
      return [
        svc.metadata.name,
        svc.spec.type ?? 'ClusterIP',
        clusterIP || '<none>',
        externalIP(svc),
        servicePorts(svc),
        age(svc.metadata.creationTimestamp, now),
        formatLabels(svc.spec.selector),
      ];
    },
  },
});
