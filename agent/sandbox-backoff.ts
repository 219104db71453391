// A pod whose sandbox could not be created waits before the next try, as the kubelet's pod worker
// does when SyncPod returns the CreatePodSandbox error: it requeues the pod after backOffPeriod
// (10 s; kube adds up to 50% jitter). Without the wait the removal of the failed sandbox (a
// "destroy" event) and the resync woke the pod again at once: 22 tries in 0.9 s. Pure.

export const SANDBOX_RETRY_MS = 10_000;

/** Milliseconds left before a sandbox may be created again (0: now). */
export function sandboxRetryWait(lastFailureAt: number | undefined, now: number): number {
  if (lastFailureAt === undefined) return 0;
  return Math.max(0, lastFailureAt + SANDBOX_RETRY_MS - now);
}
