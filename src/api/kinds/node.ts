// Node (core/v1): the one machine k1s runs on. Cluster-scoped; its status (addresses, capacity,
// conditions, nodeInfo) is the node agent's to report.
import { z } from 'zod';
import { age } from '../age.js';
import { bool, conditionStatus, int, objectBase, quantity, str, stringList } from '../fields.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const taint = z.strictObject({ key: str, value: str.optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']), timeAdded: str.optional() });

export const nodeSchema = z.strictObject({
  ...objectBase('Node'),
  spec: z
    .strictObject({
      podCIDR: str.optional(),
      podCIDRs: stringList.optional(),
      providerID: str.optional(),
      unschedulable: bool.optional(),
      taints: z.array(taint).optional(),
    })
    .optional(),
  status: z
    .strictObject({
      capacity: z.record(z.string(), quantity).optional(),
      allocatable: z.record(z.string(), quantity).optional(),
      phase: str.optional(),
      conditions: z
        .array(
          z.strictObject({
            type: str,
            status: conditionStatus,
            lastHeartbeatTime: str.optional(),
            lastTransitionTime: str.optional(),
            reason: str.optional(),
            message: str.optional(),
          }),
        )
        .optional(),
      addresses: z.array(z.strictObject({ type: z.enum(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']), address: str })).optional(),
      daemonEndpoints: z.strictObject({ kubeletEndpoint: z.strictObject({ Port: int }).optional() }).optional(),
      nodeInfo: z
        .strictObject({
          machineID: str,
          systemUUID: str,
          bootID: str,
          kernelVersion: str,
          osImage: str,
          containerRuntimeVersion: str,
          kubeletVersion: str,
          kubeProxyVersion: str,
          operatingSystem: str,
          architecture: str,
        })
        .optional(),
    })
    .optional(),
});

export type Node = Stored<z.output<typeof nodeSchema>>;

/** printers.go printNode: Ready/NotReady/Unknown, plus SchedulingDisabled when cordoned. */
function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** The ROLES column: the node-role.kubernetes.io/<role> labels (and kubernetes.io/role). */
function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const address = (node: Node, type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

export const NodeKind = defineKind<Node>({
  kind: 'Node',
  group: '',
  resource: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  schema: nodeSchema,
  subresources: ['status'],
  fieldSelectors: ['spec.unschedulable'],
  patchMergeKeys: {
    ...META_PATCH_KEYS,
    'status.conditions': { strategy: 'merge', mergeKey: 'type' },
    'status.addresses': { strategy: 'merge', mergeKey: 'type' },
  },
  printer: {
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'The status of the node'),
      column('Roles', 'string', 'The roles of the node'),
      AGE_COLUMN,
      column('Version', 'string', 'Kubelet Version reported by the node.'),
      column('Internal-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      column('External-IP', 'string', 'List of addresses reachable to the node. Queried from cloud provider, if available.', 1),
      column('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      column('Kernel-Version', 'string', 'Kernel Version reported by the node from `uname -r` (e.g. 3.16.0-0.bpo.4-amd64).', 1),
      column('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    row: (node, now) => [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      node.status?.nodeInfo?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      node.status?.nodeInfo?.osImage || '<unknown>',
      node.status?.nodeInfo?.kernelVersion || '<unknown>',
      node.status?.nodeInfo?.containerRuntimeVersion || '<unknown>',
    ],
  },
});
