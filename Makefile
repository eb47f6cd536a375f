# Weft's build and test entry points. `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
NODE_DIRS := tools/otoracle tools/sharedb-ref test/sharedb-client web/editor
FUZZTIME ?= 30s

.PHONY: all test test-go check deps-node deps-browser deps-nginx fuzz bench bench-cluster build web web-check web-e2e conformance

all: check test

build:
	$(GO) build ./...

# deps-node installs the pinned npm packages the suites drive (npm ci, from
# the committed lock files). Node.js itself must be installed.
deps-node:
	@command -v node >/dev/null || { echo "make test needs Node.js (>= 20) and npm: install them (Debian: apt-get install nodejs npm)"; exit 1; }
	@for d in $(NODE_DIRS); do \
		if [ ! -d $$d/node_modules ] || [ $$d/package-lock.json -nt $$d/node_modules/.package-lock.json ]; then \
			echo "npm ci in $$d"; (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
		fi; \
	done

# deps-browser makes sure the browsers of the editor suite are there:
# headless Chromium (Debian package chromium, cmd/server TestEditorInChromium)
# and Firefox ESR (Debian package firefox-esr, TestEditorInFirefox), each
# installed with apt-get when missing and running as root, else a clear
# failure naming the package. CHROMIUM / FIREFOX name other executables.
BROWSERS := chromium:CHROMIUM:/usr/bin/chromium firefox-esr:FIREFOX:/usr/bin/firefox-esr
deps-browser:
	@for b in $(BROWSERS); do \
		pkg=$${b%%:*}; rest=$${b#*:}; var=$${rest%%:*}; path=$${rest#*:}; \
		if [ -n "$${!var}" ] || [ -x "$$path" ] || command -v $$pkg >/dev/null; then continue; fi; \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing the Debian package $$pkg"; \
			apt-get install -y $$pkg || { apt-get update && apt-get install -y $$pkg; } || exit 1; \
		else \
			echo "make test needs $$pkg for the editor suite: install the Debian package $$pkg (apt-get install -y $$pkg) or set $$var=/path/to/it"; exit 1; \
		fi; \
	done

# test runs every suite: the Go tests with -race, including the differential
# tests against the npm references (which fail, not skip, here) and the
# Postgres and Redis suites, against a throwaway Postgres and Redis that
# scripts/testenv/run.sh starts on free loopback ports and stops afterwards,
# pass or fail (set WEFT_TEST_DATABASE_URL / WEFT_TEST_REDIS_URL to use
# servers of your own instead). It first checks that the committed editor
# bundle equals a fresh build (web/editor/check-bundle.sh); the editor suite
# drives the built server in headless Chromium and Firefox ESR and (in
# Chromium) rewrites docs/screenshots/.
test: deps-node deps-browser
	web/editor/check-bundle.sh
	WEFT_REQUIRE_ORACLE=1 scripts/testenv/run.sh $(GO) test -race -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory conformance

# conformance runs ShareDB's own client test suite through a WebSocket shim
# (conformance/run.sh; see conformance/README.md).
conformance:
	bash conformance/run.sh

# check: formatting, vet and staticcheck.
check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

# fuzz runs every native fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./internal/...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# deps-nginx makes sure nginx (Debian package nginx) is there for the
# cluster benchmark: installed with apt-get when missing and running as
# root, else a clear failure.
deps-nginx:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing the Debian package nginx"; \
		apt-get install -y nginx || { apt-get update && apt-get install -y nginx; } || exit 1; \
	else \
		echo "make bench-cluster needs nginx: install the Debian package nginx (apt-get install -y nginx)"; exit 1; \
	fi

# bench runs the OT microbenchmarks (with the Node references side by
# side), then the realtime server benchmark: cmd/loadgen's hot, spread and
# idle scenarios against Weft (memory store, then embedded store) and the
# reference ShareDB server, printing a table with ratios and writing
# BENCH_OUT (see BENCHMARKS.md). BENCH_ARGS passes flags to `loadgen bench`.
BENCH_OUT ?= bench-results.json
BENCH_ARGS ?=
bench: deps-node
	WEFT_REQUIRE_ORACLE=1 $(GO) test -run '^$$' -bench . -benchmem ./internal/ot/...
	@mkdir -p tmp/bench
	$(GO) build -o tmp/bench/weft ./cmd/server
	$(GO) build -o tmp/bench/loadgen ./cmd/loadgen
	tmp/bench/loadgen bench --weft-bin tmp/bench/weft --out $(BENCH_OUT) $(BENCH_ARGS)
	$(MAKE) --no-print-directory bench-cluster

# bench-cluster measures Weft and the reference ShareDB server (with
# sharedb-postgres and sharedb-redis-pubsub) as two instances each behind
# nginx, on a throwaway Postgres and Redis that scripts/testenv/run.sh starts
# on free loopback ports and stops afterwards; prints the table with ratios
# and targets, writes BENCH_CLUSTER_OUT and draws docs/bench-cluster.png (see
# BENCHMARKS.md). BENCH_CLUSTER_ARGS passes flags to `loadgen bench-cluster`.
BENCH_CLUSTER_OUT ?= bench-cluster-results.json
BENCH_CLUSTER_ARGS ?=
bench-cluster: deps-node deps-nginx
	@mkdir -p tmp/bench
	$(GO) build -o tmp/bench/weft ./cmd/server
	$(GO) build -o tmp/bench/loadgen ./cmd/loadgen
	@uptime
	scripts/testenv/run.sh bash -c 'tmp/bench/loadgen bench-cluster --weft-bin tmp/bench/weft \
		--database-url "$$WEFT_TEST_DATABASE_URL" --redis-url "$$WEFT_TEST_REDIS_URL" \
		--out $(BENCH_CLUSTER_OUT) $(BENCH_CLUSTER_ARGS)'
	@uptime
	$(GO) run ./cmd/benchchart --in $(BENCH_CLUSTER_OUT) --out docs/bench-cluster.png

# web rebuilds the browser editor bundle (web/editor/index.html + assets/,
# committed and embedded by web/editor/embed.go) from the pinned npm packages.
web:
	@command -v node >/dev/null || { echo "make web needs Node.js (>= 20) and npm"; exit 1; }
	cd web/editor && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

# web-check fails if the committed editor bundle differs from a fresh build.
web-check:
	web/editor/check-bundle.sh

# web-e2e runs the editor's unit tests (Node) and drives it in headless
# Chromium and then Firefox ESR against the reference ShareDB server through
# web/editor/devserver.mjs.
web-e2e: deps-node deps-browser
	cd web/editor && node --test test/unit.mjs && WEFT_BROWSER=chromium node test/e2e.mjs && WEFT_BROWSER=firefox node test/e2e.mjs
