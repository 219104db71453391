import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApiError } from '../../../src/api/errors.js';
import { validateObject } from '../../../src/api/schema.js';
import { decodeKubernetesProtobuf, goDuration, isProtobufContentType } from '../../../src/apiserver/protobuf.js';

// Bodies kubectl v1.32 sent to a logging server (test/fixtures/protobuf/NAME.pb.b64), and what
// the same command prints with --dry-run=client -o json (NAME.json, verbatim). Two commands have
// no client dry run; their NAME.json is the JSON body kubectl v1.31 sent for the same command
// (v1.31 still spoke JSON), see docs/kubectl-wire.md.
const FIXTURES = new URL('../../../../test/fixtures/protobuf/', import.meta.url);

const cases: { name: string; command: string; patch?: (want: any, got: any) => void }[] = [
  { name: 'namespace', command: 'create namespace demo' },
  { name: 'configmap', command: 'create configmap cm1 --from-literal=a=1 --from-literal=b=two --from-file=blob=blob.bin' },
  { name: 'secret-generic', command: "create secret generic s1 --from-literal=user=admin --from-literal=pass='p@ss w0rd'" },
  { name: 'secret-docker', command: 'create secret docker-registry d1 --docker-username=u --docker-password=p --docker-server=r.example' },
  { name: 'deployment', command: 'create deployment web --image=nginx:1.27 --replicas=3 --port=8080' },
  { name: 'deployment-zero', command: 'create deployment idle --image=busybox --replicas=0 -- sleep 3600' },
  { name: 'deployment-saveconfig', command: 'create deployment saved --image=nginx --save-config' },
  { name: 'service-clusterip', command: 'create service clusterip svc1 --tcp=80:8080 --tcp=443:https' },
  { name: 'service-nodeport', command: 'create service nodeport np1 --tcp=80:8080 --node-port=30080' },
  { name: 'service-headless', command: 'create service clusterip hl --clusterip=None' },
  { name: 'serviceaccount', command: 'create serviceaccount sa1' },
  { name: 'job', command: "create job j1 --image=busybox -- sh -c 'echo hi'" },
  { name: 'cronjob', command: "create cronjob cj1 --image=busybox --schedule='*/5 * * * *' --restart=OnFailure -- echo hi" },
  { name: 'job-from-cronjob', command: 'create job fromcj --from=cronjob/cj1' },
  { name: 'pdb', command: 'create poddisruptionbudget pdb1 --selector=app=web --min-available=50%' },
  { name: 'pdb-int', command: "create poddisruptionbudget pdb2 '--selector=app=web,tier in (a,b)' --max-unavailable=1" },
  { name: 'quota', command: 'create quota q1 --hard=cpu=1500m,memory=1Gi,pods=10,requests.storage=100Ti --scopes=NotTerminating' },
  { name: 'hpa', command: 'autoscale deployment web --min=2 --max=5 --cpu-percent=80' },
  {
    name: 'debug-node',
    command: 'debug node/n1 --image=busybox --profile=general (v1.31 JSON as the expectation)',
    // the pod's name ends in a random suffix, different in the two runs
    patch: (want, got) => (want.metadata.name = got.metadata.name),
  },
  { name: 'deleteoptions', command: 'drain n1 --force --disable-eviction: the pod DELETE body (v1.31 JSON as the expectation)' },
];

function fixture(name: string): { body: Buffer; want: unknown } {
  const body = Buffer.from(readFileSync(new URL(`${name}.pb.b64`, FIXTURES), 'utf8'), 'base64');
  const want = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as unknown;
  return { body, want };
}

for (const c of cases) {
  test(`kubectl ${c.command}: the protobuf body decodes to kubectl's JSON`, () => {
    const { body, want } = fixture(c.name);
    const got = decodeKubernetesProtobuf(body);
    c.patch?.(want, got);
    assert.deepStrictEqual(got, want);
    // same keys in the same order as Go's encoder: the server logs and stores what a JSON client sends
    assert.equal(JSON.stringify(got), JSON.stringify(want));
  });
}

