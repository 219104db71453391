// Ages as kubectl prints them: apimachinery's duration.HumanDuration (about 2-3 significant
// figures) and the `<unknown>` kubectl shows for a missing timestamp.

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration, for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  // Go's int(d.Seconds()) truncates toward zero; up to 2s in the future counts as "now"
  // (machine clocks disagree a little).
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const years = Math.floor(hours / 24 / 365);
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** kubectl's translateTimestampSince: the age of an RFC 3339 timestamp at `now`. */
export function age(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Go's time.RFC1123Z ("Mon, 02 Jan 2006 15:04:05 -0700") in the local zone, as kubectl describe
 * prints times. A missing timestamp prints Go's zero time, as kubectl does.
 */
export function formatRFC1123Z(timestamp: string | undefined | null): string {
  const t = timestamp ? new Date(timestamp) : undefined;
  if (!t || Number.isNaN(t.getTime())) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const offset = -t.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${DAYS[t.getDay()]}, ${pad2(t.getDate())} ${MONTHS[t.getMonth()]} ${t.getFullYear()} ` +
    `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}
