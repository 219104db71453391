// tcpSocket probes (pkg/probe/tcp): success when a connection opens within the timeout.
import { connect } from 'node:net';
import { dialErrorText, joinHostPort } from './go-words.js';
import type { ProbeOutcome } from './types.js';

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (outcome: ProbeOutcome): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(outcome);
    };
    // a dial error is a failure, not an error: timeouts are what the probe is for
    const timer = setTimeout(() => done({ result: 'Failure', output: `dial tcp ${addr}: i/o timeout` }), timeoutMs);
    sock.once('connect', () => done({ result: 'Success', output: '' }));
    sock.once('error', (err) => done({ result: 'Failure', output: `dial tcp ${addr}: ${dialErrorText(err)}` }));
  });
}
