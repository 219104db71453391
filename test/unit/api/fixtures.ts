// Valid objects for the api tests to start from: each test mutates a fresh copy.
import assert from 'node:assert/strict';
import type { FieldError } from '../../../src/api/field-errors.js';
import type { AnyObject, Deployment, Pod, Service } from '../../../src/api/types.js';

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

/** A validation table case: a fresh object, a change, and the field errors it must give (a RegExp message matches). */
export interface ValidationCase {
  base: () => AnyObject;
  mutate: (o: any) => void;
  expected: FieldError[];
}

/** Runs validation table cases: each case's errors, in order, by path and message. */
export function checkValidationCases(cases: Record<string, ValidationCase>, errorsOf: (o: AnyObject) => FieldError[]): void {
  for (const [name, c] of Object.entries(cases)) {
    const o = structuredClone(c.base());
    c.mutate(o);
    const got = errorsOf(o);
    assert.equal(got.length, c.expected.length, `${name}: ${JSON.stringify(got)}`);
    c.expected.forEach((e, i) => {
      assert.equal(got[i].path, e.path, name);
      if ((e.message as unknown) instanceof RegExp) assert.match(got[i].message, e.message as unknown as RegExp, name);
      else assert.equal(got[i].message, e.message, name);
    });
  }
}
