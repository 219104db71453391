// Golden text for `kubectl describe`, checked line by line against kubectl's describe.go (and
// its tabwriter settings). Times print in the local zone, as kubectl does: pin it.
process.env.TZ = 'UTC';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace, Secret, Service } from '../../../src/api/types.js';
import { describe, podQOSClass, smartLabelFor } from '../../../src/cli/describe.js';
import * as f from './fixtures.js';

const lines = (...ls: string[]) => ls.map((l) => l + '\n').join('');

const runningPod = f.pod('hello-6d4f8b7c9-abcde');
const scheduled = f.event('hello-6d4f8b7c9-abcde.1', {
  involvedObject: { kind: 'Pod', name: 'hello-6d4f8b7c9-abcde', namespace: 'default' },
  reason: 'Scheduled',
  message: 'Successfully assigned default/hello-6d4f8b7c9-abcde to k1s',
  firstTimestamp: f.ago(3540),
  lastTimestamp: f.ago(3540),
});

test('pod: header, IPs and Controlled By share a block, container, conditions, QoS, events', () => {
  assert.equal(
    describe(runningPod, { events: [scheduled], now: f.NOW }),
    lines(
      'Name:         hello-6d4f8b7c9-abcde',
      'Namespace:    default',
      'Node:         k1s/192.168.1.10',
      'Start Time:   Fri, 10 Jan 2025 11:01:00 +0000',
      'Labels:       app=hello',
      '              pod-template-hash=6d4f8b7c9',
      'Annotations:  <none>',
      'Status:       Running',
      'IP:           10.244.0.5',
      'IPs:',
      '  IP:           10.244.0.5',
      'Controlled By:  ReplicaSet/hello-6d4f8b7c9',
      'Containers:',
      '  web:',
      '    Container ID:   docker://c0ffee',
      '    Image:          k1s/busybox:1.36',
      '    Image ID:       docker://sha256:0123abcd',
      '    Port:           8080/TCP',
      '    Host Port:      0/TCP',
      '    State:          Running',
      '      Started:      Fri, 10 Jan 2025 11:01:10 +0000',
      '    Ready:          True',
      '    Restart Count:  0',
      '    Environment:    <none>',
      '    Mounts:         <none>',
      'Conditions:',
      '  Type              Status',
      '  Initialized       True ',
      '  Ready             True ',
      '  ContainersReady   True ',
      '  PodScheduled      True ',
      'Volumes:            <none>',
      'QoS Class:          BestEffort',
      'Node-Selectors:     <none>',
      'Tolerations:        <none>',
      'Events:',
      '  Type    Reason     Age   From  Message',
      '  ----    ------     ----  ----  -------',
      '  Normal  Scheduled  59m   k1s   Successfully assigned default/hello-6d4f8b7c9-abcde to k1s',
    ),
  );
});

test('crash-looping pod: waiting state, last state, resources, env sources, only its own events', () => {
  assert.equal(
    describe(f.crashPod, { events: f.crashEvents, now: f.NOW }),
    lines(
      'Name:         web-crash',
      'Namespace:    default',
      'Node:         k1s/192.168.1.10',
      'Start Time:   Fri, 10 Jan 2025 11:01:00 +0000',
      'Labels:       app=hello',
      '              pod-template-hash=6d4f8b7c9',
      'Annotations:  long:',
      '                xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...',
      '              note: hello',
      'Status:       Running',
      'IP:           10.244.0.5',
      'IPs:',
      '  IP:           10.244.0.5',
      'Controlled By:  ReplicaSet/hello-6d4f8b7c9',
      'Containers:',
      '  web:',
      '    Container ID:  docker://c0ffee',
      '    Image:         k1s/busybox:1.36',
      '    Image ID:      docker://sha256:0123abcd',
      '    Ports:         8080/TCP, 53/UDP',
      '    Host Ports:    0/TCP, 5353/UDP',
      '    Command:',
      '      sh',
      '      -c',
      '    Args:',
      '      echo start',
      '      exit 1',
      '    State:          Waiting',
      '      Reason:       CrashLoopBackOff',
      '    Last State:     Terminated',
      '      Reason:       Error',
      '      Exit Code:    1',
      '      Started:      Fri, 10 Jan 2025 11:57:50 +0000',
      '      Finished:     Fri, 10 Jan 2025 11:58:00 +0000',
      '    Ready:          False',
      '    Restart Count:  5',
      '    Limits:',
      '      cpu:     500m',
      '      memory:  128Mi',
      '    Requests:',
      '      cpu:     250m',
      '      memory:  64Mi',
      '    Environment:',
      '      MODE:      prod',
      '      MULTI:     a',
      '                 b',
      '      POD_NAME:  web-crash (v1:metadata.name)',
      '      POD_IP:    10.244.0.5 (v1:status.podIP)',
      "      PASSWORD:  <set to the key 'password' in secret 'db'>         Optional: false",
      "      LEVEL:     <set to the key 'level' of config map 'settings'>  Optional: true",
      '    Mounts:      <none>',
      'Conditions:',
      '  Type              Status',
      '  Initialized       True ',
      '  Ready             False ',
      '  ContainersReady   True ',
      '  PodScheduled      True ',
      'Volumes:            <none>',
      'QoS Class:          Burstable',
      'Node-Selectors:     <none>',
      'Tolerations:        <none>',
      'Events:',
      '  Type     Reason     Age                 From               Message',
      '  ----     ------     ----                ----               -------',
      '  Normal   Scheduled  59m                 default-scheduler  Successfully assigned default/web-crash to k1s',
      '  Warning  BackOff    20s (x12 over 50m)  kubelet            Back-off restarting failed container web in pod web-crash_default(web-crash-uid)',
    ),
  );
});

