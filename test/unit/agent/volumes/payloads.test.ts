// The pure parts: what each plugin projects, and the small decisions around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret } from '../../../../src/api/types.js';
import type { Payload } from '../../../../agent/volumes/atomic-writer.js';
import { configMapPayload } from '../../../../agent/volumes/configmap.js';
import { secretPayload } from '../../../../agent/volumes/secret.js';
import { downwardAPIPayload, formatMap, goQuote, resourceValue } from '../../../../agent/volumes/downwardapi.js';
import { projectedPayload } from '../../../../agent/volumes/projected.js';
import { tmpfsSize } from '../../../../agent/volumes/emptydir.js';
import { mountPointsUnder, parseMountInfo } from '../../../../agent/volumes/mounter.js';
import { ownedMode } from '../../../../agent/volumes/ownership.js';
import { resolveClaim } from '../../../../agent/volumes/pvc.js';
import type { NodeAllocatable, VolumeSources } from '../../../../agent/volumes/types.js';

const node: NodeAllocatable = { cpuCores: 2, memoryBytes: 8 * 2 ** 30, ephemeralStorageBytes: 100e9 };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function cm(data: Record<string, string>, binaryData?: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data, binaryData } as ConfigMap;
}
function secret(data: Record<string, string>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, type: 'Opaque', data } as Secret;
}
function pod(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'prod', uid: 'u-1', labels: { app: 'web', tier: 'fe' }, annotations: { note: 'say "hi"\n' } },
    spec: {
      containers: [
        { name: 'web', image: 'i:1', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m' } } },
        { name: 'side', image: 'i:1' },
      ],
    },
  } as Pod;
}
const files = (p: Payload) => Object.fromEntries([...p].map(([k, v]) => [k, [v.data.toString('utf8'), v.mode.toString(8)]]));

test('configMap: every data and binaryData key, default mode 0644', () => {
  assert.deepEqual(files(configMapPayload(undefined, cm({ a: '1' }, { bin: b64('\u0001') }), undefined, false)), { a: ['1', '644'], bin: ['\u0001', '644'] });
});

test('configMap: items pick keys to paths, item mode over defaultMode', () => {
  const p = configMapPayload([{ key: 'a', path: 'conf/a.txt', mode: 0o600 }, { key: 'b', path: 'b' }], cm({ a: '1', b: '2', c: '3' }), 0o640, false);
  assert.deepEqual(files(p), { 'conf/a.txt': ['1', '600'], b: ['2', '640'] });
});

test('configMap: a missing key is an error unless optional; a missing optional object is empty', () => {
  assert.throws(() => configMapPayload([{ key: 'nope', path: 'x' }], cm({}), undefined, false), { message: 'configmap references non-existent config key: nope' });
  assert.deepEqual(files(configMapPayload([{ key: 'nope', path: 'x' }], cm({}), undefined, true)), {});
  assert.deepEqual(files(configMapPayload(undefined, undefined, undefined, true)), {});
});

test('secret: values are base64-decoded; a missing key is an error unless optional', () => {
  assert.deepEqual(files(secretPayload(undefined, secret({ password: b64('s3cret') }), 0o400, false)), { password: ['s3cret', '400'] });
  assert.throws(() => secretPayload([{ key: 'x', path: 'x' }], secret({}), undefined, false), { message: 'references non-existent secret key: x' });
  assert.deepEqual(files(secretPayload([{ key: 'x', path: 'x' }], secret({}), undefined, true)), {});
});

