// A fake upstream resolver on 127.0.0.1 for tests and benchmarks: the cluster DNS forwards
// names outside its zone here instead of to the machine's real resolver.
//
// It answers from a worker thread (upstream-worker.ts): the e2e suites run `kubectl exec` with
// spawnSync, which blocks the test's thread for the whole command, and a query a pod relays
// through the cluster DNS must still be answered meanwhile. (An upstream on the test's own event
// loop was why `nslookup outside.example.` from a pod timed out while `dig` from the host worked.)
import { Worker } from 'node:worker_threads';

/** Answers A queries for the given names (fully qualified, trailing dot) and NXDOMAIN otherwise. */
export async function startFakeUpstream(records: Record<string, string>): Promise<{ port: number; stop(): Promise<void> }> {
  const worker = new Worker(new URL('./upstream-worker.js', import.meta.url), { workerData: { records } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { port: number }) => resolve(m.port));
  });
  worker.unref(); // a test that forgets stop() still exits
  return {
    port,
    stop: async () => {
      // terminate() ends the thread, and with it the server's socket
      await worker.terminate();
    },
  };
}
