// Imported (for its effect) before dockerode: dockerode loads gRPC and protobuf at startup for
// BuildKit sessions, and docker-modem loads ssh2 for ssh:// engines. k1s only talks to the local
// engine's unix socket and never builds, yet those modules cost the server about 12 MB of
// resident memory, so they resolve to empty modules. A change that needs BuildKit or SSH
// removes them from UNUSED.
import Module from 'node:module';

const UNUSED = new Set(['@grpc/grpc-js', '@grpc/proto-loader', 'ssh2']);

type Load = (request: string, ...rest: unknown[]) => unknown;
const loader = Module as unknown as { _load: Load };
const load = loader._load;
loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
  return UNUSED.has(request) ? {} : load.call(this, request, ...rest);
};
