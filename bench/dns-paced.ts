// bench/dns-paced: a steady rate of A queries for random Service names, the latency of each answer.
// Its own process (bench/dns.ts runs it), so the bench's other work (the endpoint churner's API
// calls) does not delay sending or reading and show up as the server's latency.
//   node dist/bench/dns-paced.js --server 10.96.0.10 [--port 53] --qps 20000 --seconds 10 --services 1000
// Prints one JSON line: { answered, lost, p50, p99, max } (milliseconds).
import dgram from 'node:dgram';
import { encodeQuery } from '../dns/wire.js';
import { numberArg, quantile, sleep } from './util.js';

const args = process.argv.slice(2);
const server = args[args.indexOf('--server') + 1];
const QPS = numberArg('qps', 500);
const SECONDS = numberArg('seconds', 10);
const SERVICES = numberArg('services', 1000);
const PORT = numberArg('port', 53);
const name = (i: number) => `svc-${i}.default.svc.cluster.local`;

const sock = dgram.createSocket('udp4');
await new Promise<void>((r) => sock.bind(0, r));
const sent = new Map<number, bigint>();
const lat: number[] = [];
sock.on('message', (m) => {
  const t0 = sent.get(m.readUInt16BE(0));
  if (t0 === undefined) return;
  sent.delete(m.readUInt16BE(0));
  lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
});
const total = QPS * SECONDS;
const start = process.hrtime.bigint();
for (let k = 0; k < total; ) {
  // send on schedule (k / qps seconds after the start), whatever the answers do: every query that
  // is due, each millisecond. A loop spinning on setImmediate would be more even but would keep a
  // whole core busy, on a box of two where the server and dnsmasq need the other one.
  await new Promise((r) => setTimeout(r, 1));
  const now = process.hrtime.bigint();
  for (; k < total && start + BigInt(Math.round((k * 1e9) / QPS)) <= now; k++) {
    const id = k & 0xffff;
    sent.set(id, process.hrtime.bigint());
    sock.send(encodeQuery(id, name(Math.floor(Math.random() * SERVICES)), 1), PORT, server);
  }
}
await sleep(2000);
sock.close();
const max = lat.reduce((m, x) => (x > m ? x : m), 0);
console.log(JSON.stringify({ answered: lat.length, lost: total - lat.length, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max }));
