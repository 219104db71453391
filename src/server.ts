// `k1s server`: every component in one process, started in dependency order (store ->
// controllers -> service proxy -> node agent -> DNS -> API), each awaited before the next. An
// async failure anywhere becomes a logged shutdown, never a silent hang.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, hostname } from 'node:os';
import type { Server } from 'node:http';
import { Agent, AgentError, type NodeView } from '../agent/agent.js';
import { DEFAULT_NETWORK } from '../agent/network.js';
import { DEFAULT_PAUSE_IMAGE } from '../agent/pause.js';
import { nodeUsage } from '../agent/metrics.js';
import { hostAddresses, hostFacts, hostSample, nodeObject, type NodeStatus } from '../agent/node-status.js';
import { NodeStatusReporter } from '../agent/node-status-reporter.js';
import { NODE_LEASE_NAMESPACE, NodeLease } from '../agent/node-lease.js';
import { DockerRuntime } from '../agent/runtime.js';
import { DockerStreams } from '../agent/exec.js';
import { serverUpstreams } from '../dns/server.js';
import { DnsWorkerPool } from '../dns/pool.js';
import { SERVICE_NAME_LABEL } from './api/kinds/endpointslice.js';
import { ServiceProxy } from '../proxy/proxier.js';
import { IptablesNetfilter } from '../proxy/netfilter.js';
import { SyncRunner } from '../proxy/runner.js';
import { healthChecks, ServiceHealthServer } from '../proxy/health-server.js';
import { ApiError, badRequest } from './api/errors.js';
import { byKind } from './api/resources.js';
import type { Endpoints, Lease, Node, Pod, PodStatus, Service } from './api/types.js';
import { rfc3339 } from './api/time.js';
import { keyOf, Registry } from './apiserver/registry.js';
import { createApiHandler, listen, VERSION } from './apiserver/server.js';
import type { StreamingHooks } from './apiserver/upgrade.js';
import { ensureServingCert } from './apiserver/tls.js';
import { LocalClient } from './client/client.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { DisruptionController } from './controllers/disruption.js';
import { ResourceQuotaController } from './controllers/resourcequota.js';
import { createInformers, type ControllerContext, type Informers } from './controllers/context.js';
import { CronJobController } from './controllers/cronjob.js';
import { DeploymentController } from './controllers/deployment.js';
import { EndpointsController } from './controllers/endpoints.js';
import { EndpointSliceController } from './controllers/endpointslice.js';
import { expiredEvents, StoreEventRecorder } from './controllers/events.js';
import { GarbageCollector } from './controllers/gc.js';
import { JobController } from './controllers/job.js';
import { TTLAfterFinishedController } from './controllers/ttl-after-finished.js';
import { HorizontalController, type PodUsage } from './controllers/podautoscaler/horizontal.js';
import { NamespaceController } from './controllers/namespace.js';
import { PersistentVolumeController } from './controllers/persistentvolume.js';
import { HostVolumeDirs } from './controllers/volume-dirs.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { replicationManager } from './controllers/replication.js';
import { Scheduler } from './controllers/scheduler.js';
import { ProcHostPorts } from './controllers/host-ports.js';
import { ServiceLBController } from './controllers/servicelb.js';
import { tokenFor, writeKubeconfig } from './kubeconfig.js';
import type { Logger } from './log.js';
import { Store } from './store/store.js';

