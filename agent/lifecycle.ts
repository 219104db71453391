// Container lifecycle hooks (kubelet pkg/kubelet/lifecycle/handlers.go and the hook parts of
// kuberuntime_container.go). postStart runs right after the container starts and the sync waits
// for it; if it fails the container is killed and restarted by its policy. preStop runs before
// the container gets SIGTERM, inside the grace period: what the hook used up is taken off the
// time `docker stop` gets, which never drops below kube's 2-second minimum. A failed preStop is
// reported and the stop goes on.
//
// The runner reaches the world through narrow parts: `exec` (Docker exec in production, a fake in
// the tests), `httpGet` (a real GET to the pod's address by default) and `timers` (for sleep and
// for the grace period, a fake clock in the tests).
import type { Container, LifecycleHandler } from '../src/api/podspec/schema.js';
import type { Pod } from '../src/api/types.js';
import { httpProbe, httpProbeRequest, type HttpProbeRequest } from './prober/http.js';
import type { ExecInContainer } from './prober/exec.js';
import { realScheduler, type Scheduler } from './prober/types.js';

/** `kube-<fragment>/<major>.<minor>`, as NewRequestForHTTPGetAction names lifecycle requests. */
export const LIFECYCLE_USER_AGENT = 'kube-lifecycle/1.32';
/** kuberuntime's minimumGracePeriodInSeconds: a container always gets this long after SIGTERM. */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
/** kube gives hooks no timeout of their own (RunInContainer(..., 0)); Node's timers need a bound. */
const NO_TIMEOUT_MS = 2_147_483_647;

export type HookResult = { ok: true } | { ok: false; message: string };

/** Where a hook runs: the container (exec) and the pod's address (httpGet without a host). */
export interface HookTarget {
  containerId: string;
  podIP: string;
}

/** Performs one GET; resolves once answered (any status), rejects with the Go-worded transport
 * error (`Get "http://...": dial tcp ...: connect: connection refused`). */
export type HookGet = (req: HttpProbeRequest) => Promise<void>;

export interface HookDeps {
  exec?: ExecInContainer;
  httpGet?: HookGet;
  timers?: Scheduler;
}

/** format.Pod: `name_namespace(uid)`, how the kubelet names a pod in messages. */
export function podFullName(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}

/** Go's %q, near enough for command output. */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** What a LifecycleHandler prints as with %v (its generated String()), for the tcpSocket refusal. */
function handlerText(h: LifecycleHandler): string {
  const intOrString = (v: number | string) => (typeof v === 'number' ? `{0 ${v} }` : `{1 0 ${v}}`);
  const tcp = h.tcpSocket ? `&TCPSocketAction{Port:${intOrString(h.tcpSocket.port)},Host:${h.tcpSocket.host ?? ''},}` : 'nil';
  return `&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:${tcp},Sleep:nil,}`;
}

/** The real GET: the probe's client (no certificate checks, same-host redirects), no timeout of its own. */
export const defaultHookGet: HookGet = async (req) => {
  const out = await httpProbe(req, NO_TIMEOUT_MS);
  // a status code is no failure for a hook: only a request that got no answer is
  if (out.result === 'Failure' && !out.output.startsWith('HTTP probe failed with statuscode')) throw new Error(out.output);
  if (out.result === 'Unknown') throw new Error(out.error ?? 'request failed');
};

/** The GET a httpGet hook sends: the probe's request with the lifecycle User-Agent (unless the user set one). */
export function hookRequest(action: NonNullable<LifecycleHandler['httpGet']>, container: Pick<Container, 'ports'>, podIP: string): HttpProbeRequest {
  const req = httpProbeRequest(action, container, podIP);
  const own = (action.httpHeaders ?? []).some((h) => h.name.toLowerCase() === 'user-agent');
  if (!own) req.headers.set('user-agent', { name: 'User-Agent', values: [LIFECYCLE_USER_AGENT] });
  return req;
}

