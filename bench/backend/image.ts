// The data-path benchmark's backend image: bench/backend/fastd.c compiled with `gcc -static -O2`
// at image-build time, the one binary as the whole root filesystem, rebuilt when the source
// changes (test/fixtures/static-image.ts).
import type Docker from 'dockerode';
import { ensureStaticImage } from '../../test/fixtures/static-image.js';

export const FASTD_IMAGE = 'k1s.local/fastd:1';
export const FASTD_PORT = 8080;

/** Builds FASTD_IMAGE unless an image built from the same source is already there. */
export function ensureFastdImage(docker: Docker): Promise<void> {
  return ensureStaticImage(docker, {
    image: FASTD_IMAGE,
    source: 'bench/backend/fastd.c',
    binary: 'fastd',
    cflags: ['-pthread'],
    changes: [`CMD ["/fastd", "${FASTD_PORT}", "1"]`, `EXPOSE ${FASTD_PORT}/tcp`],
  });
}
