// A work queue like client-go's: a key is queued at most once, is never processed by two
// workers at once, and a failed sync is retried with exponential backoff. Handlers only enqueue;
// all writes happen in sync(), off the store's event delivery.
import type { AnyObject } from '../api/types.js';
import type { Handler, Informer } from '../client/informer.js';
import type { Logger } from '../log.js';

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly sync: (key: string) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  add(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.dirty.add(key); // run again once the current sync finishes
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    setImmediate(() => void this.process(key));
  }

  /** Adds key once ms have passed (a condition that only time changes, like minReadySeconds). */
  addAfter(key: string, ms: number): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private async process(key: string): Promise<void> {
    this.queued.delete(key);
    if (this.closed) return;
    this.running.add(key);
    try {
      await this.sync(key);
      this.failures.delete(key);
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(5 * 2 ** n, 30_000);
      // Conflicts are the normal price of optimistic concurrency: retry quietly.
      const level = (e as { code?: number }).code === 409 ? 'debug' : 'warn';
      this.logger[level]({ controller: this.name, key, err: (e as Error).message, retryMs: delay }, 'sync failed; will retry');
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.add(key);
      }, delay);
      this.timers.add(t);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
    }
  }
}

/**
 * What every controller here shares: informer handlers that only enqueue keys, a queue that
 * calls sync(key), and a stop() that undoes both.
 */
export abstract class QueueController {
  protected readonly queue: WorkQueue;
  private readonly subscriptions: (() => void)[] = [];

  constructor(name: string, logger: Logger) {
    this.queue = new WorkQueue(name, (key) => this.sync(key), logger);
  }

  /** Subscribes the handlers and enqueues what already exists. */
  abstract start(): void;

  protected abstract sync(key: string): Promise<void>;

  protected on<T extends AnyObject>(informer: Informer<T>, handler: Handler<T>): void {
    this.subscriptions.push(informer.on(handler));
  }

  stop(): void {
    this.subscriptions.splice(0).forEach((unsubscribe) => unsubscribe());
    this.queue.close();
  }
}
