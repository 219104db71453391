import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Deployment, Endpoints, Namespace, Pod, Secret, Service } from '../../../src/api/types.js';
import { noResourcesMessage, printTable } from '../../../src/cli/table.js';
import { tabwrite, DESCRIBE_TABWRITER } from '../../../src/cli/tabwriter.js';
import * as f from './fixtures.js';

const lines = (...ls: string[]) => ls.map((l) => l + '\n').join('');

// ---- pods ----

const waiting = (reason: string) => (p: Pod) => {
  p.status!.phase = 'Pending';
  delete p.status!.podIP;
  delete p.status!.podIPs;
  p.status!.containerStatuses![0] = { ...p.status!.containerStatuses![0], state: { waiting: { reason } }, ready: false, started: false };
};
const terminated = (phase: 'Succeeded' | 'Failed', exitCode: number, reason: string) => (p: Pod) => {
  p.status!.phase = phase;
  p.status!.containerStatuses![0] = { ...p.status!.containerStatuses![0], state: { terminated: { exitCode, reason } }, ready: false };
};

const pods: Pod[] = [
  f.pod('web-1'),
  f.pod('web-crash', (p) => {
    p.status!.podIPs = [{ ip: '10.244.0.7' }];
    p.status!.containerStatuses![0] = {
      ...p.status!.containerStatuses![0],
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: f.ago(130), finishedAt: f.ago(120) } },
      ready: false,
      restartCount: 5,
    };
  }),
  f.pod('web-creating', (p) => {
    waiting('ContainerCreating')(p);
    p.metadata.creationTimestamp = f.ago(5);
  }),
  f.pod('web-errpull', waiting('ErrImagePull')),
  f.pod('web-backoff', waiting('ImagePullBackOff')),
  f.pod('job-done', terminated('Succeeded', 0, 'Completed')),
  f.pod('job-failed', terminated('Failed', 1, 'Error')),
  f.pod('web-terminating', (p) => {
    p.metadata.deletionTimestamp = f.ago(10);
  }),
  f.pod('web-pending', (p) => {
    delete p.status;
    delete p.spec.nodeName;
    p.metadata.creationTimestamp = f.ago(1);
  }),
];

test('pods: READY, kubectl STATUS reasons, RESTARTS with "(Xm ago)", AGE', () => {
  assert.equal(
    printTable('Pod', pods, { now: f.NOW }),
    lines(
      'NAME              READY   STATUS              RESTARTS     AGE',
      'web-1             1/1     Running             0            59m',
      'web-crash         0/1     CrashLoopBackOff    5 (2m ago)   59m',
      'web-creating      0/1     ContainerCreating   0            5s',
      'web-errpull       0/1     ErrImagePull        0            59m',
      'web-backoff       0/1     ImagePullBackOff    0            59m',
      'job-done          0/1     Completed           0            59m',
      'job-failed        0/1     Error               0            59m',
      'web-terminating   1/1     Terminating         0            59m',
      'web-pending       0/1     Pending             0            1s',
    ),
  );
});

test('pods -o wide: IP, NODE, NOMINATED NODE, READINESS GATES with <none>', () => {
  assert.equal(
    printTable('Pod', pods.slice(0, 3), { now: f.NOW, wide: true }),
    lines(
      'NAME           READY   STATUS              RESTARTS     AGE   IP           NODE   NOMINATED NODE   READINESS GATES',
      'web-1          1/1     Running             0            59m   10.244.0.5   k1s    <none>           <none>',
      'web-crash      0/1     CrashLoopBackOff    5 (2m ago)   59m   10.244.0.7   k1s    <none>           <none>',
      'web-creating   0/1     ContainerCreating   0            5s    <none>       k1s    <none>           <none>',
    ),
  );
});

test('pods with -A and kind prefixes (kubectl get all -A), and without headers', () => {
  assert.equal(
    printTable('Pod', pods.slice(0, 2), { now: f.NOW, allNamespaces: true, showKind: true }),
    lines(
      'NAMESPACE   NAME            READY   STATUS             RESTARTS     AGE',
      'default     pod/web-1       1/1     Running            0            59m',
      'default     pod/web-crash   0/1     CrashLoopBackOff   5 (2m ago)   59m',
    ),
  );
  // tabwriter's minimum width (6) still holds for the narrow READY column
  assert.equal(
    printTable('Pod', pods.slice(0, 2), { now: f.NOW, noHeaders: true }),
    lines('web-1       1/1   Running            0            59m', 'web-crash   0/1   CrashLoopBackOff   5 (2m ago)   59m'),
  );
});

