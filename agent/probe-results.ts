// The prober's latest results, as the pure decisions read them (kubelet's prober/results managers:
// probe workers publish per container ID, computePodActions and the status read). Keyed by the
// runtime container ID, not the name: a result belongs to one instance and dies with it, so a
// restarted container starts with no result rather than its predecessor's.
import type { Container } from '../src/api/types.js';

export type ProbeResult = 'Success' | 'Failure';

export interface ProbeResults {
  /** undefined: not probed yet (or no livenessProbe). Failure: kill it (and restart per policy). */
  liveness(containerId: string): ProbeResult | undefined;
  /** undefined: not probed yet (or no startupProbe). Until Success a container with a startupProbe is not started. */
  startup(containerId: string): ProbeResult | undefined;
  /** undefined: not probed yet (or no readinessProbe). A container with a readinessProbe is ready only on true. */
  readiness(containerId: string): boolean | undefined;
}

/** No prober (or nothing probed yet): containers without probes are unaffected. */
export const NO_PROBE_RESULTS: ProbeResults = {
  liveness: () => undefined,
  startup: () => undefined,
  readiness: () => undefined,
};

/** kubelet's isContainerStarted, for a running container: no startupProbe, or it succeeded. */
export function isStarted(spec: Container, id: string, probes: ProbeResults): boolean {
  return !spec.startupProbe || probes.startup(id) === 'Success';
}

/** A running, started container is ready without a readinessProbe, or when it passed. */
export function isReady(spec: Container, id: string, probes: ProbeResults): boolean {
  return isStarted(spec, id, probes) && (!spec.readinessProbe || probes.readiness(id) === true);
}
