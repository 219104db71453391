// One DNS answering thread: a DnsServer (UDP and TCP on its own port) that answers from its own
// RecordIndex, kept up to date by the contributions the main thread posts. Queries never wait
// for the main thread: the API, the controllers and the proxy's resyncs run there, and only the
// changed Services' records cross over. A batch is applied between two queries, whole.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DnsServer } from './server.js';
import { RecordIndex, type Contribution } from './records.js';

export interface DnsWorkerData {
  id: number;
  address: string;
  port: number;
  upstreams: string[];
  upstreamTimeoutMs?: number;
  logLevel: string;
  zone: string;
  ttl?: number;
}

/** One batch of changes: each key's new contribution, null for a removed one, and the new serial. */
export interface IndexBatch {
  serial: number;
  changes: [key: string, contribution: Contribution | null][];
}

/** Main thread -> worker. */
export type ToWorker = { batch: IndexBatch } | { stop: true };
/** Worker -> main thread. */
export type FromWorker = { listening: number } | { stopped: true };

const data = workerData as DnsWorkerData;
// JSON lines to the same stdout as the main thread's logger, tagged with the thread
const logger = pino({ level: data.logLevel }).child({ component: 'dns', worker: data.id });
const index = new RecordIndex([], [], { zone: data.zone, ttl: data.ttl });
const server = new DnsServer({
  index,
  address: data.address,
  port: data.port,
  upstreams: data.upstreams,
  upstreamTimeoutMs: data.upstreamTimeoutMs,
  logger,
});

parentPort!.on('message', (m: ToWorker) => {
  if ('batch' in m) {
    for (const [key, c] of m.batch.changes) index.set(key, c ?? undefined);
    index.setSerial(m.batch.serial);
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
