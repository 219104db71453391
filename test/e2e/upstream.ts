// A fake upstream resolver on 127.0.0.1 for tests and benchmarks: the cluster DNS forwards
// names outside its zone here instead of to the machine's real resolver.
import dns2 from 'dns2';
import type { AddressInfo } from 'node:net';

const { Packet } = dns2;

/** Answers A queries for the given names (fully qualified, trailing dot) and NXDOMAIN otherwise. */
export async function startFakeUpstream(records: Record<string, string>): Promise<{ port: number; stop(): Promise<void> }> {
  const known = new Map(Object.entries(records).map(([name, ip]) => [name.replace(/\.$/, '').toLowerCase(), ip]));
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
  const port = (server.addresses().udp as AddressInfo).port;
  return { port, stop: () => server.close() };
}
