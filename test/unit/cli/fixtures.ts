// Shared objects for the CLI output tests: a small "hello" app (deployment -> replica set -> two
// pods, a NodePort service and its endpoints), seen at a fixed NOW.
import type { Deployment, Endpoints, Event, Pod, ReplicaSet, Service } from '../../../src/api/types.js';

export const NOW = new Date('2025-01-10T12:00:00Z');
/** An RFC 3339 timestamp `seconds` before NOW. */
export const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');

export const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'hello',
    namespace: 'default',
    uid: 'd-uid',
    creationTimestamp: ago(3600),
    labels: { app: 'hello' },
    annotations: { 'deployment.kubernetes.io/revision': '1' },
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'hello' } },
    template: {
      metadata: { labels: { app: 'hello' } },
      spec: { containers: [{ name: 'web', image: 'k1s/busybox:1.36', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
    },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
  },
  status: {
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 2,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  },
};

export const replicaSet: ReplicaSet = {
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: {
    name: 'hello-6d4f8b7c9',
    namespace: 'default',
    uid: 'rs-uid',
    creationTimestamp: ago(3600),
    labels: { app: 'hello', 'pod-template-hash': '6d4f8b7c9' },
    annotations: { 'deployment.kubernetes.io/revision': '1' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'hello', uid: 'd-uid', controller: true }],
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'hello', 'pod-template-hash': '6d4f8b7c9' } },
    template: {
      metadata: { labels: { app: 'hello', 'pod-template-hash': '6d4f8b7c9' } },
      spec: { containers: [{ name: 'web', image: 'k1s/busybox:1.36', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
    },
  },
  status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 },
};

export function pod(name: string, patch: (p: Pod) => void = () => {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `${name}-uid`,
      creationTimestamp: ago(3540),
      labels: { app: 'hello', 'pod-template-hash': '6d4f8b7c9' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'hello-6d4f8b7c9', uid: 'rs-uid', controller: true }],
    },
    spec: {
      containers: [{ name: 'web', image: 'k1s/busybox:1.36', ports: [{ containerPort: 8080, protocol: 'TCP' }] }],
      nodeName: 'k1s',
    },
    status: {
      phase: 'Running',
      hostIP: '192.168.1.10',
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      startTime: ago(3540),
      conditions: [
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [
        {
          name: 'web',
          state: { running: { startedAt: ago(3530) } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: 'k1s/busybox:1.36',
          imageID: 'docker://sha256:0123abcd',
          containerID: 'docker://c0ffee',
          started: true,
        },
      ],
    },
  };
  patch(p);
  return p;
}

export const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'default', uid: 'svc-uid', creationTimestamp: ago(3600), labels: { app: 'hello' } },
  spec: {
    type: 'NodePort',
    selector: { app: 'hello' },
    clusterIP: '10.96.0.12',
    clusterIPs: ['10.96.0.12'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  },
};

export const endpoints: Endpoints = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'hello', namespace: 'default', creationTimestamp: ago(3600), labels: { app: 'hello' } },
  subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: '10.244.0.6' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
};

export function event(name: string, e: Partial<Event> & Pick<Event, 'involvedObject' | 'reason' | 'message'>): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default', creationTimestamp: e.firstTimestamp ?? ago(60) },
    type: 'Normal',
    source: { component: 'k1s' },
    count: 1,
    firstTimestamp: ago(60),
    lastTimestamp: ago(60),
    ...e,
  };
}

/** A crash-looping pod with everything describe prints for a container. */
export const crashPod = pod('web-crash', (p) => {
  p.metadata.annotations = {
    'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Pod"}\n',
    note: 'hello',
    long: 'x'.repeat(150),
  };
  const c = p.spec.containers[0];
  c.command = ['sh', '-c'];
  c.args = ['echo start\nexit 1'];
  c.ports = [
    { containerPort: 8080, protocol: 'TCP' },
    { containerPort: 53, protocol: 'UDP', hostPort: 5353 },
  ];
  c.resources = { limits: { memory: '128Mi', cpu: '500m' }, requests: { cpu: '250m', memory: '64Mi' } };
  c.env = [
    { name: 'MODE', value: 'prod' },
    { name: 'MULTI', value: 'a\nb' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level', optional: true } } },
  ];
  p.status!.conditions![1] = { type: 'Ready', status: 'False', reason: 'ContainersNotReady' };
  p.status!.containerStatuses![0] = {
    ...p.status!.containerStatuses![0],
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: ago(130), finishedAt: ago(120) } },
    ready: false,
    restartCount: 5,
  };
});

/** Events of the namespace: two about crashPod, one about another pod, one about an earlier pod of the same name. */
export const crashEvents: Event[] = [
  event('web-crash.2', {
    involvedObject: { kind: 'Pod', name: 'web-crash', namespace: 'default', uid: 'web-crash-uid' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-crash_default(web-crash-uid)',
    count: 12,
    firstTimestamp: ago(3000),
    lastTimestamp: ago(20),
    source: { component: 'kubelet' },
  }),
  event('web-crash.1', {
    involvedObject: { kind: 'Pod', name: 'web-crash', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-crash to k1s',
    firstTimestamp: ago(3540),
    lastTimestamp: ago(3540),
    source: { component: 'default-scheduler' },
  }),
  event('web-1.1', { involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' }, reason: 'Scheduled', message: 'x' }),
  event('web-crash.0', { involvedObject: { kind: 'Pod', name: 'web-crash', namespace: 'default', uid: 'previous' }, reason: 'Killing', message: 'x' }),
];
