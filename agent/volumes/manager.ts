// The volume manager (pkg/kubelet/volumemanager, much reduced): prepares every volume of a pod
// under <dataDir>/pods/<uid>/volumes/<plugin>/<name> and turns each container's volumeMounts into
// Docker binds. setUp runs on every pod sync: it is idempotent, and cheap when nothing changed
// (a stat per volume, a mountinfo read per memory-backed volume, a read of each projected file).
import { cpus, totalmem } from 'node:os';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, readdir, readlink, stat, statfs, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { Pod, Volume } from '../../src/api/types.js';
import { writeAtomic, type Payload } from './atomic-writer.js';
import { configMapNotFound, configMapPayload } from './configmap.js';
import { downwardAPIPayload } from './downwardapi.js';
import { EMPTY_DIR_MODE, tmpfsSize } from './emptydir.js';
import { removeTree, resolveWithin, safeMakeDir } from './fs-safe.js';
import { checkHostPathType } from './hostpath.js';
import type { Mounter } from './mounter.js';
import { setVolumeOwnership } from './ownership.js';
import { projectedPayload } from './projected.js';
import { resolveClaim } from './pvc.js';
import { secretNotFound, secretPayload } from './secret.js';
import { VolumeError, type DockerBind, type NodeAllocatable, type SetUpResult, type VolumeSources } from './types.js';

/** The kubelet's plugin directory names, so the layout is the one kube users know. */
export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;
export type PluginKind = keyof typeof PLUGIN_DIRS;

export interface VolumeManagerOptions {
  /** Per-pod files live in <dataDir>/pods/<uid>/ (as the agent's resolv.conf). */
  dataDir: string;
  sources: VolumeSources;
  mounter: Mounter;
  /** For the atomic writer's timestamped directory names. */
  now?: () => Date;
  /** What unset limits mean to the downward API and memory-backed volumes; default: this machine. */
  nodeAllocatable?: () => Promise<NodeAllocatable>;
}

interface PreparedVolume {
  hostPath: string;
  /** configMap, secret, downwardAPI and projected are always mounted read-only (mustMountRO). */
  readOnly: boolean;
}

const SAFE_UID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Paths, modes, contents and the fsGroup: what a write would change. */
function payloadDigest(payload: Payload, fsGroup: number | undefined): string {
  const h = createHash('sha256');
  h.update(`fsGroup=${fsGroup ?? ''}\n`);
  for (const [p, f] of [...payload].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    h.update(`${p}\0${f.mode}\0${f.data.length}\0`);
    h.update(f.data);
  }
  return h.digest('hex');
}

async function machineAllocatable(dataDir: string): Promise<NodeAllocatable> {
  const fs = await statfs(dataDir).catch(() => undefined);
  return { cpuCores: cpus().length, memoryBytes: totalmem(), ephemeralStorageBytes: fs ? fs.blocks * fs.bsize : 0 };
}

export class VolumeManager {
  private readonly locks = new Map<string, Promise<void>>();
  private node: Promise<NodeAllocatable> | undefined;
  /** Per projected volume dir: what was last written there, and the version ..data pointed at. */
  private readonly written = new Map<string, { digest: string; link: string }>();

  constructor(private readonly opts: VolumeManagerOptions) {}

  podDir(uid: string): string {
    if (!SAFE_UID.test(uid)) throw new Error(`invalid pod uid ${JSON.stringify(uid)}`);
    return join(this.opts.dataDir, 'pods', uid);
  }

  volumeDir(uid: string, kind: PluginKind, name: string): string {
    return join(this.podDir(uid), 'volumes', PLUGIN_DIRS[kind], name);
  }

  /** The uids that have a directory under <dataDir>/pods: what an agent restart must reconcile. */
  async podDirs(): Promise<string[]> {
    const names = await readdir(join(this.opts.dataDir, 'pods')).catch(() => [] as string[]);
    return names.filter((n) => SAFE_UID.test(n));
  }

  /** Prepares every volume of the pod and returns each container's binds, or the first failure. */
  setUp(pod: Pod): Promise<SetUpResult> {
    const uid = pod.metadata.uid ?? '';
    if (!SAFE_UID.test(uid)) return Promise.resolve({ ok: false, reason: 'FailedMount', volume: '', message: `invalid pod uid ${JSON.stringify(uid)}` });
    return this.serial(uid, () => this.doSetUp(pod, uid));
  }

