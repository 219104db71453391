// One DNS answering thread: a DnsServer (UDP and TCP on its own port) that answers from the shared
// answer table the main thread keeps (answer-table.ts), read in place: the records are held once
// for every worker. Queries never wait for the main thread (the API, the controllers and the
// proxy's resyncs run there); the only messages are a new table generation, taken between two
// queries, and stop.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DnsServer } from './server.js';
import { AnswerTableReader, type TableBuffers } from './answer-table.js';
import { TableZone } from './zones.js';

export interface DnsWorkerData {
  id: number;
  address: string;
  port: number;
  upstreams: string[];
  upstreamTimeoutMs?: number;
  logLevel: string;
  zone: string;
  ttl: number;
  table: TableBuffers;
}

/** Main thread -> worker: the table moved to new buffers (it grew), or stop. */
export type ToWorker = { table: TableBuffers } | { stop: true };
/** Worker -> main thread. */
export type FromWorker = { listening: number } | { stopped: true };

const data = workerData as DnsWorkerData;
// JSON lines to the same stdout as the main thread's logger, tagged with the thread
const logger = pino({ level: data.logLevel }).child({ component: 'dns', worker: data.id });
const table = new AnswerTableReader(data.table);
const server = new DnsServer({
  zone: new TableZone(table, data.zone, data.ttl),
  address: data.address,
  port: data.port,
  upstreams: data.upstreams,
  upstreamTimeoutMs: data.upstreamTimeoutMs,
  logger,
});

parentPort!.on('message', (m: ToWorker) => {
  if ('table' in m) table.use(m.table);
  else if ('stop' in m) {
    void server.stop().then(() => {
      parentPort!.postMessage({ stopped: true } satisfies FromWorker);
      parentPort!.close();
    });
  }
});

// a failure to listen ends the thread with an error the main thread's start() reports
await server.start();
parentPort!.postMessage({ listening: server.port } satisfies FromWorker);
