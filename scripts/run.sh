#!/usr/bin/env bash
# Sets up this machine (scripts/setup.sh) and runs `k1s server` in the foreground.
# Extra arguments go to `k1s server` (e.g. --data-dir /tmp/k1s --port 6443).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./bin/k1s server "$@"