  /**
   * Unmounts every mount below the pod's directory (found in mountinfo, so it works after an agent
   * restart too), then removes the directory without following symlinks or crossing into a mount.
   */
  async tearDown(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    await this.serial(uid, async () => {
      for (const key of this.written.keys()) if (key.startsWith(`${dir}/`)) this.written.delete(key);
      for (const m of await this.opts.mounter.mountsUnder(dir)) await this.opts.mounter.unmount(m);
      await removeTree(dir);
    });
  }

  private serial<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const run = prev.then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.locks.set(uid, tail);
    void tail.then(() => {
      if (this.locks.get(uid) === tail) this.locks.delete(uid);
    });
    return run;
  }

  private async doSetUp(pod: Pod, uid: string): Promise<SetUpResult> {
    const prepared = new Map<string, PreparedVolume>();
    for (const v of pod.spec.volumes ?? []) {
      try {
        prepared.set(v.name, await this.setUpVolume(pod, uid, v));
      } catch (e) {
        return { ok: false, reason: 'FailedMount', volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${message(e)}` };
      }
    }
    const binds = new Map<string, DockerBind[]>();
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      const list: DockerBind[] = [];
      for (const m of c.volumeMounts ?? []) {
        const fail = (msg: string): SetUpResult => ({ ok: false, reason: 'CreateContainerConfigError', volume: m.name, message: msg });
        const vol = prepared.get(m.name);
        if (!vol) return fail(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
        let host = vol.hostPath;
        if (m.subPath) {
          if (isAbsolute(m.subPath)) return fail(`error SubPath \`${m.subPath}\` must not be an absolute path`);
          if (m.subPath.split('/').includes('..')) return fail(`unable to provision SubPath \`${m.subPath}\`: must not contain '..'`);
          const sub = await this.prepareSubPath(vol.hostPath, m.subPath);
          if ('error' in sub) {
            const what = sub.error === 'create' ? 'create subPath directory' : 'prepare subPath';
            return fail(`failed to ${what} for volumeMount "${m.name}" of container "${c.name}"`);
          }
          host = sub.path;
        }
        // kubelet makes a relative mountPath absolute; Docker's bind syntax has no room for ':'
        const target = posix.isAbsolute(m.mountPath) ? m.mountPath : `/${m.mountPath}`;
        if (host.includes(':') || target.includes(':')) {
          return fail(`volumeMount "${m.name}" of container "${c.name}": a path with ':' cannot be bound by Docker`);
        }
        list.push(`${host}:${target}${m.readOnly || vol.readOnly ? ':ro' : ''}`);
      }
      binds.set(c.name, list);
    }
    return { ok: true, mounts: (name: string) => [...(binds.get(name) ?? [])] };
  }

  /**
   * The kubelet creates a missing subPath as a directory with the volume root's mode (so a group
   * writable emptyDir stays so), then binds its real path; either step refuses a symlink that
   * leads out of the volume. The details stay in this function: the user only learns it failed.
   */
  private async prepareSubPath(base: string, sub: string): Promise<{ path: string } | { error: 'create' | 'prepare' }> {
    try {
      if ((await resolveWithin(base, sub)) === undefined) {
        try {
          await safeMakeDir(base, sub, (await stat(base)).mode & 0o7777);
        } catch {
          return { error: 'create' };
        }
      }
      const path = await resolveWithin(base, sub);
      return path ? { path } : { error: 'prepare' };
    } catch {
      return { error: 'prepare' };
    }
  }

  private nodeAllocatable(): Promise<NodeAllocatable> {
    this.node ??= (this.opts.nodeAllocatable ?? (() => machineAllocatable(this.opts.dataDir)))();
    return this.node;
  }

  private async setUpVolume(pod: Pod, uid: string, v: Volume): Promise<PreparedVolume> {
    const ns = pod.metadata.namespace ?? 'default';
    const api = this.opts.sources;
    if (v.emptyDir) {
      return { hostPath: await this.emptyDir(pod, uid, v.name, v.emptyDir.medium === 'Memory', v.emptyDir.sizeLimit), readOnly: false };
    }
    if (v.configMap) {
      const { name, items, defaultMode, optional = false } = v.configMap;
      const cm = api.configMap(ns, name);
      if (!cm && !optional) throw configMapNotFound(name);
      return this.projectFiles(pod, uid, 'configMap', v.name, configMapPayload(items, cm, defaultMode, optional), false);
    }
    if (v.secret) {
      const { secretName, items, defaultMode, optional = false } = v.secret;
      const s = api.secret(ns, secretName);
      if (!s && !optional) throw secretNotFound(secretName);
      return this.projectFiles(pod, uid, 'secret', v.name, secretPayload(items, s, defaultMode, optional), true);
    }
    if (v.downwardAPI) {
      const payload = downwardAPIPayload(v.downwardAPI.items, pod, v.downwardAPI.defaultMode, await this.nodeAllocatable());
      return this.projectFiles(pod, uid, 'downwardAPI', v.name, payload, false);
    }
    if (v.projected) {
      const payload = projectedPayload(v.projected.sources, pod, v.projected.defaultMode, api, await this.nodeAllocatable());
      return this.projectFiles(pod, uid, 'projected', v.name, payload, true);
    }
    if (v.hostPath) {
      await checkHostPathType(v.hostPath.path, v.hostPath.type);
      return { hostPath: v.hostPath.path, readOnly: false };
    }
    if (v.persistentVolumeClaim) {
      const claimed = resolveClaim(api, ns, v.persistentVolumeClaim.claimName);
      await checkHostPathType(claimed.path, claimed.type);
      if (claimed.mustExist && !(await exists(claimed.path))) throw new VolumeError(`path "${claimed.path}" does not exist`);
      return { hostPath: claimed.path, readOnly: v.persistentVolumeClaim.readOnly === true };
    }
    throw new VolumeError('volume type not supported by k1s');
  }

  /** configMap, secret, downwardAPI, projected: an emptyDir (tmpfs when it may hold secrets) written atomically. */
  private async projectFiles(pod: Pod, uid: string, kind: PluginKind, name: string, payload: Payload, memory: boolean): Promise<PreparedVolume> {
    const dir = this.volumeDir(uid, kind, name);
    const fsGroup = pod.spec.securityContext?.fsGroup;
    // The common sync: same payload as last written and ..data still where we left it (which also
    // proves a memory volume's tmpfs is in place: nothing is ever written below an absent mount).
    const digest = payloadDigest(payload, fsGroup);
    const last = this.written.get(dir);
    if (last?.digest === digest && (await readlink(join(dir, '..data')).catch(() => '')) === last.link) return { hostPath: dir, readOnly: true };
    this.written.delete(dir);
    await this.wrapperDir(pod, dir, memory, undefined);
    // never write a secret where no tmpfs is: a failed or vanished mount stops here
    if (memory && !(await this.opts.mounter.isMountPoint(dir))) throw new VolumeError(`${dir} is not a tmpfs mount point`);
    await writeAtomic(dir, payload, {
      now: this.opts.now,
      // the whole volume, not only the new version: the first write creates the visible links too
      setPerms: fsGroup === undefined ? undefined : () => setVolumeOwnership(dir, fsGroup, true),
    });
    this.written.set(dir, { digest, link: await readlink(join(dir, '..data')) });
    return { hostPath: dir, readOnly: true };
  }

  /** The emptyDir every file-projecting volume wraps: returns whether a tmpfs was just mounted. */
  private async wrapperDir(pod: Pod, dir: string, memory: boolean, sizeLimit: string | undefined): Promise<boolean> {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    let mounted = false;
    if (memory && !(await this.opts.mounter.isMountPoint(dir))) {
      const node = await this.nodeAllocatable();
      await this.opts.mounter.mountTmpfs(dir, { sizeBytes: tmpfsSize(pod, sizeLimit, node.memoryBytes) });
      mounted = true;
    }
    // as setupDir: fix the permission bits only (a tmpfs root keeps its sticky bit, as in kube)
    const st = await stat(dir);
    if ((st.mode & 0o777) !== EMPTY_DIR_MODE) await chmod(dir, EMPTY_DIR_MODE);
    return mounted;
  }

  /**
   * emptyDir: ownership for fsGroup is applied once, when the volume is made, and remembered by a
   * ready file beside it (pods/<uid>/plugins/<plugin>/<name>/ready) as the kubelet does, so a
   * restarted agent does not walk (and re-mode) what the pod has written since.
   */
  private async emptyDir(pod: Pod, uid: string, name: string, memory: boolean, sizeLimit: string | undefined): Promise<string> {
    const dir = this.volumeDir(uid, 'emptyDir', name);
    const readyDir = join(this.podDir(uid), 'plugins', PLUGIN_DIRS.emptyDir, name);
    const ready = await exists(join(readyDir, 'ready'));
    const mounted = await this.wrapperDir(pod, dir, memory, sizeLimit);
    if (ready && !mounted) return dir;
    const fsGroup = pod.spec.securityContext?.fsGroup;
    if (fsGroup !== undefined) await setVolumeOwnership(dir, fsGroup, false);
    await mkdir(readyDir, { recursive: true, mode: 0o750 });
    await writeFile(join(readyDir, 'ready'), '');
    return dir;
  }
}
