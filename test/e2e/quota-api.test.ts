// Real kubectl against the API server alone (no Docker; the quota controller runs): ResourceQuota
// refusing what exceeds it with kube's message and writing nothing, its status in `get`/`describe`,
// and a LimitRange's defaults and bounds on pods.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKubectl, startApi, type ApiHarness } from './api-harness.js';

const pod = (name: string, resources = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - name: c
    image: k1s.local/busybox:1.36
${resources}`;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('kubectl, ResourceQuota and LimitRange', { skip: !hasKubectl && 'kubectl is not installed' }, () => {
  let h: ApiHarness;
  const ok = (args: string[], input?: string) => h.ok(args, input);
  const fails = (args: string[], input?: string) => h.fails(args, input);

  before(async () => {
    h = await startApi();
  });
  after(() => h?.stop());

  test('kubectl create quota; the pod beyond it is refused with 403 and kube\'s text, nothing written; get and describe show the usage', async () => {
    await ok(['create', 'namespace', 'q1']);
    assert.equal(await ok(['-n', 'q1', 'create', 'quota', 'q', '--hard=pods=1,count/configmaps=1,services=2']), 'resourcequota/q created\n');
    await ok(['-n', 'q1', 'create', '-f', '-'], pod('a'));
    const revision = h.store.revision;
    const err = await fails(['-n', 'q1', 'create', '-f', '-'], pod('b'));
    assert.equal(err, 'Error from server (Forbidden): error when creating "STDIN": pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1\n');
    assert.equal(h.store.revision, revision, 'nothing written on refusal');
    // a dry run checks and charges nothing
    assert.match(await fails(['-n', 'q1', 'create', '-f', '-', '--dry-run=server'], pod('c')), /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1/);
    assert.equal(await ok(['-n', 'q1', 'create', 'configmap', 'one', '--dry-run=server']), 'configmap/one created (server dry run)\n');
    await ok(['-n', 'q1', 'create', 'configmap', 'one']);
    assert.match(await fails(['-n', 'q1', 'create', 'configmap', 'two']), /configmaps "two" is forbidden: exceeded quota: q, requested: count\/configmaps=1, used: count\/configmaps=1, limited: count\/configmaps=1/);
    await eventually('the quota status', async () => /pods: 1\/1/.test(await ok(['-n', 'q1', 'get', 'quota'])));
    assert.match(await ok(['-n', 'q1', 'get', 'quota']), /^NAME\s+AGE\s+REQUEST\s+LIMIT\nq\s+\d+s\s+count\/configmaps: 1\/1, pods: 1\/1, services: 0\/2\s+\n$/);
    assert.match(
      await ok(['-n', 'q1', 'describe', 'quota', 'q']),
      /^Name:\s+q\nNamespace:\s+q1\nResource\s+Used\s+Hard\n-+\s+-+\s+-+\ncount\/configmaps\s+1\s+1\npods\s+1\s+1\nservices\s+0\s+2\n$/,
    );
    // deleting the pod frees its slot
    await ok(['-n', 'q1', 'delete', 'pod', 'a', '--wait=false']);
    await ok(['-n', 'q1', 'create', '-f', '-'], pod('b'));
  });

  test('compute quota: a container without the quota\'s resources is refused ("failed quota"); requests sum in kube\'s quantities', async () => {
    await ok(['create', 'namespace', 'q2']);
    await ok(['-n', 'q2', 'create', 'quota', 'compute', '--hard=requests.cpu=1,limits.memory=256Mi']);
    assert.match(await fails(['-n', 'q2', 'create', '-f', '-'], pod('bare')), /pods "bare" is forbidden: failed quota: compute: must specify limits\.memory for: c; requests\.cpu for: c\n$/);
    const res = (cpu: string, mem: string) => `    resources:\n      requests: {cpu: ${cpu}}\n      limits: {memory: ${mem}}\n`;
    await ok(['-n', 'q2', 'create', '-f', '-'], pod('p1', res('500m', '128Mi')));
    await ok(['-n', 'q2', 'create', '-f', '-'], pod('p2', res('250m', '64Mi')));
    assert.match(
      await fails(['-n', 'q2', 'create', '-f', '-'], pod('p3', res('300m', '64Mi'))),
      /pods "p3" is forbidden: exceeded quota: compute, requested: requests\.cpu=300m, used: requests\.cpu=750m, limited: requests\.cpu=1\n$/,
    );
    await ok(['-n', 'q2', 'create', '-f', '-'], pod('p3', res('250m', '64Mi')));
    await eventually('the quota status', async () => /requests\.cpu: 1\/1/.test(await ok(['-n', 'q2', 'get', 'quota'])));
    assert.match(await ok(['-n', 'q2', 'get', 'quota', 'compute']), /\ncompute\s+\d+s\s+requests\.cpu: 1\/1\s+limits\.memory: 256Mi\/256Mi\n$/);
    const status = JSON.parse(await ok(['-n', 'q2', 'get', 'quota', 'compute', '-o', 'jsonpath={.status}']));
    assert.deepEqual(status, { hard: { 'limits.memory': '256Mi', 'requests.cpu': '1' }, used: { 'limits.memory': '256Mi', 'requests.cpu': '1' } });
  });

  test('a LimitRange default reaches the pod (and its qosClass); max, min and ratio refuse with kube\'s words', async () => {
    await ok(['create', 'namespace', 'lr']);
    const limits = `apiVersion: v1
kind: LimitRange
metadata: {name: bounds}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 128Mi}
    defaultRequest: {cpu: 250m}
    max: {cpu: "1"}
    min: {cpu: 100m}
    maxLimitRequestRatio: {memory: "2"}
