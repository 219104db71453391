// Records Kubernetes Events. A repeat of the same (object, type, reason, message) bumps count and
// lastTimestamp on the existing Event instead of creating a new one, as client-go's recorder
// aggregates, so a crash-looping pod does not fill the store.
import type { AnyObject, Event } from '../api/types.js';
import type { Client } from '../client/client.js';
import type { Logger } from '../log.js';
import { rfc3339 } from '../api/time.js';

export interface EventRecorder {
  record(obj: AnyObject, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
}

export class StoreEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, string>(); // aggregation key -> event name
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly logger: Logger,
    private readonly host: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(obj: AnyObject, type: 'Normal' | 'Warning', reason: string, message: string, component = 'k1s'): void {
    // Serialized: two repeats in a row must see each other's write.
    this.chain = this.chain.then(() => this.write(obj, type, reason, message, component)).catch((e) => {
      this.logger.debug({ err: (e as Error).message, reason }, 'could not record event');
    });
  }

  private lastStamp = 0n;

  private nextStamp(): bigint {
    const ns = BigInt(this.now().getTime()) * 1_000_000n;
    this.lastStamp = ns > this.lastStamp ? ns : this.lastStamp + 1n;
    return this.lastStamp;
  }

  private async write(obj: AnyObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string) {
    const ns = obj.metadata.namespace ?? 'default';
    const aggKey = [ns, obj.kind, obj.metadata.name, obj.metadata.uid, type, reason, message].join('\u0000');
    const ts = rfc3339(this.now());
    const existingName = this.recent.get(aggKey);
    if (existingName) {
      try {
        const ev = await this.client.get<Event>('Event', ns, existingName);
        await this.client.update<Event>({ ...ev, count: (ev.count ?? 1) + 1, lastTimestamp: ts });
        return;
      } catch {
        this.recent.delete(aggKey); // gone or conflicting: start a new one
      }
    }
    // As client-go names them: the hex of a nanosecond clock, so a list (in name order) is in
    // the order things happened.
    const name = `${obj.metadata.name}.${this.nextStamp().toString(16)}`;
    const ev: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component, host: this.host },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    await this.client.create(ev);
    this.recent.set(aggKey, name);
    if (this.recent.size > 5000) this.recent.delete(this.recent.keys().next().value!);
  }
}

/** Events live an hour after their last occurrence, as with the API server's default --event-ttl. */
export const EVENT_TTL_MS = 60 * 60 * 1000;

/** Pure: the events whose time is up. */
export function expiredEvents(events: Event[], now: Date, ttlMs = EVENT_TTL_MS): Event[] {
  return events.filter((e) => {
    const last = Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
    return Number.isFinite(last) && now.getTime() - last > ttlMs;
  });
}
