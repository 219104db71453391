// Docker Swarm as a peer (bench/rolling-update): a one-node swarm on the engine that is already
// there (`docker swarm init --advertise-addr 127.0.0.1`), services through the docker CLI, and a
// teardown that leaves the engine as found: the swarm left, its docker_gwbridge network removed
// (`swarm leave` keeps it), no service containers, no DOCKER-INGRESS chains.
// Images are given to swarm by ID (sha256:...): swarm's executor then skips its pull, which for a
// tag it tries on every task start, reaching for the machine's resolver even when the image is
// here; by ID nothing is looked up.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';

/** The network namespace of swarm's ingress sandbox, which the engine keeps while it is in a swarm. */
const INGRESS_SANDBOX = '/var/run/docker/netns/ingress_sbox';

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Why a swarm cannot be made here, or undefined when it can (an active swarm is someone else's). */
export function swarmUnavailable(): string | undefined {
  const state = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { encoding: 'utf8' });
  if (state.status !== 0) return `docker info failed: ${state.stderr.trim()}`;
  if (state.stdout.trim() !== 'inactive') return `this engine is already in a swarm (${state.stdout.trim()}): not touching it`;
  return undefined;
}

export class Swarm {
  private readonly hadGwbridge = networkExists('docker_gwbridge');
  private readonly hadIngressSandbox = existsSync(INGRESS_SANDBOX);

  constructor(private readonly engine: Docker) {
    docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  }

  /** Creates a replicated service and returns once every task is running (healthy, with a health check). */
  async create(name: string, replicas: number, args: string[], image: string, cmd: string[], timeoutMs = 120_000): Promise<void> {
    docker(['service', 'create', '--detach', '--no-resolve-image', '--name', name, '--replicas', String(replicas), ...args, image, ...cmd]);
    const deadline = Date.now() + timeoutMs;
    while ((await this.runningTasks(name)).length < replicas) {
      if (Date.now() > deadline) throw new Error(`swarm service ${name}: not ${replicas} tasks running in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Tasks of the service that should run and do (a task with a health check is "running" once healthy). */
  async runningTasks(name: string): Promise<{ ID: string; Spec: { ContainerSpec: { Image: string } } }[]> {
    const tasks = (await this.engine.listTasks({ filters: { service: [name], 'desired-state': ['running'] } })) as {
      ID: string;
      Status: { State: string };
      Spec: { ContainerSpec: { Image: string } };
    }[];
    return tasks.filter((t) => t.Status.State === 'running');
  }

  /** The host ports of the service's running tasks (host-mode publishing: one port per task). */
  async hostPorts(name: string): Promise<number[]> {
    const tasks = (await this.engine.listTasks({ filters: { service: [name], 'desired-state': ['running'] } })) as {
      Status: { State: string; PortStatus?: { Ports?: { PublishedPort?: number }[] } };
    }[];
    return tasks.filter((t) => t.Status.State === 'running').flatMap((t) => (t.Status.PortStatus?.Ports ?? []).map((p) => p.PublishedPort!).filter(Boolean));
  }

  /** The service's update state (updating, completed, paused, ...), or undefined before any update. */
  async updateState(name: string): Promise<string | undefined> {
    const s = (await this.engine.getService(name).inspect()) as { UpdateStatus?: { State?: string; Message?: string } };
    return s.UpdateStatus?.State;
  }

  /** Containers of the service still running `image`. */
  async containersOf(name: string, image: string): Promise<number> {
    const list = await this.engine.listContainers({ filters: { label: [`com.docker.swarm.service.name=${name}`] } });
    return list.filter((c) => c.ImageID === image || c.Image === image).length;
  }

  /**
   * Removes the service and waits until its containers (its task history too) are gone. Scaled
   * to 0 first: Docker 20.10 removing 20 containers of one service at once has kept endpoints of
   * removed containers on docker_gwbridge, which then cannot be removed until dockerd restarts.
   */
  async remove(name: string, timeoutMs = 120_000): Promise<void> {
    const left = async (all: boolean) => (await this.engine.listContainers({ all, filters: { label: [`com.docker.swarm.service.name=${name}`] } })).length;
    const wait = async (what: string, done: () => Promise<boolean>) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`swarm service ${name}: ${what} after ${timeoutMs} ms`);
        await sleep(200);
      }
    };
    spawnSync('docker', ['service', 'scale', '--detach', `${name}=0`], { stdio: 'ignore' });
    await wait('containers still running', async () => (await left(false)) === 0);
    spawnSync('docker', ['service', 'rm', name], { stdio: 'ignore' });
    await wait('containers still there', async () => (await left(true)) === 0);
    await sleep(2000); // the network cleanup of the removed tasks runs on after their containers
  }

  /** Leaves the swarm and removes what it left behind; throws if something is still there. */
  async leave(): Promise<void> {
    spawnSync('docker', ['swarm', 'leave', '--force'], { stdio: 'ignore' });
    // the ingress sandbox goes after the leave returns: its gwbridge endpoint with it
    for (let i = 0; i < 10 && !this.hadGwbridge && networkExists('docker_gwbridge'); i++) {
      await sleep(500);
      spawnSync('docker', ['network', 'rm', 'docker_gwbridge'], { stdio: 'ignore' });
    }
    const left: string[] = [];
    if (docker(['info', '--format', '{{.Swarm.LocalNodeState}}']) !== 'inactive') left.push('the swarm');
    if (!this.hadGwbridge && networkExists('docker_gwbridge')) left.push('the docker_gwbridge network');
    if (networkExists('ingress')) left.push('the ingress network');
    if (!this.hadIngressSandbox && existsSync(INGRESS_SANDBOX)) left.push(`the ingress sandbox's namespace (${INGRESS_SANDBOX})`);
    const chains = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout ?? '';
    if (/DOCKER-INGRESS/.test(chains)) left.push('DOCKER-INGRESS chains');
    if (left.length) throw new Error(`swarm teardown left ${left.join(', ')} behind`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function networkExists(name: string): boolean {
  return spawnSync('docker', ['network', 'inspect', name], { stdio: 'ignore' }).status === 0;
}
