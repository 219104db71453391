#!/usr/bin/env bash
# Makes this machine ready to run k1s, idempotently: a Docker engine that answers, iptables,
# catatonit (the pause image is built from it offline), busybox-static (test images), openssl
# (the API server's certificate), the npm dependencies, and the build. Debian/Ubuntu, as root.
# With --tests (scripts/test.sh), also what the tests need: gcc and libc6-dev (a static test
# image), dig. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "k1s drives Docker and iptables: run this as root (sudo $0)" >&2
  exit 1
fi

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v iptables-restore >/dev/null || missing+=(iptables)
[ -x /usr/bin/catatonit ] || missing+=(catatonit)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
command -v ip >/dev/null || missing+=(iproute2)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
command -v conntrack >/dev/null || missing+=(conntrack) # the proxy deletes stale UDP flows with it
if [ "${1:-}" = --tests ]; then
  # the tests' UDP echo image is compiled static (test/fixtures/udp-echo.c); dig asks the cluster DNS
  { command -v gcc >/dev/null && [ "$(gcc -print-file-name=libc.a)" != libc.a ]; } || missing+=(gcc libc6-dev)
  command -v dig >/dev/null || missing+=(bind9-dnsutils)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian docker.io client may be shadowed by another docker client on the PATH; k1s itself
# talks to the socket, so only the engine matters.
if ! docker info >/dev/null 2>&1 && ! curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/k1s-dockerd.log)"
  # no systemd here: run it in the background, detached from this shell
  setsid nohup dockerd >/var/log/k1s-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 120); do
    curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -sf --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null || { log "dockerd did not come up:"; tail -20 /var/log/k1s-dockerd.log >&2; exit 1; }
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund >&2
fi
log "building"
npm run -s build >&2
