// A Scheduler whose time moves only when a test says so; advance() fires the timers that come
// due, in order, and lets the promises they start settle before moving on.
import type { Scheduler } from './types.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeScheduler implements Scheduler {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
  }
}

/** Lets every queued promise continuation run (setImmediate comes after the microtasks). */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
