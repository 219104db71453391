// Where `k1s server` sends names outside the cluster zone (src/server.ts -> serverUpstreams): the
// --upstream flag, else the host's resolvers past a systemd-resolved stub, read through an
// injected file reader (a fake file system here: the machine's own files are never read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_RESOLV_CONF, RESOLVED_UPSTREAMS, serverUpstreams } from '../../../dns/server.js';

const STUB = 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n';
const RESOLVED = 'nameserver 192.0.2.53\nnameserver 198.51.100.53\n';

/** A reader over the given files, which notes every path it was asked for. */
function files(contents: Record<string, string>) {
  const read: string[] = [];
  return { read, reader: (path: string) => (read.push(path), contents[path]) };
}

test('serverUpstreams: --upstream wins and no host file is read', () => {
  const fs = files({ [HOST_RESOLV_CONF]: STUB, [RESOLVED_UPSTREAMS]: RESOLVED });
  assert.deepEqual(serverUpstreams(['127.0.0.1:5353'], fs.reader), ['127.0.0.1:5353']);
  assert.deepEqual(fs.read, []);
});

test("serverUpstreams: without --upstream, past systemd-resolved's 127.0.0.53 to the real servers", () => {
  const fs = files({ [HOST_RESOLV_CONF]: STUB, [RESOLVED_UPSTREAMS]: RESOLVED });
  assert.deepEqual(serverUpstreams(undefined, fs.reader), ['192.0.2.53', '198.51.100.53']);
  assert.deepEqual(fs.read, [HOST_RESOLV_CONF, RESOLVED_UPSTREAMS]);
});

test('serverUpstreams: real servers in /etc/resolv.conf are used as listed; no file means none', () => {
  assert.deepEqual(serverUpstreams(undefined, files({ [HOST_RESOLV_CONF]: 'nameserver 203.0.113.1\n', [RESOLVED_UPSTREAMS]: RESOLVED }).reader), ['203.0.113.1']);
  assert.deepEqual(serverUpstreams(undefined, files({}).reader), []);
  // a stub and nothing behind it: the stub, rather than nothing
  assert.deepEqual(serverUpstreams(undefined, files({ [HOST_RESOLV_CONF]: STUB }).reader), ['127.0.0.53']);
});
