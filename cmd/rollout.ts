// `k1s rollout status|history|undo|restart|pause|resume TYPE/NAME`: reads the object and its
// revisions, applies what src/cli/rollout.ts decides, and prints kubectl's lines. Errors are
// thrown with kubectl's words; k1s.ts prints them and exits 1.
import type { Command } from 'commander';
import { byName, pathFor, qualifiedName, type ResourceInfo } from '../src/api/resources.js';
import type { ControllerRevision, Deployment, Kind, ReplicaSet } from '../src/api/types.js';
import { HttpClient } from '../src/client/http.js';
import { findKubeconfig, readKubeconfig } from '../src/kubeconfig.js';
import {
  controllerRevisions,
  historyText,
  pausePatch,
  replicaSetRevisions,
  restartPatch,
  rolloutStatus,
  RolloutError,
  ROLLOUT_KINDS,
  undoPlan,
  type Revision,
  type RolloutObject,
} from '../src/cli/rollout.js';

export type RolloutVerb = 'status' | 'history' | 'undo' | 'restart' | 'pause' | 'resume';
type Opts = Record<string, unknown>;

const PATCH_TYPES = { json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' } as const;

/** TYPE/NAME or TYPE NAME. */
function target(args: string[]): { r: ResourceInfo; name: string } {
  const [first, second] = args;
  const [type, name] = first.includes('/') ? [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)] : [first, second];
  const r = byName(type);
  if (!r) throw new Error(`error: the server doesn't have a resource type "${type}"`);
  if (!name) throw new Error('error: required resource not specified');
  return { r, name };
}

/** kind.String() of a GroupKind: "ReplicaSet.apps", "Pod". */
const groupKind = (r: ResourceInfo) => (r.group ? `${r.kind}.${r.group}` : r.kind);
/** A GroupKind as Go's %v prints the struct: "{apps ReplicaSet}", "{ ConfigMap}". */
const goGroupKind = (r: ResourceInfo) => `{${r.group} ${r.kind}}`;
/** NamePrinter: "deployment.apps/web", then the operation. */
const printed = (r: ResourceInfo, name: string, operation: string) => `${qualifiedName(r)}/${name}${operation ? ` ${operation}` : ''}\n`;
/** the error lines of pause/resume/restart: `error: deployments.apps "web" is already paused` */
const patchError = (r: ResourceInfo, name: string, e: unknown) => new Error(`error: ${r.resource}${r.group ? `.${r.group}` : ''} "${name}" ${(e as Error).message}`);

const isRollout = (o: { kind: string }): o is RolloutObject => (ROLLOUT_KINDS as readonly string[]).includes(o.kind);

async function revisionsOf(client: HttpClient, obj: RolloutObject): Promise<Revision[]> {
  const ns = obj.metadata.namespace;
  if (obj.kind === 'Deployment') return replicaSetRevisions(obj, (await client.list<ReplicaSet>('ReplicaSet', ns)).items);
  return controllerRevisions(obj, (await client.list<ControllerRevision>('ControllerRevision', ns)).items);
}

function intOption(value: unknown, flag: string): number {
  const n = Number(value ?? 0);
  if (!Number.isInteger(n)) throw new Error(`error: invalid argument "${String(value)}" for "${flag}" flag: strconv.ParseInt: parsing "${String(value)}": invalid syntax`);
  return n;
}

/** Go durations as kubectl's --timeout takes them: 30s, 1m, 1m30s, 0. */
function durationMs(text: string): number {
  if (text === '0') return 0;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = text.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_, n: string, u: string) => ((total += Number(n) * units[u]), ''));
  if (rest || !text) throw new Error(`error: invalid argument "${text}" for "--timeout" flag: time: invalid duration "${text}"`);
  return total;
}

export const rollout = (program: Command, verb: RolloutVerb) => async (args: string[], opts: Opts) => {
  const client = new HttpClient(readKubeconfig(findKubeconfig(program.opts().kubeconfig as string | undefined)));
  const ns = (opts.namespace as string | undefined) ?? client.config.namespace;
  const { r, name } = target(args);
  const obj = await client.get(r.kind as Kind, r.namespaced ? ns : undefined, name);
  const write = (text: string): void => void process.stdout.write(text);

  switch (verb) {
    case 'status': {
      if (!isRollout(obj)) throw new Error(`error: no status viewer has been implemented for ${groupKind(r)}`);
      return watchStatus(client, r, obj, intOption(opts.revision, '--revision'), opts.watch !== 'false', durationMs(String(opts.timeout ?? '0')), write);
    }
    case 'history': {
      if (!isRollout(obj)) throw new Error(`error: error retrieving history for "${r.kind}", no visitor method exists for ${goGroupKind(r)}`);
      const revision = intOption(opts.revision, '--revision');
      const text = historyText(await revisionsOf(client, obj), revision);
      // the operation kubectl hands its name printer: "with revision #N" (or nothing), a newline, the history
      return write(printed(r, name, `${revision > 0 ? `with revision #${revision}` : ''}\n${text}`));
    }
    case 'undo': {
      if (!isRollout(obj)) throw new Error(`error: error retrieving rollbacker for "${r.kind}", no visitor method exists for ${goGroupKind(r)}`);
      const plan = undoPlan(obj, await revisionsOf(client, obj), intOption(opts.toRevision, '--to-revision'));
      if ('skip' in plan) return write(printed(r, name, plan.skip));
      await client.call('PATCH', pathFor(r, ns, name), plan.patch, PATCH_TYPES[plan.patchType]).catch((e) => {
        throw new Error(`error: failed restoring revision ${intOption(opts.toRevision, '--to-revision')}: ${(e as Error).message}`);
      });
      return write(printed(r, name, 'rolled back'));
    }
    case 'restart':
    case 'pause':
    case 'resume': {
      let patch: unknown;
      try {
        if (!isRollout(obj)) throw new RolloutError(verb === 'restart' ? 'restarting is not supported' : verb === 'pause' ? 'pausing is not supported' : 'resuming is not supported');
        patch = verb === 'restart' ? restartPatch(obj, new Date()) : pausePatch(obj, verb === 'pause');
      } catch (e) {
        throw patchError(r, name, e);
      }
      if (patch === undefined) {
        throw new Error(`error: failed to create patch for ${name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`);
      }
      await client.call('PATCH', pathFor(r, ns, name), patch, PATCH_TYPES.strategic);
      return write(printed(r, name, verb === 'restart' ? 'restarted' : verb === 'pause' ? 'paused' : 'resumed'));
    }
  }
};

/**
 * kubectl's RunStatus: the status of every version of the object as it is seen (repeats
 * included), until the rollout is done; once only with --watch=false; an error when it is
 * deleted, when its deadline passes, or at --timeout.
 */
function watchStatus(client: HttpClient, r: ResourceInfo, first: RolloutObject, revision: number, watch: boolean, timeoutMs: number, write: (s: string) => void): Promise<void> {
  const initial = rolloutStatus(first, revision);
  write(initial.text);
  if (initial.done || !watch) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      stop();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const stop = client.watch(r.kind as Kind, first.metadata.namespace, { fieldSelector: `metadata.name=${first.metadata.name}`, resourceVersion: first.metadata.resourceVersion }, (ev) => {
      if (ev.type === 'DELETED') return finish(new Error('error: object has been deleted'));
      try {
        const s = rolloutStatus(ev.object as Deployment, revision);
        write(s.text);
        if (s.done) finish();
      } catch (e) {
        finish(e as Error);
      }
    });
    if (timeoutMs > 0) timer = setTimeout(() => finish(new Error('error: timed out waiting for the condition')), timeoutMs);
  });
}
