#!/usr/bin/env bash
# Runs the sharedb client protocol suite and exits non-zero if any test fails.
#
#   SHAREDB_URL=ws://127.0.0.1:8080/ ./run.sh     against a running server (Weft)
#   ./run.sh                                      each test file starts its own ref-server.js
#
# Extra arguments go to `node --test` (for example --test-name-pattern=presence).
# See README.md for the environment variables the scenarios read.
set -euo pipefail
cd "$(dirname "$0")"

# Install the pinned packages when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

exec node --test \
  --test-concurrency="${SHAREDB_SUITE_CONCURRENCY:-1}" \
  --test-timeout="${SHAREDB_SUITE_TEST_TIMEOUT_MS:-180000}" \
  "$@" suite/*.test.js
