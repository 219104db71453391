// containerEnv: kubelet's makeEnvironmentVariables, as table cases over one base pod and sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret, Service } from '../../../src/api/types.js';
import { containerEnv, serviceEnv, type EnvContext, type EnvResult } from '../../../agent/env.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function base(): { pod: Pod; ctx: EnvContext } {
  const configMaps: ConfigMap[] = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' }, data: { MODE: 'fast', 'log.level': 'debug' } }];
  const secrets: Secret[] = [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque', data: { password: b64('s3cret') } }];
  const services: Service[] = [
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis-main', namespace: 'shop' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'redis', port: 6379, protocol: 'TCP', targetPort: 6379 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } },
  ];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
    spec: { nodeName: 'node1', containers: [{ name: 'app', image: 'img:1', env: [{ name: 'GREETING', value: 'hello' }] }] },
  };
  const ctx: EnvContext = {
    configMap: (ns, name) => configMaps.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    secret: (ns, name) => secrets.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    services: (ns) => services.filter((s) => s.metadata.namespace === ns),
    podIP: '10.244.0.5',
    hostIP: '10.244.0.1',
    nodeName: 'node1',
    nodeCPUCores: 2,
    nodeMemoryBytes: 4 * 1024 ** 3,
  };
  return { pod, ctx };
}

const app = (pod: Pod) => pod.spec.containers[0];
const links = Object.fromEntries([...serviceEnv(base().ctx.services('shop'))]);

const cases: Record<string, { mutate: (pod: Pod, ctx: EnvContext) => void; expected: Record<string, string> | { error: string } }> = {
  'plain value, plus the service links': { mutate: () => {}, expected: { GREETING: 'hello', ...links } },
  'enableServiceLinks false drops the links': { mutate: (p) => (p.spec.enableServiceLinks = false), expected: { GREETING: 'hello' } },
  '$(VAR) expands earlier vars and service links; $$ escapes': {
    mutate: (p) => app(p).env!.push({ name: 'URL', value: 'redis://$(REDIS_MAIN_SERVICE_HOST):6379/$(GREETING)/$$(GREETING)/$(NOPE)' }),
    expected: { GREETING: 'hello', URL: 'redis://10.96.0.20:6379/hello/$(GREETING)/$(NOPE)', ...links },
  },
  'configMapKeyRef and secretKeyRef': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).env = [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ];
    },
    expected: { MODE: 'fast', PASSWORD: 's3cret' },
  },
  'missing ConfigMap: CreateContainerConfigError wording': {
    mutate: (p) => (app(p).env = [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }]),
    expected: { error: 'configmap "nope" not found' },
  },
  'missing key in a Secret': {
    mutate: (p) => (app(p).env = [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } }]),
    expected: { error: "couldn't find key user in Secret shop/db" },
  },
  'optional missing key: the variable is simply not set': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).env = [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } }];
    },
    expected: {},
  },
  'envFrom with prefix, env wins over envFrom': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).envFrom = [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'db' } }];
      app(p).env = [{ name: 'password', value: 'overridden' }];
    },
    expected: { CFG_MODE: 'fast', 'CFG_log.level': 'debug', password: 'overridden' },
  },
  'envFrom of a missing Secret': {
    mutate: (p) => (app(p).envFrom = [{ secretRef: { name: 'gone' } }]),
    expected: { error: 'secret "gone" not found' },
  },
  'downward API fieldRef': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).env = ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", 'spec.nodeName', 'spec.serviceAccountName', 'status.podIP', 'status.hostIP'].map((f, i) => ({
        name: `F${i}`,
        valueFrom: { fieldRef: { fieldPath: f } },
      }));
    },
    expected: { F0: 'web', F1: 'shop', F2: 'u-1', F3: 'web', F4: 'node1', F5: 'default', F6: '10.244.0.5', F7: '10.244.0.1' },
  },
  'resourceFieldRef: set limit with divisor, unset limit is the node allocatable, unset request 0': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).resources = { limits: { memory: '64Mi', cpu: '250m' } };
      app(p).env = [
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'REQ_CPU', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      ];
    },
    expected: { MEM_MI: '64', CPU: '1', CPU_M: '250', REQ_CPU: '1' },
  },
  'resourceFieldRef without limits: node allocatable': {
    mutate: (p) => {
      p.spec.enableServiceLinks = false;
      app(p).env = [
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } } },
      ];
    },
    expected: { CPU: '2', MEM: '4' },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`containerEnv: ${name}`, () => {
    const { pod, ctx } = base();
    c.mutate(pod, ctx);
    const got: EnvResult = containerEnv(pod, app(pod), ctx);
    if ('error' in c.expected) {
      assert.deepEqual(got, { ok: false, message: c.expected.error });
      return;
    }
    assert.ok(got.ok, !got.ok ? got.message : '');
    assert.deepEqual(Object.fromEntries(got.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])), c.expected);
  });
}

test('serviceEnv: docker-link variables for a Service with a cluster IP, none for headless', () => {
  assert.deepEqual(links, {
    REDIS_MAIN_SERVICE_HOST: '10.96.0.20',
    REDIS_MAIN_SERVICE_PORT: '6379',
    REDIS_MAIN_SERVICE_PORT_REDIS: '6379',
    REDIS_MAIN_PORT: 'tcp://10.96.0.20:6379',
    REDIS_MAIN_PORT_6379_TCP: 'tcp://10.96.0.20:6379',
    REDIS_MAIN_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_MAIN_PORT_6379_TCP_PORT: '6379',
    REDIS_MAIN_PORT_6379_TCP_ADDR: '10.96.0.20',
  });
});
