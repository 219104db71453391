// One DNS answering thread: a DnsServer (UDP and TCP on its own port) that answers from the last
// index snapshot the main thread posted. Queries never wait for the main thread: the API, the
// controllers and the proxy's resyncs run there, and only the snapshots cross over.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DnsServer } from './server.js';
import { RecordIndex, type RecordIndexState } from './records.js';

export interface DnsWorkerData {
  id: number;
  address: string;
  port: number;
  upstreams: string[];
  upstreamTimeoutMs?: number;
  logLevel: string;
  /** The first snapshot, so the first query already has the zone. */
  state: RecordIndexState;
}

/** Main thread -> worker. */
export type ToWorker = { index: RecordIndexState } | { stop: true };
/** Worker -> main thread. */
export type FromWorker = { listening: number } | { indexed: number } | { stopped: true };

const data = workerData as DnsWorkerData;
// JSON lines to the same stdout as the main thread's logger, tagged with the thread
const logger = pino({ level: data.logLevel }).child({ component: 'dns', worker: data.id });
let index = RecordIndex.fromState(data.state);
const server = new DnsServer({
  index: () => index,
  address: data.address,
  port: data.port,
  upstreams: data.upstreams,
  upstreamTimeoutMs: data.upstreamTimeoutMs,
  logger,
});

parentPort!.on('message', (m: ToWorker) => {
  if ('index' in m) {
    index = RecordIndex.fromState(m.index);
    parentPort!.postMessage({ indexed: Date.now() } satisfies FromWorker);
  } else if ('stop' in m) {
    void server.stop().then(() => {
      parentPort!.postMessage({ stopped: true } satisfies FromWorker);
      parentPort!.close();
    });
  }
});

// a failure to listen ends the thread with an error the main thread's start() reports
await server.start();
parentPort!.postMessage({ listening: server.port } satisfies FromWorker);
