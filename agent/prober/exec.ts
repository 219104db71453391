// exec probes (pkg/probe/exec): run the command in the container; exit 0 is success, any other
// exit a failure with the command's output as the message; no answer within the timeout is a
// failure too (the ExecProbeTimeout behaviour, on by default since 1.20).
import { expandVars } from '../env.js';
import type { ProbeOutcome } from './types.js';

/** Runs `cmd` in the container, stdout and stderr together; rejects when it cannot run at all. */
export type ExecInContainer = (containerId: string, cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

const MAX_OUTPUT_BYTES = 10 * 1024;

export async function execProbe(exec: ExecInContainer, containerId: string, cmd: string[], timeoutMs: number): Promise<ProbeOutcome> {
  let cancel: (() => void) | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    const t = setTimeout(() => resolve('timeout'), timeoutMs);
    cancel = () => clearTimeout(t);
  });
  try {
    const r = await Promise.race([exec(containerId, cmd, timeoutMs), timedOut]);
    if (r === 'timeout') return { result: 'Failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    const output = capBytes(r.output, MAX_OUTPUT_BYTES);
    return { result: r.exitCode === 0 ? 'Success' : 'Failure', output };
  } catch (err) {
    return { result: 'Unknown', output: '', error: err instanceof Error ? err.message : String(err) };
  } finally {
    cancel?.();
  }
}

function capBytes(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= max ? s : b.subarray(0, max).toString('utf8');
}

/**
 * ExpandContainerCommandOnlyStatic: $(VAR) in an exec probe's command from the container's env
 * values written in the spec: the probe has no access to the pod's computed env, so a valueFrom
 * variable expands to "" (EnvVarsToMap); $$ escapes a dollar, an unknown $(VAR) stays as written.
 */
export function expandStatic(cmd: readonly string[], env: readonly { name: string; value?: string }[] | undefined): string[] {
  const vars = new Map<string, string>();
  for (const e of env ?? []) vars.set(e.name, e.value ?? '');
  return cmd.map((arg) => expandVars(arg, vars));
}
