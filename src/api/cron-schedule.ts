// CronJob schedules, as kube reads them (robfig/cron v3's ParseStandard): five fields
// (minute hour day-of-month month day-of-week) with lists, ranges, steps, month and weekday
// names, `*` and `?`, or one of the macros @yearly @annually @monthly @weekly @daily @midnight
// @hourly. Next times are computed in a time zone (an IANA name, read through Intl), on wall
// clock time. Pure: every function takes the instant it reasons from.

export interface Schedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  dom: ReadonlySet<number>;
  months: ReadonlySet<number>;
  dow: ReadonlySet<number>;
  /** robfig's star bit: a day field given as `*` or `?` (not a stepped one), so the two day fields AND instead of OR */
  domStar: boolean;
  dowStar: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Bounds {
  min: number;
  max: number;
  names?: string[];
  /** the value of names[0] */
  nameBase?: number;
}

const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { min: 0, max: 6, names: DOW_NAMES, nameBase: 0 },
];

export class ScheduleError extends Error {}

function parseValue(s: string, b: Bounds): number {
  const named = b.names?.indexOf(s.toLowerCase()) ?? -1;
  if (named >= 0) return named + (b.nameBase ?? 0);
  if (!/^\d+$/.test(s)) throw new ScheduleError(`failed to parse int from ${s}`);
  return Number(s);
}

