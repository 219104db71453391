// The cluster DNS's threads: one worker per core, each answering on its own port, fed index
// snapshots by the main thread. Node 20's dgram has no SO_REUSEPORT, so the workers cannot share
// one port; instead each listens on its own, and the kube-dns Service lists every worker's port as
// an endpoint (same address), so the proxy's DNAT rules spread pods' queries over them. The first
// worker takes the configured port, which is also what the host queries directly.
//
// Publishing: a change marks the index stale and a snapshot is built and posted within
// `publishDelayMs` (a burst of changes costs one build). Each worker swaps it in whole.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../src/log.js';
import type { RecordIndex } from './records.js';
import type { DnsWorkerData, FromWorker, ToWorker } from './worker.js';

export interface DnsPoolOptions {
  address: string;
  /** The first worker's port (0: any); the others take free ports. */
  port: number;
  workers: number;
  upstreams: string[];
  upstreamTimeoutMs?: number;
  logger: Logger;
  /** Builds the index from the current objects: called on the main thread, at most once per publish. */
  build: () => RecordIndex;
  /** Delay between a change and its publication, to coalesce bursts. Default 10 ms. */
  publishDelayMs?: number;
}

export class DnsWorkerPool {
  private readonly workers: Worker[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Every worker's port, the first one first. */
  ports: number[] = [];
  /** Publications so far (observability and tests). */
  published = 0;

  constructor(private readonly opts: DnsPoolOptions) {}

  async start(): Promise<number[]> {
    const state = this.opts.build().toState();
    const level = this.opts.logger.level;
    try {
      for (let id = 0; id < Math.max(1, this.opts.workers); id++) {
        const data: DnsWorkerData = {
          id,
          address: this.opts.address,
          port: id === 0 ? this.opts.port : 0,
          upstreams: this.opts.upstreams,
          upstreamTimeoutMs: this.opts.upstreamTimeoutMs,
          logLevel: level,
          state,
        };
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: data });
        this.workers.push(worker);
        const port = await new Promise<number>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`dns worker ${id} exited (${code}) before listening`)));
          worker.on('message', (m: FromWorker) => 'listening' in m && resolve(m.listening));
        });
        worker.removeAllListeners('exit');
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

  /** A Service, EndpointSlice or Namespace changed: publish a new snapshot shortly. */
  changed(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, this.opts.publishDelayMs ?? 10);
  }

  /** Builds a snapshot now and posts it to every worker. */
  publish(): void {
    if (this.stopped) return;
    const state = this.opts.build().toState();
    const msg: ToWorker = { index: state };
    for (const w of this.workers) w.postMessage(msg);
    this.published++;
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
