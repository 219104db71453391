// The terminated state's `message` (kuberuntime_container.go getTerminationMessage and
// readLastStringFromContainerLogs): the kubelet bind-mounts a fresh empty host file at the
// container's terminationMessagePath, one per container attempt, and once the container has
// exited reads what the app wrote there: at most the last 4 KiB. With FallbackToLogsOnError, an
// empty file and a non-zero exit, the tail of the container's logs stands in (80 lines, at most
// the last 2 KiB). The reading is done by the sync (side effects through `TerminationSources`);
// the decisions and limits here are pure.
import type { ObservedContainer } from './observed.js';

/** kubecontainer.MaxContainerTerminationMessageLength */
export const MAX_MESSAGE_BYTES = 4 * 1024;
/** kubecontainer.MaxContainerTerminationMessageLogLength and ...LogLines */
export const MAX_LOG_MESSAGE_BYTES = 2 * 1024;
export const MAX_LOG_MESSAGE_LINES = 80;
/** kubecontainer.MaxPodTerminationMessageLogLength: shared evenly by the pod's containers. */
export const MAX_POD_MESSAGE_BYTES = 12 * 1024;

export interface TerminationSources {
  /** The last `maxBytes` of the file; undefined when it does not exist; throws on other errors. */
  readTail(path: string, maxBytes: number): Promise<Buffer | undefined>;
  /** The container's last `lines` log lines, stdout and stderr together. */
  logsTail(containerId: string, lines: number): Promise<Buffer>;
}

/** The last `max` bytes (circbuf keeps the end of what it was given). */
export function lastBytes(b: Buffer, max: number): Buffer {
  return b.length <= max ? b : b.subarray(b.length - max);
}

/** A container that could not even start has no logs worth reading (reason ContainerCannotRun). */
function couldNotRun(c: ObservedContainer): boolean {
  return !!c.error && !c.startedAt;
}

/** The message of one exited container, or undefined when there is none. */
export async function readTerminationMessage(c: ObservedContainer, sources: TerminationSources): Promise<string | undefined> {
  if (c.state !== 'exited') return undefined;
  const fallbackToLogs = c.terminationMessagePolicy === 'FallbackToLogsOnError' && (c.exitCode ?? 0) !== 0 && !couldNotRun(c);
  let message = '';
  let checkLogs = fallbackToLogs;
  if (c.terminationMessageFile) {
    try {
      const data = await sources.readTail(c.terminationMessageFile, MAX_MESSAGE_BYTES);
      if (data) {
        message = data.toString('utf8');
        checkLogs = fallbackToLogs && data.length === 0;
      }
    } catch (err) {
      return `Error on reading termination log ${c.terminationMessageFile}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  if (checkLogs) {
    try {
      message = lastBytes(await sources.logsTail(c.id, MAX_LOG_MESSAGE_LINES), MAX_LOG_MESSAGE_BYTES).toString('utf8');
    } catch (err) {
      message = `Error on reading termination message from logs: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return message || undefined;
}

/** normalizeStatus: each container's message gets at most its share of the pod's 12 KiB. */
export function bytesPerStatus(containers: number): number {
  return containers > 0 ? Math.floor(MAX_POD_MESSAGE_BYTES / containers) : MAX_POD_MESSAGE_BYTES;
}

/** The first `max` bytes of a message (Go slices bytes: a cut rune is dropped here, not mangled). */
export function truncateMessage(message: string, max: number): string {
  const b = Buffer.from(message, 'utf8');
  return b.length <= max ? message : b.subarray(0, max).toString('utf8').replace(/\uFFFD$/, '');
}