test('goQuote is Go %q: quotes and backslashes escaped, control characters as Go writes them, printable unicode kept', () => {
  assert.equal(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.equal(goQuote('x\ny\t\u0000\u007f'), '"x\\ny\\t\\x00\\x7f"');
  assert.equal(goQuote('héllo ✓'), '"héllo ✓"');
  assert.equal(goQuote('\u00a0\u200b'), '"\\u00a0\\u200b"');
});

test('formatMap: sorted key="value" lines without a trailing newline', () => {
  assert.equal(formatMap({ tier: 'fe', app: 'web' }), 'app="web"\ntier="fe"');
  assert.equal(formatMap(undefined), '');
});

test('downwardAPI: metadata fields, labels/annotations in kube format, one label, modes', () => {
  const p = downwardAPIPayload(
    [
      { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
      { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
      { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' }, mode: 0o600 },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
      { path: 'absent', fieldRef: { fieldPath: "metadata.labels['nope']" } },
    ],
    pod(),
    0o644,
    node,
  );
  assert.deepEqual(files(p), {
    name: ['web-0', '644'],
    ns: ['prod', '644'],
    uid: ['u-1', '644'],
    labels: ['app="web"\ntier="fe"', '600'],
    annotations: ['note="say \\"hi\\"\\n"', '644'],
    app: ['web', '644'],
    absent: ['', '644'],
  });
});

test('resourceValue: limits and requests with divisors, rounding up; unset limits are the node, unset requests the limit or 0', () => {
  const [web, side] = pod().spec.containers;
  const cases: [typeof web, string, string | undefined, string][] = [
    [web, 'limits.cpu', undefined, '1'], // 250m rounds up to 1 core
    [web, 'limits.cpu', '1m', '250'],
    [web, 'requests.cpu', '1m', '100'],
    [web, 'limits.memory', undefined, String(64 * 2 ** 20)],
    [web, 'limits.memory', '1Mi', '64'],
    [web, 'limits.memory', '1M', '68'], // 67.1 MB up
    [web, 'requests.memory', '1Mi', '64'], // defaulted from the limit
    [side, 'limits.cpu', '1m', '2000'],
    [side, 'limits.memory', '1Gi', '8'],
    [side, 'requests.cpu', undefined, '0'],
    [side, 'limits.ephemeral-storage', '1G', '100'],
  ];
  for (const [c, r, d, want] of cases) assert.equal(resourceValue(c, r, d, node), want, `${c.name} ${r} /${d}`);
});

test('downwardAPI: an unknown container is an error naming it', () => {
  assert.throws(() => downwardAPIPayload([{ path: 'x', resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } }], pod(), 0o644, node), {
    message: 'container nope not found',
  });
});

function api(objects: { cms?: Record<string, ConfigMap>; secrets?: Record<string, Secret>; claims?: Record<string, any>; pvs?: Record<string, any> }): VolumeSources {
  return {
    configMap: (_ns, name) => objects.cms?.[name],
    secret: (_ns, name) => objects.secrets?.[name],
    persistentVolumeClaim: (_ns, name) => objects.claims?.[name],
    persistentVolume: (name) => objects.pvs?.[name],
  };
}

test('projected: sources merged into one payload with the volume defaultMode', () => {
  const p = projectedPayload(
    [
      { configMap: { name: 'app-config', items: [{ key: 'a', path: 'conf/a' }] } },
      { secret: { name: 'db' } },
      { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
      { secret: { name: 'missing', optional: true } },
    ],
    pod(),
    0o440,
    api({ cms: { 'app-config': cm({ a: '1' }) }, secrets: { db: secret({ pw: b64('x') }) } }),
    node,
  );
  assert.deepEqual(files(p), { 'conf/a': ['1', '440'], pw: ['x', '440'], name: ['web-0', '440'] });
});

test('projected: every failing source is reported, as an aggregate', () => {
  assert.throws(() => projectedPayload([{ configMap: { name: 'gone' } }], pod(), 0o644, api({}), node), { message: 'configmap "gone" not found' });
  assert.throws(() => projectedPayload([{ configMap: { name: 'gone' } }, { secret: { name: 'db' } }], pod(), 0o644, api({}), node), {
    message: '[configmap "gone" not found, secret "db" not found]',
  });
});

test('tmpfsSize: node memory, lowered by the pod memory limit (all containers limited) and by sizeLimit', () => {
  const p = pod();
  const GiB = 2 ** 30;
  assert.equal(tmpfsSize(p, undefined, 8 * GiB), 8 * GiB, 'one container without a limit: no pod limit');
  assert.equal(tmpfsSize(p, '1Gi', 8 * GiB), GiB);
  assert.equal(tmpfsSize(p, '16Gi', 8 * GiB), 8 * GiB, 'a sizeLimit above what the pod may use is ignored');
  p.spec.containers[1].resources = { limits: { memory: '64Mi' } };
  assert.equal(tmpfsSize(p, undefined, 8 * GiB), 128 * 2 ** 20);
  assert.equal(tmpfsSize(p, '1Gi', 8 * GiB), 128 * 2 ** 20);
  assert.equal(tmpfsSize(p, '0', 8 * GiB), 128 * 2 ** 20, 'a zero sizeLimit means none');
});

test('parseMountInfo and mountPointsUnder: escaped paths, deepest first, nothing outside the dir', () => {
  const text = [
    '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '90 22 0:50 / /var/lib/k1s/pods/u1/volumes/kubernetes.io~secret/db rw,relatime shared:40 - tmpfs tmpfs rw,size=1024k',
    '91 22 0:51 / /var/lib/k1s/pods/u1/volumes/kubernetes.io~empty-dir/my\\040cache rw - tmpfs tmpfs rw',
    '92 90 0:52 / /var/lib/k1s/pods/u1/volumes/kubernetes.io~secret/db/x/y rw - tmpfs tmpfs rw',
    '93 22 0:53 / /var/lib/k1s/pods/u10 rw - tmpfs tmpfs rw',
  ].join('\n');
  const entries = parseMountInfo(text);
  assert.deepEqual(entries[2], { mountPoint: '/var/lib/k1s/pods/u1/volumes/kubernetes.io~empty-dir/my cache', fsType: 'tmpfs', source: 'tmpfs' });
  assert.deepEqual(mountPointsUnder(entries, '/var/lib/k1s/pods/u1'), [
    '/var/lib/k1s/pods/u1/volumes/kubernetes.io~secret/db/x/y',
    '/var/lib/k1s/pods/u1/volumes/kubernetes.io~empty-dir/my cache',
    '/var/lib/k1s/pods/u1/volumes/kubernetes.io~secret/db',
  ]);
});

test('ownedMode: group bits ORed in (read-only volumes get no group write), setgid and x on directories', () => {
  assert.equal(ownedMode(0o100644, false, true), 0o644);
  assert.equal(ownedMode(0o100600, false, true), 0o640);
  assert.equal(ownedMode(0o100600, false, false), 0o660);
  assert.equal(ownedMode(0o40755, true, true), 0o2755);
  assert.equal(ownedMode(0o40700, true, false), 0o2770);
});

test('resolveClaim: missing claim, unbound claim, missing PV, PV without a host path, bound hostPath and local PVs', () => {
  const sources = api({
    claims: {
      pending: { spec: {}, status: { phase: 'Pending' } },
      nopv: { spec: { volumeName: 'pv-gone' }, status: { phase: 'Bound' } },
      nfs: { spec: { volumeName: 'pv-nfs' }, status: { phase: 'Bound' } },
      data: { spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } },
      fast: { spec: { volumeName: 'pv-2' }, status: { phase: 'Bound' } },
    },
    pvs: { 'pv-nfs': { spec: {} }, 'pv-1': { spec: { hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } } }, 'pv-2': { spec: { local: { path: '/mnt/ssd' } } } },
  });
  assert.throws(() => resolveClaim(sources, 'default', 'nope'), { message: 'persistentvolumeclaim "nope" not found' });
  assert.throws(() => resolveClaim(sources, 'default', 'pending'), { message: 'persistentvolumeclaim "pending" is not bound' });
  assert.throws(() => resolveClaim(sources, 'default', 'nopv'), { message: 'persistentvolume "pv-gone" not found' });
  assert.throws(() => resolveClaim(sources, 'default', 'nfs'), /only hostPath and local volumes are supported by k1s/);
  assert.deepEqual(resolveClaim(sources, 'default', 'data'), { path: '/srv/data', type: 'DirectoryOrCreate', mustExist: false });
  assert.deepEqual(resolveClaim(sources, 'default', 'fast'), { path: '/mnt/ssd', mustExist: true });
});