test('a completed container next to a running one reads Running (or NotReady)', () => {
  const p = f.pod('two', (p) => {
    p.spec.containers.push({ name: 'init-like', image: 'x' });
    p.status!.containerStatuses!.push({ ...p.status!.containerStatuses![0], name: 'init-like', state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: false });
  });
  assert.match(printTable('Pod', [p], { now: f.NOW }), /two {4}1\/2 {5}Running /);
  p.status!.conditions = p.status!.conditions!.filter((c) => c.type !== 'Ready');
  assert.match(printTable('Pod', [p], { now: f.NOW }), /two {4}1\/2 {5}NotReady /);
});

// ---- services ----

const svc = (name: string, spec: Service['spec']): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', creationTimestamp: f.ago(600) },
  spec,
});
const services = [
  svc('kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }] }),
  f.service,
  svc('db', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { tier: 'backend', app: 'db' }, ports: [{ port: 5432 }, { port: 53, protocol: 'UDP' }] }),
  svc('lb', {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.40',
    clusterIPs: ['10.96.0.40'],
    selector: { app: 'lb' },
    ports: [
      { port: 80, nodePort: 31000, protocol: 'TCP' },
      { port: 443, nodePort: 31443, protocol: 'TCP' },
    ],
  }),
  svc('ext', { type: 'ExternalName', externalName: 'example.com' }),
];

test('services: TYPE, CLUSTER-IP, EXTERNAL-IP (<none>, <pending>, externalName), PORT(S)', () => {
  assert.equal(
    printTable('Service', services, { now: f.NOW }),
    lines(
      'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                      AGE',
      'kubernetes   ClusterIP      10.96.0.1    <none>        443/TCP                      10m',
      'hello        NodePort       10.96.0.12   <none>        80:30080/TCP                 60m',
      'db           ClusterIP      None         <none>        5432/TCP,53/UDP              10m',
      'lb           LoadBalancer   10.96.0.40   <pending>     80:31000/TCP,443:31443/TCP   10m',
      'ext          ExternalName   <none>       example.com   <none>                       10m',
    ),
  );
  assert.equal(
    printTable('Service', services, { now: f.NOW, wide: true }),
    lines(
      'NAME         TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)                      AGE   SELECTOR',
      'kubernetes   ClusterIP      10.96.0.1    <none>        443/TCP                      10m   <none>',
      'hello        NodePort       10.96.0.12   <none>        80:30080/TCP                 60m   app=hello',
      'db           ClusterIP      None         <none>        5432/TCP,53/UDP              10m   app=db,tier=backend',
      'lb           LoadBalancer   10.96.0.40   <pending>     80:31000/TCP,443:31443/TCP   10m   app=lb',
      'ext          ExternalName   <none>       example.com   <none>                       10m   <none>',
    ),
  );
  const withIngress: Service = { ...services[3], status: { loadBalancer: { ingress: [{ ip: '192.168.1.10' }] } } };
  assert.match(printTable('Service', [withIngress], { now: f.NOW }), /10\.96\.0\.40 {3}192\.168\.1\.10 {3}80:31000/);
});

// ---- endpoints ----

test('endpoints: ip:port list, <none>, at most three then "+ N more..."', () => {
  const ep = (name: string, subsets: Endpoints['subsets']): Endpoints => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default', creationTimestamp: f.ago(600) },
    subsets,
  });
  const many = ['10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5', '10.244.0.6'].map((ip) => ({ ip }));
  assert.equal(
    printTable(
      'Endpoints',
      [
        f.endpoints,
        ep('kubernetes', [{ addresses: [{ ip: '192.168.1.10' }], ports: [{ name: 'https', port: 6443 }] }]),
        ep('empty', undefined),
        ep('many', [{ addresses: many, ports: [{ name: 'http', port: 80 }] }]),
        ep('headless', [{ addresses: [{ ip: '10.244.0.9' }] }]),
        ep('notready', [{ notReadyAddresses: [{ ip: '10.244.0.9' }], ports: [{ port: 80 }] }]),
      ],
      { now: f.NOW },
    ),
    lines(
      'NAME         ENDPOINTS                                               AGE',
      'hello        10.244.0.5:8080,10.244.0.6:8080                         60m',
      'kubernetes   192.168.1.10:6443                                       10m',
      'empty        <none>                                                  10m',
      'many         10.244.0.2:80,10.244.0.3:80,10.244.0.4:80 + 2 more...   10m',
      'headless     10.244.0.9                                              10m',
      'notready                                                             10m',
    ),
  );
});