export interface ServerConfig {
  dataDir: string;
  listenAddress: string;
  port: number;
  serviceCIDR: string;
  podCIDR: string;
  podGateway: string;
  networkName: string;
  bridgeName: string;
  dnsServiceIP: string;
  /** the port the DNS server listens on, on the pod network's gateway address */
  dnsPort: number;
  /** DNS answering threads, each on its own port behind the kube-dns Service (default: one per core but one, at least 1, at most 4) */
  dnsWorkers?: number;
  clusterDomain: string;
  nodePortRange: { min: number; max: number };
  upstreams?: string[];
  pauseImage: string;
  nodeName: string;
  /** --iptables-min-sync-period, ms (k1s: 100 ms; kube-proxy: 1 s): changes arriving faster are folded into one sync */
  proxyMinSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-sync-period, ms (kube: 15 s) */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, ms (kube: 5 min) */
  hpaDownscaleStabilizationMs?: number;
}

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    dataDir: '/var/lib/k1s',
    listenAddress: '127.0.0.1',
    port: 6443,
    serviceCIDR: '10.96.0.0/16',
    podCIDR: DEFAULT_NETWORK.subnet,
    podGateway: DEFAULT_NETWORK.gateway,
    networkName: DEFAULT_NETWORK.name,
    bridgeName: DEFAULT_NETWORK.bridgeName,
    dnsServiceIP: '10.96.0.10',
    dnsPort: 53,
    clusterDomain: 'cluster.local',
    nodePortRange: { min: 30000, max: 32767 },
    pauseImage: DEFAULT_PAUSE_IMAGE,
    nodeName: hostname(),
    ...overrides,
  };
}

export interface RunningServer {
  port: number;
  kubeconfig: string;
  stop(): Promise<void>;
  /** settles when the server stops, rejects when a component failed */
  done: Promise<void>;
}