const scaled = f.event('hello.1', {
  involvedObject: { kind: 'Deployment', name: 'hello', namespace: 'default' },
  reason: 'ScalingReplicaSet',
  message: 'Scaled up replica set hello-6d4f8b7c9 to 2',
  firstTimestamp: f.ago(3600),
  lastTimestamp: f.ago(3600),
  source: { component: 'deployment-controller' },
});

test('deployment: replicas line, strategy, pod template, conditions, old/new replica sets', () => {
  assert.equal(
    describe(f.deployment, { events: [scaled], now: f.NOW, replicaSets: [f.replicaSet] }),
    lines(
      'Name:                   hello',
      'Namespace:              default',
      'CreationTimestamp:      Fri, 10 Jan 2025 11:00:00 +0000',
      'Labels:                 app=hello',
      'Annotations:            deployment.kubernetes.io/revision: 1',
      'Selector:               app=hello',
      'Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable',
      'StrategyType:           RollingUpdate',
      'MinReadySeconds:        0',
      'RollingUpdateStrategy:  25% max unavailable, 25% max surge',
      'Pod Template:',
      '  Labels:  app=hello',
      '  Containers:',
      '   web:',
      '    Image:         k1s/busybox:1.36',
      '    Port:          8080/TCP',
      '    Host Port:     0/TCP',
      '    Environment:   <none>',
      '    Mounts:        <none>',
      '  Volumes:         <none>',
      '  Node-Selectors:  <none>',
      '  Tolerations:     <none>',
      'Conditions:',
      '  Type           Status  Reason',
      '  ----           ------  ------',
      '  Available      True    MinimumReplicasAvailable',
      '  Progressing    True    NewReplicaSetAvailable',
      'OldReplicaSets:  <none>',
      'NewReplicaSet:   hello-6d4f8b7c9 (2/2 replicas created)',
      'Events:',
      '  Type    Reason             Age   From                   Message',
      '  ----    ------             ----  ----                   -------',
      '  Normal  ScalingReplicaSet  60m   deployment-controller  Scaled up replica set hello-6d4f8b7c9 to 2',
    ),
  );
});

const pendingPod = f.pod('hello-6d4f8b7c9-fghij', (p) => {
  p.status!.phase = 'Pending';
});
const orphan = f.pod('stray', (p) => {
  delete p.metadata.ownerReferences;
});

test('replica set: selector, controller, pods status counted over the pods it controls', () => {
  assert.equal(
    describe(f.replicaSet, { events: [], now: f.NOW, pods: [runningPod, pendingPod, orphan] }),
    lines(
      'Name:           hello-6d4f8b7c9',
      'Namespace:      default',
      'Selector:       app=hello,pod-template-hash=6d4f8b7c9',
      'Labels:         app=hello',
      '                pod-template-hash=6d4f8b7c9',
      'Annotations:    deployment.kubernetes.io/revision: 1',
      'Controlled By:  Deployment/hello',
      'Replicas:       2 current / 2 desired',
      'Pods Status:    1 Running / 1 Waiting / 0 Succeeded / 0 Failed',
      'Pod Template:',
      '  Labels:  app=hello',
      '           pod-template-hash=6d4f8b7c9',
      '  Containers:',
      '   web:',
      '    Image:         k1s/busybox:1.36',
      '    Port:          8080/TCP',
      '    Host Port:     0/TCP',
      '    Environment:   <none>',
      '    Mounts:        <none>',
      '  Volumes:         <none>',
      '  Node-Selectors:  <none>',
      '  Tolerations:     <none>',
      'Events:            <none>',
    ),
  );
});

