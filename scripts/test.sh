#!/usr/bin/env bash
# Sets up this machine (scripts/setup.sh) and runs every test: unit, integration (real Docker,
# real iptables) and end-to-end (a real `k1s server` and the CLI). Begins by removing what a
# killed earlier run may have left, and fails if the run itself leaves anything behind.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests

./bin/k1s cleanup >/dev/null

shopt -s globstar nullglob
tests=(dist/test/unit/**/*.test.js dist/test/integration/**/*.test.js dist/test/e2e/**/*.test.js)
status=0
# One file at a time: integration and e2e tests share the machine's Docker network and iptables.
node --enable-source-maps --test --test-concurrency=1 --test-reporter=spec "${tests[@]}" || status=$?

left_containers=$(docker ps -aq --filter label=io.k1s.managed=true | wc -l)
left_chains=$(iptables-save | grep -c '^:K1S-' || true)
if [ "$left_containers" != 0 ] || [ "$left_chains" != 0 ]; then
  echo "the tests left $left_containers io.k1s containers and $left_chains K1S- chains behind" >&2
  ./bin/k1s cleanup >&2
  status=1
fi
exit $status
