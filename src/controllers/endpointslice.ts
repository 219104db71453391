// The EndpointSlice controllers, as one queue keyed by Service: for a Service with a selector,
// slices of the pods it selects (kube's endpointslice-controller.k8s.io); for one without, slices
// mirrored from its hand-written Endpoints (endpointslicemirroring-controller.k8s.io), unless the
// Endpoints say skip-mirror. Slices carrying neither manager label are someone else's and left
// alone; ours go when their Service does. The decisions are in endpointslice-plan.ts.
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../api/kinds/endpointslice.js';
import { matches, selectorFromSet } from '../api/labels.js';
import type { AnyObject, EndpointSlice, Service } from '../api/types.js';
import { deepEqual } from '../store/canonical.js';
import { controllerRef, objectKey, splitKey, type ControllerContext } from './context.js';
import { groupsFromEndpoints, groupsFromPods, planSlices, type EndpointGroup } from './endpointslice-plan.js';
import { QueueController } from './queue.js';

export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
/** On Endpoints the endpoints controller writes: they need no mirroring (discovery/v1 LabelSkipMirror). */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

const OURS = new Set([SLICE_CONTROLLER, MIRRORING_CONTROLLER]);

function selector(svc: Service): Record<string, string> | undefined {
  return Object.keys(svc.spec.selector ?? {}).length > 0 ? svc.spec.selector : undefined;
}

export class EndpointSliceController extends QueueController {
  constructor(private readonly ctx: ControllerContext) {
    super('endpointslice', ctx.logger);
  }

  start(): void {
    const { services, pods, endpoints, endpointSlices } = this.ctx.informers;
    this.on(services, (_t, svc) => this.queue.add(objectKey(svc)));
    this.on(pods, (_t, pod, old) => {
      for (const svc of services.list(pod.metadata.namespace)) {
        const sel = selector(svc);
        if (!sel) continue;
        if (matches(selectorFromSet(sel), pod.metadata.labels) || (old && matches(selectorFromSet(sel), old.metadata.labels))) this.queue.add(objectKey(svc));
      }
    });
    this.on(endpoints, (_t, ep) => this.queue.add(objectKey(ep)));
    // someone edited or deleted a slice we manage: put it back
    this.on(endpointSlices, (_t, s) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && OURS.has(s.metadata.labels?.[MANAGED_BY_LABEL] ?? '')) this.queue.add(`${s.metadata.namespace}/${svc}`);
    });
    for (const svc of services.list()) this.queue.add(objectKey(svc));
  }

  protected async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const { services, pods, endpoints, endpointSlices } = this.ctx.informers;
    const svc = services.get(ns, name);
    const ours = endpointSlices.list(ns).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name && OURS.has(s.metadata.labels?.[MANAGED_BY_LABEL] ?? ''));

    let want: { manager: string; owner: AnyObject; groups: EndpointGroup[]; labels: Record<string, string> } | undefined;
    const sel = svc && selector(svc);
    if (svc && sel && svc.spec.type !== 'ExternalName') {
      const selected = pods.list(ns).filter((p) => matches(selectorFromSet(sel), p.metadata.labels));
      const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
      if (svc.spec.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
      want = { manager: SLICE_CONTROLLER, owner: svc, groups: groupsFromPods(svc, selected), labels };
    } else if (svc && !sel) {
      const ep = endpoints.get(ns, name);
      if (ep && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true') {
        want = { manager: MIRRORING_CONTROLLER, owner: ep, groups: groupsFromEndpoints(ep), labels: { ...(ep.metadata.labels ?? {}) } };
      }
    }
    if (!want) {
      for (const s of ours) await this.remove(s);
      return;
    }
    const labels = { ...want.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: want.manager };
    const mine = ours.filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === want.manager);
    for (const s of ours) if (!mine.includes(s)) await this.remove(s); // the Service gained or lost its selector

    const plan = planSlices(want.groups, mine);
    for (const s of plan.remove) await this.remove(s);
    const rewritten = new Set(plan.update.map((u) => u.slice));
    for (const { slice, group } of plan.update) await this.write(slice, group, labels);
    // a change of the Service's (or mirrored Endpoints') labels reaches the slices too
    for (const s of mine) {
      if (!rewritten.has(s) && !plan.remove.includes(s) && !deepEqual(s.metadata.labels, labels)) await this.write(s, { ports: s.ports ?? [], endpoints: s.endpoints }, labels);
    }
    for (const group of plan.create) {
      await this.ctx.client.create<EndpointSlice>({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: `${name}-`, name: '', namespace: ns, labels, ownerReferences: [controllerRef(want.owner)] },
        addressType: 'IPv4',
        endpoints: group.endpoints,
        ports: group.ports,
      });
    }
  }

  private write(slice: EndpointSlice, group: EndpointGroup, labels: Record<string, string>): Promise<EndpointSlice> {
    return this.ctx.client.update<EndpointSlice>({ ...slice, metadata: { ...slice.metadata, labels }, endpoints: group.endpoints, ports: group.ports });
  }

  private async remove(s: EndpointSlice): Promise<void> {
    await this.ctx.client.delete('EndpointSlice', s.metadata.namespace, s.metadata.name).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
