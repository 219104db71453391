// The image manager, as the kubelet's images/image_manager.go: make a container's image present
// according to its imagePullPolicy, with one pull per image at a time (shared by every pod that
// needs it), a back-off per pod and image after a failed pull (ErrImagePull, then
// ImagePullBackOff: 10 s doubling to 5 min), and the kubelet's events.
import { defaultPullPolicy } from '../src/api/defaults.js';
import type { Container, Pod } from '../src/api/types.js';
import { isInBackoffSinceUpdate, nextBackoff, type BackoffEntry } from './backoff.js';
import type { PullAuth } from './pull-secrets.js';
import type { ContainerRuntime } from './runtime.js';
import type { WaitingReason } from './status.js';

export type EventFn = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** Present, or why the container waits; `event` is recorded only when that reason is new. */
export type ImageResult =
  | { ok: true }
  | { ok: false; waiting: WaitingReason; event?: { type: 'Normal' | 'Warning'; reason: string; message: string } };

export function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // dockerode prefixes "(HTTP code 500) server error - "; the engine's own words are what helps.
  return msg.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
}

export class ImageManager {
  private readonly pulls = new Map<string, Promise<void>>();
  /** kubelet keys the pull back-off by pod and image. */
  private readonly backoff = new Map<string, BackoffEntry>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly clock: () => number,
    private readonly recordEvent: EventFn,
  ) {}

  /** `credentials`: those of the pod's pull secrets that match the image, tried in turn. */
  async ensure(pod: Pod, spec: Container, credentials: PullAuth[] = []): Promise<ImageResult> {
    const image = spec.image;
    const policy = spec.imagePullPolicy ?? defaultPullPolicy(image);
    const present = await this.runtime.imageID(image);
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        this.recordEvent(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return { ok: true };
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      return { ok: false, waiting: { reason: 'ErrImageNeverPull', message }, event: { type: 'Warning', reason: 'ErrImageNeverPull', message } };
    }
    const key = `${pod.metadata.uid}_${image}`;
    const now = this.clock();
    const entry = this.backoff.get(key);
    if (isInBackoffSinceUpdate(entry, now)) {
      const message = `Back-off pulling image "${image}"`;
      return { ok: false, waiting: { reason: 'ImagePullBackOff', message }, event: { type: 'Normal', reason: 'BackOff', message } };
    }
    this.recordEvent(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const began = this.clock();
    try {
      await this.pullWith(image, credentials);
    } catch (err) {
      const msg = errorMessage(err);
      this.backoff.set(key, nextBackoff(entry, now, this.clock()));
      this.recordEvent(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${msg}`);
      this.recordEvent(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      return { ok: false, waiting: { reason: 'ErrImagePull', message: msg } };
    }
    this.backoff.delete(key);
    const secs = ((this.clock() - began) / 1000).toFixed(3);
    this.recordEvent(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${secs}s`);
    return { ok: true };
  }

  /** The pod is gone: its back-off entries go too. */
  forget(uid: string): void {
    for (const key of this.backoff.keys()) if (key.startsWith(`${uid}_`)) this.backoff.delete(key);
  }

  /** kuberuntime pullImage: without credentials once; with, each in turn until one works (the
   * errors of all of them, as utilerrors.NewAggregate writes them, when none does). */
  private async pullWith(image: string, credentials: PullAuth[]): Promise<void> {
    if (credentials.length === 0) return this.pull(image);
    const errors: string[] = [];
    for (const auth of credentials) {
      try {
        return await this.pull(image, auth);
      } catch (err) {
        errors.push(errorMessage(err));
      }
    }
    throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  }

  /** One pull per image (and credential) at a time, shared by every pod that needs it. */
  private pull(image: string, auth?: PullAuth): Promise<void> {
    const key = auth ? `${image}\0${auth.serveraddress}\0${auth.username ?? ''}` : image;
    let p = this.pulls.get(key);
    if (!p) {
      p = this.runtime.pullImage(image, auth).finally(() => this.pulls.delete(key));
      this.pulls.set(key, p);
    }
    return p;
  }
}