export async function startServer(cfg: ServerConfig, logger: Logger): Promise<RunningServer> {
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void> | void)[] = [];
  let failed: (e: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    failed = reject;
    stops.push(() => resolve());
  });
  done.catch(() => {}); // the caller awaits it only once startServer returns
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s();
      } catch (e) {
        logger.warn({ err: (e as Error).message }, 'error while stopping');
      }
    }
  };
  try {
    // 1. store and API objects
    const store = new Store(join(cfg.dataDir, 'state.db'));
    stops.push(() => store.close());
    const registry = new Registry(store, { serviceCIDR: cfg.serviceCIDR, nodePortRange: cfg.nodePortRange, reservedIPs: [cfg.dnsServiceIP] });
    registry.bootstrap();
    const client = new LocalClient(registry);
    ensureDnsService(registry, cfg, [cfg.dnsPort]);

    // 2. informers and controllers
    const informers = createInformers(client);
    informers.all.forEach((inf) => inf.start());
    stops.push(() => informers.all.forEach((inf) => inf.close()));
    const events = new StoreEventRecorder(client, logger, cfg.nodeName);
    const ctx: ControllerContext = { client, informers, logger: logger.child({ component: 'controllers' }), events };
    // local-path volumes live in <data dir>/storage, as k3s's in /var/lib/rancher/k3s/storage
    const volumes = new PersistentVolumeController(ctx, { nodeName: cfg.nodeName, storageDir: join(cfg.dataDir, 'storage'), dirs: new HostVolumeDirs() });
    // the HPA reads usage as `kubectl top` does, from the node agent (started below), in-process
    let podUsage: (() => Promise<PodUsage[]>) | undefined;
    const hpaMetrics = { pods: () => (podUsage ? podUsage() : Promise.reject(new Error('the node agent is not running yet'))) };
    const hpa = new HorizontalController(ctx, hpaMetrics, { syncPeriodMs: cfg.hpaSyncPeriodMs, downscaleStabilizationMs: cfg.hpaDownscaleStabilizationMs });
    const controllers = [
      new DeploymentController(ctx),
      new ReplicaSetController(ctx),
      replicationManager(ctx),
      new EndpointsController(ctx),
      new EndpointSliceController(ctx),
      new GarbageCollector(ctx),
      new NamespaceController(ctx),
      new Scheduler(ctx, cfg.nodeName),
      volumes,
      hpa,
      new JobController(ctx),
      new CronJobController(ctx),
      new TTLAfterFinishedController(ctx),
      new StatefulSetController(ctx),
      new DaemonSetController(ctx),
      new ResourceQuotaController(ctx),
      new DisruptionController(ctx),
      // LoadBalancer Services get the Node's addresses, port by port first come first served
      new ServiceLBController(ctx, { hostPorts: new ProcHostPorts() }),
    ];
    for (const c of controllers) {
      c.start();
      stops.push(() => c.stop());
    }
    const expireEvents = async () => {
      for (const e of expiredEvents(informers.events.list(), new Date())) await client.delete('Event', e.metadata.namespace, e.metadata.name).catch(() => {});
    };
    const eventSweep = setInterval(() => void expireEvents(), 10 * 60 * 1000);
    stops.push(() => clearInterval(eventSweep));

    // 3. service proxy, before any pod runs: its first sync installs the guard that keeps packets
    //    to the service range from leaving the machine untranslated. One restore per burst.
    const netfilter = new IptablesNetfilter();
    const proxy = new ServiceProxy({
      netfilter,
      config: { serviceCIDR: cfg.serviceCIDR, podCIDR: cfg.podCIDR },
      logger: logger.child({ component: 'proxy' }),
    });
    // At once after idle, then at most every 100 ms while changes keep coming; a sync writes only
    // the chains that changed, and reads and repairs everything every 5 minutes.
    // Health check node ports of Local LoadBalancers (kube-proxy's service health server): 503 while
    // the proxy's last sync failed, as kube-proxy's answer follows its own health.
    let proxyHealthy = true;
    const health = new ServiceHealthServer({
      logger: logger.child({ component: 'proxy' }),
      proxyHealthy: () => proxyHealthy,
      onListenError: (key, port, err) => {
        const svc = informers.services.get(...(key.split('/') as [string, string]));
        if (svc) events.record(svc, 'Warning', 'FailedToStartServiceHealthcheck', `node ${cfg.nodeName} failed to start healthcheck "${key}" on port ${port}: ${err.message}`, 'kube-proxy');
      },
    });
    const proxyRunner = new SyncRunner(
      async () => {
        const [services, slices] = [informers.services.list(), informers.endpointSlices.list()];
        await proxy.sync(services, slices).then(
          () => void (proxyHealthy = true),
          (e) => {
            proxyHealthy = false;
            throw e;
          },
        );
        await health.sync(healthChecks(services, slices));
      },
      {
        // 100 ms, not kube-proxy's 1 s: a pod being deleted leaves the rules within ~100 ms, so a
        // rolling update of apps that exit at once on SIGTERM (no preStop sleep) fails no request
        // (test/e2e/rollout.test.ts; with 1 s it did). The price: under heavy churn each sync is an
        // iptables-restore of tens of ms of CPU, taken from the DNS and the API (bench/dns.js:
        // 40-50% of queries lost with an endpoint move per 100 ms, 8% with 1 s).
        minIntervalMs: cfg.proxyMinSyncPeriodMs ?? 100,
        onError: (e) => logger.error({ err: (e as Error).message }, 'service proxy sync failed'),
      },
    );
    const syncProxy = () => proxyRunner.request();
    await proxy.sync(informers.services.list(), informers.endpointSlices.list());
    informers.services.on(syncProxy);
    informers.endpointSlices.on(syncProxy);
    // The canary check, every 1.5 s: the filter table (the guard, our jumps) and nat's canary.
    // Someone flushing our rules, or Docker moving its FORWARD rules above ours when a network
    // comes or goes, gets a full sync within 2 s. Idle, it writes nothing; its two reads are
    // iptables processes started by a small shell (shell-runner.ts), not forks of the server.
    const canary = setInterval(() => {
      proxy.check().then(
        (ok) => ok || syncProxy(),
        (e) => logger.warn({ err: (e as Error).message }, 'service proxy check failed'),
      );
    }, 1_500);
    // The periodic sync: a no-op in memory unless the full-sync period has passed.
    const resync = setInterval(syncProxy, 15_000);
    stops.push(() => {
      clearInterval(resync);
      clearInterval(canary);
      proxyRunner.stop();
      netfilter.close();
      void health.stop();
    });

    // 4. node agent
    const agentAbort = new AbortController();
    const runtime = new DockerRuntime();
    // the Node's status loop starts once the Node is registered; the runtime's health reaches it at once
    let nodeStatus: NodeStatusReporter | undefined;
    const streams = new DockerStreams(runtime.docker);
    const agent = new Agent({
      view: nodeView(informers, client, events, cfg.nodeName),
      runtime,
      logger,
      nodeName: cfg.nodeName,
      // status.hostIP is the Node's InternalIP, as the kubelet reports it
      hostIP: hostAddresses()[0] ?? cfg.podGateway,
      dataDir: cfg.dataDir,
      network: { name: cfg.networkName, subnet: cfg.podCIDR, gateway: cfg.podGateway, bridgeName: cfg.bridgeName },
      dns: { nameservers: [cfg.dnsServiceIP], clusterDomain: cfg.clusterDomain },
      pauseImage: cfg.pauseImage,
      exec: (id, cmd, timeoutMs) => streams.run(id, cmd, timeoutMs),
      onRuntimeHealth: () => void nodeStatus?.update(),
    });
    const agentRun = agent.start(agentAbort.signal).catch((e) => failed(e));
    podUsage = () => agent.podUsage();
    stops.push(async () => {
      agentAbort.abort();
      await agentRun; // syncs in flight finish before the store closes
    });
    await agent.ready;
    const engine = await runtime.docker.version();
    const facts = hostFacts({ name: cfg.nodeName, containerRuntimeVersion: `docker://${engine.Version}`, kubeletVersion: VERSION.gitVersion, podCIDR: cfg.podCIDR, dataDir: cfg.dataDir });
    registerNode(registry, nodeObject(facts, rfc3339(new Date()), hostSample(cfg.dataDir), agent.runtimeHealth()));
    nodeStatus = new NodeStatusReporter({
      facts,
      sample: () => hostSample(cfg.dataDir),
      runtime: () => agent.runtimeHealth(),
      read: () => readNodeStatus(registry, cfg.nodeName),
      write: (status) => writeNodeStatus(registry, cfg.nodeName, status),
      logger: logger.child({ component: 'agent' }),
    });
    nodeStatus.reported();
    const nodeStatusAbort = new AbortController();
    nodeStatus.start(nodeStatusAbort.signal);
    stops.push(() => nodeStatusAbort.abort());
    // the heartbeat: renewed in memory every 10 s and served from there, stored once per 5 minutes
    const lease = new NodeLease({
      nodeName: cfg.nodeName,
      nodeUid: () => readNode(registry, cfg.nodeName)?.metadata.uid,
      read: () => readLease(registry, cfg.nodeName),
      write: (l, stored) => writeLease(registry, l, stored),
      logger: logger.child({ component: 'agent' }),
    });
    const unview = registry.liveView('Lease', (o) => lease.view(o as Lease));
    const leaseAbort = new AbortController();
    lease.start(leaseAbort.signal);
    stops.push(() => {
      leaseAbort.abort();
      unview();
    });
    syncProxy(); // the agent may have just created the pod network, and Docker reorders FORWARD then

    // 5. cluster DNS, on the pod network's gateway (reachable from every pod and the host), answered
    // by worker threads; this thread posts them each changed Service's records.
    const dns = new DnsWorkerPool({
      address: cfg.podGateway,
      port: cfg.dnsPort,
      // a core is left to this thread (API, controllers, proxy); each worker costs some 17 MB RSS
      workers: cfg.dnsWorkers ?? defaultDnsWorkers(availableParallelism()),
      upstreams: serverUpstreams(cfg.upstreams, readIfThere),
      zone: cfg.clusterDomain,
      logger: logger.child({ component: 'dns' }),
      source: {
        services: () => informers.services.list(),
        service: (ns, name) => informers.services.get(ns, name),
        slices: (ns) => informers.endpointSlices.list(ns),
        // an existing namespace without services is NODATA, not NXDOMAIN
        namespaces: () => informers.namespaces.list().map((n) => n.metadata.name),
      },
    });
    informers.services.on((_type, svc) => dns.serviceChanged(svc.metadata.namespace ?? 'default', svc.metadata.name));
    informers.endpointSlices.on((_type, slice, old) => {
      for (const s of [slice, old]) {
        const owner = s?.metadata.labels?.[SERVICE_NAME_LABEL];
        if (owner) dns.serviceChanged(s.metadata.namespace ?? 'default', owner);
      }
    });
    informers.namespaces.on(() => dns.zoneChanged());
    stops.push(() => dns.stop());
    // every worker's port is an endpoint of kube-dns: the proxy spreads pods' queries over them
    ensureDnsService(registry, cfg, await dns.start());

    // 6. the API, last, so a client never sees a half-started server
    const kubeconfigPath = join(cfg.dataDir, 'kubeconfig');
    const token = tokenFor(kubeconfigPath);
    const handler = createApiHandler({
      registry,
      token,
      logger: logger.child({ component: 'apiserver' }),
      metrics: { pods: () => agent.podUsage(), node: () => nodeUsage(facts.cpus) },
      podLogs: (ns, pod, opts) => agent.logs(ns, pod, opts.container, opts).catch((e) => Promise.reject(asApiError(e))),
      // exec, attach, port-forward: the agent resolves the target (errors answer the request), Docker serves it
      ...streamingHooks(agent, streams),
    });
    const tls = ensureServingCert(cfg.dataDir, [cfg.listenAddress]);
    const { server, port } = await listen(handler, cfg.listenAddress, cfg.port, tls);
    stops.push(() => closeServer(server));
    const clientHost = cfg.listenAddress === '0.0.0.0' ? '127.0.0.1' : cfg.listenAddress;
    writeKubeconfig(kubeconfigPath, `https://${clientHost}:${port}`, token, tls.cert);
    logger.info({ port, kubeconfig: kubeconfigPath }, 'k1s server ready');
    return { port, kubeconfig: kubeconfigPath, stop, done };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The kubelet's node registration: create the Node, or bring its labels and status up to date. */
function registerNode(registry: Registry, node: Node): void {
  const info = byKind('Node')!;
  let current: Node;
  try {
    current = registry.get<Node>(info, undefined, node.metadata.name);
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
    const created = registry.create(info, undefined, node) as Node;
    registry.update(info, undefined, node.metadata.name, { ...created, status: node.status }, { subresource: 'status' });
    return;
  }
  const labels = { ...current.metadata.labels, ...node.metadata.labels };
  const updated = registry.update(info, undefined, node.metadata.name, { ...current, metadata: { ...current.metadata, labels } }) as Node;
  registry.update(info, undefined, node.metadata.name, { ...updated, status: node.status }, { subresource: 'status' });
}

function readNode(registry: Registry, name: string): Node | undefined {
  try {
    return registry.get<Node>(byKind('Node')!, undefined, name);
  } catch (e) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

function readNodeStatus(registry: Registry, name: string): NodeStatus | undefined {
  const node = readNode(registry, name);
  return node ? (node.status ?? {}) : undefined;
}

/** The stored Lease (not the live view: the writer decides from what the store holds). */
function readLease(registry: Registry, name: string): Lease | undefined {
  const stored = registry.store.get(keyOf(byKind('Lease')!, NODE_LEASE_NAMESPACE, name));
  return stored ? (stored as unknown as Lease) : undefined;
}

function writeLease(registry: Registry, lease: Lease, stored: Lease | undefined): void {
  const info = byKind('Lease')!;
  if (!stored) registry.create(info, NODE_LEASE_NAMESPACE, lease);
  else registry.update(info, NODE_LEASE_NAMESPACE, lease.metadata.name, { ...lease, metadata: { ...lease.metadata, resourceVersion: stored.metadata.resourceVersion } });
}

function writeNodeStatus(registry: Registry, name: string, status: NodeStatus): void {
  const info = byKind('Node')!;
  const current = registry.get<Node>(info, undefined, name);
  registry.update(info, undefined, name, { ...current, status }, { subresource: 'status' });
}

/** The DNS Service: a fixed ClusterIP and a hand-made Endpoints pointing at our DNS listeners, one
 * subset per listener port (the same address; a subset has one port per name). */
function ensureDnsService(registry: Registry, cfg: ServerConfig, dnsPorts: number[]): void {
  const svcInfo = byKind('Service')!;
  const epInfo = byKind('Endpoints')!;
  const ports = [
    { name: 'dns', port: 53, protocol: 'UDP' as const, targetPort: cfg.dnsPort },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' as const, targetPort: cfg.dnsPort },
  ];
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    // kubernetes.io/cluster-service: `kubectl cluster-info` lists it
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS', 'kubernetes.io/cluster-service': 'true' } },
    spec: { clusterIP: cfg.dnsServiceIP, ports },
  };
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    subsets: dnsPorts.map((port) => ({ addresses: [{ ip: cfg.podGateway }], ports: ports.map((p) => ({ name: p.name, port, protocol: p.protocol })) })),
  };
  for (const [info, obj] of [[svcInfo, svc], [epInfo, ep]] as const) {
    try {
      const current = registry.get(info, 'kube-system', 'kube-dns');
      registry.update(info, 'kube-system', 'kube-dns', { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      registry.create(info, 'kube-system', obj);
    }
  }
}

/** The agent's view of the API, from the shared informers: the pods bound to this node and what
 * they refer to. The store skips equal status writes. */
function nodeView(informers: Informers, client: LocalClient, events: StoreEventRecorder, nodeName: string): NodeView {
  const { configMaps, secrets } = informers;
  // like the kubelet, the agent sees only pods bound to its node
  const bound = (p: Pod | undefined) => !!p && p.spec.nodeName === nodeName;
  const byUid = (uid: string) => informers.pods.list().find((p) => p.metadata.uid === uid);
  return {
    pods: () => informers.pods.list().filter(bound),
    pod: (uid) => {
      const p = byUid(uid);
      return bound(p) ? p : undefined;
    },
    configMap: (ns, name) => configMaps.get(ns, name),
    secret: (ns, name) => secrets.get(ns, name),
    persistentVolumeClaim: (ns, name) => informers.persistentVolumeClaims.get(ns, name),
    persistentVolume: (name) => informers.persistentVolumes.get(undefined, name),
    services: (ns) => informers.services.list(ns),
    onChange: (cb) => {
      const offs = [
        informers.pods.on((type, pod, old) => {
          if (bound(pod) || bound(old)) cb({ kind: 'Pod', type: bound(pod) ? type : 'DELETED', object: pod, old });
        }),
        configMaps.on((type, object, old) => cb({ kind: 'ConfigMap', type, object, old })),
        secrets.on((type, object, old) => cb({ kind: 'Secret', type, object, old })),
      ];
      return () => offs.forEach((off) => off());
    },
    updatePodStatus: async (pod: Pod, status: PodStatus) => {
      const current = informers.pods.get(pod.metadata.namespace, pod.metadata.name);
      if (!current || current.metadata.uid !== pod.metadata.uid) return; // deleted meanwhile
      await client.updateStatus<Pod>({ ...current, status });
    },
    deletePod: async (pod: Pod) => {
      await client
        .delete('Pod', pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
        .catch((e: { code?: number }) => {
          // gone already, or a new pod of the same name: nothing of ours to delete
          if (e.code !== 404 && e.code !== 409) throw e;
        });
    },
    recordEvent: (pod, type, reason, message) => events.record(pod, type, reason, message, 'kubelet'),
  };
}

/** kubectl exec/attach/port-forward, served by the agent's containers through Docker. */
function streamingHooks(agent: Agent, streams: DockerStreams): StreamingHooks {
  const target = (ns: string, pod: string, want: { container: string | undefined } | 'sandbox') =>
    agent.streamTarget(ns, pod, want).catch((e) => Promise.reject(asApiError(e)));
  return {
    podExec: async (ns, pod, opts) => streams.exec((await target(ns, pod, { container: opts.container })).containerId!, opts),
    podAttach: async (ns, pod, opts) => streams.attach((await target(ns, pod, { container: opts.container })).containerId!, opts),
    podPortForward: async (ns, pod) => {
      const { podIP } = await target(ns, pod, 'sandbox');
      return (port) => streams.dial(podIP!, port);
    },
  };
}

/** The agent's "no such container" and "name a container" as the API's 404 and 400. */
function asApiError(e: unknown): unknown {
  if (!(e instanceof AgentError)) return e;
  return e.code === 'NotFound' ? new ApiError(404, 'NotFound', e.message) : badRequest(e.message);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** DNS worker threads by default: one per core but the one this thread needs, at least one, at most 4. */
export function defaultDnsWorkers(cores: number): number {
  return Math.max(1, Math.min(4, cores - 1));
}
