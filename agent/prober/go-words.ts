// Go's wording for the errors a probe reports, so events read as the kubelet's do
// (`dial tcp 10.244.0.5:8080: connect: connection refused`).

/** net.JoinHostPort: brackets around an IPv6 address. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The text after `dial tcp <addr>: ` for a Node socket error. */
export function dialErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'ENETUNREACH':
      return 'connect: network is unreachable';
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `lookup ${e.message.split(' ').pop()}: no such host`;
    default:
      return e?.message ?? String(err);
  }
}

/** time.Duration's String() for a timeout: 300ms, 1s, 1.5s, 30s, 1m30s, 1h0m0s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}