test('service: ports, target ports, node port, endpoints per port, traffic policies', () => {
  assert.equal(
    describe(f.service, { events: [], now: f.NOW, endpoints: f.endpoints }),
    lines(
      'Name:                     hello',
      'Namespace:                default',
      'Labels:                   app=hello',
      'Annotations:              <none>',
      'Selector:                 app=hello',
      'Type:                     NodePort',
      'IP Family Policy:         SingleStack',
      'IP Families:              IPv4',
      'IP:                       10.96.0.12',
      'IPs:                      10.96.0.12',
      'Port:                     <unset>  80/TCP',
      'TargetPort:               8080/TCP',
      'NodePort:                 <unset>  30080/TCP',
      'Endpoints:                10.244.0.5:8080,10.244.0.6:8080',
      'Session Affinity:         None',
      'External Traffic Policy:  Cluster',
      'Internal Traffic Policy:  Cluster',
      'Events:                   <none>',
    ),
  );
});

const plain: Service = {
  ...f.service,
  metadata: { ...f.service.metadata, name: 'plain' },
  spec: {
    type: 'ClusterIP',
    selector: { app: 'x' },
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ports: [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ],
  },
};

test('service without ready endpoints prints an empty Endpoints line, named target ports', () => {
  assert.equal(
    describe(plain, { events: [], now: f.NOW, endpoints: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'plain', namespace: 'default' }, subsets: [] } }),
    lines(
      'Name:              plain',
      'Namespace:         default',
      'Labels:            app=hello',
      'Annotations:       <none>',
      'Selector:          app=x',
      'Type:              ClusterIP',
      'IP Families:       <none>',
      'IP:                10.96.0.20',
      'IPs:               10.96.0.20',
      'Port:              http  80/TCP',
      'TargetPort:        http/TCP',
      'Endpoints:         ',
      'Port:              dns  53/UDP',
      'TargetPort:        53/UDP',
      'Endpoints:         ',
      'Session Affinity:  None',
      'Events:            <none>',
    ),
  );
});

test('service without any Endpoints object prints <none>', () => {
  const out = describe({ ...plain, spec: { ...plain.spec, selector: undefined } }, { events: [], now: f.NOW });
  assert.match(out, /^Selector: {10}<none>$/m);
  assert.equal(out.match(/^Endpoints: {9}<none>$/gm)?.length, 2);
});

test('endpoints: subsets with addresses and a ports table', () => {
  assert.equal(
    describe(f.endpoints, { events: [], now: f.NOW }),
    lines(
      'Name:         hello',
      'Namespace:    default',
      'Labels:       app=hello',
      'Annotations:  <none>',
      'Subsets:',
      '  Addresses:          10.244.0.5,10.244.0.6',
      '  NotReadyAddresses:  <none>',
      '  Ports:',
      '    Name     Port  Protocol',
      '    ----     ----  --------',
      '    <unset>  8080  TCP',
      '',
      'Events:  <none>',
    ),
  );
});

test('configmap: data sections in key order, binary sizes, events', () => {
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { 'b.conf': 'x=1\ny=2', a: 'hello' },
    binaryData: { blob: 'AAEC' },
  };
  assert.equal(
    describe(cm, { events: [], now: f.NOW }),
    lines(
      'Name:         settings',
      'Namespace:    default',
      'Labels:       <none>',
      'Annotations:  <none>',
      '',
      'Data',
      '====',
      'a:',
      '----',
      'hello',
      '',
      'b.conf:',
      '----',
      'x=1',
      'y=2',
      '',
      '',
      'BinaryData',
      '====',
      'blob: 3 bytes',
      '',
      'Events:  <none>',
    ),
  );
});

test('secret: type and data sizes, never the values', () => {
  const s: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'default', labels: { app: 'db' } },
    type: 'Opaque',
    data: { username: 'YWRtaW4=', password: 'aHVudGVyMg==' },
  };
  assert.equal(
    describe(s, { events: [], now: f.NOW }),
    lines(
      'Name:         db',
      'Namespace:    default',
      'Labels:       app=db',
      'Annotations:  <none>',
      '',
      'Type:  Opaque',
      '',
      'Data',
      '====',
      'password:  7 bytes',
      'username:  5 bytes',
    ),
  );
});

test('namespace: name, labels, annotations, status', () => {
  const ns: Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } },
    status: { phase: 'Active' },
  };
  assert.equal(
    describe(ns, { events: [], now: f.NOW }),
    lines('Name:         default', 'Labels:       kubernetes.io/metadata.name=default', 'Annotations:  <none>', 'Status:       Active'),
  );
});