/** A sleep that a signal cuts short (the container went away, the grace period ran out). */
function sleep(timers: Scheduler, seconds: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const cancel = timers.setTimer(seconds * 1000, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    });
    const onAbort = (): void => {
      cancel();
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * handlerRunner.Run: one hook, with the kubelet's failure message (which goes to the container's
 * waiting message for postStart, never to an event: it may hold secrets).
 */
export async function runHook(
  handler: LifecycleHandler,
  pod: Pod,
  container: Container,
  target: HookTarget,
  deps: HookDeps,
  signal?: AbortSignal,
): Promise<HookResult> {
  const where = `for Container ${goQuote(container.name)} in Pod ${goQuote(podFullName(pod))}`;
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    const text = `Exec lifecycle hook ([${cmd.join(' ')}]) ${where} failed - error: `;
    if (!deps.exec) return { ok: false, message: `${text}exec hooks are not available on this node, message: ""` };
    try {
      const r = await deps.exec(target.containerId, cmd, NO_TIMEOUT_MS);
      if (r.exitCode === 0) return { ok: true };
      // ExecSync's CodeExitError, then the output the hook wrote
      return { ok: false, message: `${text}command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.output}, message: ${goQuote(r.output)}` };
    } catch (err) {
      return { ok: false, message: `${text}${err instanceof Error ? err.message : String(err)}, message: ""` };
    }
  }
  if (handler.httpGet) {
    const text = `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${where} failed - error: `;
    try {
      await (deps.httpGet ?? defaultHookGet)(hookRequest(handler.httpGet, container, target.podIP));
      return { ok: true };
    } catch (err) {
      return { ok: false, message: `${text}${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (handler.sleep) {
    const done = await sleep(deps.timers ?? realScheduler, handler.sleep.seconds, signal);
    if (done) return { ok: true };
    return { ok: false, message: `Sleep lifecycle hook (${handler.sleep.seconds}) ${where} failed - error: container terminated before sleep hook finished` };
  }
  // tcpSocket passes validation but is no hook handler
  return { ok: false, message: `Cannot run handler: invalid handler: ${handlerText(handler)}` };
}

/**
 * executePreStopHook: the hook, waited for at most the grace period (it may go on after that, and
 * a late failure is still reported through `onFailure`). Resolves to the whole seconds it used.
 */
export async function runPreStop(
  handler: LifecycleHandler,
  pod: Pod,
  container: Container,
  target: HookTarget,
  graceSeconds: number,
  deps: HookDeps,
  onFailure: (message: string) => void,
): Promise<number> {
  const timers = deps.timers ?? realScheduler;
  const began = timers.now();
  const deadline = new AbortController();
  // A sleep cut short by the end of the grace period is no failure: kube leaves it sleeping.
  const hook = runHook(handler, pod, container, target, deps, deadline.signal).then((r) => {
    if (!r.ok && !(handler.sleep && deadline.signal.aborted)) onFailure(r.message);
  });
  let cancel: () => void = () => undefined;
  const outOfTime = new Promise<void>((resolve) => {
    cancel = timers.setTimer(graceSeconds * 1000, () => {
      deadline.abort();
      resolve();
    });
  });
  await Promise.race([hook, outOfTime]);
  cancel();
  return Math.floor((timers.now() - began) / 1000);
}

/** killContainer: the grace period left to `docker stop` after a preStop hook that took `usedSeconds`. */
export function graceAfterPreStop(graceSeconds: number, usedSeconds: number): number {
  return Math.max(MINIMUM_GRACE_PERIOD_SECONDS, graceSeconds - usedSeconds);
}

/** The container's spec in the pod (app, then init containers), for the hooks of a container being stopped. */
export function containerSpecOf(pod: Pod | undefined, name: string): Container | undefined {
  return pod?.spec.containers.find((c) => c.name === name) ?? pod?.spec.initContainers?.find((c) => c.name === name);
}
