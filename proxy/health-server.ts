// kube-proxy's service health server (pkg/proxy/healthcheck/service_health.go): every LoadBalancer
// Service with externalTrafficPolicy Local gets an HTTP server on its spec.healthCheckNodePort that
// answers 200 while this node has a ready endpoint of it and 503 when it has none, so a load
// balancer in front of the host (a router's health check, keepalived, a cloud LB) stops sending
// clients to a node that would drop them. On one node every endpoint is local.
//
// healthChecks() is the pure decision; ServiceHealthServer owns the sockets.
import { createServer, type Server } from 'node:http';
import type { EndpointSlice, Service } from '../src/api/types.js';
import type { Logger } from '../src/log.js';
import { SERVICE_NAME_LABEL } from '../src/api/kinds/endpointslice.js';
import { endpointsByService } from './slices.js';

export interface HealthCheck {
  port: number;
  /** Ready endpoints counted once per IP (a pod serving 80 and 443 is one endpoint), as kube-proxy's LocalReadyEndpoints. */
  localEndpoints: number;
}

/** "ns/name" -> its health check, for the Services that need one (apiservice.NeedsHealthCheck). PURE. */
export function healthChecks(services: Service[], slices: EndpointSlice[]): Map<string, HealthCheck> {
  const ports = new Map<string, number>();
  for (const svc of services) {
    const port = (svc.spec as { healthCheckNodePort?: number }).healthCheckNodePort;
    if (svc.spec.type !== 'LoadBalancer' || svc.spec.externalTrafficPolicy !== 'Local' || !port) continue;
    ports.set(`${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`, port);
  }
  const out = new Map<string, HealthCheck>();
  if (ports.size === 0) return out; // the usual case: no slice is looked at
  const mine = slices.filter((s) => ports.has(`${s.metadata.namespace ?? 'default'}/${s.metadata.labels?.[SERVICE_NAME_LABEL]}`));
  const byService = endpointsByService(mine);
  for (const [key, port] of ports) {
    const ips = new Set<string>();
    // Only ready endpoints: a node left with terminating ones must fail its health check.
    for (const list of byService.get(key)?.values() ?? []) for (const e of list) if (e.ready) ips.add(e.ip);
    out.set(key, { port, localEndpoints: ips.size });
  }
  return out;
}

/** kube-proxy's response body, byte for byte (tab-indented JSON). */
export function healthBody(key: string, localEndpoints: number, proxyHealthy: boolean): string {
  const [namespace, name] = key.split('/');
  return (
    `{\n\t"service": {\n\t\t"namespace": ${JSON.stringify(namespace)},\n\t\t"name": ${JSON.stringify(name)}\n\t},\n` +
    `\t"localEndpoints": ${localEndpoints},\n\t"serviceProxyHealthy": ${proxyHealthy}\n}`
  );
}

interface Instance {
  port: number;
  server: Server;
  endpoints: number;
}

export interface ServiceHealthServerOptions {
  logger: Logger;
  /** The proxy's own health (its last sync worked); default always healthy. */
  proxyHealthy?: () => boolean;
  /** Address to listen on; default every address, as kube-proxy with no nodePortAddresses. */
  host?: string;
  /** Told when a port cannot be opened (kube's FailedToStartServiceHealthcheck event). */
  onListenError?: (key: string, port: number, err: Error) => void;
}

export class ServiceHealthServer {
  private readonly instances = new Map<string, Instance>();
  private readonly failed = new Map<string, number>();

  constructor(private readonly opts: ServiceHealthServerOptions) {}

  /**
   * Open the servers wanted and close the others; keep the ones whose port did not change and
   * update every count. A port that cannot be opened is retried at the next sync (reported once).
   */
  async sync(wanted: Map<string, HealthCheck>): Promise<void> {
    for (const [key, inst] of this.instances) {
      if (wanted.get(key)?.port === inst.port) continue;
      this.instances.delete(key);
      await close(inst.server);
    }
    for (const key of this.failed.keys()) if (wanted.get(key)?.port !== this.failed.get(key)) this.failed.delete(key);
    for (const [key, hc] of wanted) {
      const inst = this.instances.get(key);
      if (inst) {
        inst.endpoints = hc.localEndpoints;
        continue;
      }
      try {
        const server = await this.listen(key, hc.port);
        this.instances.set(key, { port: hc.port, server, endpoints: hc.localEndpoints });
        this.failed.delete(key);
        this.opts.logger.info({ service: key, port: hc.port }, 'opened health check node port');
      } catch (e) {
        if (this.failed.get(key) === hc.port) continue;
        this.failed.set(key, hc.port);
        this.opts.logger.warn({ service: key, port: hc.port, err: (e as Error).message }, 'cannot open health check node port');
        this.opts.onListenError?.(key, hc.port, e as Error);
      }
    }
  }

  /** The ports open now ("ns/name" -> port). */
  ports(): Map<string, number> {
    return new Map([...this.instances].map(([k, i]) => [k, i.port]));
  }

  async stop(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map((i) => close(i.server)));
  }

  private listen(key: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      const inst = this.instances.get(key);
      const count = inst?.server === server ? inst.endpoints : 0;
      const healthy = this.opts.proxyHealthy?.() ?? true;
      res.writeHead(count !== 0 && healthy ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff' });
      res.end(healthBody(key, count, healthy));
    });
    // A load balancer's probe must not hold a socket for minutes.
    server.keepAliveTimeout = 5_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.opts.host ?? '0.0.0.0', exclusive: true }, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
