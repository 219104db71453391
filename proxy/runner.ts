// When the proxy syncs, as kube-proxy's BoundedFrequencyRunner: a token bucket that holds `burst`
// runs (kube-proxy: 2) and gains one per minIntervalMs (kube-proxy's minSyncPeriod, 1 s). The first
// change after a quiet time, and the one right after it, reach the data path without waiting;
// while changes keep coming they are folded into one run per minIntervalMs. Runs never overlap.
// Clock and timers are injectable for tests.

export interface RunnerOptions {
  minIntervalMs: number;
  /** Runs allowed back to back after a quiet time; default 2 (kube-proxy's burstSyncs). */
  burst?: number;
  onError: (e: unknown) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export class SyncRunner {
  private running = false;
  private pending = false;
  private timer: unknown;
  private readonly burst: number;
  /** Runs available now (fractions accrue with time), as of `countedAt`. */
  private tokens: number;
  private countedAt: number;
  private stopped = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly opts: RunnerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((f, ms) => setTimeout(f, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
    this.burst = Math.max(1, opts.burst ?? 2);
    this.tokens = this.burst;
    this.countedAt = this.now();
  }

  /** The bucket's content now. */
  private available(): number {
    const now = this.now();
    const gained = this.opts.minIntervalMs > 0 ? (now - this.countedAt) / this.opts.minIntervalMs : Infinity;
    this.tokens = Math.min(this.burst, this.tokens + gained);
    this.countedAt = now;
    return this.tokens;
  }

  /** Ask for a run; returns at once. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.timer !== undefined) return; // a run is already scheduled and will see this change
    const wait = Math.ceil((1 - this.available()) * this.opts.minIntervalMs);
    if (wait <= 0) void this.run();
    else this.timer = this.setTimer(() => void this.run(), wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    this.running = true;
    this.pending = false;
    this.tokens = this.available() - 1;
    try {
      await this.fn();
    } catch (e) {
      this.opts.onError(e);
    } finally {
      this.running = false;
    }
    if (this.pending) this.request();
  }
}
