// The Endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing the matching pods' IPs: Ready pods in addresses, the others in
// notReadyAddresses, with each service port's targetPort resolved against the pod's containers.
import { resolvePort } from '../api/intstr.js';
import { matches, selectorFromSet } from '../api/labels.js';
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { isPodReady, objectKey, splitKey, type ControllerContext } from './context.js';
import { SKIP_MIRROR_LABEL } from './endpointslice.js';
import { QueueController } from './queue.js';

/** Pure: the subsets of a service's Endpoints. Pods whose ports resolve alike share a subset. */
export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const bySignature = new Map<string, EndpointSubset>();
  for (const pod of pods) {
    // ShouldPodBeInEndpoints: a terminating pod only where not-ready addresses are published
    if (!pod.status?.podIP || (pod.metadata.deletionTimestamp && !svc.spec.publishNotReadyAddresses)) continue;
    if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') continue;
    const containerPorts = pod.spec.containers.flatMap((c) => c.ports ?? []);
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolvePort(sp.targetPort, sp.port, containerPorts, sp.protocol ?? 'TCP');
      if (port === undefined) continue; // a named port this pod does not have
      ports.push({ name: sp.name, port, protocol: sp.protocol ?? 'TCP' });
    }
    if (!ports.length) continue;
    const sig = JSON.stringify(ports);
    let subset = bySignature.get(sig);
    if (!subset) bySignature.set(sig, (subset = { ports }));
    const address: EndpointAddress = {
      ip: pod.status.podIP,
      // a pod naming this Service as its subdomain gets a DNS name under it, <hostname>.<svc>.<ns>.svc
      ...(pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? { hostname: pod.spec.hostname } : {}),
      nodeName: pod.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const ready = isPodReady(pod) || svc.spec.publishNotReadyAddresses === true;
    const list = ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(address);
  }
  const subsets = [...bySignature.values()];
  for (const s of subsets) {
    s.addresses?.sort((a, b) => a.ip.localeCompare(b.ip));
    s.notReadyAddresses?.sort((a, b) => a.ip.localeCompare(b.ip));
  }
  return subsets.sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)));
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return matches(selectorFromSet(selector), labels);
}

/** Endpoints this controller wrote (earlier k1s versions marked them with their own label). */
function managedByUs(ep: Endpoints | undefined): boolean {
  const labels = ep?.metadata.labels ?? {};
  return labels[SKIP_MIRROR_LABEL] === 'true' || labels['endpoints.k1s.io/managed'] === 'true';
}

/** A Service without a selector, or with an empty one, has user-managed Endpoints. */
function hasSelector(svc: Service): svc is Service & { spec: { selector: Record<string, string> } } {
  return Object.keys(svc.spec.selector ?? {}).length > 0;
}

export class EndpointsController extends QueueController {
  constructor(private readonly ctx: ControllerContext) {
    super('endpoints', ctx.logger);
  }

  start(): void {
    const { services, pods, endpoints } = this.ctx.informers;
    this.on(services, (_t, svc) => this.queue.add(objectKey(svc)));
    this.on(pods, (_t, pod, old) => {
      for (const svc of services.list(pod.metadata.namespace)) {
        if (!hasSelector(svc)) continue;
        const sel = svc.spec.selector;
        if (selects(sel, pod.metadata.labels) || (old && selects(sel, old.metadata.labels))) this.queue.add(objectKey(svc));
      }
    });
    // someone edited or deleted an Endpoints object we own: put it back
    this.on(endpoints, (_t, ep) => this.queue.add(objectKey(ep)));
    for (const svc of services.list()) this.queue.add(objectKey(svc));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.ctx.informers.services.get(ns, name);
    const existing = this.ctx.informers.endpoints.get(ns, name);
    if (!svc) {
      // Only Endpoints this controller made (selector services) are removed with their service.
      if (managedByUs(existing)) await this.ctx.client.delete('Endpoints', ns, name);
      return;
    }
    if (!hasSelector(svc)) return; // the user manages these Endpoints
    const pods = this.ctx.informers.pods.list(ns).filter((p) => selects(svc.spec.selector, p.metadata.labels));
    const subsets = computeSubsets(svc, pods);
    // kube's labels: skip-mirror, so the EndpointSlice mirroring leaves them to the slice controller
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [SKIP_MIRROR_LABEL]: 'true' };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (existing) {
      if (deepEqual(existing.subsets ?? [], subsets) && deepEqual(existing.metadata.labels, labels)) return;
      await this.ctx.client.update<Endpoints>({ ...existing, metadata: { ...existing.metadata, labels }, subsets });
    } else {
      await this.ctx.client.create<Endpoints>({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, subsets });
    }
  }
}
