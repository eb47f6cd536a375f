// Command loadgen drives a ShareDB-protocol server (Weft, or the reference
// ShareDB server in tools/sharedb-ref) with closed-loop editors built on
// internal/client, and reports throughput, latency and memory.
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
// editor).
//
// Measures:
//   - committed ops/s: acknowledged ops divided by the run time.
//   - submit-to-ack latency: from Submit to its ack, per op.
//   - submit-to-remote-delivery latency: matched by (src, seq). All editors
//     run in this process and share one table: the sender records the time
//     each (src, seq) was queued on its socket (client.Options.OnSent), and
//     every other editor of the document looks the pair up when the op
//     arrives (client.Options.OnOp). One sample per receiving editor.
//   - memory per idle connection: VmRSS of the server process (from
//     /proc/<pid>/status) after the connections are open and subscribed,
//     minus VmRSS before, divided by the count.
//
// Op types (--type): json0 (an na increment of a number) and text-unicode
// (one character inserted at a random position). The client uses the
// server's own type registry (internal/ot/types).
//
// Only loopback targets are accepted. Output is a table, and with --json
// one JSON summary line.
package main
