// probe.ResolveContainerPort: a probe's port by number, or by the name of one of the container's
// ports (or a number written as a string), in 1-65535.
import type { Container } from '../../src/api/podspec/schema.js';

export function resolveContainerPort(param: number | string, container: Pick<Container, 'ports'>): number {
  let port: number;
  if (typeof param === 'number') port = param;
  else {
    const named = container.ports?.find((p) => p.name === param);
    if (named) port = named.containerPort;
    else if (/^[+-]?\d+$/.test(param)) port = Number(param);
    // Go's strconv.Atoi error, the last attempt kube makes
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(param)}: invalid syntax`);
  }
  if (port > 0 && port < 65536) return port;
  throw new Error(`invalid port number: ${port}`);
}
