// The LoadBalancer half of the Service strategy (pkg/apis/core/validation ValidateService and
// ValidateLoadBalancerStatus, pkg/registry/core/service/strategy.go dropTypeDependentFields), kept
// apart from service.ts so the ClusterIP/NodePort rules stay readable. PURE.
import { each, forbidden, invalidValue, notSupportedYet, required, unsupported, type Errors } from '../field-errors.js';
import { isDNS1123Subdomain, isIP, isIPv4, isQualifiedName } from '../names.js';
import type { Service } from './service.js';

/** The annotation kube-proxy reads when spec.loadBalancerSourceRanges is empty (v1.AnnotationLoadBalancerSourceRangesKey). */
export const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

export const IP_MODES = ['Proxy', 'VIP'];

/** An IPv4 a.b.c.d/n or an IPv6 prefix (loosely, as k1s's networks are IPv4). */
export function isCIDR(value: string): boolean {
  const i = value.indexOf('/');
  if (i < 0) return false;
  const ip = value.slice(0, i);
  const bits = value.slice(i + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  return isIPv4(ip) ? Number(bits) <= 32 : isIP(ip) && Number(bits) <= 128;
}

const CIDR_DETAIL = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/**
 * The source ranges a LoadBalancer admits, as kube-proxy's service.GetLoadBalancerSourceRanges:
 * the spec field (entries space-trimmed) or else the annotation's comma-separated list. Empty: all.
 */
export function loadBalancerSourceRanges(svc: Pick<Service, 'metadata' | 'spec'>): string[] {
  const field = (svc.spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => r !== '');
  if (field.length > 0) return field;
  const ann = svc.metadata.annotations?.[LB_SOURCE_RANGES_ANNOTATION]?.trim();
  return ann ? ann.split(',').map((r) => r.trim()).filter((r) => r !== '') : [];
}

/** ValidateService's LoadBalancer-only fields, on create and update alike. */
export function validateLoadBalancerFields(svc: Service): Errors {
  const errs: Errors = [];
  const spec = svc.spec;
  const isLB = (spec.type ?? 'ClusterIP') === 'LoadBalancer';
  const onlyLB = "may only be used when `type` is 'LoadBalancer'";

  if (spec.allocateLoadBalancerNodePorts !== undefined && !isLB) errs.push(forbidden('spec.allocateLoadBalancerNodePorts', onlyLB));
  if (isLB && spec.allocateLoadBalancerNodePorts === undefined) errs.push(required('spec.allocateLoadBalancerNodePorts'));

  // kube's field path keeps the capital L of its first version ("spec.LoadBalancerSourceRanges")
  const ranges = spec.loadBalancerSourceRanges ?? [];
  const ann = svc.metadata.annotations?.[LB_SOURCE_RANGES_ANNOTATION];
  if (ranges.length > 0) {
    if (!isLB) errs.push(forbidden('spec.LoadBalancerSourceRanges', onlyLB));
    ranges.forEach((r, i) => {
      // space-padded values are allowed, a leftover of the move from the annotation
      if (!isCIDR(r.trim())) errs.push(invalidValue(`spec.LoadBalancerSourceRanges[${i}]`, r.trim(), CIDR_DETAIL));
    });
  } else if (ann !== undefined) {
    const at = `metadata.annotations[${LB_SOURCE_RANGES_ANNOTATION}]`;
    if (!isLB) errs.push(forbidden(at, onlyLB));
    const val = ann.trim();
    if (val !== '') for (const r of val.split(',')) if (!isCIDR(r.trim())) errs.push(invalidValue(at, r.trim(), CIDR_DETAIL));
  }

  if (spec.loadBalancerClass !== undefined) {
    if (isLB) errs.push(...each('spec.loadBalancerClass', spec.loadBalancerClass, isQualifiedName(spec.loadBalancerClass)));
    else errs.push(forbidden('spec.loadBalancerClass', "may only be used when service type is 'LoadBalancer'"));
  }

  // healthCheckNodePort: required (the registry allocates it before validation in kube; here the
  // allocator fills it after) when type LoadBalancer with externalTrafficPolicy Local, else unset
  const hc = spec.healthCheckNodePort;
  if (hc !== undefined && hc !== 0 && !needsHealthCheck(svc)) {
    errs.push(invalidValue('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }

  // Deprecated since v1.24, and meaningless here: the ingress is always the host's addresses.
  if (spec.loadBalancerIP !== undefined && spec.loadBalancerIP !== '') errs.push(notSupportedYet('spec.loadBalancerIP'));
  return errs;
}

/** apiservice.NeedsHealthCheck: a LoadBalancer keeping the client address needs a health check port. */
export function needsHealthCheck(svc: Pick<Service, 'spec'>): boolean {
  return svc.spec.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

/** ValidateServiceUpdate's loadBalancerClass rule: fixed while the Service stays a LoadBalancer. */
export function validateLoadBalancerClassUpdate(next: Service, prev: Service): Errors {
  if (next.spec.type === 'LoadBalancer' && prev.spec.type === 'LoadBalancer' && next.spec.loadBalancerClass !== prev.spec.loadBalancerClass) {
    return [invalidValue('spec.loadBalancerClass', next.spec.loadBalancerClass ?? null, 'may not change once set')];
  }
  return [];
}

/** ValidateLoadBalancerStatus (v1.32, LoadBalancerIPMode on, AllowServiceLBStatusOnNonLB off). */
export function validateLoadBalancerStatus(svc: Service): Errors {
  const errs: Errors = [];
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0 && svc.spec.type !== 'LoadBalancer') {
    return [forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  ingress.forEach((ing, i) => {
    const at = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip && !isIP(ing.ip)) errs.push(invalidValue(`${at}.ip`, ing.ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    if (ing.ipMode === undefined) {
      if (ing.ip) errs.push(required(`${at}.ipMode`, 'must be specified when `ip` is set'));
    } else if (!ing.ip) {
      errs.push(forbidden(`${at}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!IP_MODES.includes(ing.ipMode)) {
      errs.push(unsupported(`${at}.ipMode`, ing.ipMode, IP_MODES));
    }
    if (ing.hostname) {
      errs.push(...each(`${at}.hostname`, ing.hostname, isDNS1123Subdomain(ing.hostname)));
      if (isIP(ing.hostname)) errs.push(invalidValue(`${at}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** SetDefaults_Service for the status: an ingress IP without a mode is a VIP. */
export function defaultLoadBalancerStatus(svc: Service): void {
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip && ing.ipMode === undefined) ing.ipMode = 'VIP';
}

type Body = { spec?: Record<string, unknown> } & Record<string, unknown>;

/**
 * dropTypeDependentFields, on an update's body before it is defaulted and validated (kube runs
 * PrepareForUpdate before validation): a field the new type no longer uses, and that the writer did
 * not change, is dropped instead of refused, so `kubectl apply` can turn a LoadBalancer into a
 * ClusterIP Service whose stored object carries defaulted and allocated fields.
 */
export function dropTypeDependentFields(body: unknown, prev: Service): unknown {
  const b = body as Body | undefined;
  if (!b || typeof b !== 'object' || !b.spec || typeof b.spec !== 'object') return body;
  const spec: Record<string, unknown> = { ...b.spec };
  const oldSpec = prev.spec;
  const newType = (spec.type as string | undefined) ?? 'ClusterIP';
  const oldType = oldSpec.type ?? 'ClusterIP';
  const wantsNodePorts = (t: string) => t === 'NodePort' || t === 'LoadBalancer';
  const ports = Array.isArray(spec.ports) ? (spec.ports as Record<string, unknown>[]) : undefined;
  if (wantsNodePorts(oldType) && !wantsNodePorts(newType) && ports) {
    const same = ports.every((p) => {
      const old = oldSpec.ports?.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === ((p.protocol as string | undefined) ?? 'TCP'));
      return p.nodePort === undefined || p.nodePort === 0 || p.nodePort === old?.nodePort;
    });
    if (same) spec.ports = ports.map((p) => withoutKey(p, 'nodePort'));
  }
  const oldNeedsHC = oldType === 'LoadBalancer' && oldSpec.externalTrafficPolicy === 'Local';
  const newNeedsHC = newType === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
  if (oldNeedsHC && !newNeedsHC && spec.healthCheckNodePort === oldSpec.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (oldType === 'LoadBalancer' && newType !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  // ExternallyAccessible: NodePort, LoadBalancer, or any Service with externalIPs
  if (wantsNodePorts(oldType) && !wantsNodePorts(newType) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) delete spec.externalTrafficPolicy;
  return { ...b, spec };
}

function withoutKey(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _drop, ...rest } = o;
  return rest;
}
