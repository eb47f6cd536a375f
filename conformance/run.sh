#!/usr/bin/env bash
# Runs the client tests shipped in sharedb 7.0.0 against a server, through
# the WebSocket shim (see README.md), and checks the outcome against
# exclusions.json.
#
#   conformance/run.sh                 # against the reference server it starts
#   CONFORMANCE_URL=http://127.0.0.1:8080 CONFORMANCE_SERVER=weft conformance/run.sh
#
# Writes results/<server>.json. Exits non-zero on any failure of a test that
# is not excluded, on a test that did not run, or on a stale exclusion.
set -euo pipefail
cd "$(dirname "$0")"

command -v node >/dev/null || { echo "conformance needs Node.js (>= 20) and npm"; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "npm ci in conformance"
	npm ci --no-audit --no-fund --loglevel=error
fi

work=$(node setup.js)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [ -z "${CONFORMANCE_URL:-}" ]; then
	server_name=${CONFORMANCE_SERVER:-reference}
	mkdir -p .work
	# --watch-stdin: the server exits when this script does, however it ends.
	coproc REF { exec node refserver/server.js --port 0 --watch-stdin 2>.work/refserver.log; }
	server_pid=$REF_PID
	read -r word port <&"${REF[0]}" || { echo "reference server did not start:"; cat .work/refserver.log; exit 1; }
	[ "$word" = listening ] || { echo "reference server: unexpected output: $word $port"; exit 1; }
	export CONFORMANCE_URL="http://127.0.0.1:$port"
else
	server_name=${CONFORMANCE_SERVER:-remote}
fi
echo "conformance: the runner's own tests and the control protocol of $server_name at $CONFORMANCE_URL"
node --test test/
echo "conformance: sharedb 7.0.0 client tests against $server_name at $CONFORMANCE_URL"

raw="$PWD/.work/mocha-$server_name.json"
list="$PWD/.work/tests.json"
rm -f "$raw" "$list"
start=$(date +%s%N)
(
	cd "$work"
	files=(test/client/*.js test/client/presence/*.js test/db-client.js)
	# The full list of tests, to tell the ones a failing hook kept from running.
	node "$OLDPWD/node_modules/mocha/bin/mocha.js" --file test/setup.js --dry-run --reporter json \
		--reporter-option "output=$list" "${files[@]}" >/dev/null
	# mocha exits non-zero when a test fails; compare.js judges the outcome.
	node "$OLDPWD/node_modules/mocha/bin/mocha.js" --file test/setup.js --reporter json \
		--reporter-option "output=$raw" --timeout "${CONFORMANCE_TIMEOUT:-2000}" --exit \
		"${files[@]}" >"$OLDPWD/.work/mocha-$server_name.log" 2>&1 || true
)
end=$(date +%s%N)
mkdir -p results
node compare.js --mocha "$raw" --list "$list" --exclusions exclusions.json --server "$server_name" \
	--wall-ms $(( (end - start) / 1000000 )) --out "results/$server_name.json"
