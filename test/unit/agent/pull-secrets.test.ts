// imagePullSecrets: which credentials an image gets (kube's credentialprovider keyring), the pull
// trying them in turn, and the kubelet's event for a secret it cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Secret } from '../../../src/api/types.js';
import { FakeRuntime } from '../../../agent/fake-runtime.js';
import { ImageManager } from '../../../agent/image-manager.js';
import { credentialsFor, keyringOf, repositoryOf } from '../../../agent/pull-secrets.js';
import { startFakeAgent } from '../../fixtures/fake-agent.js';
import { MemoryNodeView, makePod, waitFor } from '../../fixtures/node-view.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function dockerconfigjson(name: string, auths: Record<string, object>): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } };
}

test('pull secrets: image references normalized as the kubelet looks them up', () => {
  assert.equal(repositoryOf('nginx'), 'docker.io/library/nginx');
  assert.equal(repositoryOf('nginx:1.27'), 'docker.io/library/nginx');
  assert.equal(repositoryOf('bitnami/redis:7'), 'docker.io/bitnami/redis');
  assert.equal(repositoryOf('registry.invalid/team/app:1.0'), 'registry.invalid/team/app');
  assert.equal(repositoryOf('localhost:5000/app@sha256:abc'), 'localhost:5000/app');
  assert.equal(repositoryOf('localhost/app:1'), 'localhost/app');
});

const base: Record<string, object> = {
  'registry.invalid': { username: 'host', password: 'h' },
  'https://registry.invalid/team': { username: 'team', password: 't' },
  'https://index.docker.io/v1/': { auth: b64('hub:secret') },
  '*.corp.invalid': { username: 'wild', password: 'w' },
  'registry.invalid:5000': { username: 'port', password: 'p' },
};
const users = (image: string, auths: Record<string, object> = base) => credentialsFor(image, keyringOf([dockerconfigjson('reg', auths)])).map((a) => a.username);

const cases: Record<string, { image: string; auths?: Record<string, object>; expected: (string | undefined)[] }> = {
  'everything is good: the host key for an image of that registry': { image: 'registry.invalid/other/app:1', expected: ['host'] },
  'a path key first (more specific), then the host': { image: 'registry.invalid/team/app:1', expected: ['team', 'host'] },
  'a path key is a plain string prefix, as in kube (teamwork matches team)': { image: 'registry.invalid/teamwork/app:1', expected: ['team', 'host'] },
  'another registry: nothing': { image: 'quay.invalid/app:1', expected: [] },
  'a port must match': { image: 'registry.invalid:5000/app:1', expected: ['port'] },
  'a glob matches one label': { image: 'eu.corp.invalid/app:1', expected: ['wild'] },
  'a glob does not match two labels': { image: 'a.eu.corp.invalid/app:1', expected: [] },
  'Docker Hub image without a registry: the index.docker.io credentials (auth decoded)': { image: 'nginx:1.27', expected: ['hub'] },
  'Docker Hub written out: the same': { image: 'docker.io/library/nginx:1.27', expected: ['hub'] },
  'a docker.io key also serves Docker Hub images': { image: 'bitnami/redis:7', auths: { 'docker.io': { username: 'dio', password: 'x' } }, expected: ['dio'] },
};
for (const [name, c] of Object.entries(cases)) {
  test(`pull secrets: ${name}`, () => {
    assert.deepEqual(users(c.image, c.auths), c.expected);
  });
}

test('pull secrets: dockercfg secrets count; other types and unreadable data do not', () => {
  const dockercfg: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'registry.invalid': { username: 'cfg', password: 'c', email: 'a@b' } })) } };
  const opaque: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'o' }, type: 'Opaque', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.invalid': { username: 'no' } } })) } };
  const broken: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } };
  const got = credentialsFor('registry.invalid/app:1', keyringOf([opaque, broken, dockercfg]));
  assert.deepEqual(got, [{ username: 'cfg', password: 'c', email: 'a@b', serveraddress: 'registry.invalid' }]);
});

test('pull secrets: the pull tries each credential in turn; all failing, the errors together', async () => {
  const runtime = new FakeRuntime();
  runtime.unpullable.add('registry.invalid/app:1');
  const events: string[] = [];
  const images = new ImageManager(runtime, Date.now, (_p, type, reason, message) => events.push(`${type} ${reason} ${message}`));
  const pod = makePod('p', { containers: [{ name: 'c', image: 'registry.invalid/app:1' }] });
  const creds = credentialsFor('registry.invalid/app:1', keyringOf([dockerconfigjson('reg', base)]));
  const r = await images.ensure(pod, pod.spec.containers[0], creds);
  assert.equal(r.ok, false);
  assert.deepEqual(runtime.calls, ['pull registry.invalid/app:1 as host@registry.invalid']);
  const nohost = 'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host';
  assert.ok(!r.ok && r.waiting.message === nohost);

  const two = [...creds, { username: 'second', serveraddress: 'registry.invalid' }];
  const pod2 = makePod('p2', { containers: [{ name: 'c', image: 'registry.invalid/app:1' }] });
  const r2 = await images.ensure(pod2, pod2.spec.containers[0], two);
  assert.ok(!r2.ok && r2.waiting.message === `[${nohost}, ${nohost}]`);
  assert.deepEqual(runtime.calls.slice(1), ['pull registry.invalid/app:1 as host@registry.invalid', 'pull registry.invalid/app:1 as second@registry.invalid']);
});

test('pull secrets: through the agent, a missing secret is an event (once) and the pull goes on with the others', async (t) => {
  const runtime = new FakeRuntime();
  runtime.unpullable.add('registry.invalid/app:1');
  const api = new MemoryNodeView();
  api.addSecret(dockerconfigjson('reg', { 'registry.invalid': { username: 'me', password: 'pw' } }));
  startFakeAgent(t, api, runtime);
  const pod = api.add(makePod('private', { imagePullSecrets: [{ name: 'gone' }, { name: 'reg' }, { name: '' }], containers: [{ name: 'app', image: 'registry.invalid/app:1' }] }));
  await waitFor('ErrImagePull', () => api.waitingReasonsOf(pod, 'app').includes('ErrImagePull'));
  await new Promise((r) => setTimeout(r, 100)); // a few more syncs
  assert.ok(runtime.calls.includes('pull registry.invalid/app:1 as me@registry.invalid'), runtime.calls.join('\n'));
  const missing = api.eventsOf(pod).filter((e) => e.reason === 'FailedToRetrieveImagePullSecret');
  assert.deepEqual(
    missing.map((e) => `${e.type} ${e.message}`),
    ['Warning Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.'],
  );
});
