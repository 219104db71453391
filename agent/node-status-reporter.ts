// The kubelet's node status loop (kubelet_node_status.go tryUpdateNodeStatus): every 10 s compute
// the status the Node should have; write it only when it differs from the stored one (heartbeats
// aside) or when 5 minutes passed since the last write. An idle k1s so writes the Node once per
// 5 minutes, not every 10 s. A change of the runtime's health asks for an update at once.
import type { Logger } from '../src/log.js';
import { rfc3339 } from '../src/api/time.js';
import type { RuntimeHealthStatus } from './runtime-health.js';
import {
  desiredNodeStatus,
  NODE_STATUS_UPDATE_MS,
  shouldReportNodeStatus,
  type EvictionThresholds,
  type HostFacts,
  type HostSample,
  type NodeStatus,
} from './node-status.js';

export interface NodeStatusReporterOptions {
  facts: HostFacts;
  /** The eviction signals now (hostSample). */
  sample: () => HostSample;
  runtime: () => Pick<RuntimeHealthStatus, 'up'>;
  /** The stored Node's status (undefined when the Node is gone). */
  read: () => NodeStatus | undefined;
  write: (status: NodeStatus) => void | Promise<void>;
  logger: Logger;
  clock?: () => number;
  thresholds?: EvictionThresholds;
}

export class NodeStatusReporter {
  private lastReportMs: number | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;
  private readonly clock: () => number;

  constructor(private readonly o: NodeStatusReporterOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** The status was written by someone else just now (the registration). */
  reported(atMs = this.clock()): void {
    this.lastReportMs = atMs;
  }

  /** One turn of the loop; resolves to whether it wrote. Calls during a turn coalesce into one more. */
  update(): Promise<boolean> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let wrote = false;
      do {
        this.again = false;
        try {
          wrote = (await this.once()) || wrote;
        } catch (err) {
          this.o.logger.error({ err }, 'node status update failed');
        }
      } while (this.again);
      this.running = undefined;
      return wrote;
    })();
    return this.running;
  }

  private async once(): Promise<boolean> {
    const stored = this.o.read();
    if (!stored) return false; // no Node to update (deleted by hand): the next registration brings it back
    const nowMs = this.clock();
    const desired = desiredNodeStatus({ facts: this.o.facts, sample: this.o.sample(), runtime: this.o.runtime(), thresholds: this.o.thresholds }, stored, rfc3339(new Date(nowMs)));
    if (!shouldReportNodeStatus(stored, desired, this.lastReportMs, nowMs)) return false;
    await this.o.write(desired);
    this.lastReportMs = nowMs;
    return true;
  }

  /** Runs the loop every 10 s until `signal` aborts. */
  start(signal: AbortSignal, everyMs = NODE_STATUS_UPDATE_MS): void {
    const timer = setInterval(() => void this.update(), everyMs);
    timer.unref?.();
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }
}