// ---- apps/v1 ----

test('deployments: READY ready/desired, UP-TO-DATE, AVAILABLE; wide adds CONTAINERS IMAGES SELECTOR', () => {
  const api: Deployment = {
    ...f.deployment,
    metadata: { ...f.deployment.metadata, name: 'api', creationTimestamp: f.ago(90) },
    spec: {
      ...f.deployment.spec,
      replicas: 3,
      selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
      template: { spec: { containers: [{ name: 'api', image: 'k1s/api:2' }, { name: 'sidecar', image: 'k1s/proxy:1' }] } },
    },
    status: { replicas: 3, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  };
  assert.equal(
    printTable('Deployment', [f.deployment, api], { now: f.NOW }),
    lines(
      'NAME    READY   UP-TO-DATE   AVAILABLE   AGE',
      'hello   2/2     2            2           60m',
      'api     1/3     1            1           90s',
    ),
  );
  assert.equal(
    printTable('Deployment', [f.deployment, api], { now: f.NOW, wide: true }),
    lines(
      'NAME    READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS    IMAGES                  SELECTOR',
      'hello   2/2     2            2           60m   web           k1s/busybox:1.36        app=hello',
      'api     1/3     1            1           90s   api,sidecar   k1s/api:2,k1s/proxy:1   app=api,tier in (api,web)',
    ),
  );
  assert.equal(
    printTable('Deployment', [f.deployment], { now: f.NOW, showKind: true }),
    lines('NAME                    READY   UP-TO-DATE   AVAILABLE   AGE', 'deployment.apps/hello   2/2     2            2           60m'),
  );
});

test('replica sets: DESIRED CURRENT READY; wide adds CONTAINERS IMAGES SELECTOR', () => {
  assert.equal(
    printTable('ReplicaSet', [f.replicaSet], { now: f.NOW }),
    lines('NAME              DESIRED   CURRENT   READY   AGE', 'hello-6d4f8b7c9   2         2         2       60m'),
  );
  assert.equal(
    printTable('ReplicaSet', [f.replicaSet], { now: f.NOW, wide: true, showKind: true }),
    lines(
      'NAME                              DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES             SELECTOR',
      'replicaset.apps/hello-6d4f8b7c9   2         2         2       60m   web          k1s/busybox:1.36   app=hello,pod-template-hash=6d4f8b7c9',
    ),
  );
});

// ---- namespaces, configmaps, secrets ----

test('namespaces (cluster-scoped: no NAMESPACE column even with -A)', () => {
  const ns = (name: string, phase: 'Active' | 'Terminating'): Namespace => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, creationTimestamp: f.ago(86400 * 3) },
    status: { phase },
  });
  assert.equal(
    printTable('Namespace', [ns('default', 'Active'), ns('kube-system', 'Active'), ns('old', 'Terminating')], { now: f.NOW, allNamespaces: true }),
    lines('NAME          STATUS        AGE', 'default       Active        3d', 'kube-system   Active        3d', 'old           Terminating   3d'),
  );
});

