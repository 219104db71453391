import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../src/api/types.js';
import { pickStreamTarget, splitDockerFrames } from '../../../agent/exec.js';
import { emptyObservedPod, type ObservedContainer, type ObservedPod } from '../../../agent/observed.js';
import { portForwardHeaders } from '../../../src/apiserver/portforward.js';

const SUBNET = '10.244.0.0/16';

function pod(containers = ['web', 'side']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { containers: containers.map((name) => ({ name, image: 'k1s.local/busybox:1.36' })) },
  } as Pod;
}

function container(name: string, id: string, state: ObservedContainer['state']): ObservedContainer {
  return { id, name, state, attempt: 0, hash: 'h', image: 'i', imageID: 'sha256:i', createdAt: '2026-01-01T00:00:00Z' };
}

function observed(mutate: (o: ObservedPod) => void): ObservedPod {
  const o = emptyObservedPod('u1', 'p', 'default');
  o.sandboxes.push({ id: 's1', attempt: 0, state: 'running', ip: '10.244.0.7', createdAt: '' });
  o.containers.push(container('web', 'c-web', 'running'), container('side', 'c-side', 'running'));
  mutate(o);
  return o;
}

test('which container exec/attach reach, and which address port-forward dials', () => {
  const cases: Record<string, { pod?: Pod; mutate?: (o: ObservedPod) => void; want: Parameters<typeof pickStreamTarget>[2]; expect: unknown }> = {
    'everything is good: the named container': { want: { container: 'side' }, expect: { containerId: 'c-side' } },
    'one container needs no name': { pod: pod(['web']), mutate: (o) => o.containers.splice(1), want: { container: undefined }, expect: { containerId: 'c-web' } },
    'two containers need a name': { want: { container: undefined }, expect: /a container name must be specified for pod p, choose one of: \[web side\]/ },
    'an unknown name': { want: { container: 'nope' }, expect: /container nope is not valid for pod p/ },
    'a container that is not running': { mutate: (o) => (o.containers[0].state = 'exited'), want: { container: 'web' }, expect: /container not found \("web"\)/ },
    'the newest running one after a restart': {
      mutate: (o) => o.containers.unshift(container('web', 'c-web-2', 'running')),
      want: { container: 'web' },
      expect: { containerId: 'c-web-2' },
    },
    'port-forward: the sandbox address': { want: 'sandbox', expect: { podIP: '10.244.0.7' } },
    'port-forward: no running sandbox': { mutate: (o) => (o.sandboxes[0].state = 'exited'), want: 'sandbox', expect: /has no running sandbox/ },
    'port-forward: never an address outside the pod network': { mutate: (o) => (o.sandboxes[0].ip = '192.168.1.10'), want: 'sandbox', expect: /outside the pod network/ },
  };
  for (const [name, c] of Object.entries(cases)) {
    const run = () => pickStreamTarget(c.pod ?? pod(), observed(c.mutate ?? (() => undefined)), c.want, SUBNET);
    if (c.expect instanceof RegExp) assert.throws(run, c.expect, name);
    else assert.deepEqual(run(), c.expect, name);
  }
});

test("Docker's multiplexed stream splits into stdout and stderr, keeping a partial frame", () => {
  const frame = (type: number, text: string) => {
    const head = Buffer.alloc(8);
    head[0] = type;
    head.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([head, Buffer.from(text)]);
  };
  const wire = Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, '')]);
  assert.deepEqual(splitDockerFrames(wire), {
    frames: [
      { stream: 'stdout', data: Buffer.from('out') },
      { stream: 'stderr', data: Buffer.from('err') },
      { stream: 'stdout', data: Buffer.alloc(0) },
    ],
    rest: Buffer.alloc(0),
  });
  const partial = splitDockerFrames(Buffer.concat([frame(2, 'x'), frame(1, 'yz').subarray(0, 9)]));
  assert.deepEqual(partial.frames, [{ stream: 'stderr', data: Buffer.from('x') }]);
  assert.equal(partial.rest.length, 9);
});

test("port-forward stream headers, with the kubelet's messages", () => {
  const h = (headers: Record<string, string>, id = 1) => portForwardHeaders((n) => headers[n], id);
  const cases: Record<string, { got: unknown; want: unknown }> = {
    'kubectl data stream': { got: h({ streamtype: 'data', port: '8080', requestid: '0' }, 3), want: { type: 'data', port: 8080, requestID: '0' } },
    'old client: error stream id N': { got: h({ streamtype: 'error', port: '80' }, 5), want: { type: 'error', port: 80, requestID: '5' } },
    'old client: data stream id N+2': { got: h({ streamtype: 'data', port: '80' }, 7), want: { type: 'data', port: 80, requestID: '5' } },
    'no port': { got: h({ streamtype: 'data' }), want: { error: '"port" header is required' } },
    'bad port': { got: h({ streamtype: 'data', port: 'http' }), want: { error: 'unable to parse "http" as a port' } },
    'port 0': { got: h({ streamtype: 'data', port: '0' }), want: { error: 'port "0" must be > 0' } },
    'no type': { got: h({ port: '80' }), want: { error: '"streamType" header is required' } },
    'bad type': { got: h({ port: '80', streamtype: 'stdin' }), want: { error: 'invalid stream type "stdin"' } },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(c.got, c.want, name);
});
