// Probe results keyed by container (Docker id) and probe type, as the kubelet's
// pkg/kubelet/prober/results manager: workers publish, the pure pod decisions read, and a change
// (never a repeat of the same result) tells the agent to sync the pod again.
import type { ProbeResult, ProbeType } from './types.js';

export interface ResultChange {
  podUid: string;
  containerId: string;
  type: ProbeType;
  result: ProbeResult;
}

export type ResultListener = (change: ResultChange) => void;

export class ResultsManager {
  private readonly results = new Map<string, Map<ProbeType, ProbeResult>>();
  private readonly listeners = new Set<ResultListener>();

  /** Records a result; listeners hear of it only when it differs from the one stored. */
  set(containerId: string, type: ProbeType, result: ProbeResult, podUid: string): void {
    let byType = this.results.get(containerId);
    if (!byType) this.results.set(containerId, (byType = new Map()));
    if (byType.get(type) === result) return;
    byType.set(type, result);
    for (const cb of this.listeners) cb({ podUid, containerId, type, result });
  }

  get(containerId: string, type: ProbeType): ProbeResult | undefined {
    return this.results.get(containerId)?.get(type);
  }

  /** Forgets one type's result, or every result of the container when `type` is absent. */
  remove(containerId: string, type?: ProbeType): void {
    if (type === undefined) {
      this.results.delete(containerId);
      return;
    }
    const byType = this.results.get(containerId);
    byType?.delete(type);
    if (byType?.size === 0) this.results.delete(containerId);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(cb: ResultListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}
