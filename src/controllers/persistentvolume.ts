// The PersistentVolume controller (binder) and k3s's local-path provisioner in one: claims get a
// matching volume or, for a class whose provisioner is rancher.io/local-path, a new one, a
// directory under <data dir>/storage; volumes follow their claims (Available, Bound, Released)
// and are reclaimed (Retain keeps them, Delete removes what the provisioner made). The decisions
// are volume-binding.ts's; this carries them out, one small idempotent write at a time, so a
// conflict or a crash between two writes is finished by the next sync.
//
// Not here yet: the kubernetes.io/pvc-protection and kubernetes.io/pv-protection finalizers (a
// claim in use by a pod is deleted at once; finalizers are another change), and mounting the
// volumes into pods (the node agent's).
import { ANN, LOCAL_PATH_PROVISIONER } from '../api/storage.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/types.js';
import { rfc3339 } from '../api/time.js';
import { objectKey, type ControllerContext } from './context.js';
import { QueueController } from './queue.js';
import {
  boundClaim,
  boundClaimStatus,
  boundVolume,
  decideClaim,
  decideVolume,
  sameClaimStatus,
  PV_CONTROLLER,
  type BinderConfig,
  type EventSpec,
} from './volume-binding.js';
import type { VolumeDirs } from './volume-dirs.js';

/** The provisioner's identity in events, as an external provisioner names itself. */
const PROVISIONER_COMPONENT = `${LOCAL_PATH_PROVISIONER}_k1s`;

export interface PersistentVolumeControllerOptions extends BinderConfig {
  dirs: VolumeDirs;
  now?: () => Date;
}

