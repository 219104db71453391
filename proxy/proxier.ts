// The kube-proxy of k1s. Each sync writes ONE iptables-restore --noflush payload:
//  - full (first, after a failure or tampering, every fullSyncPeriodMs): read iptables-save (in
//    the small shell, parsed in slices), repair jumps, stale chains and chains someone flushed or
//    edited, rewrite the chains that changed (everything when the kernel's state is unknown);
//    pure buildRules, run in slices so the server's thread is never held long;
//  - partial (otherwise): no read; only the chains whose rules changed since the last write
//    (pure buildPartial). Idle: nothing read, nothing written.
// check() is the cheap canary, run every second or two, that turns the next sync into a full one.
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EndpointSlice, Service } from '../src/api/types.js';
import type { Logger } from '../src/log.js';
import type { Netfilter } from './netfilter.js';
import { buildCleanup, buildPartial, buildRulesSliced, CANARY_RULE, filterDrift, RulePlanner, type FilterCheck, type ProxyConfig, type ServicePortInfo } from './rules.js';
import { parseIptablesSaveSliced } from './iptables-save.js';
import { ConntrackTool, staleFlows, type Conntrack } from './conntrack.js';

export type { ProxyConfig } from './rules.js';

/** Kernel parameters behind a tiny interface, so unit tests never touch the host. */
export interface Sysctl {
  /** Current value (trimmed), or undefined when the key does not exist (e.g. br_netfilter not loaded). */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Where the values k1s overwrote are kept until `k1s cleanup` puts them back (tmpfs: a reboot
 *  resets both the sysctls and this file). */
export const SYSCTL_ORIGINALS = '/run/k1s/sysctl-originals.json';

const procPath = (key: string) => `/proc/sys/${key.replace(/\./g, '/')}`;

/** /proc/sys, keys written with dots: "net.ipv4.conf.all.route_localnet". */
export const procSysctl: Sysctl = {
  async get(key) {
    const path = procPath(key);
    try {
      await access(path);
      return (await readFile(path, 'utf8')).trim();
    } catch {
      return undefined;
    }
  },
  async set(key, value) {
    const originals = await readOriginals();
    if (!(key in originals)) {
      originals[key] = (await readFile(procPath(key), 'utf8')).trim();
      await mkdir(dirname(SYSCTL_ORIGINALS), { recursive: true });
      await writeFile(SYSCTL_ORIGINALS, JSON.stringify(originals));
    }
    await writeFile(procPath(key), `${value}\n`);
  },
};

async function readOriginals(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(SYSCTL_ORIGINALS, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Puts back the sysctls k1s changed (route_localnet above all: without K1S-FIREWALL's DROP rule
 * a host left at 1 is open to CVE-2020-8558). Backs `k1s cleanup`; returns the keys restored.
 */
export async function restoreSysctls(): Promise<string[]> {
  const originals = await readOriginals();
  for (const [key, value] of Object.entries(originals)) await writeFile(procPath(key), `${value}\n`);
  await rm(SYSCTL_ORIGINALS, { force: true });
  return Object.keys(originals);
}

export interface SysctlChange {
  key: string;
  from: string;
  to: string;
}

export interface ServiceProxyOptions {
  netfilter: Netfilter;
  config: ProxyConfig;
  logger: Logger;
  sysctl?: Sysctl;
  /** Deletes UDP/SCTP flows of endpoints that went away; default Debian's conntrack tool. */
  conntrack?: Conntrack;
  /** How often a sync reads and repairs everything instead of writing only what changed; default 5 min. */
  fullSyncPeriodMs?: number;
  /** Clock (ms), injectable for tests. */
  now?: () => number;
  /** The rule planner (its memory of each Service's rules); injectable for tests. */
  planner?: RulePlanner;
}

export class ServiceProxy {
  /** The sysctls this proxy changed (procSysctl also keeps their old values for `k1s cleanup`). */
  readonly sysctlChanges: SysctlChange[] = [];
  /** Number of iptables-restore calls made (observability, and idle-churn tests). */
  restores = 0;

  private readonly netfilter: Netfilter;
  private readonly config: ProxyConfig;
  private readonly logger: Logger;
  private readonly sysctl: Sysctl;
  private readonly conntrack: Conntrack;
  private sysctlsDone = false;
  private host: { sctp: boolean } | undefined;
  /** The service ports as last written to the kernel (conntrack flushing diffs against them). */
  private lastPorts: ServicePortInfo[] = [];
  private conntrackMissingLogged = false;
  private readonly fullSyncPeriodMs: number;
  private readonly now: () => number;
  private readonly prefix: string;
  /** Our chains as last written ("table/chain" -> rules); undefined: the kernel's state is unknown. */
  private written: Map<string, string> | undefined;
  private filterCheck: FilterCheck | undefined;
  private needFull = true;
  private lastFull = 0;
  private dockerUser = false;
  private lastSkipped = '';
  private queue: Promise<void> = Promise.resolve();
  /** Plans each Service once until it (or its slices) changes: a partial sync re-plans only those. */
  private readonly planner: RulePlanner;

  constructor(opts: ServiceProxyOptions) {
    this.netfilter = opts.netfilter;
    this.config = opts.config;
    this.logger = opts.logger;
    this.sysctl = opts.sysctl ?? procSysctl;
    this.conntrack = opts.conntrack ?? new ConntrackTool();
    this.fullSyncPeriodMs = opts.fullSyncPeriodMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    this.prefix = opts.config.prefix ?? 'K1S';
    this.planner = opts.planner ?? new RulePlanner();
  }

  /**
   * Bring iptables in line with these services and their EndpointSlices. Calls are serialized.
   * Call it on every Service/Endpoints change AND periodically (e.g. every 10-30 s) and right after
   * the pod network is created: Docker moves its FORWARD rules above ours on every network
   * change, and only a sync puts ours back on top. An idle sync costs one iptables-save, no write.
   */
  sync(services: Service[], slices: EndpointSlice[]): Promise<void> {
    const run = this.queue.then(() => this.syncNow(services, slices));
    this.queue = run.catch(() => {}); // one failed sync must not block the next
    return run;
  }

  private async syncNow(services: Service[], slices: EndpointSlice[]): Promise<void> {
    if (!this.sysctlsDone) {
      await this.ensureSysctls();
      this.sysctlsDone = true;
    }
    if (!this.host) {
      this.host = { sctp: await this.netfilter.supportsSCTP() };
      if (!this.host.sctp) this.logger.warn('netfilter cannot match SCTP here (no sctp module): SCTP service ports will not be programmed');
    }
    const full = this.written === undefined || this.needFull || this.now() - this.lastFull >= this.fullSyncPeriodMs;
    if (full) await this.fullSync(services, slices);
    else await this.partialSync(services, slices);
  }

  /**
   * Read everything (iptables-save), repair whatever is off (jumps moved by Docker, chains
   * flushed or edited by hand, stale chains), rewrite our chains. Writes nothing when all is as
   * we left it. Runs first, after any failure or tampering, and every fullSyncPeriodMs.
   */
  private async fullSync(services: Service[], slices: EndpointSlice[]): Promise<void> {
    const started = this.now();
    this.needFull = false;
    // 2.3 MB with 1,000 services: parsed in slices, so the API and the DNS keep answering meanwhile.
    const existing = await parseIptablesSaveSliced(await this.netfilter.save(), this.prefix);
    // Only what needs it is rewritten: chains changed since our last write, and whatever someone
    // else flushed, edited (another rule count), deleted, left behind or moved (jumps). Idle and
    // undisturbed: nothing at all. Unknown state (first sync, failed write): everything.
    const result = await buildRulesSliced({ services, slices, existing, config: this.config, host: this.host }, { planner: this.planner, written: this.written });
    this.dockerUser = existing.tables.get('filter')?.chains.includes('DOCKER-USER') ?? false;
    this.logSkipped(result.skipped);
    if (result.payload === '') {
      this.lastFull = this.now();
      this.written = result.chains;
      this.filterCheck = result.filterCheck;
      this.logger.debug({ ...result.stats }, 'iptables up to date');
      return;
    }
    if (result.repairs.length > 0 && this.written !== undefined) {
      this.logger.info({ repairs: result.repairs }, 'repairing iptables state');
    }
    await this.write(result.payload);
    this.lastFull = this.now();
    this.written = result.chains;
    this.filterCheck = result.filterCheck;
    this.logger.info({ ...result.stats, full: true, ms: this.now() - started }, 'iptables synced');
    await this.afterWrite(result.servicePorts);
  }

  /** Only the chains that changed since the last write; no iptables-save. Idle: nothing at all. */
  private async partialSync(services: Service[], slices: EndpointSlice[]): Promise<void> {
    const started = this.now();
    const t0 = performance.now();
    const result = buildPartial({ services, slices, config: this.config, host: this.host, dockerUser: this.dockerUser }, this.written!, this.planner);
    this.logSkipped(result.skipped);
    if (result.payload === '') {
      // the same chains (a Service re-planned into the same rules): keep the planner's own map,
      // so the next partial build again looks at the changed Services only
      this.written = result.chains;
      return;
    }
    const built = performance.now();
    await this.write(result.payload);
    this.written = result.chains;
    this.filterCheck = result.filterCheck;
    // buildMs: the thread's own work; the rest of ms is iptables-restore (in the shell) and waiting
    const buildMs = Math.round((built - t0) * 10) / 10;
    this.logger.info({ ...result.stats, changed: result.changed, deleted: result.deleted, ms: this.now() - started, buildMs }, 'iptables synced');
    await this.afterWrite(result.servicePorts);
  }

  private async write(payload: string): Promise<void> {
    this.restores++;
    try {
      await this.netfilter.restore(payload);
    } catch (err) {
      // unknown state: the next sync reads everything and writes again
      this.written = undefined;
      this.logger.error({ err, payloadLines: payload.split('\n').length }, 'iptables-restore failed');
      throw err;
    }
  }

  private async afterWrite(ports: ServicePortInfo[]): Promise<void> {
    // After the rules: a flow deleted now is re-created by the client's next packet through the
    // new rules, never through the old ones.
    const flows = staleFlows(this.lastPorts, ports);
    this.lastPorts = ports;
    await this.flushFlows(flows);
  }

  /** The same skipped list every sync is logged once, not every second. */
  private logSkipped(skipped: string[]): void {
    const key = skipped.join('\n');
    if (key === this.lastSkipped) return;
    this.lastSkipped = key;
    for (const s of skipped) this.logger.warn({ skipped: s }, 'service port not programmed');
  }

  /**
   * The canary check, meant to run every second or two: reads only the filter table (small: the
   * guard, our jumps, REJECTs) and nat's canary chain. Anything off (K1S-GUARD flushed, a jump
   * deleted or pushed below Docker's, the nat table flushed) makes the next sync a full one.
   * Resolves true when all is intact (or nothing was written yet). Serialized with syncs.
   */
  check(): Promise<boolean> {
    const run = this.queue.then(async () => {
      if (this.written === undefined || this.filterCheck === undefined || this.needFull) return this.written !== undefined && !this.needFull;
      const problems = filterDrift(await this.netfilter.saveTable('filter'), this.filterCheck, this.prefix);
      const canary = await this.netfilter.chainRules('nat', `${this.prefix}-CANARY`);
      if (!canary || canary.length !== 1 || !canary[0].endsWith(CANARY_RULE)) problems.push(`nat ${this.prefix}-CANARY: flushed or missing`);
      if (problems.length === 0) return true;
      this.logger.warn({ problems }, 'iptables rules of ours were changed by someone else; full sync');
      this.needFull = true;
      return false;
    });
    this.queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  private async flushFlows(flows: ReturnType<typeof staleFlows>): Promise<void> {
    for (const f of flows) {
      try {
        const n = await this.conntrack.delete(f);
        if (n > 0) this.logger.info({ ...f, deleted: n }, 'stale conntrack entries deleted');
      } catch (err) {
        // A missing tool must not stop the sync; say it once, loudly enough to be found.
        if (!this.conntrackMissingLogged) this.logger.warn({ err: (err as Error).message }, 'cannot delete stale UDP conntrack entries (is the conntrack tool installed?)');
        this.conntrackMissingLogged = true;
      }
    }
  }

  /**
   * route_localnet=1 lets DNAT send packets from 127.0.0.1 out of a real interface, which is what
   * makes 127.0.0.1:<nodePort> work (K1S-FIREWALL closes the CVE-2020-8558 hole it opens).
   * bridge-nf-call-iptables=1 makes bridged pod->pod frames traverse iptables, so a pod talking to
   * a ClusterIP whose endpoint is on the same bridge gets its replies un-NATed. Its key only exists
   * when br_netfilter is loaded; without it, same-bridge service traffic would be unreliable.
   */
  private async ensureSysctls(): Promise<void> {
    const wanted: [key: string, required: boolean][] = [
      ['net.ipv4.conf.all.route_localnet', true],
      ['net.bridge.bridge-nf-call-iptables', false],
    ];
    for (const [key, required] of wanted) {
      const from = await this.sysctl.get(key);
      if (from === undefined) {
        if (required) throw new Error(`sysctl ${key} not found`);
        this.logger.warn({ key }, 'sysctl not available (br_netfilter not loaded?)');
        continue;
      }
      if (from === '1') continue;
      await this.sysctl.set(key, '1');
      this.sysctlChanges.push({ key, from, to: '1' });
      this.logger.info({ key, from, to: '1' }, 'sysctl changed');
    }
  }
}

/**
 * Remove everything of ours from iptables: each rule (any table, any chain) that jumps to a K1S-
 * chain, then every K1S- chain. Nothing else. Backs `k1s cleanup`.
 */
export async function cleanupNetfilter(netfilter: Netfilter, prefix = 'K1S'): Promise<{ chains: number }> {
  const { payload, chains } = buildCleanup(await netfilter.save(), prefix);
  if (payload !== '') await netfilter.restore(payload);
  return { chains };
}
