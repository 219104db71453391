// When the proxy syncs: at once after a quiet time (the first change after idle reaches the data
// path without waiting), then at most once per minIntervalMs while changes keep coming, every
// change in between folded into the next run (kube-proxy's minSyncPeriod, BoundedFrequencyRunner).
// Runs never overlap. Clock and timers are injectable for tests.

export interface RunnerOptions {
  minIntervalMs: number;
  onError: (e: unknown) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export class SyncRunner {
  private running = false;
  private pending = false;
  private timer: unknown;
  private lastStart = -Infinity;
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
  }

  /** Ask for a run; returns at once. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.timer !== undefined) return; // a run is already scheduled and will see this change
    const wait = this.lastStart + this.opts.minIntervalMs - this.now();
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
    this.lastStart = this.now();
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
