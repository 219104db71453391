// The fake upstream's own thread (see upstream.ts): a dns2 server that answers A queries for the
// names it is given and NXDOMAIN for the rest. It runs here, not on the test's thread, because a
// test that waits synchronously (spawnSync of `kubectl exec ... nslookup`) blocks its own event
// loop: an upstream on that loop could not answer until the command had already timed out.
import { parentPort, workerData } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;
const known = new Map(Object.entries(workerData.records as Record<string, string>).map(([name, ip]) => [name.replace(/\.$/, '').toLowerCase(), ip]));

const server = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [q] = request.questions;
    const ip = known.get(q.name.toLowerCase());
    if (ip && q.type === Packet.TYPE.A) response.answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: ip } as never);
    else if (!ip) response.header.rcode = 3; // NXDOMAIN
    send(response);
  },
});

await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
parentPort!.postMessage({ port: (server.addresses().udp as AddressInfo).port });
