// Package cluster holds Weft's scale-out and fault tests; it has no
// non-test code. Each test runs three race-built Weft server processes
// (cmd/server) sharing the throwaway Postgres of `make test` (a fresh schema
// per test) and Redis (a unique channel prefix per test, or a private
// redis-server where Redis itself is restarted) behind Debian's nginx
// running deploy/nginx.conf on a free loopback port. Go clients
// (internal/client) and real sharedb npm clients (testdata/editor.js) edit
// through nginx while in-process toxiproxy proxies between the instances and
// Postgres/Redis cut links (or, with a toxic that parses the RESP stream,
// silently drop pub/sub messages), Redis is restarted, ops are committed
// without being published, and instances are killed with SIGKILL or
// drained with SIGTERM.
//
// Invariants every test checks: each acknowledged op is in Postgres exactly
// once (its (src, seq), and its unique inserted token in exactly that one
// op), no (src, seq) appears twice in the op log, versions are dense from
// 0, every client converges to a fresh fetch of each document, and that
// equals a replay of the op log. Each test logs its figures
// (acknowledged ops, ops found, duplicates, time to converge) and one
// "summary:" line.
//
// The tests need WEFT_TEST_DATABASE_URL and WEFT_TEST_REDIS_URL (set by
// scripts/testenv/run.sh under `make test`), nginx, redis-server and Node.js
// with tools/sharedb-ref's node_modules (`make deps-node`).
package cluster