export class PersistentVolumeController extends QueueController {
  private readonly now: () => Date;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: PersistentVolumeControllerOptions,
  ) {
    super('persistentvolume', ctx.logger);
    this.now = opts.now ?? (() => new Date());
  }

  start(): void {
    const { persistentVolumes, persistentVolumeClaims, storageClasses } = this.ctx.informers;
    this.on(persistentVolumeClaims, (_t, claim) => {
      this.queue.add(`claim:${objectKey(claim)}`);
      // the volumes that name it: released when it goes, bound when it binds
      for (const v of persistentVolumes.list()) {
        const ref = v.spec.claimRef;
        if (v.metadata.name === claim.spec.volumeName || (ref?.namespace === claim.metadata.namespace && ref?.name === claim.metadata.name)) {
          this.queue.add(`volume:${v.metadata.name}`);
        }
      }
    });
    this.on(persistentVolumes, (type, volume) => {
      if (type !== 'DELETED') this.queue.add(`volume:${volume.metadata.name}`);
      // a volume that becomes Available (or goes) may decide a waiting claim
      for (const c of persistentVolumeClaims.list()) if (c.status?.phase !== 'Bound') this.queue.add(`claim:${objectKey(c)}`);
    });
    this.on(storageClasses, () => {
      for (const c of persistentVolumeClaims.list()) if (c.status?.phase !== 'Bound') this.queue.add(`claim:${objectKey(c)}`);
    });
    for (const v of persistentVolumes.list()) this.queue.add(`volume:${v.metadata.name}`);
    for (const c of persistentVolumeClaims.list()) this.queue.add(`claim:${objectKey(c)}`);
  }

  protected async sync(key: string): Promise<void> {
    const [what, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (what === 'volume') return this.syncVolume(rest);
    const slash = rest.indexOf('/');
    return this.syncClaim(rest.slice(0, slash), rest.slice(slash + 1));
  }

  private record(obj: PersistentVolume | PersistentVolumeClaim, ev: EventSpec | undefined, component = PV_CONTROLLER): void {
    if (ev) this.ctx.events.record(obj, ev.type, ev.reason, ev.message, component);
  }

  private async syncClaim(ns: string, name: string): Promise<void> {
    const { persistentVolumes, persistentVolumeClaims, storageClasses } = this.ctx.informers;
    let claim = persistentVolumeClaims.get(ns, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const action = decideClaim(claim, persistentVolumes.list(), storageClasses.list(), this.opts);
    switch (action.type) {
      case 'wait': {
        const missing = Object.entries(action.annotations ?? {}).some(([k, v]) => claim!.metadata.annotations?.[k] !== v);
        if (missing) {
          claim = await this.ctx.client.update<PersistentVolumeClaim>({
            ...claim,
            metadata: { ...claim.metadata, annotations: { ...claim.metadata.annotations, ...action.annotations } },
          });
        }
        this.record(claim, action.event);
        return;
      }
      case 'lost':
        if (claim.status?.phase !== 'Lost') {
          await this.ctx.client.updateStatus<PersistentVolumeClaim>({ ...claim, status: { ...claim.status, phase: 'Lost' } });
          this.record(claim, action.event);
        }
        return;
      case 'provision': {
        this.record(claim, { type: 'Normal', reason: 'ExternalProvisioning', message: `Waiting for a volume to be created either by the external provisioner '${LOCAL_PATH_PROVISIONER}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.` });
        this.record(claim, { type: 'Normal', reason: 'Provisioning', message: `External provisioner is provisioning volume for claim "${ns}/${name}"` }, PROVISIONER_COMPONENT);
        await this.opts.dirs.create(action.directory);
        let volume: PersistentVolume;
        try {
          volume = await this.ctx.client.create(action.volume);
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
          volume = (await this.ctx.client.get<PersistentVolume>('PersistentVolume', undefined, action.volume.metadata.name))!;
        }
        this.record(claim, { type: 'Normal', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${volume.metadata.name}` }, PROVISIONER_COMPONENT);
        return this.bind(claim, volume);
      }
      case 'bind':
        return this.bind(claim, action.volume);
    }
  }

  /** kube's bind(): volume's claimRef, volume Bound, claim's volumeName, claim Bound, each only if not done. */
  private async bind(claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<void> {
    const client = this.ctx.client;
    const refVolume = boundVolume(volume, claim);
    if (refVolume !== volume) volume = await client.update(refVolume);
    if (volume.status?.phase !== 'Bound') volume = await client.updateStatus<PersistentVolume>({ ...volume, status: this.phase(volume, 'Bound') });
    const named = boundClaim(claim, volume);
    const changed = named.spec.volumeName !== claim.spec.volumeName || named.metadata.annotations?.[ANN.bindCompleted] !== claim.metadata.annotations?.[ANN.bindCompleted];
    if (changed) claim = await client.update(named);
    const status = boundClaimStatus(volume);
    if (!sameClaimStatus(status, claim.status)) {
      await client.updateStatus<PersistentVolumeClaim>({ ...claim, status });
      this.ctx.logger.debug({ claim: objectKey(claim), volume: volume.metadata.name }, 'claim bound');
    }
  }

  /** A volume status with a new phase and the time it changed (lastPhaseTransitionTime, GA in 1.31). */
  private phase(volume: PersistentVolume, phase: NonNullable<PersistentVolume['status']>['phase']): PersistentVolume['status'] {
    return { phase, lastPhaseTransitionTime: rfc3339(this.now()) };
  }

  private async syncVolume(name: string): Promise<void> {
    const { persistentVolumes, persistentVolumeClaims } = this.ctx.informers;
    const volume = persistentVolumes.get(undefined, name);
    if (!volume) return;
    const action = decideVolume(volume, persistentVolumeClaims.list(volume.spec.claimRef?.namespace), this.opts);
    switch (action.type) {
      case 'none':
        return;
      case 'phase':
        await this.ctx.client.updateStatus<PersistentVolume>({ ...volume, status: this.phase(volume, action.phase) });
        this.record(volume, action.event);
        return;
      case 'unbind': {
        const annotations = { ...volume.metadata.annotations };
        delete annotations[ANN.boundByController];
        const { claimRef: _, ...spec } = volume.spec;
        const updated = await this.ctx.client.update<PersistentVolume>({ ...volume, metadata: { ...volume.metadata, annotations }, spec });
        await this.ctx.client.updateStatus<PersistentVolume>({ ...updated, status: this.phase(updated, 'Available') });
        return;
      }
      case 'delete':
        // the directory first: a crash in between leaves a volume whose next sync deletes again
        await this.opts.dirs.remove(action.directory);
        await this.ctx.client.delete('PersistentVolume', undefined, name).catch((e) => {
          if ((e as { code?: number }).code !== 404) throw e;
        });
        this.ctx.logger.info({ volume: name, directory: action.directory }, 'deleted released volume');
        return;
    }
  }
}
