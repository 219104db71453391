// Issue 9's acceptance on a real `k1s server`: the cluster DNS asked as users ask it, with `dig`
// from the host through the kube-dns Service address (10.96.0.10) and with busybox `nslookup`
// in a pod (kubectl exec): A, SRV, PTR, headless, ExternalName (the fake upstream answers its
// target), StatefulSet pod names, NXDOMAIN and NODATA, a headless Service of 40 endpoints
// (hand-written EndpointSlice) truncated over UDP and whole over TCP, the search path (`web`,
// `web.other-ns`), the pods' /etc/resolv.conf per dnsPolicy, and the seed notes' headless-Service
// example (../shared/seeds/004) answering as the notes show. One server, one set of pods.
// Names outside the cluster go to a fake upstream on 127.0.0.1, never to this machine's resolver.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE } from '../fixtures/images.js';
import { engineSuite } from './engine-suite.js';
import { ROOT, waitFor } from './harness.js';

const DNS = '10.96.0.10';
const BIG = 40;
const SEED = join(ROOT, '../shared/seeds/004_fc0a5cd67d2da600.txt');
const NONE_CONFIG = { nameservers: ['192.0.2.53'], searches: ['a.example', 'b.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };

const sleeper = (name: string, spec: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
${spec}  containers:
  - name: sh
    image: ${BUSYBOX_IMAGE}
    command: [sleep, "3600"]
`;

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata: {name: other-ns}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: nothing}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other-ns}
spec:
  selector: {app: nothing}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: outside.example
---
apiVersion: v1
kind: Service
metadata: {name: big}
spec:
  clusterIP: None
  ports: [{name: http, port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: big-hand
  labels: {kubernetes.io/service-name: big}
addressType: IPv4
ports: [{name: http, port: 80, protocol: TCP}]
endpoints:
${Array.from({ length: BIG }, (_, i) => `- {addresses: ["10.244.200.${i + 1}"], hostname: h${i + 1}, conditions: {ready: true}}`).join('\n')}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: ${BUSYBOX_IMAGE}
        command: [sleep, "3600"]
${sleeper('client', '')}${sleeper('dns-default', '  dnsPolicy: Default\n')}${sleeper('dns-none', `  dnsPolicy: None\n  dnsConfig: ${JSON.stringify(NONE_CONFIG)}\n`)}${sleeper('dns-hostnet', '  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n')}`;

// whoami's stand-in: serves port 80 and, like whoami, exits on SIGTERM (httpd as a container's
// PID 1 would ignore it, and the seed's pods keep the default 30 s grace period)
const WHOAMI_STANDIN = 'trap "exit 0" TERM; httpd -f -p 80 -h /www & wait';

/**
 * The seed's headless-Service example as written (a Deployment of 3 and two Services), but for the
 * image: traefik/whoami cannot be pulled here, so busybox's httpd serves the same named port 80.
 */
function seedExample(seed: string): string {
  const blocks = [...seed.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const example = blocks.filter((b) => /^kind: (Deployment|Service)$/m.test(b) && /^ {2}name: example(-headless)?$/m.test(b) && !/^\//m.test(b));
  assert.equal(example.length, 3, 'the seed has the Deployment, the Service and the headless Service');
  return example
    .join('---\n')
    .replace('- image: docker.io/traefik/whoami:latest', `- image: ${BUSYBOX_IMAGE}\n        command: [sh, -c, ${JSON.stringify(WHOAMI_STANDIN)}]`);
}

/** dig from the host through the kube-dns Service: status, flags and the answer records (name type data). */
function dig(name: string, type = 'A', ...flags: string[]): { status: string; flags: string[]; answers: string[] } {
  const out = execFileSync('dig', [`@${DNS}`, '+time=2', '+tries=1', '+noall', '+comments', '+answer', ...flags, name, type], { encoding: 'utf8' });
  const header = /status: (\w+)/.exec(out);
  const flagLine = /;; flags: ([^;]*);/.exec(out);
  const answers = out
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(/\s+/))
    .map(([owner, , , rtype, ...data]) => `${owner} ${rtype} ${data.join(' ')}`);
  return { status: header?.[1] ?? out, flags: flagLine?.[1].trim().split(/\s+/) ?? [], answers };
}

describe('cluster DNS from the host and from pods (issue 9 acceptance)', { skip: spawnSync('dig', ['-v']).error ? 'dig is not installed (bind9-dnsutils)' : false }, () => {
  const s = engineSuite({ deleteFirst: ['deployments,statefulsets'], upstreamRecords: { 'outside.example.': '192.0.2.44' } });
  const ip: Record<string, string> = {};
  const nslookup = (...args: string[]) => {
    const r = s.kubectl(['exec', 'client', '--', 'nslookup', '-timeout=3', ...args]);
    return r.stdout + r.stderr;
  };
  /** The address the pod's libc resolver (search list, ndots, TC then TCP) gives a name, from
   * ping's first line; ping's packets stay on the host (the guard rejects the service range). */
  const resolved = (name: string) => /^PING \S+ \((\d+\.\d+\.\d+\.\d+)\)/m.exec(s.kubectl(['exec', 'client', '--', 'ping', '-c', '1', '-W', '1', name]).stdout)?.[1];
  const resolvConf = (pod: string) => s.ok(['exec', pod, '--', 'cat', '/etc/resolv.conf']);
  const esc = (x: string) => x.replace(/\./g, '\\.');

  before(async () => {
    s.ok(['apply', '-f', '-'], MANIFEST);
    if (existsSync(SEED)) s.ok(['apply', '-f', '-'], seedExample(readFileSync(SEED, 'utf8')));
  });

  test('the pods start and the names are served', async () => {
    s.ok(['wait', '--for=condition=Ready', 'pod/client', 'pod/dns-default', 'pod/dns-none', 'pod/dns-hostnet', '--timeout=90s']);
    await waitFor('2 ready db pods', () => s.jsonpath(['sts', 'db'], '{.status.readyReplicas}') === '2', 90_000, 500);
    ip.web = s.jsonpath(['svc', 'web'], '{.spec.clusterIP}');
    ip.otherWeb = s.jsonpath(['svc', 'web', '-n', 'other-ns'], '{.spec.clusterIP}');
    ip.db0 = s.jsonpath(['pod', 'db-0'], '{.status.podIP}');
    ip.db1 = s.jsonpath(['pod', 'db-1'], '{.status.podIP}');
    assert.notEqual(ip.web, ip.otherWeb);
    await waitFor('the db pods in DNS', () => dig('db.default.svc.cluster.local').answers.length === 2, 10_000, 200);
  });

  test('dig from the host: A, SRV, PTR, headless, ExternalName, StatefulSet pod names', () => {
    assert.deepEqual(dig('web.default.svc.cluster.local').answers, [`web.default.svc.cluster.local. A ${ip.web}`]);
    assert.deepEqual(dig('web.other-ns.svc.cluster.local').answers, [`web.other-ns.svc.cluster.local. A ${ip.otherWeb}`]);
    assert.deepEqual(dig('_http._tcp.web.default.svc.cluster.local', 'SRV').answers, ['_http._tcp.web.default.svc.cluster.local. SRV 0 100 80 web.default.svc.cluster.local.']);
    const rev = ip.web.split('.').reverse().join('.');
    assert.deepEqual(dig(`${rev}.in-addr.arpa`, 'PTR').answers, [`${rev}.in-addr.arpa. PTR web.default.svc.cluster.local.`]);
    assert.deepEqual(dig('db.default.svc.cluster.local').answers.sort(), [`db.default.svc.cluster.local. A ${ip.db0}`, `db.default.svc.cluster.local. A ${ip.db1}`].sort());
    assert.deepEqual(dig('db-0.db.default.svc.cluster.local').answers, [`db-0.db.default.svc.cluster.local. A ${ip.db0}`]);
    assert.deepEqual(
      dig('_pg._tcp.db.default.svc.cluster.local', 'SRV').answers.sort(),
      ['db-0', 'db-1'].map((p) => `_pg._tcp.db.default.svc.cluster.local. SRV 0 50 5432 ${p}.db.default.svc.cluster.local.`).sort(),
    );
    const rev0 = ip.db0.split('.').reverse().join('.');
    assert.deepEqual(dig(`${rev0}.in-addr.arpa`, 'PTR').answers, [`${rev0}.in-addr.arpa. PTR db-0.db.default.svc.cluster.local.`]);
    assert.deepEqual(dig('ext.default.svc.cluster.local').answers, ['ext.default.svc.cluster.local. CNAME outside.example.', 'outside.example. A 192.0.2.44']);
  });

  test('dig from the host: NXDOMAIN and NODATA, both authoritative', () => {
    const nx = dig('nope.default.svc.cluster.local');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.ok(nx.flags.includes('aa'), `flags ${nx.flags}`);
    const nodata = dig('web.default.svc.cluster.local', 'AAAA');
    assert.deepEqual([nodata.status, nodata.answers], ['NOERROR', []]);
    assert.ok(nodata.flags.includes('aa'));
    assert.equal(dig('nope.other-ns.svc.cluster.local').status, 'NXDOMAIN');
    assert.equal(dig('missing-ns.svc.cluster.local').status, 'NXDOMAIN', 'a namespace that does not exist');
    assert.deepEqual(dig('other-ns.svc.cluster.local').status, 'NOERROR', 'an existing namespace is NODATA');
  });

  test(`a headless Service of ${BIG} endpoints: truncated over UDP without EDNS, whole over TCP`, () => {
    const udp = dig('big.default.svc.cluster.local', 'A', '+notcp', '+noedns', '+ignore');
    assert.ok(udp.flags.includes('tc'), `flags ${udp.flags}`);
    assert.ok(udp.answers.length < BIG, `${udp.answers.length} answers fit in 512 bytes`);
    const tcp = dig('big.default.svc.cluster.local', 'A', '+tcp');
    assert.ok(!tcp.flags.includes('tc'));
    assert.deepEqual(tcp.answers.sort(), Array.from({ length: BIG }, (_, i) => `big.default.svc.cluster.local. A 10.244.200.${i + 1}`).sort());
    // dig's own fallback: UDP, TC, then TCP
    assert.equal(dig('big.default.svc.cluster.local', 'A', '+noedns').answers.length, BIG);
    // and the endpoint hostnames of the hand-written slice
    assert.deepEqual(dig('h7.big.default.svc.cluster.local').answers, ['h7.big.default.svc.cluster.local. A 10.244.200.7']);
  });

  test('nslookup in a pod: A, SRV, PTR, headless, ExternalName, StatefulSet pod names', () => {
    assert.match(nslookup('web.default.svc.cluster.local'), new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${esc(ip.web)}\\b`));
    assert.match(nslookup('-type=srv', '_http._tcp.web.default.svc.cluster.local'), /_http\._tcp\.web\.default\.svc\.cluster\.local\s+service = 0 100 80 web\.default\.svc\.cluster\.local/);
    assert.match(nslookup(ip.web), new RegExp(`name = web\\.default\\.svc\\.cluster\\.local`));
    const headless = nslookup('db.default.svc.cluster.local');
    assert.deepEqual([...headless.matchAll(/Address:\s+(10\.244\.\S+)/g)].map((m) => m[1]).sort(), [ip.db0, ip.db1].sort(), headless);
    assert.match(nslookup('db-1.db.default.svc.cluster.local'), new RegExp(`Address:\\s+${esc(ip.db1)}\\b`));
    assert.match(nslookup(ip.db1), /name = db-1\.db\.default\.svc\.cluster\.local/);
    const ext = nslookup('ext.default.svc.cluster.local');
    assert.match(ext, /ext\.default\.svc\.cluster\.local\s+canonical name = outside\.example/);
    assert.match(ext, /Address:\s+192\.0\.2\.44/);
  });

  test('nslookup in a pod: NXDOMAIN and NODATA', () => {
    assert.match(nslookup('nope.default.svc.cluster.local'), /can't find nope\.default\.svc\.cluster\.local\.?: NXDOMAIN/i);
    // NODATA: busybox prints no record and no error (its "can't find" is for an rcode)
    const nodata = s.kubectl(['exec', 'client', '--', 'nslookup', '-type=aaaa', 'web.default.svc.cluster.local']);
    assert.equal(nodata.code, 0, nodata.stderr);
    assert.doesNotMatch(nodata.stdout, /can't find/i);
    assert.deepEqual([...nodata.stdout.matchAll(/Address:\s+(\S+)/g)].map((m) => m[1]), [`${DNS}:53`], 'only the server line');
  });

  test(`a pod resolves the ${BIG}-endpoint headless Service (its libc retries the truncated answer over TCP)`, () => {
    assert.match(resolved('big.default.svc.cluster.local') ?? '', /^10\.244\.200\.\d+$/);
    // busybox nslookup does neither: it prints nothing for an answer with TC set
    assert.doesNotMatch(nslookup('big.default.svc.cluster.local'), /10\.244\.200\./);
  });

  test('the search path from a pod: web, web.other-ns, db-0.db', () => {
    // busybox nslookup applies the search list to dotless names only
    assert.match(nslookup('web'), new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${esc(ip.web)}\\b`));
    // the pod's resolver (libc: search list and ndots:5) for the rest
    assert.equal(resolved('web'), ip.web);
    assert.equal(resolved('web.other-ns'), ip.otherWeb);
    assert.equal(resolved('db-0.db'), ip.db0);
  });

  test('the same names with dig from the host, given the pod search list', () => {
    const search = ['+search', '+ndots=5', '+domain=default.svc.cluster.local'];
    assert.deepEqual(dig('web', 'A', ...search).answers, [`web.default.svc.cluster.local. A ${ip.web}`]);
  });

  test("each pod's /etc/resolv.conf per dnsPolicy, as the kubelet writes it", () => {
    assert.equal(resolvConf('client'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.equal(resolvConf('dns-hostnet'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    assert.equal(resolvConf('dns-none'), 'search a.example b.example\nnameserver 192.0.2.53\noptions ndots:2 edns0\n');
    // Default: the node's resolv.conf (its search and options, its nameservers but loopback ones,
    // which a pod's network cannot reach)
    const host = readFileSync('/etc/resolv.conf', 'utf8').split('\n').map((l) => l.trim());
    const nameservers = host.filter((l) => /^nameserver\s/.test(l) && !/\s(127\.|::1)/.test(l)).map((l) => l.replace(/\s+/g, ' '));
    const pod = resolvConf('dns-default').trim().split('\n');
    assert.deepEqual(pod.filter((l) => l.startsWith('nameserver ')), nameservers);
    assert.ok(!pod.some((l) => /cluster\.local/.test(l)), 'no cluster search path');
  });

  test('the seed notes\' headless Service example resolves as the notes show', { skip: !existsSync(SEED) && 'the seed notes are not here' }, async () => {
    s.ok(['rollout', 'status', 'deployment/example', '--timeout=90s']);
    const seed = readFileSync(SEED, 'utf8');
    // the notes: `host example` gives the ClusterIP, `host example-headless` the three pod addresses
    const shown = (name: string) => [...seed.matchAll(new RegExp(`^(${esc(name)}\\.default\\.svc\\.cluster\\.local) has address (\\S+)$`, 'gm'))];
    assert.equal(shown('example').length, 1);
    assert.equal(shown('example-headless').length, 3);
    const clusterIP = s.jsonpath(['svc', 'example'], '{.spec.clusterIP}');
    const podIPs = s.jsonpath(['pods', '-l', 'app=example'], '{.items[*].status.podIP}').split(' ').sort();
    const answered = (name: string) => {
      const out = nslookup(name);
      return [...out.matchAll(/Name:\s+(\S+)\s+Address:\s+(\S+)/g)].map((m) => [m[1], m[2]]);
    };
    // the same names, modulo the addresses: ours are this cluster's
    assert.deepEqual(answered('example'), shown('example').map((m) => [m[1], clusterIP]));
    await waitFor('the three example pods behind example-headless', () => answered('example-headless').length === 3, 10_000, 250);
    const headless = answered('example-headless');
    assert.deepEqual(headless.map(([n]) => n), shown('example-headless').map((m) => m[1]));
    assert.deepEqual(headless.map(([, a]) => a).sort(), podIPs);
  });
});
