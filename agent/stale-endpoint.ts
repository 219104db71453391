// "endpoint with name <container> already exists in network <network>": after an unclean engine
// restart (or a start cut short by one), Docker's network store may still hold the endpoint of a
// container it lost, under the name a new container of ours is about to use. Retrying cannot help:
// the endpoint stays until it is force-disconnected (`docker network disconnect -f <network>
// <name>`). So a start that fails on one disconnects that stale endpoint and tries once more.

const STALE_ENDPOINT = /endpoint with name (\S+) already exists in network (\S+)/;

/** The stale endpoint an engine error names, if it names one. Pure. */
export function staleEndpoint(message: string): { endpoint: string; network: string } | undefined {
  const m = STALE_ENDPOINT.exec(message);
  return m ? { endpoint: m[1], network: m[2] } : undefined;
}

/** Runs `start`; if it fails on a stale endpoint, disconnects it and runs `start` once more. */
export async function repairingStaleEndpoint(start: () => Promise<void>, disconnect: (network: string, endpoint: string) => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    const stale = staleEndpoint(err instanceof Error ? err.message : String(err));
    if (!stale) throw err;
    await disconnect(stale.network, stale.endpoint);
    await start();
  }
}