`;
    assert.equal(await ok(['-n', 'lr', 'create', '-f', '-'], limits), 'limitrange/bounds created\n');
    assert.match(await ok(['-n', 'lr', 'get', 'limits']), /^NAME\s+CREATED AT\nbounds\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    await ok(['-n', 'lr', 'create', '-f', '-'], pod('d'));
    assert.equal(await ok(['-n', 'lr', 'get', 'pod', 'd', '-o', 'jsonpath={.spec.containers[0].resources}']), '{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m","memory":"128Mi"}}');
    assert.equal(await ok(['-n', 'lr', 'get', 'pod', 'd', '-o', 'jsonpath={.status.qosClass}']), 'Burstable');
    assert.equal(
      await ok(['-n', 'lr', 'get', 'pod', 'd', '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}']),
      'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c',
    );
    const revision = h.store.revision;
    assert.equal(
      await fails(['-n', 'lr', 'create', '-f', '-'], pod('big', '    resources:\n      limits: {cpu: "2", memory: 100Mi}\n')),
      'Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2\n',
    );
    assert.match(
      await fails(['-n', 'lr', 'create', '-f', '-'], pod('many', '    resources:\n      requests: {cpu: 50m, memory: 32Mi}\n      limits: {cpu: 2000m}\n')),
      /pods "many" is forbidden: \[minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 1, but limit is 2, memory max limit to request ratio per Container is 2, but provided ratio is 4\.000000\]\n$/,
    );
    // a default limit below the container's own request makes the pod invalid, as in kube
    assert.match(
      await fails(['-n', 'lr', 'create', '-f', '-'], pod('over', '    resources:\n      requests: {cpu: 700m}\n')),
      /The Pod "over" is invalid: spec\.containers\[0\]\.resources\.requests\[cpu\]: Invalid value: "700m": must be less than or equal to cpu limit of 500m/,
    );
    assert.equal(h.store.revision, revision, 'nothing written on refusal');
    // the default request is defaulted from the default limit, so both exceed max
    assert.equal(
      await fails(['-n', 'lr', 'create', '-f', '-'], 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: "2"}\n    max: {cpu: "1"}\n'),
      'The LimitRange "bad" is invalid: \n' +
        '* spec.limits[0].defaultRequest[cpu]: Invalid value: "2": default request value 2 is greater than max value 1\n' +
        '* spec.limits[0].default[cpu]: Invalid value: "1": default value 2 is greater than max value 1\n',
    );
  });

  test('concurrent creates racing for the last slots: exactly as many succeed as the quota allows', async () => {
    await ok(['create', 'namespace', 'q3']);
    await ok(['-n', 'q3', 'create', 'quota', 'q', '--hard=pods=2']);
    const results = await Promise.all(['r1', 'r2', 'r3', 'r4', 'r5'].map((n) => h.kubectl(['-n', 'q3', 'create', '-f', '-'], pod(n))));
    assert.equal(results.filter((r) => r.status === 0).length, 2);
    const refused = results.filter((r) => r.status !== 0);
    assert.equal(refused.length, 3);
    for (const r of refused) assert.match(r.stderr, /is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2\n$/);
    assert.equal(JSON.parse(await ok(['-n', 'q3', 'get', 'pods', '-o', 'json'])).items.length, 2);
  });

  test('quota scopes are refused as not supported by k1s yet', async () => {
    const err = await fails(['create', '-f', '-'], 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: s}\nspec:\n  hard: {pods: "1"}\n  scopes: [BestEffort]\n');
    assert.match(err, /spec\.scopes.*not supported by k1s yet/);
  });
});
