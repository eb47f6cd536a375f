// Command loadgen drives a ShareDB-protocol server (Weft, or the reference
// ShareDB server in tools/sharedb-ref) with closed-loop editors, and reports
// throughput, latency and memory.
//
// Scenarios (--scenario):
//   - hot: 1 document, 10 editors.
//   - spread: 100 documents x 2 editors.
//   - idle: 10,000 idle subscribed connections; reports the server's RSS
//     growth per connection (needs --server-pid, or --ref).
//
// Each editor has its own connection and subscribes to its document. It
// submits one op, waits for the ack, and repeats until --duration passes or
// --ops ops were committed in total (a closed loop: one op in flight per
// editor). Editors speak the protocol directly (wire.go) and track only
// their document's version: incoming ops are scanned for their version,
// src and seq, not decoded or applied, so the load generator's CPU, which
// shares the machine with the server, goes to driving the server. Acks
// are checked against the op in flight and the local version, incoming ops
// for gaps; violations count as errors. Documents are created and idle
// connections opened with internal/client.
//
// Measures:
//   - committed ops/s: acknowledged ops divided by the run time.
//   - submit-to-ack latency: from Submit to its ack, per op.
//   - submit-to-remote-delivery latency: matched by (src, seq). All editors
//     run in this process and share one table: the sender records the time
//     each (src, seq) is written to its socket, and every other editor of
//     the document looks the pair up when the op arrives. One sample per
//     receiving editor.
//   - memory per idle connection: VmRSS of the server process (from
//     /proc/<pid>/status) after the connections are open and subscribed,
//     minus VmRSS before, divided by the count.
//
// Op types (--type): json0 (an na increment of a number) and text-unicode
// (one character inserted at a random position, drawn from the version:
// every op inserts one code point into a document created empty).
//
// Only loopback targets are accepted. Output is a table, and with --json
// one JSON summary line.
//
// `loadgen bench` compares single-instance Weft with the in-memory reference
// server (see BENCHMARKS.md). `loadgen bench-cluster` measures Weft and the
// reference ShareDB server (sharedb-postgres, sharedb-redis-pubsub) each as
// --instances instances (2) behind nginx (deploy/nginx.conf, round-robin)
// on one Postgres (a fresh database per run; synchronous_commit must be on)
// and one Redis given by URL: hot and spread, editors of one document
// spread over the instances (nginx names the serving instance in an
// X-Upstream header of the upgrade response), and reports besides the
// measures above the cross-instance delivery latency (an editor on one
// instance to an editor on another) and ops per Postgres commit
// (pg_stat_database.xact_commit), per write transaction (transaction ids
// assigned) and per WAL flush (pg_stat_wal.wal_sync), then whether the
// targets are met.
package main
