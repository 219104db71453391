// Is the container engine there? The kubelet's runtimeState: one answer the whole agent reads.
// The engine going away is seen at once (the events stream breaks, or a call fails with a
// connection error, and one probe confirms it); from then on one probe, with back-off (0.5 s doubling to 5 s, as the kubelet's
// syncLoop backs off 100 ms doubling to 5 s while the runtime is down), is the only call the agent
// makes until the engine answers again. One log line when it goes, one when it comes back.
import type { Logger } from '../src/log.js';
import { statusCode } from './network.js';

export const PROBE_INITIAL_MS = 500;
export const PROBE_MAX_MS = 5_000;

/** The kubelet's runtimeErrors() wording, which the Node's Ready condition carries. */
export const RUNTIME_DOWN_MESSAGE = 'container runtime is down';

export interface RuntimeHealthStatus {
  up: boolean;
  /** When it last changed (ms since epoch). */
  since: number;
  /** Why it is down: the error that showed it. */
  error?: string;
}

/** The delay before the next probe of an engine that is down. */
export function nextProbeDelay(previousMs: number | undefined): number {
  return previousMs === undefined ? PROBE_INITIAL_MS : Math.min(previousMs * 2, PROBE_MAX_MS);
}

/** Errors that mean "no engine answers" (the socket is gone, refused, or cut mid-request), as
 * opposed to the engine answering "no" (a 404, a 409, a bad request), which is a pod's problem. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EHOSTUNREACH']);

export function isRuntimeUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const status = statusCode(err);
  if (status === 502 || status === 503) return true;
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' && /socket hang up|connect (ECONNREFUSED|ENOENT)|Cannot connect to the Docker daemon/i.test(message);
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RuntimeHealthOptions {
  /** One cheap call to the engine; resolves when it answers. */
  probe: () => Promise<void>;
  logger: Logger;
  clock?: () => number;
  timers?: Timers;
  /** Hears every change (down, then up again). */
  onChange?: (status: RuntimeHealthStatus) => void;
}

export class RuntimeHealth {
  private state: RuntimeHealthStatus;
  private delayMs: number | undefined;
  private timer: unknown;
  private probing = false;
  private stopped = false;
  private readonly clock: () => number;
  private readonly timers: Timers;

  constructor(private readonly o: RuntimeHealthOptions) {
    this.clock = o.clock ?? Date.now;
    this.timers = o.timers ?? realTimers;
    this.state = { up: true, since: this.clock() };
  }

  get up(): boolean {
    return this.state.up;
  }

  status(): RuntimeHealthStatus {
    return { ...this.state };
  }

  /**
   * A call failed because no engine answered. One probe confirms it before the agent calls the
   * engine down (and so every pod not Ready): a busy engine drops a connection now and then, and
   * one reset under load must not pull every endpoint out of its Service for a second.
   */
  failed(err: unknown): void {
    this.confirm(() => this.down(err));
  }

  /** Something looked wrong (the events stream ended): ask the engine now, down if it does not answer. */
  suspect(): void {
    this.confirm((probeErr) => this.down(probeErr));
  }

  private confirm(onNoAnswer: (probeErr: unknown) => void): void {
    if (this.stopped || !this.state.up || this.probing) return;
    this.probing = true;
    this.o
      .probe()
      .catch((probeErr: unknown) => onNoAnswer(probeErr))
      .finally(() => (this.probing = false));
  }

  /** Down now: probe with back-off until it answers. */
  private down(err: unknown): void {
    if (this.stopped || !this.state.up) return;
    const error = err instanceof Error ? err.message : String(err);
    this.state = { up: false, since: this.clock(), error };
    this.o.logger.warn({ err: error }, 'container runtime is down: pausing pod syncs until it answers');
    this.o.onChange?.(this.status());
    this.delayMs = undefined;
    this.scheduleProbe();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleProbe(): void {
    if (this.stopped) return;
    this.delayMs = nextProbeDelay(this.delayMs);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.probeWhileDown();
    }, this.delayMs);
  }

  private async probeWhileDown(): Promise<void> {
    if (this.stopped || this.state.up) return;
    try {
      await this.o.probe();
    } catch {
      this.scheduleProbe();
      return;
    }
    if (this.stopped) return;
    const downFor = this.clock() - this.state.since;
    this.state = { up: true, since: this.clock() };
    this.o.logger.info({ downMs: downFor }, 'container runtime is back: resyncing every pod');
    this.o.onChange?.(this.status());
  }
}
