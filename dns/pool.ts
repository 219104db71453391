// The cluster DNS's threads: one worker per core, each answering on its own port, fed by the main
// thread. Node 20's dgram has no SO_REUSEPORT, so the workers cannot share one port; instead each
// listens on its own, and the kube-dns Service lists every worker's port as an endpoint (same
// address), so the proxy's DNAT rules spread pods' queries over them. The first worker takes the
// configured port, which is also what the host queries directly.
//
// Incremental: a Service or EndpointSlice change marks that one Service dirty, a Namespace change
// (or kube-dns's) marks the zone's own records dirty; `publishDelayMs` later the dirty keys'
// contributions are computed here, applied to this thread's one RecordIndex, and the names they
// touch re-encoded into the shared answer table every worker reads (table-owner.ts). Nothing is
// posted per change: only a new table generation when the table outgrows its buffers.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../src/log.js';
import type { Service } from '../src/api/types.js';
import type { EndpointSlice } from '../src/api/kinds/endpointslice.js';
import { DEFAULT_TTL, RecordIndex, ZONE_KEY, kubeDnsIP, namespacesOf, normalizeName, serviceKey, serviceRecords, slicesByService, zoneRecords, type Contribution } from './records.js';
import { nextSerial } from './serial.js';
import { AnswerTableOwner } from './table-owner.js';
import type { DnsWorkerData, FromWorker, ToWorker } from './worker.js';

/** Each changed key's new contribution, null for a removed one. */
type Changes = [key: string, contribution: Contribution | null][];

/** Where the pool reads the objects (the server's informers). */
export interface DnsSource {
  services(): Service[];
  service(namespace: string, name: string): Service | undefined;
  /** Every EndpointSlice in the namespace (the pool picks the Service's by label). */
  slices(namespace?: string): EndpointSlice[];
  namespaces(): string[];
}

export interface DnsPoolOptions {
  address: string;
  /** The first worker's port (0: any); the others take free ports. */
  port: number;
  workers: number;
  upstreams: string[];
  upstreamTimeoutMs?: number;
  zone: string;
  ttl?: number;
  logger: Logger;
  source: DnsSource;
  /** Delay between a change and its publication, to coalesce bursts. Default 10 ms. */
  publishDelayMs?: number;
  now?: () => number;
}

export class DnsWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private serial = 0;
  private readonly zone: string;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly table: AnswerTableOwner;
  /** Every worker's port, the first one first. */
  ports: number[] = [];
  /** Batches published so far (observability and tests). */
  published = 0;

  constructor(private readonly opts: DnsPoolOptions) {
    this.zone = normalizeName(opts.zone);
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    this.now = opts.now ?? Date.now;
    const index = new RecordIndex([], [], { zone: this.zone, ttl: this.ttl });
    this.table = new AnswerTableOwner(index, (buffers) => {
      for (const w of this.workers) w.postMessage({ table: buffers } satisfies ToWorker);
    });
  }

  async start(): Promise<number[]> {
    const level = this.opts.logger.level;
    this.table.apply(this.fullBatch(), this.serial = nextSerial(this.serial, this.now()));
    try {
      for (let id = 0; id < Math.max(1, this.opts.workers); id++) {
        const data: DnsWorkerData = {
          id,
          address: this.opts.address,
          port: id === 0 ? this.opts.port : 0,
          upstreams: this.opts.upstreams,
          upstreamTimeoutMs: this.opts.upstreamTimeoutMs,
          logLevel: level,
          zone: this.zone,
          ttl: this.ttl,
          table: this.table.buffers(),
        };
        // a small young generation: the workers allocate little per query, and RSS is what counts
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
        this.workers.push(worker);
        const port = await new Promise<number>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`dns worker ${id} exited (${code}) before listening`)));
          worker.on('message', (m: FromWorker) => 'listening' in m && resolve(m.listening));
        });
        worker.removeAllListeners('exit');
        worker.removeAllListeners('error');
        worker.on('error', (err) => this.opts.logger.error({ err, worker: id }, 'dns: worker failed'));
        this.ports.push(port);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.opts.logger.info({ address: this.opts.address, ports: this.ports, upstreams: this.opts.upstreams }, 'dns: listening');
    return this.ports;
  }

  /** A Service, or one of its EndpointSlices, changed. */
  serviceChanged(namespace: string, name: string): void {
    this.mark(`${namespace}/${name}`);
    if (namespace === 'kube-system' && name === 'kube-dns') this.mark(ZONE_KEY); // the NS address
  }

  /** A Namespace came or went. */
  zoneChanged(): void {
    this.mark(ZONE_KEY);
  }

  private mark(key: string): void {
    if (this.stopped) return;
    this.dirty.add(key);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.publishDelayMs ?? 10);
  }

  /** Applies the dirty keys' contributions to the shared answer table now. */
  flush(): void {
    if (this.stopped || this.dirty.size === 0) return;
    const changes: Changes = [];
    for (const key of this.dirty) changes.push([key, key === ZONE_KEY ? this.zoneContribution() : this.serviceContribution(key)]);
    this.dirty.clear();
    this.serial = nextSerial(this.serial, this.now());
    this.table.apply(changes, this.serial);
    this.published++;
  }

  private fullBatch(): Changes {
    const services = this.opts.source.services();
    const bySvc = slicesByService(this.opts.source.slices());
    const changes: Changes = [[ZONE_KEY, this.zoneContribution()]];
    for (const svc of services) changes.push([serviceKey(svc), serviceRecords(svc, bySvc.get(serviceKey(svc)) ?? [], this.zone, this.ttl)]);
    return changes;
  }

  private zoneContribution() {
    const dns = this.opts.source.service('kube-system', 'kube-dns');
    return zoneRecords(this.zone, this.ttl, namespacesOf([], this.opts.source.namespaces()), dns ? kubeDnsIP([dns]) : undefined);
  }

  private serviceContribution(key: string) {
    const slash = key.indexOf('/');
    const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const svc = this.opts.source.service(ns, name);
    if (!svc) return null;
    const mine = slicesByService(this.opts.source.slices(ns)).get(key) ?? [];
    return serviceRecords(svc, mine, this.zone, this.ttl);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(
      this.workers.map(async (w) => {
        const done = new Promise<void>((resolve) => {
          w.on('message', (m: FromWorker) => 'stopped' in m && resolve());
          w.once('exit', () => resolve());
        });
        w.postMessage({ stop: true } satisfies ToWorker);
        // a worker stuck in a query gets a second to close its sockets, then is ended
        await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
        await w.terminate();
      }),
    );
    this.workers.length = 0;
  }
}
