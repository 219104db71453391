// Pod workers, as the kubelet's pod_workers.go: at most one sync of a pod runs at a time; a sync
// asked for while one runs is coalesced into one more run after it. The sync function is a
// parameter, so the scheduling is tested without a runtime.
import type { Logger } from '../src/log.js';
import type { RuntimeContainer } from './runtime.js';

/** The containers a resync pass saw for one pod, and when it looked (see PodWorkers.seq). */
export interface Snapshot {
  seq: number;
  containers: RuntimeContainer[];
}

/** Syncs one pod; `containers` is a fresh enough listing of its containers, when the caller has one. */
export type SyncFn = (uid: string, containers: RuntimeContainer[] | undefined) => Promise<void>;

interface Worker {
  busy: boolean;
  /** Another sync was asked for while one ran. */
  again: boolean;
  /** `seq` when its last sync ended. */
  lastSyncEnd: number;
  done?: Promise<void>;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  /** Orders snapshots against syncs: a snapshot older than a pod's last sync is stale. */
  private seqCounter = 0;
  private stopped = false;

  constructor(
    private readonly sync: SyncFn,
    private readonly log: Logger,
    /** Whether a pod's worker may be forgotten once idle (the agent holds nothing more for it). */
    private readonly forgettable: (uid: string) => boolean,
  ) {}

  /** A sequence number to stamp a snapshot with, taken before listing the runtime. */
  seq(): number {
    return this.seqCounter++;
  }

  /** Run the pod's worker now, or once more after the sync in progress. A snapshot is used only
   * if no sync of this pod ended after it was taken (else it may predate our own changes). */
  schedule(uid: string, snapshot?: Snapshot): void {
    if (this.stopped) return;
    let w = this.workers.get(uid);
    if (!w) {
      w = { busy: false, again: false, lastSyncEnd: -1 };
      this.workers.set(uid, w);
    }
    if (w.busy) {
      w.again = true;
      return;
    }
    const worker = w;
    let containers = snapshot && snapshot.seq > worker.lastSyncEnd ? snapshot.containers : undefined;
    worker.busy = true;
    worker.done = (async () => {
      try {
        do {
          worker.again = false;
          try {
            await this.sync(uid, containers);
          } catch (err) {
            this.log.error({ err, uid }, 'pod sync failed');
          }
          containers = undefined;
          worker.lastSyncEnd = this.seqCounter++;
        } while (worker.again && !this.stopped);
      } finally {
        worker.busy = false;
        if (this.forgettable(uid)) this.workers.delete(uid);
      }
    })();
  }

  isBusy(uid: string): boolean {
    return this.workers.get(uid)?.busy ?? false;
  }

  /** No new syncs; resolves when the ones in flight have finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.workers.values()].map((w) => w.done));
  }
}
