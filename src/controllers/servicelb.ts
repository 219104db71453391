// The ServiceLB controller (k3s's servicelb on a bare host, without its DaemonSet: k1s's proxy
// makes the ports answer from status.loadBalancer). One queue key for all Services, because who
// gets a port depends on every LoadBalancer and on the host's listeners; the decisions are in
// servicelb-plan.ts. Host ports are re-read every few seconds while a LoadBalancer waits for its
// addresses, so a Service pending on a host process gets them soon after the process stops; with
// every LoadBalancer admitted nothing is read.
import type { Service } from '../api/types.js';
import type { ControllerContext } from './context.js';
import type { HostPorts } from './host-ports.js';
import { QueueController } from './queue.js';
import { awaitingAddresses, lbEvents, lbState, needsWrite, nodeIngressAddresses, planServiceLB } from './servicelb-plan.js';

/** The source component of the events, as the cloud provider's service controller names itself. */
export const SERVICE_LB_COMPONENT = 'service-controller';
const KEY = 'loadbalancers';

export interface ServiceLBOptions {
  hostPorts: HostPorts;
  /** How often the host's listeners are re-read while a LoadBalancer exists; default 3 s. */
  recheckMs?: number;
}

export class ServiceLBController extends QueueController {
  /** What was last said about each Service ("ns/name" -> lbState), so repeats make no events. */
  private readonly said = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: ServiceLBOptions,
  ) {
    super('servicelb', ctx.logger);
  }

  start(): void {
    const { services, nodes } = this.ctx.informers;
    this.on(services, () => this.queue.add(KEY));
    // the Node's addresses are the ingress
    this.on(nodes, () => this.queue.add(KEY));
    this.timer = setInterval(() => {
      if (awaitingAddresses(services.list(), nodeIngressAddresses(nodes.list()))) this.queue.add(KEY);
    }, this.opts.recheckMs ?? 3000);
    this.timer.unref?.();
    this.queue.add(KEY);
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  protected async sync(): Promise<void> {
    const { services, nodes } = this.ctx.informers;
    const all = services.list();
    if (!all.some((s) => s.spec.type === 'LoadBalancer' || (s.status?.loadBalancer?.ingress?.length ?? 0) > 0)) return;
    const addresses = nodeIngressAddresses(nodes.list());
    // admitted Services keep their ports whatever listens now: the host is read only for the others
    const listeners = awaitingAddresses(all, addresses) ? await this.opts.hostPorts.listeners() : [];
    const decisions = planServiceLB(all, addresses, listeners);
    const byKey = new Map(all.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
    // ports given up first, then the ones taken
    decisions.sort((a, b) => Number(a.ingress.length > 0) - Number(b.ingress.length > 0));
    for (const d of decisions) {
      const svc = byKey.get(d.key)!;
      const writing = needsWrite(svc, d);
      const events = lbEvents(this.said.get(d.key), d, writing);
      for (const e of events.filter((e) => e.reason === 'EnsuringLoadBalancer' || e.reason === 'DeletingLoadBalancer')) this.ctx.events.record(svc, e.type, e.reason, e.message, SERVICE_LB_COMPONENT);
      if (writing) {
        await this.ctx.client.updateStatus<Service>({ ...svc, status: { ...svc.status, loadBalancer: d.ingress.length > 0 ? { ingress: d.ingress } : {} } });
      }
      for (const e of events.filter((e) => e.reason !== 'EnsuringLoadBalancer' && e.reason !== 'DeletingLoadBalancer')) this.ctx.events.record(svc, e.type, e.reason, e.message, SERVICE_LB_COMPONENT);
      this.said.set(d.key, lbState(d));
    }
    // forget Services that are gone or no longer ours
    const decided = new Set(decisions.map((d) => d.key));
    for (const k of this.said.keys()) if (!decided.has(k)) this.said.delete(k);
  }
}
