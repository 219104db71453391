// The k1s command line: definitions only. What each command does lives in cmd/actions.ts.
import { Command, Option } from 'commander';

// Each command loads its modules only when it runs: `k1s server` carries no CLI printers and
// `k1s get` no Docker client.
const server = async (opts: Record<string, unknown>) => (await import('./server.js')).server(opts);
const cleanup = async (opts: { dataDir?: string }) => (await import('./cleanup.js')).cleanup(opts);
type ClientCommand = 'apply' | 'get' | 'describe' | 'del' | 'logs' | 'version';
const client =
  (program: Command, name: ClientCommand) =>
  async (...args: unknown[]) => {
    const actions = await import('./actions.js');
    return (actions[name](program) as (...a: unknown[]) => Promise<void>)(...args);
  };

const collect = (value: string, previous: string[] = []) => [...previous, value];

type RolloutVerb = 'status' | 'history' | 'undo' | 'restart' | 'pause' | 'resume';
const rollout =
  (program: Command, verb: RolloutVerb) =>
  async (args: string[], opts: Record<string, unknown>): Promise<void> =>
    (await import('./rollout.js')).rollout(program, verb)(args, opts);

export function buildProgram(): Command {
  const program = new Command('k1s')
    .description('Kubernetes for one Linux box')
    .option('--kubeconfig <path>', 'path to the kubeconfig (default: $KUBECONFIG, then /var/lib/k1s/kubeconfig)')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });

  program
    .command('server')
    .description('run the API server, controllers, node agent, service proxy and DNS in the foreground')
    .option('--data-dir <dir>', 'where state, pod files and the kubeconfig live', '/var/lib/k1s')
    .option('--listen-address <ip>', 'API server address', '127.0.0.1')
    .option('--port <port>', 'API server port (0 picks a free one)', '6443')
    .option('--service-cidr <cidr>', 'ClusterIP range', '10.96.0.0/16')
    .option('--pod-cidr <cidr>', 'pod network (a Docker bridge network)', '10.244.0.0/16')
    .option('--dns-service-ip <ip>', 'ClusterIP of kube-system/kube-dns', '10.96.0.10')
    .option('--dns-port <port>', 'port the DNS server listens on, on the pod network gateway', '53')
    .option('--dns-workers <n>', 'DNS answering threads, each on its own port behind kube-dns (default: one per core but one, at least 1, at most 4)')
    .option('--cluster-domain <domain>', 'cluster DNS domain', 'cluster.local')
    .option('--node-port-range <range>', 'NodePort range', '30000-32767')
    .option('--upstream <ip[:port]>', 'DNS server for names outside the cluster (repeatable; default: /etc/resolv.conf)', collect)
    .option('--pause-image <image>', 'pod infra image (built locally from catatonit when absent)', 'k1s.local/pause:3.10')
    .option('--iptables-min-sync-period <duration>', "the service proxy's minimum time between two iptables syncs while changes keep coming (the first two after a quiet time are immediate); kube-proxy's default is 1s, which spends less CPU under heavy churn", '100ms')
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often each HorizontalPodAutoscaler is reconciled', '15s')
    .option('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'scale-down stabilization window of HPAs that set none', '5m')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .action(server);

  program
    .command('apply')
    .description('create or update objects from YAML files')
    .requiredOption('-f, --filename <path>', 'file, directory or - for stdin (repeatable)', collect)
    .option('-n, --namespace <ns>', 'namespace for objects that name none')
    .action(client(program, 'apply'));

  program
    .command('get')
    .description('list objects: get KIND[,KIND] [NAME...]')
    .argument('<kind>', 'pods, po, services, svc, deployments, deploy, rs, ep, cm, secrets, ns, events, or all')
    .argument('[names...]')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', 'label selector (a=b,c!=d,e in (x,y))')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['wide', 'yaml', 'json', 'name']))
    .option('--no-headers', 'omit the header line')
    .option('--show-managed-fields', 'keep metadata.managedFields in -o yaml|json (left out otherwise, as kubectl does)')
    .action(client(program, 'get'));

  program
    .command('describe')
    .description('show details and events: describe KIND [NAME...]')
    .argument('<kind>')
    .argument('[names...]')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', 'label selector')
    .action(client(program, 'describe'));

  program
    .command('delete')
    .description('delete objects: delete -f FILE | delete KIND NAME...')
    .argument('[kind]')
    .argument('[names...]')
    .option('-f, --filename <path>', 'file, directory or - (repeatable)', collect)
    .option('-n, --namespace <ns>', 'namespace')
    .option('-l, --selector <selector>', 'label selector')
    .option('--ignore-not-found', 'treat "not found" as success')
    .option('--grace-period <seconds>', 'seconds a pod gets to stop (-1: its own terminationGracePeriodSeconds)', '-1')
    .option('--force', 'with --grace-period=0: remove from the API at once, without waiting for the containers')
    .option('--wait <bool>', 'wait until the objects are gone (as kubectl)', 'true')
    .action(client(program, 'del'));

  program
    .command('logs')
    .description("print a container's logs")
    .argument('<pod>')
    .option('-c, --container <name>', 'container name (required when the pod has several)')
    .option('-n, --namespace <ns>', 'namespace')
    .option('-f, --follow', 'stream new output')
    .option('-p, --previous', 'the previous, terminated container')
    .option('--tail <lines>', 'lines from the end to show')
    .action(client(program, 'logs'));

  const ro = program.command('rollout').description('manage the rollout of a Deployment, DaemonSet or StatefulSet: rollout VERB TYPE/NAME');
  const verbs: [RolloutVerb, string][] = [
    ['status', "watch the rollout until it is done (exit status 1 if it fails or times out)"],
    ['history', 'list the revisions, or show one with --revision'],
    ['undo', 'roll back to the previous revision, or to --to-revision'],
    ['restart', 'restart every pod (a new rollout of the same template)'],
    ['pause', 'pause a Deployment: template changes wait until it is resumed'],
    ['resume', 'resume a paused Deployment'],
  ];
  for (const [verb, description] of verbs) {
    const c = ro.command(verb).description(description).argument('<resource...>', 'TYPE/NAME or TYPE NAME').option('-n, --namespace <ns>', 'namespace');
    if (verb === 'status') {
      c.option('--revision <n>', 'the revision the rollout must be at (Deployments)', '0')
        .option('-w, --watch <bool>', 'watch until the rollout is done', 'true')
        .option('--timeout <duration>', 'how long to watch (0: no limit)', '0');
    }
    if (verb === 'history') c.option('--revision <n>', "show this revision's pod template", '0');
    if (verb === 'undo') c.option('--to-revision <n>', 'the revision to roll back to (0: the one before the current)', '0');
    c.action(rollout(program, verb));
  }

  program
    .command('cleanup')
    .description("remove every k1s container, network and iptables chain from this machine, and its pods' volume mounts")
    .option('--data-dir <dir>', 'the data dir whose pod volume mounts to remove', '/var/lib/k1s')
    .action(cleanup);

  program.command('version').description('print the client and server versions').action(client(program, 'version'));

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch(async (e) => {
    process.stderr.write(`${(await import('./actions.js')).errorText(e)}\n`);
    process.exit(1);
  });
