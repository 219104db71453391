// The volume manager the agent wires in: see manager.ts.
export { VolumeManager, PLUGIN_DIRS, type VolumeManagerOptions, type PluginKind } from './manager.js';
export { LinuxMounter, FakeMounter, parseMountInfo, type Mounter, type TmpfsOptions } from './mounter.js';
export { VolumeError, type ClaimLike, type DockerBind, type NodeAllocatable, type PersistentVolumeLike, type SetUpResult, type VolumeSources } from './types.js';