test('configmaps count data and binaryData; secrets show TYPE and DATA', () => {
  const cm = (name: string, data?: Record<string, string>, binaryData?: Record<string, string>): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default', creationTimestamp: f.ago(7200) },
    data,
    binaryData,
  });
  assert.equal(
    printTable('ConfigMap', [cm('kube-root-ca.crt', { 'ca.crt': 'x' }), cm('settings', { a: '1', b: '2' }, { c: 'AA==' }), cm('empty')], { now: f.NOW }),
    lines('NAME               DATA   AGE', 'kube-root-ca.crt   1      120m', 'settings           3      120m', 'empty              0      120m'),
  );
  const sec = (name: string, type: string | undefined, data?: Record<string, string>): Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', creationTimestamp: f.ago(7200) },
    type,
    data,
  });
  assert.equal(
    printTable('Secret', [sec('db-password', 'Opaque', { password: 'aHVudGVyMg==', user: 'YQ==' }), sec('tls', 'kubernetes.io/tls', { 'tls.crt': '', 'tls.key': '' }), sec('untyped', undefined)], {
      now: f.NOW,
    }),
    lines(
      'NAME          TYPE                DATA   AGE',
      'db-password   Opaque              2      120m',
      'tls           kubernetes.io/tls   2      120m',
      'untyped       Opaque              0      120m',
    ),
  );
});

// ---- events ----

const events = [
  f.event('hello.1', {
    involvedObject: { kind: 'Pod', name: 'hello-6d4f8b7c9-abcde', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/hello-6d4f8b7c9-abcde to k1s',
    firstTimestamp: f.ago(3540),
    lastTimestamp: f.ago(3540),
  }),
  f.event('hello.2', {
    involvedObject: { kind: 'Pod', name: 'web-crash', namespace: 'default', fieldPath: 'spec.containers{web}' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-crash_default(uid)\n',
    count: 12,
    firstTimestamp: f.ago(3000),
    lastTimestamp: f.ago(20),
    source: { component: 'kubelet', host: 'k1s' },
  }),
  f.event('hello.3', {
    involvedObject: { kind: 'Deployment', name: 'hello', namespace: 'default' },
    reason: 'ScalingReplicaSet',
    message: 'Scaled up replica set hello-6d4f8b7c9 to 2',
    firstTimestamp: f.ago(3600),
    lastTimestamp: undefined,
    source: { component: 'deployment-controller' },
  }),
];

test('events: LAST SEEN TYPE REASON OBJECT MESSAGE, as kubectl get events', () => {
  assert.equal(
    printTable('Event', events, { now: f.NOW }),
    lines(
      'LAST SEEN   TYPE      REASON              OBJECT                      MESSAGE',
      '59m         Normal    Scheduled           pod/hello-6d4f8b7c9-abcde   Successfully assigned default/hello-6d4f8b7c9-abcde to k1s',
      '20s         Warning   BackOff             pod/web-crash               Back-off restarting failed container web in pod web-crash_default(uid)',
      '60m         Normal    ScalingReplicaSet   deployment/hello            Scaled up replica set hello-6d4f8b7c9 to 2',
    ),
  );
  assert.equal(
    printTable('Event', events.slice(1), { now: f.NOW, wide: true, allNamespaces: true }),
    lines(
      'NAMESPACE   LAST SEEN   TYPE      REASON              OBJECT             SUBOBJECT              SOURCE                  MESSAGE                                                                  FIRST SEEN   COUNT   NAME',
      'default     20s         Warning   BackOff             pod/web-crash      spec.containers{web}   kubelet, k1s            Back-off restarting failed container web in pod web-crash_default(uid)   50m          12      hello.2',
      'default     60m         Normal    ScalingReplicaSet   deployment/hello                          deployment-controller   Scaled up replica set hello-6d4f8b7c9 to 2                               60m          1       hello.3',
    ),
  );
});

// ---- empty lists and the tabwriter itself ----

test('an empty list prints nothing; the caller prints kubectl\'s "No resources found" line', () => {
  assert.equal(printTable('Pod', [], { now: f.NOW }), '');
  assert.equal(noResourcesMessage('default'), 'No resources found in default namespace.');
  assert.equal(noResourcesMessage('default', true), 'No resources found');
  assert.equal(noResourcesMessage(undefined), 'No resources found');
});

test('tabwriter: column blocks are measured separately and break at lines without the column', () => {
  assert.equal(
    tabwrite('aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n', DESCRIBE_TABWRITER),
    lines('aaaa  bbb  d', 'aa    b    dd', 'a     ', 'aa    cccc  eee'),
  );
  // a line without tabs ends the section: what follows is aligned on its own
  assert.equal(tabwrite('Name:\tx\nIPs:\n  IP:\t1.2.3.4\n', DESCRIBE_TABWRITER), lines('Name:  x', 'IPs:', '  IP:  1.2.3.4'));
});
