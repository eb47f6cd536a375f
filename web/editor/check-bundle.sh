#!/usr/bin/env bash
# Rebuilds Weft's editor into a temporary directory and fails if the result
# differs from the committed bundle (index.html and assets/). Run from
# anywhere; installs the pinned npm packages with `npm ci` if needed.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node build.mjs "$tmp"
status=0
diff -r -q "$tmp/assets" assets || status=1
cmp -s "$tmp/index.html" index.html || { echo "index.html differs"; status=1; }
# The files on disk must also be the committed ones.
if git rev-parse --git-dir >/dev/null 2>&1; then
  if ! git diff --quiet HEAD -- index.html assets || [ -n "$(git ls-files --others --exclude-standard -- assets)" ]; then
    echo "index.html or assets/ has uncommitted changes"; status=1
  fi
fi
if [ "$status" -ne 0 ]; then
  echo "web/editor: the committed bundle is stale; run 'make web' and commit the result" >&2
  exit 1
fi
echo "web/editor: committed bundle is up to date"
