// The data-path benchmark's backend image, built offline like the test images
// (test/fixtures/images.ts): bench/backend/fastd.c compiled with `gcc -static -O2` at image-build
// time, the one binary as the whole root filesystem, imported with `docker import` semantics.
// The tag carries a version; a label carries the source's hash, so an edited fastd.c rebuilds
// the image instead of benchmarking a stale binary.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { DockerRuntime } from '../../agent/runtime.js';
import { buildTar } from '../../agent/tar.js';

export const FASTD_IMAGE = 'k1s.local/fastd:1';
export const FASTD_PORT = 8080;
const SOURCE_LABEL = 'io.k1s.bench.fastd-source-sha256';

/** bench/backend/fastd.c in the repository (this module runs from dist/bench/backend/). */
export function fastdSource(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'fastd.c'), resolve(here, '../../../bench/backend/fastd.c')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error('bench/backend/fastd.c not found next to the module or in the repository');
}

/** Compiles fastd.c into a static binary; a missing gcc is said plainly. */
function compile(source: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'k1s-fastd-'));
  try {
    const out = join(dir, 'fastd');
    const r = spawnSync('gcc', ['-static', '-O2', '-pthread', '-o', out, source], { encoding: 'utf8' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('gcc is not installed: the benchmark backend is compiled from bench/backend/fastd.c (apt-get install -y gcc libc6-dev)');
    }
    if (r.status !== 0) throw new Error(`gcc -static failed (is libc6-dev installed?):\n${r.stderr}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds FASTD_IMAGE unless an image built from the same source is already there. */
export async function ensureFastdImage(docker: Docker): Promise<void> {
  const source = fastdSource();
  const sha = createHash('sha256').update(readFileSync(source)).digest('hex');
  const existing = await docker
    .getImage(FASTD_IMAGE)
    .inspect()
    .catch(() => undefined);
  if (existing?.Config?.Labels?.[SOURCE_LABEL] === sha) return;
  const tar = buildTar([{ type: 'file', path: 'fastd', data: compile(source), mode: 0o755 }]);
  await new DockerRuntime(docker).importImage(tar, FASTD_IMAGE, [
    `CMD ["/fastd", "${FASTD_PORT}", "1"]`,
    `EXPOSE ${FASTD_PORT}/tcp`,
    `LABEL ${SOURCE_LABEL}=${sha}`,
  ]);
}