test('decoded bodies of the kinds k1s serves pass its strict schema', () => {
  for (const name of ['namespace', 'configmap', 'secret-generic', 'secret-docker', 'deployment', 'deployment-zero', 'deployment-saveconfig', 'service-clusterip', 'service-nodeport', 'service-headless']) {
    const r = validateObject(decodeKubernetesProtobuf(fixture(name).body));
    assert.ok(r.ok, `${name}: ${JSON.stringify(r)}`);
  }
});

// ---- hand-made bodies, for what kubectl's commands do not send ----

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return Buffer.from(out);
}
const key = (no: number, wt: number) => varint((no << 3) | wt);
const num = (no: number, n: number | bigint) => Buffer.concat([key(no, 0), varint(n)]);
const len = (no: number, payload: Buffer | string) => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([key(no, 2), varint(b.length), b]);
};
const msg = (no: number, ...parts: Buffer[]) => len(no, Buffer.concat(parts));
const envelope = (apiVersion: string, kind: string, raw: Buffer, extra: Buffer[] = []) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, len(1, apiVersion), len(2, kind)), len(2, raw), ...extra]);

/** a Pod: metadata{name}, spec{containers[{name, image, ...containerExtra}], ...specExtra} */
function pod(containerExtra: Buffer[] = [], specExtra: Buffer[] = [], metaExtra: Buffer[] = []): Buffer {
  return envelope('v1', 'Pod', Buffer.concat([msg(1, len(1, 'p'), ...metaExtra), msg(2, msg(2, len(1, 'c'), len(2, 'img'), ...containerExtra), ...specExtra)]));
}

