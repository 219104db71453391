// bench/controller-reaction: how fast the ReplicaSet controller replaces a deleted pod, on a real
// `k1s server` (real Docker). A ReplicaSet of 10 pods; then, one at a time, a pod of it is
// deleted (graceful: it stays Terminating, which a ReplicaSet does not count, so the replacement
// is due at the deletionTimestamp) and one watch on the pods times the replacement's ADDED event:
// from the DELETE being sent, from its response, and from the victim's deletionTimestamp event
// on the same watch. Beside it, in the same run and interleaved, the server's own floor: a
// ConfigMap PATCH sent to its MODIFIED event on a watch (a write seen by a watcher, which any
// reaction needs twice: the deletion seen by the controller, the new pod seen by the client).
// Target: DELETE sent -> replacement ADDED p99 <= 100 ms.
//   node dist/bench/controller-reaction.js [--count 100] [--replicas 10] [--gap 300]
import type { AnyObject, ConfigMap, Pod, ReplicaSet } from '../src/api/types.js';
import type { WatchEvent } from '../src/client/client.js';
import { BUSYBOX_IMAGE, benchWorkload, isReady, ms, numberArg, printTable, quantile, sleep, startBenchServer, waitFor } from './util.js';

const COUNT = numberArg('count', 100);
const REPLICAS = numberArg('replicas', 10);
const GAP_MS = numberArg('gap', 300);
const NAME = 'bench-react';
const CM = 'bench-react-floor';

function replicaSet(): ReplicaSet {
  return benchWorkload('ReplicaSet', NAME, REPLICAS, { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: BUSYBOX_IMAGE, command: ['sleep', '86400'] }] });
}

/** Every event of one watch, stamped with performance.now() on arrival, and a promise for the first that matches. */
class Events<T extends AnyObject> {
  readonly seen: { ev: WatchEvent; at: number }[] = [];
  private waiters: { pred(ev: WatchEvent): boolean; resolve(at: number): void }[] = [];

  on(ev: WatchEvent): void {
    const at = performance.now();
    this.seen.push({ ev, at });
    this.waiters = this.waiters.filter((w) => (w.pred(ev) ? (w.resolve(at), false) : true));
  }

  /** When the first event since index `from` matching pred arrived (waits for it). */
  next(pred: (ev: WatchEvent & { object: T }) => boolean, from: number, what: string, timeoutMs = 30_000): Promise<number> {
    const p = pred as (ev: WatchEvent) => boolean;
    const hit = this.seen.slice(from).find((s) => p(s.ev));
    if (hit) return Promise.resolve(hit.at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred: p, resolve: (at) => (clearTimeout(timer), resolve(at)) });
    });
  }
}

async function main() {
  const s = await startBenchServer();
  const pods = new Events<Pod>();
  const cms = new Events<ConfigMap>();
  const live = new Map<string, Pod>();
  const stopPods = s.client.watch('Pod', 'default', { labelSelector: `app=${NAME}` }, (ev) => {
    const p = ev.object as Pod;
    if (ev.type === 'DELETED') live.delete(p.metadata.name);
    else live.set(p.metadata.name, p);
    pods.on(ev);
  });
  const stopCms = s.client.watch('ConfigMap', 'default', { fieldSelector: `metadata.name=${CM}` }, (ev) => cms.on(ev));
  const fromSent: number[] = [];
  const fromResponse: number[] = [];
  const fromEvent: number[] = [];
  const deleteTrip: number[] = [];
  const floor: number[] = [];
  try {
    await s.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CM, namespace: 'default' }, data: { i: '-1' } } as ConfigMap);
    const rs = await s.client.create(replicaSet());
    const ownedByRS = (p: Pod) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller) === true;
    const serving = () => [...live.values()].filter((p) => ownedByRS(p) && !p.metadata.deletionTimestamp && isReady(p));
    await waitFor(`${REPLICAS} pods Ready`, () => serving().length >= REPLICAS, 300_000, 50);

    for (let i = 0; i < COUNT; i++) {
      // a Ready pod, so that each deletion meets the same steady state
      const victim = await waitFor('a Ready pod to delete', () => serving()[0], 60_000, 10);
      const known = new Set(live.keys());
      const from = pods.seen.length;
      const replacement = pods.next((ev) => ev.type === 'ADDED' && ownedByRS(ev.object) && !known.has(ev.object.metadata.name), from, 'replacement ADDED');
      const marked = pods.next((ev) => ev.object.metadata.name === victim.metadata.name && (ev.type === 'DELETED' || !!ev.object.metadata.deletionTimestamp), from, 'deletionTimestamp event');
      const sent = performance.now();
      await s.client.delete('Pod', 'default', victim.metadata.name);
      const answered = performance.now();
      const [added, markedAt] = await Promise.all([replacement, marked]);
      fromSent.push(added - sent);
      fromResponse.push(added - answered);
      fromEvent.push(added - markedAt);
      deleteTrip.push(answered - sent);

      // the floor, between two deletions: a write and its watch event, on the same server
      const cmFrom = cms.seen.length;
      const seenAt = cms.next((ev) => ev.type === 'MODIFIED' && ev.object.data?.i === String(i), cmFrom, `ConfigMap i=${i}`);
      const patched = performance.now();
      await s.client.patch('ConfigMap', 'default', CM, { data: { i: String(i) } });
      floor.push((await seenAt) - patched);
      await sleep(GAP_MS);
    }
    const row = (label: string, xs: number[]) => [label, ms(quantile(xs, 0.5)), ms(quantile(xs, 0.9)), ms(quantile(xs, 0.99)), ms(Math.max(...xs))];
    console.log(`ReplicaSet of ${REPLICAS} (busybox sleep, grace 1 s) on a real k1s server: ${COUNT} pods deleted one at a time, ${GAP_MS} ms apart; times on one watch:`);
    printTable([
      ['', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
      row('DELETE sent -> replacement ADDED', fromSent),
      row('DELETE response -> replacement ADDED', fromResponse),
      row('deletionTimestamp event -> replacement ADDED', fromEvent),
      row('DELETE round trip (sent -> response)', deleteTrip),
      row('floor: ConfigMap PATCH sent -> its MODIFIED event', floor),
    ]);
    const p99 = quantile(fromSent, 0.99);
    console.log(`  target: DELETE sent -> replacement ADDED p99 <= 100 ms: ${p99 <= 100 ? 'met' : 'MISSED'} (${ms(p99)} ms; floor p99 ${ms(quantile(floor, 0.99))} ms)`);
  } finally {
    stopPods();
    stopCms();
    await s.client.delete('ReplicaSet', 'default', NAME).catch(() => undefined);
    await s.client.delete('ConfigMap', 'default', CM).catch(() => undefined);
    await waitFor('the pods gone', async () => (await s.client.list('Pod', 'default')).items.length === 0, 120_000).catch((e) => console.error(String(e)));
    await s.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
