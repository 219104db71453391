// ClusterIP, NodePort and healthCheckNodePort allocation. As in the Kubernetes API server, these happen synchronously
// inside the Service create/update, so the object a client gets back already has its addresses.
// The set of used values is derived from the stored Services each time: there is no second
// bitmap to drift out of sync with the store.
import type { FieldError } from '../api/schema.js';
import type { Service, ServicePort } from '../api/types.js';

export interface Cidr {
  base: number; // network address as an unsigned 32-bit number
  size: number; // number of addresses
}

export function parseCidr(cidr: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const bits = Number(m[5]);
  const ip = ipToNumber(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size };
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function cidrContains(c: Cidr, ip: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const n = ipToNumber(ip);
  return n >= c.base && n < c.base + c.size;
}

export interface AllocatorConfig {
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
  /** addresses never handed out at random (the DNS service's well-known address) */
  reservedIPs: string[];
}

/** Fills spec.clusterIP(s) and nodePorts of svc in place; returns field errors instead of throwing. */
export function allocateServiceAddresses(
  svc: Service,
  previous: Service | undefined,
  others: Service[],
  cfg: AllocatorConfig,
  random: () => number = Math.random,
): FieldError[] {
  const errors: FieldError[] = [];
  const spec = svc.spec;
  const cidr = parseCidr(cfg.serviceCIDR);

  // ClusterIP is immutable once set; an update that leaves it out keeps it (as kubectl apply does).
  if (spec.type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (previous?.spec.clusterIP && !spec.clusterIP) {
    spec.clusterIP = previous.spec.clusterIP;
  } else if (previous?.spec.clusterIP && spec.clusterIP !== previous.spec.clusterIP) {
    errors.push({ path: 'spec.clusterIPs[0]', message: `Invalid value: ${JSON.stringify(spec.clusterIP)}: may not change once set` });
  } else if (spec.clusterIP !== 'None') {
    // new, or an ExternalName service becoming one with a ClusterIP
    const used = new Set(others.map((s) => s.spec.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None'));
    if (spec.clusterIP) {
      if (!cidrContains(cidr, spec.clusterIP)) {
        errors.push({ path: 'spec.clusterIPs', message: `Invalid value: [${JSON.stringify(spec.clusterIP)}]: failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${cfg.serviceCIDR}` });
      } else if (used.has(spec.clusterIP)) {
        errors.push({ path: 'spec.clusterIPs', message: `Invalid value: [${JSON.stringify(spec.clusterIP)}]: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated` });
      }
    } else {
      for (const ip of cfg.reservedIPs) used.add(ip);
      const ip = pickFree(cidr.base + 1, cidr.base + cidr.size - 2, (n) => used.has(numberToIp(n)), random);
      if (ip === undefined) errors.push({ path: 'spec.clusterIPs', message: 'Internal error: range is full' });
      else spec.clusterIP = numberToIp(ip);
    }
  }
  if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];

  const wantsNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  // LoadBalancer with allocateLoadBalancerNodePorts false: node ports given (or kept) stay, none is picked
  const allocates = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  const usedPorts = new Set<number>();
  for (const s of others) {
    for (const p of s.spec.ports ?? []) if (p.nodePort) usedPorts.add(p.nodePort);
    if (s.spec.healthCheckNodePort) usedPorts.add(s.spec.healthCheckNodePort);
  }
  (spec.ports ?? []).forEach((port, i) => {
    const path = `spec.ports[${i}].nodePort`;
    if (!wantsNodePorts) {
      // A NodePort service changed to another type gives its node ports up, as in Kubernetes.
      if (port.nodePort && port.nodePort === keptNodePort(port, previous)) delete port.nodePort;
      if (port.nodePort) errors.push({ path, message: `Forbidden: may not be used when \`type\` is '${spec.type ?? 'ClusterIP'}'` });
      return;
    }
    if (!port.nodePort) port.nodePort = keptNodePort(port, previous);
    if (port.nodePort) {
      const { min, max } = cfg.nodePortRange;
      if (port.nodePort < min || port.nodePort > max) {
        errors.push({ path, message: `Invalid value: ${port.nodePort}: provided port is not in the valid range. The range of valid ports is ${min}-${max}` });
      } else if (usedPorts.has(port.nodePort)) {
        errors.push({ path, message: `Invalid value: ${port.nodePort}: provided port is already allocated` });
      }
      usedPorts.add(port.nodePort);
      return;
    }
    if (!allocates) return;
    const n = pickFree(cfg.nodePortRange.min, cfg.nodePortRange.max, (p) => usedPorts.has(p), random);
    if (n === undefined) errors.push({ path, message: 'Internal error: range is full' });
    else {
      port.nodePort = n;
      usedPorts.add(n);
    }
  });
  errors.push(...allocateHealthCheckNodePort(svc, previous, usedPorts, cfg, random));
  return errors;
}

/**
 * spec.healthCheckNodePort of a LoadBalancer with externalTrafficPolicy Local, as kube's registry:
 * one given is checked (range, free), one omitted on an update keeps the stored one, else a free
 * node port is picked. Not needed: none (validation refuses one the writer set; a stored one not
 * changed by the writer was dropped before, so it is released).
 */
function allocateHealthCheckNodePort(svc: Service, previous: Service | undefined, used: Set<number>, cfg: AllocatorConfig, random: () => number): FieldError[] {
  const spec = svc.spec;
  if (!(spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
    if (!spec.healthCheckNodePort) delete spec.healthCheckNodePort;
    return [];
  }
  const path = 'spec.healthCheckNodePort';
  const prevNeeded = previous?.spec.type === 'LoadBalancer' && previous.spec.externalTrafficPolicy === 'Local';
  if (!spec.healthCheckNodePort && prevNeeded && previous?.spec.healthCheckNodePort) spec.healthCheckNodePort = previous.spec.healthCheckNodePort;
  const { min, max } = cfg.nodePortRange;
  if (spec.healthCheckNodePort) {
    const hc = spec.healthCheckNodePort;
    if (hc < min || hc > max) return [{ path, message: `Invalid value: ${hc}: provided port is not in the valid range. The range of valid ports is ${min}-${max}` }];
    if (used.has(hc)) return [{ path, message: `Invalid value: ${hc}: provided port is already allocated` }];
    used.add(hc);
    return [];
  }
  const n = pickFree(min, max, (p) => used.has(p), random);
  if (n === undefined) return [{ path, message: 'Internal error: range is full' }];
  spec.healthCheckNodePort = n;
  used.add(n);
  return [];
}

/** An update that omits a nodePort keeps the one the same port had before. */
function keptNodePort(port: ServicePort, previous: Service | undefined): number | undefined {
  const old = previous?.spec.ports?.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
  return old?.nodePort;
}

/** A random free value in [lo, hi], probing linearly from a random start (like the apiserver's bitmap allocator). */
function pickFree(lo: number, hi: number, taken: (n: number) => boolean, random: () => number): number | undefined {
  const count = hi - lo + 1;
  const start = Math.floor(random() * count);
  for (let i = 0; i < count; i++) {
    const n = lo + ((start + i) % count);
    if (!taken(n)) return n;
  }
  return undefined;
}
