import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  CHANNEL,
  V4_CHANNEL,
  V5_CHANNEL,
  decodeChannel,
  encodeChannel,
  exitStatus,
  parseStreamOptions,
  parseTerminalSizes,
  serveRemoteCommand,
  type StreamIO,
} from '../../../src/apiserver/remotecommand.js';
import { OP, WebSocketConnection, decodeFrame, encodeFrame } from '../../../src/apiserver/websocket.js';

test('exec and attach options, with the API server messages', () => {
  const q = (s: string) => new URLSearchParams(s);
  const cases: Record<string, { sub: 'exec' | 'attach'; query: string; want: unknown }> = {
    'kubectl exec p -- sh -c x': {
      sub: 'exec',
      query: 'command=sh&command=-c&command=x&container=web&stderr=true&stdout=true',
      want: { container: 'web', command: ['sh', '-c', 'x'], stdin: false, stdout: true, stderr: true, tty: false },
    },
    'a tty drops stderr': {
      sub: 'exec',
      query: 'command=sh&stdin=true&stdout=true&stderr=true&tty=true',
      want: { container: undefined, command: ['sh'], stdin: true, stdout: true, stderr: false, tty: true },
    },
    'exec without a command': { sub: 'exec', query: 'stdout=true', want: { error: 'you must specify at least one command for the container' } },
    'no stream at all': { sub: 'attach', query: 'container=web', want: { error: 'you must specify at least 1 of stdin, stdout, stderr' } },
    'attach needs no command': { sub: 'attach', query: 'stdout=1', want: { container: undefined, command: [], stdin: false, stdout: true, stderr: false, tty: false } },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(parseStreamOptions(c.sub, q(c.query)), c.want, name);
});

test('channel messages: data on a channel byte, CLOSE only in v5', () => {
  assert.deepEqual(encodeChannel(CHANNEL.stdout, 'hi'), Buffer.from([1, 0x68, 0x69]));
  const cases: Record<string, { msg: number[]; protocol: string; want: unknown }> = {
    'stdin data': { msg: [0, 0x61], protocol: V5_CHANNEL, want: { kind: 'data', channel: 0, data: Buffer.from('a') } },
    'v5 close of stdin': { msg: [255, 0], protocol: V5_CHANNEL, want: { kind: 'close', channel: 0 } },
    'v4 has no close signal': { msg: [255, 0], protocol: V4_CHANNEL, want: { kind: 'data', channel: 255, data: Buffer.from([0]) } },
    'empty message': { msg: [], protocol: V5_CHANNEL, want: { kind: 'empty' } },
    'resize': { msg: [4, ...Buffer.from('{}')], protocol: V4_CHANNEL, want: { kind: 'data', channel: 4, data: Buffer.from('{}') } },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(decodeChannel(Buffer.from(c.msg), c.protocol), c.want, name);
});

test('terminal sizes from client-go json.Encoder lines', () => {
  const cases: Record<string, { data: string; want: unknown }> = {
    one: { data: '{"Width":101,"Height":33}\n', want: [{ width: 101, height: 33 }] },
    'two in one message': { data: '{"Width":80,"Height":24}\n{"Width":120,"Height":40}\n', want: [{ width: 80, height: 24 }, { width: 120, height: 40 }] },
    'garbage and zero sizes dropped': { data: 'nope\n{"Width":0,"Height":5}\n', want: [] },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(parseTerminalSizes(Buffer.from(c.data)), c.want, name);
});

test('exit status: Success, or NonZeroExitCode with an ExitCode cause client-go parses', () => {
  assert.deepEqual(exitStatus(0), { metadata: {}, status: 'Success' });
  const s = exitStatus(3, ['sh', '-c', 'exit 3']);
  assert.equal(s.status, 'Failure');
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  assert.equal(s.message, 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3');
});

/** A client end for serveRemoteCommand: frames in, decoded messages out. */
function fakeClient() {
  const socket = new PassThrough();
  const out: Buffer[] = [];
  socket.write = ((chunk: Buffer) => {
    out.push(chunk);
    return true;
  }) as typeof socket.write;
  const mask = Buffer.from([1, 2, 3, 4]);
  return {
    ws: new WebSocketConnection(socket),
    send: (bytes: Buffer) => socket.emit('data', encodeFrame(OP.binary, bytes, { mask })),
    close: () => socket.emit('data', encodeFrame(OP.close, Buffer.from([3, 232]), { mask })),
    messages: () =>
      out.map((b) => decodeFrame(b, { maxPayload: 1 << 20, requireMask: false })!.frame).map((f) => (f.opcode === OP.close ? 'close' : `${f.payload[0]}:${f.payload.subarray(1).toString()}`)),
  };
}

test('a session: stdin until CLOSE, resizes, output, then the status and a normal close', async () => {
  const c = fakeClient();
  const sizes: unknown[] = [];
  const opts = { command: ['cat'], stdin: true, stdout: true, stderr: true, tty: false };
  const done = serveRemoteCommand(c.ws, V5_CHANNEL, opts, async (io: StreamIO) => {
    io.onResize((s) => sizes.push(s));
    let input = '';
    for await (const chunk of io.stdin!) input += chunk;
    io.stdout!.write(`got ${input}`);
    io.stderr!.write('warn');
    return 3;
  });
  c.send(Buffer.from([0, ...Buffer.from('hello ')]));
  c.send(Buffer.from([0, ...Buffer.from('world')]));
  c.send(Buffer.from([255, 0]));
  await done;
  assert.deepEqual(sizes, [], 'no tty, no resize');
  const msgs = c.messages();
  assert.deepEqual(msgs.slice(0, 2), ['1:got hello world', '2:warn']);
  assert.match(msgs[2], /^3:\{"metadata":\{\},"status":"Failure".*"reason":"NonZeroExitCode".*"message":"3"/);
  assert.equal(msgs[3], 'close');
});

test('a tty session hands the first size to a late resize handler; a runner error is a Failure status', async () => {
  const c = fakeClient();
  const sizes: unknown[] = [];
  const done = serveRemoteCommand(c.ws, V5_CHANNEL, { command: ['sh'], stdin: false, stdout: true, stderr: false, tty: true }, async (io) => {
    await new Promise((r) => setTimeout(r, 5));
    io.onResize((s) => sizes.push(s));
    throw new Error('container not found ("web")');
  });
  c.send(Buffer.from([4, ...Buffer.from('{"Width":80,"Height":24}\n')]));
  await done;
  assert.deepEqual(sizes, [{ width: 80, height: 24 }]);
  assert.match(c.messages()[0], /^3:.*"status":"Failure","message":"container not found \(\\"web\\"\)","reason":"InternalError"/);
});

test('the client going away aborts the runner', async () => {
  const c = fakeClient();
  let aborted = false;
  const done = serveRemoteCommand(c.ws, V4_CHANNEL, { command: ['sleep'], stdin: true, stdout: true, stderr: false, tty: false }, (io) =>
    new Promise((resolve) => io.signal.addEventListener('abort', () => ((aborted = true), resolve(0)))),
  );
  c.close();
  await done;
  assert.ok(aborted);
});

test('over SPDY, the streams a client opens follow its options (client-go v2/v3 createStreams)', async () => {
  const { expectedStreams } = await import('../../../src/apiserver/remotecommand-spdy.js');
  const o = (x: Partial<{ stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }>) => ({ command: ['sh'], stdin: false, stdout: false, stderr: false, tty: false, ...x });
  const cases: Record<string, { opts: ReturnType<typeof o>; want: string[] }> = {
    'kubectl exec p -- true': { opts: o({ stdout: true, stderr: true }), want: ['error', 'stdout', 'stderr'] },
    'kubectl exec -i': { opts: o({ stdin: true, stdout: true, stderr: true }), want: ['error', 'stdin', 'stdout', 'stderr'] },
    'kubectl exec -it (no stderr, a resize stream)': { opts: o({ stdin: true, stdout: true, tty: true }), want: ['error', 'stdin', 'stdout', 'resize'] },
  };
  for (const [name, c] of Object.entries(cases)) assert.deepEqual(expectedStreams(c.opts), c.want, name);
});
