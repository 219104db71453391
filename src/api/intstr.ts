// IntOrString values (k8s.io/apimachinery/pkg/util/intstr): a Service's targetPort (8080 or the
// name of a container port, "http") and a rolling update's maxSurge/maxUnavailable (2 or "25%").
import type { ContainerPort, Protocol } from './types.js';

export type IntOrString = number | string;

/**
 * The pod port a service port sends traffic to. No targetPort (or 0) means the service's own port;
 * a number is used as is; a name is looked up among the pod's container ports with the same
 * protocol, as the endpoints controller does (podutil.FindPort). undefined when the pod has no
 * port of that name: such a pod is left out of that port's endpoints.
 */
export function resolvePort(
  targetPort: IntOrString | undefined,
  port: number,
  containerPorts: ContainerPort[],
  protocol: Protocol = 'TCP',
): number | undefined {
  if (targetPort === undefined || targetPort === 0 || targetPort === '') return port;
  if (typeof targetPort === 'number') return targetPort;
  const found = containerPorts.find((cp) => cp.name === targetPort && (cp.protocol ?? 'TCP') === protocol);
  return found?.containerPort;
}

/** "25%" -> 25; undefined for anything that is not a whole number followed by '%'. */
export function parsePercent(value: string): number | undefined {
  const m = /^(\d+)%$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * GetScaledValueFromIntOrPercent: a number is returned as is; "N%" is N percent of total, rounded
 * up or down. Rolling updates round maxSurge up and maxUnavailable down, so that "25%" of 1
 * replica still lets one new pod be created.
 */
export function scaledValue(intOrPercent: IntOrString, total: number, roundUp: boolean): number {
  if (typeof intOrPercent === 'number') return intOrPercent;
  if (!intOrPercent.endsWith('%')) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const percent = parsePercent(intOrPercent);
  if (percent === undefined) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(intOrPercent)}`);
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
