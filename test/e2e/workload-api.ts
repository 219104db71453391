// The in-process API server (api-harness.ts) with the Deployment, ReplicaSet, StatefulSet and
// DaemonSet controllers and the scheduler over one node, and a stand-in for the node agent that
// reports every bound pod Running and Ready at once and finishes deletions. No Docker: for kubectl
// cases about workloads and scheduling.
import { byKind } from '../../src/api/resources.js';
import type { Node, Pod } from '../../src/api/types.js';
import { LocalClient } from '../../src/client/client.js';
import { createInformers } from '../../src/controllers/context.js';
import { DaemonSetController } from '../../src/controllers/daemonset.js';
import { DeploymentController } from '../../src/controllers/deployment.js';
import type { EventRecorder } from '../../src/controllers/events.js';
import { ReplicaSetController } from '../../src/controllers/replicaset.js';
import { Scheduler } from '../../src/controllers/scheduler.js';
import { StatefulSetController } from '../../src/controllers/statefulset.js';
import { silentLogger } from '../../src/log.js';
import { startApi, type ApiHarness } from './api-harness.js';

export const NODE = 'vm';

export interface WorkloadApi {
  h: ApiHarness;
  stop(): Promise<void>;
}

export async function startWorkloadApi(): Promise<WorkloadApi> {
  const h = await startApi();
  const client = new LocalClient(h.registry);
  const informers = createInformers(client);
  informers.all.forEach((inf) => inf.start());
  const ctx = { client, informers, logger: silentLogger, events: { record: () => {} } as unknown as EventRecorder };
  const controllers = [new DeploymentController(ctx), new ReplicaSetController(ctx), new StatefulSetController(ctx), new DaemonSetController(ctx), new Scheduler(ctx, NODE)];
  controllers.forEach((c) => c.start());
  const nodeR = byKind('Node')!;
  const node = h.registry.create(nodeR, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} }) as Node;
  const allocatable = { cpu: '4', memory: '8Gi', pods: '110' };
  h.registry.update(nodeR, undefined, NODE, { ...node, status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } }, { subresource: 'status' });
  // the node agent's part: bound pods run and are ready at once; deleted ones go
  const podR = byKind('Pod')!;
  const kubelet = setInterval(() => {
    for (const p of h.registry.list(podR, undefined).items as Pod[]) {
      try {
        if (p.metadata.deletionTimestamp) h.registry.delete(podR, p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0 });
        else if (p.spec.nodeName && p.status?.phase !== 'Running') {
          const now = new Date().toISOString();
          const conditions = ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now }));
          h.registry.update(podR, p.metadata.namespace, p.metadata.name, { ...p, status: { ...p.status, phase: 'Running', podIP: '10.244.0.9', startTime: now, conditions } }, { subresource: 'status' });
        }
      } catch {
        // a pod gone or changed meanwhile: the next round sees it
      }
    }
  }, 25);
  return {
    h,
    async stop() {
      clearInterval(kubelet);
      controllers.forEach((c) => c.stop());
      informers.all.forEach((inf) => inf.close());
      await h.stop();
    },
  };
}
