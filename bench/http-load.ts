// A load loop for the rollout benchmarks: `concurrency` loops each sending GET requests, one
// after another, on a new connection each (no keep-alive: every request is a new balancing
// decision, as a fresh client's would be), counting those that fail: an error (refused, reset),
// a timeout, or a status other than 200. Only requests sent inside a counting window count.
import { get } from 'node:http';

export interface LoadCount {
  total: number;
  failed: number;
  /** the first few failures, for the report */
  reasons: string[];
  /** per second since counting began: [requests, failures] (where failures cluster) */
  perSecond: [number, number][];
}

export interface LoadLoop {
  /** Starts counting the requests sent from now on. */
  startCounting(): void;
  /** Stops counting and returns what was counted (requests in flight still count when they end). */
  stopCounting(): Promise<LoadCount>;
  /** Stops the loops once their requests in flight have ended. */
  stop(): Promise<void>;
}

/** One GET; resolves with undefined on a 200, or why it failed. */
export function getOnce(url: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** `target` is one URL, or a function giving each request its URL (a client-side balancer). */
export function startLoad(target: string | (() => string), concurrency: number, timeoutMs = 2000): LoadLoop {
  const urlOf = typeof target === 'string' ? () => target : target;
  let running = true;
  let counting: LoadCount | undefined;
  let countingSince = 0;
  let inFlightCounted = 0;
  let drained: (() => void) | undefined;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const window = counting;
      if (window) inFlightCounted++;
      const sec = Math.floor((performance.now() - countingSince) / 1000);
      const failure = await getOnce(urlOf(), timeoutMs);
      if (window) {
        window.total++;
        const bucket = (window.perSecond[sec] ??= [0, 0]);
        bucket[0]++;
        if (failure) bucket[1]++;
        if (failure) {
          window.failed++;
          if (window.reasons.length < 5) window.reasons.push(failure);
        }
        if (--inFlightCounted === 0 && drained) drained();
      }
    }
  });
  return {
    startCounting() {
      counting = { total: 0, failed: 0, reasons: [], perSecond: [] };
      countingSince = performance.now();
    },
    async stopCounting() {
      const window = counting!;
      counting = undefined;
      if (inFlightCounted > 0) await new Promise<void>((r) => (drained = r));
      drained = undefined;
      return window;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
