// Package session serves ShareDB's wire protocol (protocol 1.2) to
// unmodified sharedb clients over WebSocket, and offers the same documents
// to Go callers (Fetch, SnapshotAt, SnapshotAtTime, Ops, List).
//
// # Ownership
//
//   - One goroutine per open document (document.run) owns its snapshot (the
//     type's value), version, a bounded tail of recent ops, and its
//     subscribers. Everything else reaches it through its inbox. A document
//     opens on first use and closes after Options.IdleTimeout without
//     subscribers, writing a snapshot if ops were committed since the last.
//   - The Manager's mu guards only the map of open documents (and a pending
//     sender count per document, so that eviction never strands an event).
//   - Per connection, one goroutine (started by the HTTP handler, which then
//     returns) is the read loop. A writer goroutine drains the bounded send
//     queue only while it is non-empty, writing each batch with one system
//     call (corkConn); keepalive pings run from a timer. An idle connection
//     thus holds one goroutine and no write buffer.
//   - With a PubSub that holds leases (Leases), each document has an owning
//     instance, the holder of its lease, which commits the submits the other
//     instances forward to it (owner.go). A lease is only a routing hint: the
//     invariants below hold whoever commits, and a forwarded submit left
//     unanswered is committed locally after Options.ForwardTimeout (at once
//     when the owner's inbox is found to have no subscriber).
//   - Presence relays (presenceHub) and live queries (queryHub) keep small
//     leaf-locked maps; they never block and never call into documents while
//     holding their locks.
//
// # Invariants
//
//   - An op is acknowledged only after Store.Commit returned true for it.
//     Ops that arrive together for one document go in one Commit, and a
//     shared committer batches the commits of many documents into one
//     Store.Commit call.
//   - Every client sees each document's ops in version order without gaps:
//     ops a submitter missed precede its ack; catch-up ops precede f/s/bs
//     replies; a client that cannot keep up is disconnected (never skipped)
//     and catches up by version when it reconnects.
//   - A (src, seq) pair is applied at most once per document: a resubmit is
//     acknowledged with the version it was first committed at, after the ops
//     before that version it had not seen.
//   - The store orders history: a commit that finds its version taken by
//     another instance reloads, transforms and retries (bounded). PubSub is a
//     doorbell (at most once): remote ops apply when next, are ignored when
//     old, and a gap is read from the store (also checked periodically).
//   - Bad input gets ShareDB's error reply (the request echoed with
//     "error":{"code","message"}) or a documented close code; it never
//     panics the server or affects other clients.
//
// # Error codes and close codes
//
// errors.go lists every ShareDB error code and WebSocket close code used,
// with when each is sent. Close codes: 1000 normal, 1001 shutdown (or a missed
// keepalive), 1012 restart (Drain on SIGTERM: reconnect elsewhere), 1003
// binary frame, 1008 slow consumer or rate abuse, 1009 message over
// ReadLimit (after decompression), 1011 internal failure, 1013 at
// MaxConnections, 4401 token expired, 4403 token revoked.
//
// # Abuse limits
//
// limits.go: connections per client IP (HTTP 429 before the upgrade, and a
// ban after rate abuse), op and presence token buckets per connection
// (ERR_RATE_LIMITED, then 1008), subscriptions per connection, op size;
// docsize.go: document size. Every refusal passes through
// Manager.refused with a LimitReason. A document's inbox is FIFO and a
// connection's read loop hands it one message at a time, so a flooding
// connection holds at most its burst of places ahead of others, and each
// document has at most one commit in the shared committer at a time.
//
// # Queries
//
// qf/qs/qu support a documented subset (see query): all documents of a
// collection, equality on top-level fields, $sort, $skip, $limit. Live
// queries re-run after each op in their collection and push arraydiff "q"
// messages; ops of documents in the results are forwarded.
package session