test('other kinds fall back to the generic describer (sorted fields, smart labels)', () => {
  assert.equal(
    describe(scheduled, { events: [], now: f.NOW }),
    lines(
      'Name:             hello-6d4f8b7c9-abcde.1',
      'Namespace:        default',
      'Labels:           <none>',
      'Annotations:      <none>',
      'API Version:      v1',
      'Count:            1',
      'First Timestamp:  2025-01-10T11:01:00Z',
      'Involved Object:',
      '  Kind:          Pod',
      '  Name:          hello-6d4f8b7c9-abcde',
      '  Namespace:     default',
      'Kind:            Event',
      'Last Timestamp:  2025-01-10T11:01:00Z',
      'Message:         Successfully assigned default/hello-6d4f8b7c9-abcde to k1s',
      'Metadata:',
      '  Creation Timestamp:  2025-01-10T11:01:00Z',
      'Reason:                Scheduled',
      'Source:',
      '  Component:  k1s',
      'Type:         Normal',
      'Events:       <none>',
    ),
  );
});

test('smartLabelFor and the QoS class', () => {
  assert.equal(smartLabelFor('apiVersion'), 'API Version');
  assert.equal(smartLabelFor('uid'), 'UID');
  assert.equal(smartLabelFor('involvedObject'), 'Involved Object');
  assert.equal(smartLabelFor('podIPs'), 'Pod I Ps');
  assert.equal(smartLabelFor('k8s.io/x'), 'k8s.io/x');
  assert.equal(podQOSClass([{ name: 'a', image: 'x' }]), 'BestEffort');
  assert.equal(podQOSClass([{ name: 'a', image: 'x', resources: { limits: { cpu: '500m', memory: '128Mi' } } }]), 'Burstable');
  assert.equal(
    podQOSClass([{ name: 'a', image: 'x', resources: { limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '500m', memory: '134217728' } } }]),
    'Guaranteed',
  );
});

test('pod with probes, envFrom, volume mounts and volumes', () => {
  const p = f.pod('web-vol', (p) => {
    const c = p.spec.containers[0];
    c.livenessProbe = { httpGet: { path: '/healthz', port: 8080 } };
    c.readinessProbe = { tcpSocket: { port: 'http' }, periodSeconds: 5 };
    c.startupProbe = { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 };
    c.envFrom = [{ configMapRef: { name: 'settings' } }, { prefix: 'DB_', secretRef: { name: 'db', optional: true } }];
    c.volumeMounts = [
      { name: 'data', mountPath: '/var/www' },
      { name: 'config', mountPath: '/etc/app', readOnly: true, subPath: 'app.conf' },
    ];
    p.spec.volumes = [
      { name: 'data', emptyDir: {} },
      { name: 'config', configMap: { name: 'settings' } },
      { name: 'creds', secret: { secretName: 'db', optional: true } },
      { name: 'host', hostPath: { path: '/srv', type: 'Directory' } },
    ];
  });
  // everything after the header, which the first pod test covers
  assert.equal(
    describe(p, { events: [], now: f.NOW }).split('Containers:\n')[1],
    lines(
      '  web:',
      '    Container ID:   docker://c0ffee',
      '    Image:          k1s/busybox:1.36',
      '    Image ID:       docker://sha256:0123abcd',
      '    Port:           8080/TCP',
      '    Host Port:      0/TCP',
      '    State:          Running',
      '      Started:      Fri, 10 Jan 2025 11:01:10 +0000',
      '    Ready:          True',
      '    Restart Count:  0',
      '    Liveness:       http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
      '    Readiness:      tcp-socket :http delay=0s timeout=1s period=5s #success=1 #failure=3',
      '    Startup:        exec [cat /tmp/ready] delay=0s timeout=1s period=10s #success=1 #failure=30',
      '    Environment Variables from:',
      '      settings    ConfigMap                 Optional: false',
      "      db          Secret with prefix 'DB_'  Optional: true",
      '    Environment:  <none>',
      '    Mounts:',
      '      /etc/app from config (ro,path="app.conf")',
      '      /var/www from data (rw)',
      'Conditions:',
      '  Type              Status',
      '  Initialized       True ',
      '  Ready             True ',
      '  ContainersReady   True ',
      '  PodScheduled      True ',
      'Volumes:',
      '  data:',
      "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)",
      '    Medium:     ',
      '    SizeLimit:  <unset>',
      '  config:',
      '    Type:      ConfigMap (a volume populated by a ConfigMap)',
      '    Name:      settings',
      '    Optional:  false',
      '  creds:',
      '    Type:        Secret (a volume populated by a Secret)',
      '    SecretName:  db',
      '    Optional:    true',
      '  host:',
      '    Type:          HostPath (bare host directory volume)',
      '    Path:          /srv',
      '    HostPathType:  Directory',
      'QoS Class:         BestEffort',
      'Node-Selectors:    <none>',
      'Tolerations:       <none>',
      'Events:            <none>',
    ),
  );
});
