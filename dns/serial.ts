// The zone's SOA serial: it must only go up (secondaries and caches compare serials, RFC 1982),
// including when a Service is deleted, which a "highest resourceVersion" serial would not do.
// Like CoreDNS (the Unix time of the last change), but strictly increasing: two changes in one
// second still get two serials. Pure, with the clock passed in.

/** The serial for a change made at `nowMs`, after `previous` (0 before the first). */
export function nextSerial(previous: number, nowMs: number): number {
  const seconds = Math.floor(nowMs / 1000) >>> 0;
  // a clock that stepped back, or a burst of changes, still moves the serial on by one
  return Math.max(seconds, (previous + 1) >>> 0) >>> 0;
}
