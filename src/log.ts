// One pino logger for the whole process. JSON lines by default (what a supervisor or `jq` wants);
// pretty, human lines when stderr is a terminal, so `k1s server` reads well by hand.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.K1S_LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? process.stderr.isTTY;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level }, pino.destination(2));
}

/** A logger that drops everything: for pure tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
