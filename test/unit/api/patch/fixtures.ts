// A Deployment as the API server stores it (defaults filled in), and helpers for the patch tables.

/** Freezes a value and everything in it, so that any write to it throws. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const e of Object.values(v)) deepFreeze(e);
    Object.freeze(v);
  }
  return v;
}

function deploymentObject() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: 'b1f3c2de-0000-4000-8000-000000000001',
      resourceVersion: '42',
      generation: 3,
      labels: { app: 'web' } as Record<string, string>,
      annotations: { 'deployment.kubernetes.io/revision': '3' } as Record<string, string>,
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } } as Record<string, unknown>,
      template: {
        metadata: { labels: { app: 'web' } } as Record<string, unknown>,
        spec: {
          containers: [
            {
              name: 'web',
              image: 'a:1',
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 8080, name: 'admin', protocol: 'TCP' },
              ],
              env: [{ name: 'A', value: '1' }] as Record<string, unknown>[],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ] as Record<string, any>[],
          volumes: [{ name: 'data', emptyDir: {} }] as Record<string, unknown>[],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
        } as Record<string, any>,
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ] as Record<string, unknown>[],
    },
  };
}

export type Deployment = ReturnType<typeof deploymentObject>;

/** A fresh Deployment, changed by `edit` when given. */
export function deployment(edit?: (d: Deployment) => void): Deployment {
  const d = deploymentObject();
  edit?.(d);
  return d;
}

/** True when no object or array of `out` is also reachable from one of `inputs`. */
export function sharesNothing(out: unknown, ...inputs: unknown[]): boolean {
  const seen = new Set<unknown>();
  const collect = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    seen.add(v);
    Object.values(v).forEach(collect);
  };
  inputs.forEach(collect);
  const shared = (v: unknown): boolean => typeof v === 'object' && v !== null && (seen.has(v) || Object.values(v).some(shared));
  return !shared(out);
}