/** One field: comma-separated ranges; returns the values and whether it was a bare `*`/`?`. */
function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new ScheduleError(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    let isStar = false;
    if (range === '*' || range === '?') {
      [lo, hi, isStar] = [b.min, b.max, true];
    } else {
      const [l, h, more] = range.split('-');
      if (more !== undefined) throw new ScheduleError(`too many hyphens: ${part}`);
      lo = parseValue(l, b);
      // "N/step" means "N-max/step"
      hi = h !== undefined ? parseValue(h, b) : stepText !== undefined ? b.max : lo;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) throw new ScheduleError(`failed to parse int from ${stepText}`);
      step = Number(stepText);
      if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${part}`);
      if (step > 1) isStar = false;
    }
    if (lo < b.min) throw new ScheduleError(`beginning of range (${lo}) below minimum (${b.min}): ${part}`);
    if (hi > b.max) throw new ScheduleError(`end of range (${hi}) above maximum (${b.max}): ${part}`);
    if (lo > hi) throw new ScheduleError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
    star ||= isStar;
  }
  return { values, star };
}

/** ParseStandard: throws ScheduleError with robfig's message on a bad schedule. */
export function parseSchedule(text: string): Schedule {
  const spec = text.trim();
  if (!spec) throw new ScheduleError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) throw new ScheduleError('TZ and CRON_TZ are not supported in the schedule: use spec.timeZone');
  let expanded = spec;
  if (spec.startsWith('@')) {
    const macro = MACROS[spec.toLowerCase()];
    if (!macro) throw new ScheduleError(`unrecognized descriptor: ${spec}`);
    expanded = macro;
  }
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  const [mi, h, d, mo, w] = fields.map((f, i) => parseField(f, FIELDS[i]));
  return { minutes: mi.values, hours: h.values, dom: d.values, months: mo.values, dow: w.values, domStar: d.star, dowStar: w.star };
}

// ---- time zones through Intl ----

interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Is this an IANA time zone name Intl knows? (kube loads it from the tz database; "" and "Local" are refused.) */
export function isValidTimeZone(tz: string): boolean {
  if (!tz || tz === 'Local') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function wallOf(ms: number, tz: string): Wall & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The UTC offset of tz at the instant ms, in ms. */
function offsetAt(ms: number, tz: string): number {
  const w = wallOf(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The UTC offsets that may be in force on a wall-clock day in tz (two around a DST change). */
function offsetsAround(dayUtc: number, tz: string): number[] {
  return [...new Set([offsetAt(dayUtc - 86_400_000, tz), offsetAt(dayUtc + 12 * 3_600_000, tz), offsetAt(dayUtc + 2 * 86_400_000, tz)])];
}

/** The instant of a wall-clock time in tz, or undefined when DST skips it (the first of two when it repeats). */
function instantOf(w: Wall, tz: string, offsets: number[]): number | undefined {
  const local = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  // one offset all around the day: every wall time exists once
  if (offsets.length === 1) return local - offsets[0];
  const candidates = offsets.map((off) => local - off).sort((a, b) => a - b);
  for (const t of candidates) {
    const back = wallOf(t, tz);
    if (back.year === w.year && back.month === w.month && back.day === w.day && back.hour === w.hour && back.minute === w.minute) return t;
  }
  return undefined;
}

function dayMatches(s: Schedule, year: number, month: number, day: number): boolean {
  if (!s.months.has(month)) return false;
  const domMatch = s.dom.has(day);
  const dowMatch = s.dow.has(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);

/**
 * The first scheduled instant strictly after `after` (ms since the epoch), in time zone tz
 * (default UTC); undefined when there is none within 5 years (robfig gives up there too, e.g.
 * for "0 0 30 2 *"). Wall times a DST change skips are skipped.
 */
export function nextTime(s: Schedule, after: number, tz = 'UTC'): number | undefined {
  const hours = sorted(s.hours);
  const minutes = sorted(s.minutes);
  const start = wallOf(after, tz);
  // walk the wall-clock days from the one `after` falls in
  const day0 = Date.UTC(start.year, start.month - 1, start.day);
  // on the first day, wall times more than an hour (a DST shift) before `after` cannot come after it
  const startMinute = start.hour * 60 + start.minute - 60;
  for (let i = 0; i <= 366 * 5; i++) {
    const d = new Date(day0 + i * 86_400_000);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (!dayMatches(s, year, month, day)) continue;
    const offsets = offsetsAround(day0 + i * 86_400_000, tz);
    for (const hour of hours) {
      for (const minute of minutes) {
        if (i === 0 && hour * 60 + minute < startMinute) continue;
        const t = instantOf({ year, month, day, hour, minute }, tz, offsets);
        if (t !== undefined && t > after) return t;
      }
    }
  }
  return undefined;
}

export interface MostRecent {
  /** the latest scheduled instant in (earliest, now], if any */
  mostRecent?: number;
  /** how many scheduled instants fell in (earliest, now]; counting stops a little past 100 */
  missed: number;
}

/**
 * kube's mostRecentScheduleTime: the scheduled instants since `earliest` up to `now`. Only the
 * latest is ever run (at most one catch-up run); more than 100 missed is reported by the caller
 * (TooManyMissedTimes). Counting stops at 101, then the latest is found by looking back from now.
 */
export function mostRecentScheduleTime(s: Schedule, earliest: number, now: number, tz = 'UTC'): MostRecent {
  let missed = 0;
  let mostRecent: number | undefined;
  for (let t = nextTime(s, earliest, tz); t !== undefined && t <= now; t = nextTime(s, t, tz)) {
    mostRecent = t;
    if (++missed > 100) {
      mostRecent = latestAtOrBefore(s, Math.max(t, earliest), now, tz);
      break;
    }
  }
  return { mostRecent, missed };
}

/** The latest scheduled instant in (floor, now], looking back over widening windows. */
function latestAtOrBefore(s: Schedule, floor: number, now: number, tz: string): number | undefined {
  for (const window of [3_600_000, 86_400_000, 32 * 86_400_000, 367 * 86_400_000, Infinity]) {
    let latest: number | undefined;
    for (let t = nextTime(s, Math.max(floor, now - window), tz); t !== undefined && t <= now; t = nextTime(s, t, tz)) latest = t;
    if (latest !== undefined) return latest;
  }
  return undefined;
}

/** RFC 3339 with the offset of tz at that instant ("2026-01-10T09:00:00-05:00"), as Go's t.In(loc).Format(time.RFC3339). */
export function formatInZone(ms: number, tz = 'UTC'): string {
  const off = offsetAt(ms, tz);
  const w = wallOf(ms, tz);
  const p = (n: number, l = 2) => String(n).padStart(l, '0');
  const stamp = `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
  if (off === 0) return `${stamp}Z`;
  const m = Math.abs(off) / 60_000;
  return `${stamp}${off < 0 ? '-' : '+'}${p(Math.floor(m / 60))}:${p(m % 60)}`;
}
