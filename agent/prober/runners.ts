// One probe, whichever its handler (prober.go runProbe): httpGet and tcpSocket against the pod
// IP (or the probe's host), grpc against the pod IP, exec inside the container. The timeout is
// the probe's timeoutSeconds.
import type { Container, Probe } from '../../src/api/podspec/schema.js';
import { execProbe, expandStatic, type ExecInContainer } from './exec.js';
import { grpcProbe } from './grpc.js';
import { httpProbe, httpProbeRequest } from './http.js';
import { resolveContainerPort } from './port.js';
import { tcpProbe } from './tcp.js';
import type { ProbeOutcome } from './types.js';

export type { ExecInContainer } from './exec.js';

export interface ProbeTarget {
  /** The pod's IP on the pod network, reachable from the host. */
  podIP: string;
  /** Docker id of the container, for exec probes. */
  containerId: string;
}

export interface RunnerDeps {
  exec?: ExecInContainer;
}

export async function runProbe(probe: Probe, container: Container, target: ProbeTarget, deps: RunnerDeps): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds || 1) * 1000;
  try {
    if (probe.exec) {
      if (!deps.exec) return { result: 'Unknown', output: '', error: 'exec probes are not available on this node' };
      return await execProbe(deps.exec, target.containerId, expandStatic(probe.exec.command ?? [], container.env), timeoutMs);
    }
    if (probe.httpGet) return await httpProbe(httpProbeRequest(probe.httpGet, container, target.podIP), timeoutMs);
    if (probe.tcpSocket) {
      const port = resolveContainerPort(probe.tcpSocket.port, container);
      return await tcpProbe(probe.tcpSocket.host || target.podIP, port, timeoutMs);
    }
    if (probe.grpc) return await grpcProbe(target.podIP, probe.grpc.service ?? '', probe.grpc.port, timeoutMs);
  } catch (err) {
    // the probe could not be made (a port name not found): an error, not a failure
    return { result: 'Unknown', output: '', error: err instanceof Error ? err.message : String(err) };
  }
  return { result: 'Unknown', output: '', error: `missing probe handler for ${container.name}` };
}
