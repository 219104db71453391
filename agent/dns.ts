// The pod's /etc/resolv.conf, per dnsPolicy (kubelet's dns configurer). Written under
// <dataDir>/pods/<uid>/resolv.conf (again before each container starts) and bind-mounted into
// every app container: it replaces Docker's embedded 127.0.0.11 resolver, which knows nothing of
// services.
import { isLoopback } from '../src/api/names.js';
import type { Pod } from '../src/api/types.js';

export interface DnsOptions {
  /** Cluster DNS service addresses, e.g. ['10.96.0.10']. Empty: no cluster DNS. */
  nameservers: string[];
  /** e.g. cluster.local */
  clusterDomain: string;
}

/** Nameservers on loopback cannot work from inside a pod's network namespace (Docker drops them too). */
/** The host's resolv.conf minus loopback nameservers: what dnsPolicy Default gives. */
export function hostResolvConf(hostText: string): string {
  const lines = hostText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .filter((l) => {
      const m = /^nameserver\s+(\S+)/.exec(l);
      return !m || !isLoopback(m[1]);
    });
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function resolvConf(pod: Pod, dns: DnsOptions, hostText: string): string {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return ''; // dnsConfig is not modelled yet: nothing to add
  // ClusterFirst without a cluster DNS falls back to Default, as in kubelet.
  if (policy === 'Default' || dns.nameservers.length === 0) return hostResolvConf(hostText);
  const ns = pod.metadata.namespace ?? 'default';
  const d = dns.clusterDomain;
  return [
    ...dns.nameservers.map((n) => `nameserver ${n}`),
    `search ${ns}.svc.${d} svc.${d} ${d}`,
    'options ndots:5',
    '',
  ].join('\n');
}
