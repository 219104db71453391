import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldError } from '../../../src/api/schema.js';
import { validateSemantics, validateUpdate } from '../../../src/api/validate.js';
import { applyDefaults } from '../../../src/api/defaults.js';
import type { AnyObject } from '../../../src/api/types.js';
import { deployment, pod, service } from './fixtures.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

type Case = { base: () => AnyObject; mutate: (o: any) => void; expected: FieldError[]; nodePortRange?: { min: number; max: number } };

const cases: Record<string, Case> = {
  'everything is good: deployment': { base: deployment, mutate: () => {}, expected: [] },
  'everything is good: pod': { base: pod, mutate: () => {}, expected: [] },
  'everything is good: service': { base: service, mutate: () => {}, expected: [] },
  'service externalIPs and ClientIP affinity are accepted': {
    base: service,
    mutate: (s) => {
      s.spec.externalIPs = ['192.0.2.1'];
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } };
    },
    expected: [],
  },
  'service externalIPs: valid, non-special IPs only': {
    base: service,
    mutate: (s) => (s.spec.externalIPs = ['192.0.2.300', '127.0.0.1', '0.0.0.0', '169.254.1.1']),
    expected: [
      { path: 'spec.externalIPs[0]', message: 'Invalid value: "192.0.2.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' },
      { path: 'spec.externalIPs[1]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' },
      { path: 'spec.externalIPs[2]', message: 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0, ::)' },
      { path: 'spec.externalIPs[3]', message: 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)' },
    ],
  },
  'service ClientIP affinity timeout above a day': {
    base: service,
    mutate: (s) => {
      s.spec.sessionAffinity = 'ClientIP';
      s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86401 } };
    },
    expected: [{ path: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', message: 'Invalid value: 86401: must be greater than 0 and less than 86400' }],
  },
  'service sessionAffinityConfig without ClientIP affinity': {
    base: service,
    mutate: (s) => (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 60 } }),
    expected: [{ path: 'spec.sessionAffinityConfig', message: 'Forbidden: must not be set when session affinity is None' }],
  },
  'name missing': {
    base: pod,
    mutate: (p) => delete p.metadata.name,
    expected: [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }],
  },
  'generateName instead of a name is fine': {
    base: pod,
    mutate: (p) => {
      delete p.metadata.name;
      p.metadata.generateName = 'web-';
    },
    expected: [],
  },
  'name not a DNS subdomain': {
    base: deployment,
    mutate: (d) => (d.metadata.name = 'Hello_World'),
    expected: [{ path: 'metadata.name', message: `Invalid value: "Hello_World": ${SUBDOMAIN_MSG}` }],
  },
  'service name must be a DNS-1035 label': {
    base: service,
    mutate: (s) => (s.metadata.name = '1web'),
    expected: [{ path: 'metadata.name', message: `Invalid value: "1web": ${DNS1035_MSG}` }],
  },
  'bad label key and value': {
    base: pod,
    mutate: (p) => (p.metadata.labels = { 'bad key': 'bad value!' }),
    expected: [
      {
        path: 'metadata.labels',
        message:
          "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
      {
        path: 'metadata.labels',
        message:
          "Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      },
    ],
  },
  'no containers': {
    base: pod,
    mutate: (p) => (p.spec.containers = []),
    expected: [{ path: 'spec.containers', message: 'Required value' }],
  },
  'duplicate container names, bad container name': {
    base: pod,
    mutate: (p) => p.spec.containers.push({ name: 'web', image: 'x:1' }, { name: 'Side_Car', image: 'x:1' }),
    expected: [
      { path: 'spec.containers[1].name', message: 'Duplicate value: "web"' },
      { path: 'spec.containers[2].name', message: `Invalid value: "Side_Car": ${LABEL_MSG}` },
    ],
  },
  'empty image': {
    base: pod,
    mutate: (p) => (p.spec.containers[0].image = ''),
    expected: [{ path: 'spec.containers[0].image', message: 'Required value' }],
  },
  'ports out of range': {
    base: pod,
    mutate: (p) => (p.spec.containers[0].ports = [{ containerPort: 70000 }, { containerPort: 80, hostPort: -1 }]),
    expected: [
      { path: 'spec.containers[0].ports[0].containerPort', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
      { path: 'spec.containers[0].ports[1].hostPort', message: 'Invalid value: -1: must be between 1 and 65535, inclusive' },
    ],
  },
  'port names: too long, not IANA, duplicated': {
    base: pod,
    mutate: (p) =>
      (p.spec.containers[0].ports = [
        { name: 'a-very-long-port-name', containerPort: 1 },
        { name: 'http_2', containerPort: 2 },
        { name: 'web', containerPort: 3 },
        { name: 'web', containerPort: 4 },
      ]),
    expected: [
      { path: 'spec.containers[0].ports[0].name', message: 'Invalid value: "a-very-long-port-name": must be no more than 15 characters' },
      { path: 'spec.containers[0].ports[1].name', message: 'Invalid value: "http_2": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
      { path: 'spec.containers[0].ports[3].name', message: 'Duplicate value: "web"' },
    ],
  },
  'env: bad name, value and valueFrom together': {
    base: pod,
    mutate: (p) =>
      (p.spec.containers[0].env = [
        { name: '1ABC', value: 'x' },
        { name: 'B', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } },
      ]),
    expected: [
      {
        path: 'spec.containers[0].env[0].name',
        message:
          "Invalid value: \"1ABC\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
      },
      { path: 'spec.containers[0].env[1].valueFrom', message: 'Invalid value: "": may not be specified when `value` is not empty' },
      {
        path: 'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath',
        message:
          'Unsupported value: "spec.foo": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "metadata.annotations", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      },
    ],
  },
  "env: fieldRef to one label is fine": {
    base: pod,
    mutate: (p) => (p.spec.containers[0].env = [{ name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }]),
    expected: [],
  },
  'resources: bad quantity, unknown resource, request above limit': {
    base: pod,
    mutate: (p) => (p.spec.containers[0].resources = { limits: { cpu: '1', memory: '1Gb', gpu: '1' }, requests: { cpu: '1500m' } }),
    expected: [
      { path: 'spec.containers[0].resources.limits[memory]', message: `Invalid value: "1Gb": unable to parse quantity's suffix` },
      { path: 'spec.containers[0].resources.limits[gpu]', message: 'Invalid value: "gpu": must be a standard resource for containers' },
      { path: 'spec.containers[0].resources.requests[cpu]', message: 'Invalid value: "1500m": must be less than or equal to cpu limit of 1' },
    ],
  },
  'volumes: no source, two sources, duplicate name, unknown mount': {
    base: pod,
    mutate: (p) => {
      p.spec.volumes = [{ name: 'a' }, { name: 'b', emptyDir: {}, hostPath: { path: '/x' } }, { name: 'b', emptyDir: {} }];
      p.spec.containers[0].volumeMounts = [{ name: 'c', mountPath: '/c' }, { name: 'a', mountPath: '/c' }];
    },
    expected: [
      { path: 'spec.volumes[0]', message: 'Required value: must specify a volume type' },
      { path: 'spec.volumes[1].hostPath', message: 'Forbidden: may not specify more than 1 volume type' },
      { path: 'spec.volumes[2].name', message: 'Duplicate value: "b"' },
      { path: 'spec.containers[0].volumeMounts[0].name', message: 'Not found: "c"' },
      { path: 'spec.containers[0].volumeMounts[1].mountPath', message: 'Invalid value: "/c": must be unique' },
    ],
  },
  'probes: no handler, two handlers, liveness successThreshold': {
    base: pod,
    mutate: (p) => {
      p.spec.containers[0].readinessProbe = { periodSeconds: 5 };
      p.spec.containers[0].livenessProbe = { httpGet: { port: 80 }, tcpSocket: { port: 'http' }, successThreshold: 2 };
    },
    expected: [
      { path: 'spec.containers[0].readinessProbe', message: 'Required value: must specify a handler type' },
      { path: 'spec.containers[0].livenessProbe.tcpSocket', message: 'Forbidden: may not specify more than 1 handler type' },
      { path: 'spec.containers[0].livenessProbe.successThreshold', message: 'Invalid value: 2: must be 1' },
    ],
  },
  'init containers: valid ones, a native sidecar with probes, are accepted': {
    base: pod,
    mutate: (p) => {
      p.spec.initContainers = [
        { name: 'setup', image: 'k1s/busybox:1.36', command: ['true'] },
        { name: 'proxy', image: 'k1s/busybox:1.36', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 15000 } }, readinessProbe: { tcpSocket: { port: 15000 } } },
      ];
    },
    expected: [],
  },
  'init containers: names unique across both lists, checked like containers': {
    base: pod,
    mutate: (p) => {
      p.spec.initContainers = [
        { name: 'web', image: 'k1s/busybox:1.36' },
        { name: 'setup', image: '' },
        { name: 'setup', image: 'k1s/busybox:1.36' },
      ];
    },
    expected: [
      { path: 'spec.initContainers[0].name', message: 'Duplicate value: "web"' },
      { path: 'spec.initContainers[1].image', message: 'Required value' },
      { path: 'spec.initContainers[2].name', message: 'Duplicate value: "setup"' },
    ],
  },
  'init containers: restartPolicy only Always, and never on app containers': {
    base: pod,
    mutate: (p) => {
      p.spec.initContainers = [{ name: 'setup', image: 'k1s/busybox:1.36', restartPolicy: 'OnFailure' }];
      p.spec.containers[0].restartPolicy = 'Always';
    },
    expected: [
      { path: 'spec.containers[0].restartPolicy', message: 'Forbidden: may not be set for non-init containers' },
      { path: 'spec.initContainers[0].restartPolicy', message: 'Unsupported value: "OnFailure": supported values: "Always"' },
    ],
  },
  'init containers: probes only on sidecars (restartPolicy Always)': {
    base: pod,
    mutate: (p) => {
      const probe = { exec: { command: ['true'] } };
      p.spec.initContainers = [
        { name: 'setup', image: 'k1s/busybox:1.36', readinessProbe: probe, livenessProbe: probe, startupProbe: probe },
        { name: 'proxy', image: 'k1s/busybox:1.36', restartPolicy: 'Always', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } },
      ];
    },
    expected: [
      { path: 'spec.initContainers[0].readinessProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' },
      { path: 'spec.initContainers[0].livenessProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' },
      { path: 'spec.initContainers[0].startupProbe', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' },
      { path: 'spec.initContainers[1].livenessProbe.successThreshold', message: 'Invalid value: 2: must be 1' },
    ],
  },
  'probes: a port by name must name one of the container ports': {
    base: pod,
    mutate: (p) => {
      p.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
      p.spec.containers[0].readinessProbe = { httpGet: { path: '/', port: 'http' } };
      p.spec.containers[0].livenessProbe = { tcpSocket: { port: 'metrics' } };
    },
    expected: [{ path: 'spec.containers[0].livenessProbe.tcpSocket.port', message: 'Not found: "metrics"' }],
  },
  'probes: grpc is a handler; its port must be a port number': {
    base: pod,
    mutate: (p) => {
      p.spec.containers[0].readinessProbe = { grpc: { port: 0 } };
      p.spec.containers[0].startupProbe = { tcpSocket: { port: 80 }, grpc: { port: 9000, service: 'app' } };
    },
    expected: [
      { path: 'spec.containers[0].readinessProbe.grpc.port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
      { path: 'spec.containers[0].startupProbe.grpc', message: 'Forbidden: may not specify more than 1 handler type' },
    ],
  },
  'dnsPolicy None without dnsConfig': {
    base: pod,
    mutate: (p) => (p.spec.dnsPolicy = 'None'),
    expected: [{ path: 'spec.dnsConfig', message: 'Required value: must provide `dnsConfig` when `dnsPolicy` is None' }],
  },
  'hostNetwork: hostPort must equal containerPort': {
    base: pod,
    mutate: (p) => {
      p.spec.hostNetwork = true;
      p.spec.containers[0].ports = [{ containerPort: 8080, hostPort: 80 }];
    },
    expected: [{ path: 'spec.containers[0].ports[0].hostPort', message: 'Invalid value: 80: must match `containerPort` when `hostNetwork` is true' }],
  },
  'deployment: negative replicas': {
    base: deployment,
    mutate: (d) => (d.spec.replicas = -1),
    expected: [{ path: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }],
  },
  'deployment: selector does not match template labels': {
    base: deployment,
    mutate: (d) => (d.spec.template.metadata.labels = { app: 'other' }),
    expected: [{ path: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`' }],
  },
  'deployment: matchExpressions are honoured when matching template labels': {
    base: deployment,
    mutate: (d) => (d.spec.selector = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }),
    expected: [],
  },
  'deployment: empty selector': {
    base: deployment,
    mutate: (d) => (d.spec.selector = {}),
    expected: [{ path: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' }],
  },
  'deployment: In without values': {
    base: deployment,
    mutate: (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] }),
    expected: [{ path: 'spec.selector.matchExpressions[0].values', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" }],
  },
  'deployment: template restartPolicy must be Always': {
    base: deployment,
    mutate: (d) => (d.spec.template.spec.restartPolicy = 'Never'),
    expected: [{ path: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' }],
  },
  'deployment: rolling update bounds': {
    base: deployment,
    mutate: (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0%', maxSurge: 0 } }),
    expected: [{ path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: "0%": may not be 0 when `maxSurge` is 0' }],
  },
  'deployment: bad percent and Recreate with rollingUpdate': {
    base: deployment,
    mutate: (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 'lots' } }),
    expected: [{ path: 'spec.strategy.rollingUpdate', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'" }],
  },
  'deployment: maxUnavailable above 100%': {
    base: deployment,
    mutate: (d) => (d.spec.strategy = { rollingUpdate: { maxUnavailable: '150%', maxSurge: 'x%' } }),
    expected: [
      { path: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: "150%": must not be greater than 100%' },
      {
        path: 'spec.strategy.rollingUpdate.maxSurge',
        message:
          "Invalid value: \"x%\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      },
    ],
  },
  'service: no ports': {
    base: service,
    mutate: (s) => delete s.spec.ports,
    expected: [{ path: 'spec.ports', message: 'Required value' }],
  },
  'service: a headless service may have no ports': {
    base: service,
    mutate: (s) => {
      delete s.spec.ports;
      s.spec.clusterIP = 'None';
    },
    expected: [],
  },
  'service: ExternalName needs no ports but an externalName': {
    base: service,
    mutate: (s) => {
      delete s.spec.ports;
      s.spec.type = 'ExternalName';
    },
    expected: [{ path: 'spec.externalName', message: 'Required value' }],
  },
  'service: several ports need names, unique ones': {
    base: service,
    mutate: (s) => (s.spec.ports = [{ name: 'http', port: 80 }, { port: 443 }, { name: 'http', port: 8080 }]),
    expected: [
      { path: 'spec.ports[1].name', message: 'Required value' },
      { path: 'spec.ports[2].name', message: 'Duplicate value: "http"' },
    ],
  },
  'service: duplicate port and protocol': {
    base: service,
    mutate: (s) => (s.spec.ports = [{ name: 'a', port: 80 }, { name: 'b', port: 80, protocol: 'TCP' }]),
    expected: [{ path: 'spec.ports[1]', message: 'Duplicate value: {"port":80,"protocol":"TCP"}' }],
  },
  'service: bad port and targetPort': {
    base: service,
    mutate: (s) => (s.spec.ports = [{ port: 0, targetPort: 'HTTP' }]),
    expected: [
      { path: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
      { path: 'spec.ports[0].targetPort', message: 'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
      { path: 'spec.ports[0].targetPort', message: 'Invalid value: "HTTP": must contain at least one letter (a-z)' },
    ],
  },
  'service: nodePort on a ClusterIP service': {
    base: service,
    mutate: (s) => (s.spec.ports[0].nodePort = 30080),
    expected: [{ path: 'spec.ports[0].nodePort', message: "Forbidden: may not be used when `type` is 'ClusterIP'" }],
  },
  'service: nodePort out of the configured range': {
    base: service,
    nodePortRange: { min: 30000, max: 32767 },
    mutate: (s) => {
      s.spec.type = 'NodePort';
      s.spec.ports[0].nodePort = 8080;
    },
    expected: [{ path: 'spec.ports[0].nodePort', message: 'Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767' }],
  },
  'service: nodePort in a custom range': {
    base: service,
    nodePortRange: { min: 8000, max: 9000 },
    mutate: (s) => {
      s.spec.type = 'NodePort';
      s.spec.ports[0].nodePort = 8080;
    },
    expected: [],
  },
  'configmap: bad key': {
    base: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a b': 'x', ok: 'y' } }) as AnyObject,
    mutate: () => {},
    expected: [
      {
        path: 'data[a b]',
        message:
          "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      },
    ],
  },
  'secret: data not base64 (and the value is not echoed)': {
    base: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: 'hunter2' } }) as AnyObject,
    mutate: () => {},
    expected: [{ path: 'data[password]', message: 'Invalid value: must be base64-encoded (use stringData for plain text)' }],
  },
  'secret: a TLS secret needs its keys': {
    base: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } }) as AnyObject,
    mutate: () => {},
    expected: [{ path: 'data[tls.key]', message: 'Required value' }],
  },
  'namespace name must be a DNS label': {
    base: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }) as AnyObject,
    mutate: () => {},
    expected: [{ path: 'metadata.name', message: `Invalid value: "a.b": ${LABEL_MSG}` }],
  },
  'lifecycle: exec, httpGet and sleep hooks within the grace period are accepted; tcpSocket too (it fails when run)': {
    base: pod,
    mutate: (p) => {
      p.spec.terminationGracePeriodSeconds = 10;
      p.spec.containers[0].lifecycle = { postStart: { exec: { command: ['touch', '/ready'] } }, preStop: { sleep: { seconds: 10 } } };
      p.spec.containers.push({ name: 'b', image: 'k1s/busybox:1.36', lifecycle: { postStart: { httpGet: { path: '/', port: 'http' } }, preStop: { tcpSocket: { port: 80 } } } });
    },
    expected: [],
  },
  'lifecycle: no handler, two handlers, an empty command, a sleep of 0 or past the grace period': {
    base: pod,
    mutate: (p) => {
      p.spec.terminationGracePeriodSeconds = 5;
      p.spec.containers[0].lifecycle = { postStart: {}, preStop: { exec: { command: [] }, sleep: { seconds: 1 } } };
      p.spec.containers.push({ name: 'b', image: 'k1s/busybox:1.36', lifecycle: { postStart: { sleep: { seconds: 0 } }, preStop: { sleep: { seconds: 6 } } } });
      p.spec.containers.push({ name: 'c', image: 'k1s/busybox:1.36', lifecycle: { preStop: { httpGet: { path: '', port: 'no_such' } } } });
    },
    expected: [
      { path: 'spec.containers[0].lifecycle.postStart', message: 'Required value: must specify a handler type' },
      { path: 'spec.containers[0].lifecycle.preStop.exec.command', message: 'Required value' },
      { path: 'spec.containers[0].lifecycle.preStop.sleep', message: 'Forbidden: may not specify more than 1 handler type' },
      { path: 'spec.containers[1].lifecycle.postStart.sleep', message: 'Invalid value: 0: must be greater than 0 and less than terminationGracePeriodSeconds (5)' },
      { path: 'spec.containers[1].lifecycle.preStop.sleep', message: 'Invalid value: 6: must be greater than 0 and less than terminationGracePeriodSeconds (5)' },
      { path: 'spec.containers[2].lifecycle.preStop.httpGet.path', message: 'Required value' },
      {
        path: 'spec.containers[2].lifecycle.preStop.httpGet.port',
        message: `Invalid value: "no_such": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
      },
    ],
  },
  'lifecycle: only on sidecars among init containers': {
    base: pod,
    mutate: (p) => {
      const hooks = { preStop: { exec: { command: ['true'] } } };
      p.spec.initContainers = [
        { name: 'setup', image: 'k1s/busybox:1.36', lifecycle: hooks },
        { name: 'proxy', image: 'k1s/busybox:1.36', restartPolicy: 'Always', lifecycle: hooks },
      ];
    },
    expected: [{ path: 'spec.initContainers[0].lifecycle', message: 'Forbidden: may not be set for init containers without restartPolicy=Always' }],
  },
  'imagePullSecrets by name are accepted': {
    base: pod,
    mutate: (p) => (p.spec.imagePullSecrets = [{ name: 'regcred' }, {}]),
    expected: [],
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`validate: ${name}`, () => {
    const obj = c.base();
    c.mutate(obj);
    // The Kubernetes rules of fields k1s refuses as not implemented yet are still checked here.
    const errs = validateSemantics(obj, { nodePortRange: c.nodePortRange }).filter((e) => !e.message.includes('not supported by k1s yet'));
    assert.deepEqual(errs, c.expected);
  });
}

test('updates: a deployment selector is immutable', () => {
  const before = applyDefaults(deployment());
  const after: any = structuredClone(before);
  after.spec.replicas = 5;
  assert.deepEqual(validateUpdate(after, before), []);
  after.spec.selector = { matchLabels: { app: 'hello', tier: 'web' } };
  assert.deepEqual(validateUpdate(after, before), [
    { path: 'spec.selector', message: 'Invalid value: {"matchLabels":{"app":"hello","tier":"web"}}: field is immutable' },
  ]);
});

test('updates: a pod may change its images and be bound once, nothing else', () => {
  const before = applyDefaults(pod()) as any;
  const image: any = structuredClone(before);
  image.spec.containers[0].image = 'k1s/busybox:1.37';
  assert.deepEqual(validateUpdate(image, before), []);
  const bound: any = structuredClone(before);
  bound.spec.nodeName = 'node1';
  assert.deepEqual(validateUpdate(bound, before), []);
  const moved: any = structuredClone(bound);
  moved.spec.nodeName = 'node2';
  const forbidden = [{ path: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image` (and `spec.nodeName` while unset)' }];
  assert.deepEqual(validateUpdate(moved, bound), forbidden);
  const withInit = applyDefaults({ ...pod(), spec: { ...pod().spec, initContainers: [{ name: 'setup', image: 'k1s/busybox:1.36' }] } } as AnyObject) as any;
  const initImage: any = structuredClone(withInit);
  initImage.spec.initContainers[0].image = 'k1s/busybox:1.37';
  assert.deepEqual(validateUpdate(initImage, withInit), []);
  initImage.spec.initContainers[0].command = ['true'];
  assert.deepEqual(validateUpdate(initImage, withInit), forbidden);
  const ports: any = structuredClone(before);
  ports.spec.containers[0].ports = [];
  assert.deepEqual(validateUpdate(ports, before), forbidden);
});

test('updates: immutable config and secret types', () => {
  const before = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' }, immutable: true } as AnyObject;
  const after = { ...before, data: { a: '2' } } as AnyObject;
  assert.deepEqual(validateUpdate(after, before), [{ path: 'data', message: 'Forbidden: field is immutable when `immutable` is set' }]);
  const s1 = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque' } as AnyObject;
  const s2 = { ...s1, type: 'kubernetes.io/tls' } as AnyObject;
  assert.deepEqual(validateUpdate(s2, s1), [{ path: 'type', message: 'Invalid value: "kubernetes.io/tls": field is immutable' }]);
});

test('validate: probes, volumes, resources and init containers with mounts are accepted', () => {
  const p = pod() as any;
  p.spec.containers[0].readinessProbe = { httpGet: { path: '/', port: 80 } };
  p.spec.containers[0].resources = { limits: { memory: '64Mi' } };
  p.spec.containers[0].env = [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }];
  p.spec.initContainers = [{ name: 'setup', image: 'k1s/busybox:1.36', command: ['true'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }];
  p.spec.volumes = [{ name: 'v', emptyDir: {} }];
  assert.deepEqual(validateSemantics(p), []);
});

test('defaults: init containers get the defaults of containers', () => {
  const p = applyDefaults({ ...pod(), spec: { ...pod().spec, initContainers: [{ name: 'setup', image: 'k1s/busybox:1.36', resources: { limits: { cpu: '1' } } }] } } as AnyObject) as any;
  const c = p.spec.initContainers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources.requests, { cpu: '1' });
});
