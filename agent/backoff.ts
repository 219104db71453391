// Exponential back-off, as kubelet's flowcontrol.Backoff: 10 s doubling up to 300 s, forgotten once
// the thing ran (or stayed quiet) for twice the maximum (10 min). Pure: entries are values, time is
// passed in, the agent keeps the map.

export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;

export interface BackoffEntry {
  /** The current delay. */
  delayMs: number;
  /** When the delay was last raised (ms since epoch): the start of the restart it allowed. */
  lastUpdate: number;
}

function expired(entry: BackoffEntry, eventTime: number): boolean {
  return eventTime - entry.lastUpdate > 2 * BACKOFF_MAX_MS;
}

/** Restart back-off: is a container that died at `eventTime` still waiting at `now`? */
export function isInBackoff(entry: BackoffEntry | undefined, eventTime: number, now: number): boolean {
  if (!entry || expired(entry, eventTime)) return false;
  return now - eventTime < entry.delayMs;
}

/** Image pull back-off: still waiting since the last failure? */
export function isInBackoffSinceUpdate(entry: BackoffEntry | undefined, now: number): boolean {
  if (!entry || expired(entry, now)) return false;
  return now - entry.lastUpdate < entry.delayMs;
}

/** The entry after one more restart (or failed pull) at `now`, for an event at `eventTime`. */
export function nextBackoff(entry: BackoffEntry | undefined, eventTime: number, now: number): BackoffEntry {
  if (!entry || expired(entry, eventTime)) return { delayMs: BACKOFF_INITIAL_MS, lastUpdate: now };
  return { delayMs: Math.min(entry.delayMs * 2, BACKOFF_MAX_MS), lastUpdate: now };
}
