// Words shared by the prober's parts (kubelet pkg/kubelet/prober and pkg/probe).

export type ProbeType = 'readiness' | 'liveness' | 'startup';

/** What a worker publishes (kubelet results.Result without Unknown: "no result yet" is absence). */
export type ProbeResult = 'Success' | 'Failure';

/**
 * One probe's outcome as pkg/probe reports it. Warning counts as success (an HTTP redirect the
 * prober did not follow); Unknown goes with `error` (the probe could not be run at all: a port
 * name not found, exec failing to start), and such a result is thrown away, as the kubelet does.
 */
export interface ProbeOutcome {
  result: 'Success' | 'Warning' | 'Failure' | 'Unknown';
  /** For a failure or a warning, the text of the Unhealthy/ProbeWarning event. */
  output: string;
  error?: string;
}

/** "Readiness", as the kubelet's probeType.String() writes it in events. */
export function probeTypeTitle(type: ProbeType): string {
  return type[0].toUpperCase() + type.slice(1);
}

/**
 * Time for the workers: `now` in epoch milliseconds and one-shot timers. Injected so that table
 * tests drive the state machine with a fake clock instead of real waits.
 */
export interface Scheduler {
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    // probe timers must not keep a stopping process alive
    t.unref();
    return () => clearTimeout(t);
  },
};
