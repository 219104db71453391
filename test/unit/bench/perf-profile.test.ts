import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePerfReport, profileOf } from '../../../bench/perf-profile.js';

const REPORT = `# Samples: 1K of event 'cpu-clock:pppH'
# Overhead       Samples  Command          Symbol
#
    10.00%           100  wrk              [k] ipt_do_table
     5.00%            50  fastd            [k] nf_conntrack_in
     4.00%            40  wrk              [k] ip_route_me_harder
     3.00%            30  ksoftirqd/1      [k] nf_nat_ipv4_local_fn
     2.00%            20  fastd            [k] conntrack_mt
     2.00%            20  fastd            [k] nf_hook_slow
     8.00%            80  fastd            [k] tcp_sendmsg_locked
    20.00%           200  swapper          [k] pv_native_safe_halt
    10.00%           100  node             [.] v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>
`;

test('parsePerfReport reads samples, command and symbol, skipping comments', () => {
  const s = parsePerfReport(REPORT);
  assert.equal(s.length, 9);
  assert.deepEqual(s[0], { samples: 100, comm: 'wrk', sym: 'ipt_do_table' });
  assert.equal(s[8].sym, 'v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>');
});

test('profileOf groups our processes\' samples into CPU µs per request', () => {
  // 1000 Hz: one sample is 1 ms; 1000 requests: one sample per request is 1 µs... per sample 1 µs/req.
  const p = profileOf(parsePerfReport(REPORT), 1000, 1000);
  assert.equal(p.usPerReq.total, 340);
  assert.equal(p.usPerReq.iptables, 120); // ipt_do_table + conntrack_mt (a match: the rule walk)
  assert.equal(p.usPerReq.conntrack, 50);
  assert.equal(p.usPerReq.reroute, 40);
  assert.equal(p.usPerReq.nat, 30);
  assert.equal(p.usPerReq.hooks, 20);
  assert.equal(p.usPerReq.other, 80);
  // node is someone else's load; swapper is idle and counts for nobody
  assert.equal(p.othersShare, 100 / 440);
});
