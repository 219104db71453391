// The pause (infra) image holds each pod's network namespace. Nothing can be pulled here, so, as
// podman does, we build it locally from the static `catatonit` binary: a one-file root filesystem,
// imported, with `catatonit -P` (pause mode: sleep forever, exit on SIGTERM) as its entrypoint.
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { ContainerRuntime } from './runtime.js';
import { buildTar } from './tar.js';

export const DEFAULT_PAUSE_IMAGE = 'k1s.local/pause:3.10';
export const CATATONIT_PATH = '/usr/bin/catatonit';

/** Images under this registry name are ours: built locally, never pulled. */
const LOCAL_REGISTRY = 'k1s.local/';

export async function buildPauseTar(catatonitPath = CATATONIT_PATH): Promise<Buffer> {
  try {
    await access(catatonitPath, constants.R_OK);
  } catch {
    throw new Error(
      `cannot build the pause image: ${catatonitPath} is missing; install the catatonit package ` +
        `(apt-get install catatonit) or pass a pullable --pause-image`,
    );
  }
  return buildTar([{ type: 'file', path: 'catatonit', data: await readFile(catatonitPath), mode: 0o755 }]);
}

/**
 * Make sure `image` exists. k1s.local/ names are built offline from catatonit; any other name
 * (e.g. registry.k8s.io/pause:3.10 on a machine with a registry) is pulled.
 */
export async function ensurePauseImage(
  runtime: ContainerRuntime,
  image = DEFAULT_PAUSE_IMAGE,
  catatonitPath = CATATONIT_PATH,
): Promise<{ built: boolean }> {
  if (await runtime.imageID(image)) return { built: false };
  if (!image.startsWith(LOCAL_REGISTRY)) {
    await runtime.pullImage(image);
    return { built: false };
  }
  const tar = await buildPauseTar(catatonitPath);
  await runtime.importImage(tar, image, ['ENTRYPOINT ["/catatonit","-P"]']);
  return { built: true };
}
