// Valid objects for the api tests to start from: each test mutates a fresh copy.
import type { Deployment, Pod, Service } from '../../../src/api/types.js';

export function deployment(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', labels: { app: 'hello' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'hello' } },
      template: {
        metadata: { labels: { app: 'hello', tier: 'web' } },
        spec: {
          containers: [{ name: 'web', image: 'k1s/busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      },
    },
  };
}

export function pod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'k1s/busybox:1.36', ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

export function service(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
  };
}
