// Package client is a Go client for ShareDB's wire protocol (protocol 1.2),
// the one unmodified sharedb 7.x clients speak. Weft uses it in protocol
// tests and in cmd/loadgen, against Weft and against the reference server
// in tools/sharedb-ref.
//
// It owns one WebSocket per Conn (github.com/coder/websocket) with one read
// and one write goroutine, the handshake, and per-document OT state that
// follows ShareDB's client (lib/client/doc.js):
//
//   - Local ops apply to the local snapshot at once. One op per document is
//     in flight; later ops wait in a queue, composed with the type's Compose
//     while never sent.
//   - An op frame carries v = the local version (null when never fetched),
//     seq = a per-connection counter assigned on first send and kept, and
//     src only on resends.
//   - A frame with the in-flight op's (src, seq) is its ack. Other ops with
//     v equal to the local version are transformed against the in-flight and
//     queued ops (the type's TransformX, else Transform left/right) and
//     applied; older ones are duplicates and dropped; newer ones trigger a
//     catch-up fetch.
//   - A rejected op rolls back hard: queued ops are dropped, the snapshot is
//     refetched, then the ops' callers get the error (ShareDB's client
//     inverts first when the type can; this client always refetches).
//   - After a dropped socket, Reconnect (or Options.AutoReconnect)
//     handshakes with the same id, resends the in-flight op with the same
//     src and seq (the server's dedupe makes it exactly once), and
//     resubscribes documents and presence channels. Requests other than ops
//     that were waiting fail with ErrDisconnected.
//
// Invariants: frames are sent in the order they were queued; all state is
// guarded by one mutex per Conn and never held while calling Options
// callbacks (except OnSent); Close waits for every goroutine the Conn
// started. Server errors are *Error values carrying ShareDB's code.
package client
