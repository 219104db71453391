// One probe worker per (pod, container, probe type), with the kubelet's semantics
// (pkg/kubelet/prober/worker.go doProbe): an initial result before the first probe, thresholds of
// consecutive results, the startup probe gating the others, a liveness or startup failure holding
// the worker until a new container appears. Pushed container state instead of the kubelet's
// polling of the status manager: the manager calls update() on every pod sync.
import type { Probe } from '../../src/api/podspec/schema.js';
import type { ResultsManager } from './results.js';
import { probeTypeTitle, type ProbeOutcome, type ProbeResult, type ProbeType, type Scheduler } from './types.js';

/** The container a worker probes, as the runtime last reported it. */
export interface WorkerContainer {
  /** Docker id: a new id is a new container and resets the worker. */
  id: string;
  /** When it started, epoch milliseconds (the initial delay counts from here). */
  startedAt: number;
  running: boolean;
}

export interface WorkerDeps {
  scheduler: Scheduler;
  results: ResultsManager;
  /** Runs the probe once against the container (the runners of pkg/probe). */
  run(containerId: string): Promise<ProbeOutcome>;
  /** Whether the container's startup probe has succeeded (true when it has none). */
  started(containerId: string): boolean;
  /** An event on the container (Unhealthy, ProbeWarning), as the kubelet records one per failed probe. */
  recordEvent(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The kubelet retries a probe that errored (could not run) up to this many times per tick. */
const MAX_PROBE_ATTEMPTS = 3;

/** The result a new container has before its first probe (worker.go newWorker initialValue). */
export const INITIAL_RESULT: Record<ProbeType, ProbeResult | undefined> = {
  readiness: 'Failure',
  liveness: 'Success',
  // Unknown: no result, and with no result the container is not started
  startup: undefined,
};

export class ProbeWorker {
  private containerId: string | undefined;
  private container: WorkerContainer | undefined;
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  /** After a liveness/startup failure: no probing until a new container id (kubernetes#21751). */
  private onHold = false;
  private stopped = false;
  private cancelTimer: (() => void) | undefined;
  private inFlight = false;
  /** trigger() came while a probe was in flight: probe again as soon as it ends. */
  private triggered = false;
  /** When the next periodic probe is due (epoch ms); undefined before the first probe. */
  private nextDue: number | undefined;
  /** Bumped on every reset and stop, so an outcome arriving for an older container is dropped. */
  private generation = 0;

  constructor(
    readonly podUid: string,
    readonly type: ProbeType,
    private readonly probe: Probe,
    private readonly deps: WorkerDeps,
  ) {}

  private get periodMs(): number {
    return (this.probe.periodSeconds || 10) * 1000;
  }

  /**
   * The container's current state, on every pod sync. `deleting`: the pod has a deletion
   * timestamp; liveness and startup then report success and stop, so a container being shut
   * down gracefully is not restarted (worker.go "Graceful shutdown of the pod").
   */
  update(c: WorkerContainer, deleting: boolean): void {
    if (this.stopped) return;
    if (c.id !== this.containerId) this.reset(c.id);
    this.container = c;
    if (!c.running) {
      this.cancel();
      this.deps.results.set(c.id, this.type, 'Failure', this.podUid);
      return;
    }
    if (deleting && this.type !== 'readiness') {
      this.deps.results.set(c.id, this.type, 'Success', this.podUid);
      this.stop();
      return;
    }
    this.ensureScheduled();
  }

  /** Probe as soon as allowed instead of at the next period (readiness right after startup succeeded). */
  trigger(): void {
    if (this.stopped) return;
    // like the kubelet's one-slot manualTriggerCh: a trigger during a probe runs once it ends
    if (this.inFlight) {
      this.triggered = true;
      return;
    }
    this.cancel();
    this.nextDue = undefined;
    this.ensureScheduled();
  }

  /** Stops probing for good and forgets the result (the container went away or the pod was removed). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.generation++;
    this.cancel();
    if (this.containerId !== undefined) this.deps.results.remove(this.containerId, this.type);
  }

  /** For tests and diagnostics. */
  get state(): { containerId?: string; onHold: boolean; stopped: boolean; resultRun: number; scheduled: boolean } {
    return { containerId: this.containerId, onHold: this.onHold, stopped: this.stopped, resultRun: this.resultRun, scheduled: this.cancelTimer !== undefined };
  }

  private reset(id: string): void {
    if (this.containerId !== undefined) this.deps.results.remove(this.containerId, this.type);
    this.cancel();
    this.generation++;
    this.inFlight = false;
    this.triggered = false;
    this.containerId = id;
    // A new container starts from scratch: the kubelet keeps the old run count, but counting the
    // previous container's failures against the new one would restart it early.
    this.lastResult = undefined;
    this.resultRun = 0;
    this.onHold = false;
    this.nextDue = undefined;
    const initial = INITIAL_RESULT[this.type];
    if (initial) this.deps.results.set(id, this.type, initial, this.podUid);
  }

  private cancel(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private ensureScheduled(): void {
    const c = this.container;
    if (this.stopped || this.onHold || this.inFlight || this.cancelTimer || !c?.running) return;
    // a startup probe that passed has done its job for this container
    if (this.type === 'startup' && this.deps.results.get(c.id, 'startup') === 'Success') return;
    const now = this.deps.scheduler.now();
    const notBefore = c.startedAt + (this.probe.initialDelaySeconds ?? 0) * 1000;
    const due = Math.max(notBefore, this.nextDue ?? now, now);
    this.cancelTimer = this.deps.scheduler.setTimer(due - now, () => {
      this.cancelTimer = undefined;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    const c = this.container;
    if (this.stopped || this.onHold || !c?.running) return;
    const now = this.deps.scheduler.now();
    // Liveness and readiness wait for the startup probe; they look again a period later.
    if (this.type !== 'startup' && !this.deps.started(c.id)) {
      this.nextDue = now + this.periodMs;
      this.ensureScheduled();
      return;
    }
    const generation = this.generation;
    this.inFlight = true;
    let outcome: ProbeOutcome;
    try {
      outcome = await this.runWithRetries(c.id);
    } catch (err) {
      outcome = { result: 'Unknown', output: '', error: err instanceof Error ? err.message : String(err) };
    }
    if (generation !== this.generation) return; // a new container or a stop while probing
    this.inFlight = false;
    this.nextDue = this.triggered ? undefined : now + this.periodMs;
    this.triggered = false;
    this.handle(c.id, outcome);
    this.ensureScheduled();
  }

  private async runWithRetries(id: string): Promise<ProbeOutcome> {
    let outcome = await this.deps.run(id);
    for (let i = 1; i < MAX_PROBE_ATTEMPTS && outcome.error !== undefined; i++) outcome = await this.deps.run(id);
    return outcome;
  }

  private handle(id: string, outcome: ProbeOutcome): void {
    const title = probeTypeTitle(this.type);
    if (outcome.error !== undefined || outcome.result === 'Unknown') {
      // prober.go: an errored probe is reported and its result thrown away
      this.deps.recordEvent('Warning', 'Unhealthy', `${title} probe errored: ${outcome.error ?? outcome.output}`);
      return;
    }
    if (outcome.result === 'Failure') this.deps.recordEvent('Warning', 'Unhealthy', `${title} probe failed: ${outcome.output}`);
    if (outcome.result === 'Warning') this.deps.recordEvent('Warning', 'ProbeWarning', `${title} probe warning: ${outcome.output}`);
    const result: ProbeResult = outcome.result === 'Failure' ? 'Failure' : 'Success';

    if (result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold = result === 'Failure' ? (this.probe.failureThreshold || 3) : (this.probe.successThreshold || 1);
    if (this.resultRun < threshold) return; // below threshold: the published result stands
    this.deps.results.set(id, this.type, result, this.podUid);
    if (this.type !== 'readiness' && result === 'Failure') {
      // the agent kills the container; probing a container being stopped helps no one
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}
