// Cron schedules: parsing as robfig/cron's ParseStandard, next times in a time zone, and the
// missed-schedule count the CronJob controller acts on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidTimeZone, mostRecentScheduleTime, nextTime, parseSchedule } from '../../../src/api/cron-schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('parseSchedule: fields, names, steps, macros; errors with robfig-style messages', () => {
  const s = parseSchedule('*/15 9-17 * jan-mar,DEC mon-fri');
  assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
  assert.deepEqual([...s.hours], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.deepEqual([...s.months], [1, 2, 3, 12]);
  assert.deepEqual([...s.dow], [1, 2, 3, 4, 5]);
  assert.equal(s.domStar, true);
  assert.equal(s.dowStar, false);
  assert.deepEqual([...parseSchedule('5/20 * * * *').minutes], [5, 25, 45], 'N/step means N-max/step');
  assert.deepEqual(parseSchedule('@daily'), parseSchedule('0 0 * * *'));
  assert.deepEqual(parseSchedule('@midnight'), parseSchedule('0 0 * * *'));
  assert.deepEqual(parseSchedule('@annually'), parseSchedule('0 0 1 1 *'));
  assert.equal(parseSchedule('* * */2 * *').domStar, false, 'a step clears the star bit');

  const bad: Record<string, RegExp> = {
    '': /empty spec string/,
    '* * * *': /expected exactly 5 fields, found 4/,
    '60 * * * *': /above maximum \(59\)/,
    '* * * * 7': /above maximum \(6\)/,
    '* * 0 * *': /below minimum \(1\)/,
    '5-1 * * * *': /beyond end of range/,
    '*/0 * * * *': /step of range should be a positive number/,
    'x * * * *': /failed to parse int from x/,
    '@every 5m': /unrecognized descriptor/,
    'TZ=UTC * * * * *': /TZ and CRON_TZ/,
  };
  for (const [text, expected] of Object.entries(bad)) assert.throws(() => parseSchedule(text), expected, JSON.stringify(text));
});

test('nextTime: table of schedules, instants and zones', () => {
  const cases: Record<string, { schedule: string; after: string; tz?: string; expected: string | undefined }> = {
    'every minute: the next whole minute': { schedule: '* * * * *', after: '2026-03-01T10:00:30Z', expected: '2026-03-01T10:01:00.000Z' },
    'strictly after: on the minute gives the following one': { schedule: '* * * * *', after: '2026-03-01T10:01:00Z', expected: '2026-03-01T10:02:00.000Z' },
    '@hourly': { schedule: '@hourly', after: '2026-03-01T10:00:00Z', expected: '2026-03-01T11:00:00.000Z' },
    '@weekly: Sunday midnight': { schedule: '@weekly', after: '2026-03-04T12:00:00Z', expected: '2026-03-08T00:00:00.000Z' },
    '@monthly across a year end': { schedule: '@monthly', after: '2026-12-15T00:00:00Z', expected: '2027-01-01T00:00:00.000Z' },
    '@yearly': { schedule: '@yearly', after: '2026-01-01T00:00:00Z', expected: '2027-01-01T00:00:00.000Z' },
    'day of month OR day of week when both restricted': { schedule: '0 0 13 * 5', after: '2026-02-01T00:00:00Z', expected: '2026-02-06T00:00:00.000Z' },
    'day of month AND weekday when one is *': { schedule: '0 0 * * 5', after: '2026-02-07T00:00:00Z', expected: '2026-02-13T00:00:00.000Z' },
    'February 29th: the next leap year': { schedule: '0 0 29 2 *', after: '2026-03-01T00:00:00Z', expected: '2028-02-29T00:00:00.000Z' },
    'never (Feb 30th): none within 5 years': { schedule: '0 0 30 2 *', after: '2026-03-01T00:00:00Z', expected: undefined },
    'time zone: 9:00 in New York is 14:00 UTC in winter': { schedule: '0 9 * * *', after: '2026-01-10T00:00:00Z', tz: 'America/New_York', expected: '2026-01-10T14:00:00.000Z' },
    'time zone: and 13:00 UTC in summer': { schedule: '0 9 * * *', after: '2026-07-10T00:00:00Z', tz: 'America/New_York', expected: '2026-07-10T13:00:00.000Z' },
    'DST spring forward: 2:30 does not exist on that day, the next day has it': {
      schedule: '30 2 * * *',
      after: '2026-03-08T05:00:00Z', // 00:00 EST on the day clocks skip 2:00-3:00
      tz: 'America/New_York',
      expected: '2026-03-09T06:30:00.000Z',
    },
    'DST fall back: 1:30 happens twice, the first counts': { schedule: '30 1 * * *', after: '2026-11-01T04:00:00Z', tz: 'America/New_York', expected: '2026-11-01T05:30:00.000Z' },
    'half-hour zone': { schedule: '0 0 * * *', after: '2026-01-01T00:00:00Z', tz: 'Asia/Kolkata', expected: '2026-01-01T18:30:00.000Z' },
  };
  for (const [name, c] of Object.entries(cases)) {
    assert.equal(iso(nextTime(parseSchedule(c.schedule), at(c.after), c.tz)), c.expected, name);
  }
});

test('mostRecentScheduleTime: at most one catch-up, the missed ones counted', () => {
  const every = parseSchedule('*/1 * * * *');
  const cases: Record<string, { schedule?: string; earliest: string; now: string; expected: { mostRecent?: string; missed: number } }> = {
    'nothing due yet': { earliest: '2026-01-01T00:00:10Z', now: '2026-01-01T00:00:50Z', expected: { missed: 0 } },
    'one due': { earliest: '2026-01-01T00:00:10Z', now: '2026-01-01T00:01:05Z', expected: { mostRecent: '2026-01-01T00:01:00.000Z', missed: 1 } },
    'exactly now counts': { earliest: '2026-01-01T00:00:00Z', now: '2026-01-01T00:01:00Z', expected: { mostRecent: '2026-01-01T00:01:00.000Z', missed: 1 } },
    'a restart after 10 minutes: only the latest runs': { earliest: '2026-01-01T00:00:00Z', now: '2026-01-01T00:10:30Z', expected: { mostRecent: '2026-01-01T00:10:00.000Z', missed: 10 } },
    'more than 100 missed: counting stops at 101, the latest is still found': {
      earliest: '2026-01-01T00:00:00Z',
      now: '2026-01-03T07:42:10Z',
      expected: { mostRecent: '2026-01-03T07:42:00.000Z', missed: 101 },
    },
    'sparse schedule, long gap': { schedule: '0 0 1 1 *', earliest: '2020-06-01T00:00:00Z', now: '2026-06-01T00:00:00Z', expected: { mostRecent: '2026-01-01T00:00:00.000Z', missed: 6 } },
  };
  for (const [name, c] of Object.entries(cases)) {
    const r = mostRecentScheduleTime(c.schedule ? parseSchedule(c.schedule) : every, at(c.earliest), at(c.now));
    assert.deepEqual({ ...(r.mostRecent !== undefined ? { mostRecent: iso(r.mostRecent) } : {}), missed: r.missed }, c.expected, name);
  }
});

test('isValidTimeZone: IANA names through Intl; "" and Local refused', () => {
  assert.equal(isValidTimeZone('Europe/Paris'), true);
  assert.equal(isValidTimeZone('Etc/UTC'), true);
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
  assert.equal(isValidTimeZone(''), false);
  assert.equal(isValidTimeZone('Local'), false);
});