function badRequest(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

const decoded: { name: string; body: () => Buffer; check: (o: any) => void }[] = [
  {
    name: 'an unknown field number becomes a key the strict schema refuses, with its path',
    body: () => pod([len(99, 'x'), num(98, 7)]),
    check: (o) => {
      assert.equal(o.spec.containers[0]['<protobuf field 99>'], '78');
      assert.equal(o.spec.containers[0]['<protobuf field 98>'], '7');
      const r = validateObject(o);
      assert.ok(!r.ok);
      assert.deepEqual(
        r.errors.map((e) => `${e.path}: ${e.message}`),
        ['spec.containers[0].<protobuf field 99>: unknown field "<protobuf field 99>"', 'spec.containers[0].<protobuf field 98>: unknown field "<protobuf field 98>"'],
      );
    },
  },
  {
    name: 'negative int32 and int64 (ten-byte varints)',
    body: () => pod([], [num(4, -30)], [num(10, -5)]),
    check: (o) => {
      assert.equal(o.spec.terminationGracePeriodSeconds, -30);
      assert.equal(o.metadata.deletionGracePeriodSeconds, -5);
    },
  },
  {
    name: 'times: RFC 3339 in seconds, MicroTime with microseconds, an empty Time is null',
    body: () =>
      envelope(
        'v1',
        'Event',
        Buffer.concat([msg(1, len(1, 'e'), msg(9, num(1, 1767225600), num(2, 5))), msg(2, len(3, 'p')), msg(6, num(1, 1767225600)), msg(10, num(1, 1767225600), num(2, 123456789))]),
      ),
    check: (o) => {
      assert.equal(o.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
      assert.equal(o.firstTimestamp, '2026-01-01T00:00:00Z');
      assert.equal(o.lastTimestamp, null);
      assert.equal(o.eventTime, '2026-01-01T00:00:00.123456Z');
      // Event has value fields without omitempty: Go prints them even when zero
      assert.equal(o.reportingComponent, '');
      assert.equal(o.reportingInstance, '');
      assert.deepEqual(o.involvedObject, { name: 'p' });
    },
  },
  {
    name: 'int-or-string, quantities in maps, value structs printed whole',
    body: () =>
      pod(
        [
          msg(8, msg(1, len(1, 'cpu'), msg(2, len(1, '250m'))), msg(1, len(1, 'memory'), msg(2))),
          msg(10, msg(1, msg(2, len(1, '/healthz'), msg(2, num(1, 1), len(3, 'http'))))),
          msg(11, msg(1, msg(3, msg(1, num(2, 8080))))),
        ],
        [],
      ),
    check: (o) => {
      const c = o.spec.containers[0];
      assert.deepEqual(c.resources, { limits: { cpu: '250m', memory: '0' } });
      // ProbeHandler is inlined into Probe; HTTPGetAction.port has no omitempty
      assert.deepEqual(c.livenessProbe, { httpGet: { path: '/healthz', port: 'http' } });
      assert.deepEqual(c.readinessProbe, { tcpSocket: { port: 8080 } });
    },
  },
  {
    name: 'repeated int32, unpacked and packed',
    body: () =>
      envelope(
        'batch/v1',
        'Job',
        Buffer.concat([
          msg(1, len(1, 'j')),
          msg(2, msg(11, msg(1, len(1, 'FailJob'), msg(2, len(2, 'In'), num(3, 1), num(3, 2))), msg(1, len(1, 'Ignore'), msg(2, len(2, 'NotIn'), len(3, Buffer.concat([varint(3), varint(4)])))))),
        ]),
      ),
    check: (o) => {
      assert.deepEqual(o.spec.podFailurePolicy.rules, [
        { action: 'FailJob', onExitCodes: { operator: 'In', values: [1, 2] } },
        { action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [3, 4] } },
      ]);
      // the value-typed template of a Job is printed even when absent
      assert.deepEqual(o.spec.template, { metadata: { creationTimestamp: null }, spec: { containers: null } });
    },
  },
  {
    name: 'DeleteOptions of any group version is meta/v1 DeleteOptions',
    body: () => envelope('apps/v1', 'DeleteOptions', Buffer.concat([num(1, 0), len(4, 'Foreground'), msg(2, len(1, 'uid-1')), len(5, 'All')])),
    check: (o) =>
      assert.deepEqual(o, { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' }, propagationPolicy: 'Foreground', dryRun: ['All'] }),
  },
  {
    name: 'an envelope carrying JSON is read as JSON',
    body: () => envelope('v1', 'ConfigMap', Buffer.from('{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"j"}}'), [len(4, 'application/json')]),
    check: (o) => assert.deepEqual(o, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'j' } }),
  },
];

for (const c of decoded) {
  test(c.name, () => c.check(decodeKubernetesProtobuf(c.body())));
}

const refused: { name: string; body: () => Buffer; error: RegExp }[] = [
  { name: 'JSON is not protobuf', body: () => Buffer.from('{"kind":"Pod"}'), error: /does not start with the "k8s\\x00" prefix/ },
  { name: 'a kind outside the table', body: () => envelope('authentication.k8s.io/v1', 'TokenRequest', Buffer.alloc(0)), error: /kind "TokenRequest" of apiVersion "authentication.k8s.io\/v1" is not one k1s can decode/ },
  { name: 'a truncated body', body: () => pod().subarray(0, -3), error: /runs past the end/ },
  { name: 'a field of the wrong wire type', body: () => pod([num(2, 1)]), error: /spec\.containers\[0\]\.image: wire type 0, expected 2/ },
  { name: 'an unknown field inside a time', body: () => pod([], [], [msg(8, num(1, 1), num(7, 1))]), error: /metadata\.creationTimestamp: field 7 is not part of meta\.v1\.Time/ },
  { name: 'an integer JSON cannot carry exactly', body: () => pod([], [num(4, 2n ** 60n)]), error: /does not fit a JSON number/ },
  { name: 'a compressed envelope', body: () => envelope('v1', 'Pod', Buffer.alloc(0), [len(3, 'gzip')]), error: /content encoding "gzip" is not supported/ },
];

for (const c of refused) {
  test(`refused with a 400: ${c.name}`, () => badRequest(() => decodeKubernetesProtobuf(c.body()), c.error));
}

test('content type detection', () => {
  assert.ok(isProtobufContentType('application/vnd.kubernetes.protobuf'));
  assert.ok(isProtobufContentType('application/vnd.kubernetes.protobuf; charset=binary'));
  assert.ok(!isProtobufContentType('application/json'));
  assert.ok(!isProtobufContentType(undefined));
});

test("durations print as Go's time.Duration", () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [999n, '999ns'],
    [1500n, '1.5µs'],
    [1500000n, '1.5ms'],
    [1000000000n, '1s'],
    [90n * 60n * 1000000000n, '1h30m0s'],
    [61500000000n, '1m1.5s'],
    [-2000000000n, '-2s'],
  ];
  for (const [ns, s] of cases) assert.equal(goDuration(ns), s);
});
