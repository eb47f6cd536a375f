# Weft's build and test entry points. `make test` is what CI runs.
SHELL := /bin/bash
GO ?= go
NODE_DIRS := tools/otoracle tools/sharedb-ref
FUZZTIME ?= 30s

.PHONY: all test test-go check deps-node fuzz bench build conformance

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

# test runs every suite: the Go tests with -race, including the differential
# tests against the npm references (which fail, not skip, here).
test: deps-node
	WEFT_REQUIRE_ORACLE=1 $(GO) test -race -count=1 -timeout 25m ./...
	$(MAKE) --no-print-directory conformance

# conformance runs the client tests shipped in sharedb 7.0.0 through a
# WebSocket shim, against the reference server it starts, or against the
# server at CONFORMANCE_URL (name it with CONFORMANCE_SERVER), and writes
# conformance/results/<server>.json. See conformance/README.md.
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

# bench runs the benchmarks, with the Node references side by side.
bench: deps-node
	WEFT_REQUIRE_ORACLE=1 $(GO) test -run '^$$' -bench . -benchmem ./internal/ot/...
