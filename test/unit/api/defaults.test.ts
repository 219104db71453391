import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultPullPolicy, imageTag } from '../../../src/api/defaults.js';
import type { Deployment, Namespace, Pod, ReplicaSet, Secret, Service } from '../../../src/api/types.js';
import { deployment, pod, service } from './fixtures.js';

const pullPolicies: [image: string, tag: string, policy: string][] = [
  ['nginx', 'latest', 'Always'],
  ['nginx:latest', 'latest', 'Always'],
  ['nginx:1.27', '1.27', 'IfNotPresent'],
  ['library/nginx:1.27-alpine', '1.27-alpine', 'IfNotPresent'],
  ['localhost:5000/app', 'latest', 'Always'],
  ['localhost:5000/app:v1', 'v1', 'IfNotPresent'],
  ['localhost:5000/team/app:latest', 'latest', 'Always'],
  ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '', 'IfNotPresent'],
  ['app:v2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'v2', 'IfNotPresent'],
  ['registry.example.com:443/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', '', 'IfNotPresent'],
];

for (const [image, tag, policy] of pullPolicies) {
  test(`imagePullPolicy of ${image} is ${policy}`, () => {
    assert.equal(imageTag(image), tag);
    assert.equal(defaultPullPolicy(image), policy);
  });
}

test('pod defaults', () => {
  const p = pod();
  delete p.metadata.namespace;
  p.spec.containers[0].livenessProbe = { httpGet: { port: 'http' } };
  p.spec.volumes = [{ name: 'conf', configMap: { name: 'conf' } }];
  p.spec.containers[0].resources = { limits: { cpu: '1' } };
  const d = applyDefaults(p) as Pod;
  assert.equal(d.metadata.namespace, 'default');
  assert.deepEqual(
    { ...d.spec, containers: undefined, volumes: undefined },
    { containers: undefined, volumes: undefined, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} },
  );
  const c = d.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 'http', path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(d.spec.volumes![0].configMap!.defaultMode, 0o644);
  // a limit without a request requests the limit (pods only)
  assert.deepEqual(c.resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
});

test('defaults never overwrite what is set, and do not touch the input', () => {
  const p = pod();
  p.metadata.namespace = 'prod';
  p.spec.restartPolicy = 'Never';
  p.spec.containers[0].image = 'nginx';
  p.spec.containers[0].imagePullPolicy = 'Never';
  const before = structuredClone(p);
  const d = applyDefaults(p) as Pod;
  assert.deepEqual(p, before);
  assert.equal(d.metadata.namespace, 'prod');
  assert.equal(d.spec.restartPolicy, 'Never');
  assert.equal(d.spec.containers[0].imagePullPolicy, 'Never');
});

test('defaulting is idempotent', () => {
  for (const obj of [pod(), deployment(), service()]) {
    const once = applyDefaults(obj);
    assert.deepEqual(applyDefaults(once), once);
  }
});

test('hostNetwork: container ports are host ports', () => {
  const p = pod();
  p.spec.hostNetwork = true;
  assert.equal((applyDefaults(p) as Pod).spec.containers[0].ports![0].hostPort, 8080);
});

test('service defaults', () => {
  const s = service();
  s.spec.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 53, protocol: 'UDP', targetPort: 'dns' }];
  const d = applyDefaults(s) as Service;
  assert.deepEqual(d.spec, {
    selector: { app: 'web' },
    ports: [
      { name: 'a', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'b', port: 53, protocol: 'UDP', targetPort: 'dns' },
    ],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  const np = service();
  np.spec.type = 'NodePort';
  assert.equal((applyDefaults(np) as Service).spec.externalTrafficPolicy, 'Cluster');
  const ext = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'example.com' } } as Service;
  assert.deepEqual((applyDefaults(ext) as Service).spec, { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
  // SetDefaults_Service: ClientIP affinity sticks 10800 s unless told; a given timeout is kept
  const sticky = service();
  sticky.spec.sessionAffinity = 'ClientIP';
  assert.deepEqual((applyDefaults(sticky) as Service).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const short = service();
  short.spec.sessionAffinity = 'ClientIP';
  short.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 30 } };
  assert.deepEqual((applyDefaults(short) as Service).spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 30 } });
});

test('deployment defaults', () => {
  const dep = deployment();
  delete dep.spec.replicas;
  const d = applyDefaults(dep) as Deployment;
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  // a Recreate deployment gets no rollingUpdate
  const r = deployment();
  r.spec.strategy = { type: 'Recreate' };
  assert.deepEqual((applyDefaults(r) as Deployment).spec.strategy, { type: 'Recreate' });
});

test('replicaset defaults', () => {
  const d = deployment();
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { selector: d.spec.selector, template: d.spec.template } } as ReplicaSet;
  const out = applyDefaults(rs) as ReplicaSet;
  assert.equal(out.spec.replicas, 1);
  assert.equal(out.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('secret: type Opaque, stringData merged into data as base64 and removed', () => {
  const s: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'b2xk', keep: 'eA==' }, stringData: { a: 'new', 'b.txt': 'héllo' } };
  const d = applyDefaults(s) as Secret;
  assert.equal(d.type, 'Opaque');
  assert.deepEqual(d.data, { a: Buffer.from('new').toString('base64'), keep: 'eA==', 'b.txt': Buffer.from('héllo').toString('base64') });
  assert.equal('stringData' in d, false);
});

test('cluster-scoped objects lose a namespace; namespaced ones keep theirs', () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x', namespace: 'default' } } as Namespace;
  assert.equal('namespace' in applyDefaults(ns).metadata, false);
});
