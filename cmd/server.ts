// `k1s server`: only this command loads the server's components, so client commands stay
// light and the server process carries no CLI printers.
import { createLogger } from '../src/log.js';
import { defaultConfig, startServer } from '../src/server.js';

type Opts = Record<string, unknown>;

export async function server(opts: Opts): Promise<void> {
  const logger = createLogger({ level: opts.logLevel as string });
  const [min, max] = String(opts.nodePortRange).split('-').map(Number);
  const cfg = defaultConfig({
    dataDir: opts.dataDir as string,
    listenAddress: opts.listenAddress as string,
    port: Number(opts.port),
    serviceCIDR: opts.serviceCidr as string,
    podCIDR: opts.podCidr as string,
    podGateway: gatewayOf(opts.podCidr as string),
    dnsServiceIP: opts.dnsServiceIp as string,
    dnsPort: Number(opts.dnsPort),
    dnsWorkers: opts.dnsWorkers === undefined ? undefined : positiveInt('--dns-workers', String(opts.dnsWorkers)),
    clusterDomain: opts.clusterDomain as string,
    nodePortRange: { min, max },
    upstreams: opts.upstream as string[] | undefined,
    pauseImage: opts.pauseImage as string,
    proxyMinSyncPeriodMs: durationMs(String(opts.iptablesMinSyncPeriod ?? '100ms')),
    hpaSyncPeriodMs: durationMs(String(opts.horizontalPodAutoscalerSyncPeriod ?? '15s')),
    hpaDownscaleStabilizationMs: durationMs(String(opts.horizontalPodAutoscalerDownscaleStabilization ?? '5m')),
  });
  const running = await startServer(cfg, logger);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down; pods keep running and are adopted at the next start');
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await running.done;
  } catch (e) {
    logger.fatal({ err: (e as Error).message }, 'a component failed; stopping');
    await running.stop();
    process.exit(1);
  }
}

/** The first host address of a CIDR: 10.244.0.0/16 -> 10.244.0.1 */
function gatewayOf(cidr: string): string {
  const [ip] = cidr.split('/');
  const parts = ip.split('.').map(Number);
  parts[3] += 1;
  return parts.join('.');
}


/** A Go duration as kube's flags take them: "15s", "1m30s", "500ms". */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return parts.reduce((n, p) => n + Number(p[1]) * units[p[2]], 0);
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid ${flag} ${JSON.stringify(text)}: must be a positive integer`);
  return n;
}
