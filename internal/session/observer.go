package session

import "time"

// Observer is told what the Manager does, for metrics and traces. The
// Manager calls it from its hot paths (connection read loops, document
// goroutines, the committer), so implementations must be safe for
// concurrent use, return quickly, never block and never call back into the
// Manager; an Observer that allocates on every call slows every op.
//
// Gauges (open connections, open documents) are not pushed through the
// Observer: read them from Manager.Connections and Manager.OpenDocuments
// when they are scraped.
type Observer interface {
	// OpsCommitted reports n ops of one document committed in one store
	// commit. typ is the name of the document's OT type after the commit
	// ("" when the commit deleted it).
	OpsCommitted(typ string, n int)
	// SubmitAcked reports the time from reading a submit off the socket to
	// queuing its acknowledgement (which follows its durable commit).
	SubmitAcked(d time.Duration)
	// CommitFlushed reports one Store.Commit call: when it started, how
	// long it took, how many documents and ops it carried, and its error.
	CommitFlushed(start time.Time, took time.Duration, docs, ops int, err error)
	// CommitRetried reports a commit that lost the version race to another
	// instance: the document reloads, transforms and commits again.
	CommitRetried()
	// GapFilled reports a catch-up from the store that found ops this
	// instance had missed (a lost or late PubSub message); ops is how many.
	GapFilled(ops int)
	// SlowClientClosed reports a connection closed because its send queue
	// filled (close code 1008).
	SlowClientClosed()
	// Rejected reports a message refused with reason: a ShareDB error code
	// (CodeBadMessage, CodeOpBadlyFormed, ...), a LimitReason for a
	// refusal by an abuse limit (op_rate, connections_per_ip, ...), or one
	// of the Reason constants for refusals that close the connection.
	// Reasons are a small fixed set, fit for a metric label.
	Rejected(reason string)
}

// Reasons passed to Observer.Rejected besides ShareDB error codes.
const (
	// ReasonTooBig: a message over Options.ReadLimit (closed with 1009).
	ReasonTooBig = "message_too_big"
	// ReasonBinary: a binary frame (closed with 1003).
	ReasonBinary = "binary_frame"
	// ReasonUncoded: an error reply without a ShareDB code (an OT type's
	// own error, as ShareDB forwards it).
	ReasonUncoded = "uncoded_error"
)

// nopObserver is the default Observer: it does nothing.
type nopObserver struct{}

func (nopObserver) OpsCommitted(string, int)                                {}
func (nopObserver) SubmitAcked(time.Duration)                               {}
func (nopObserver) CommitFlushed(time.Time, time.Duration, int, int, error) {}
func (nopObserver) CommitRetried()                                          {}
func (nopObserver) GapFilled(int)                                           {}
func (nopObserver) SlowClientClosed()                                       {}
func (nopObserver) Rejected(string)                                         {}

// typeName is the name of the document's type, "" when it does not exist.
func (d *document) typeName() string {
	if d.typ == nil {
		return ""
	}
	return d.typ.Name()
}

// Connections returns the number of open client connections.
func (m *Manager) Connections() int {
	m.connMu.Lock()
	defer m.connMu.Unlock()
	return len(m.conns)
}

// OpenDocuments returns the number of documents held open in memory.
func (m *Manager) OpenDocuments() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.docs)
}

// replyError answers req with e and reports the rejection. ERR_NO_OP, which
// clients treat as an acknowledgement, is not a rejection.
func (c *conn) replyError(req *request, e *shareErr) {
	c.rejected(e)
	c.reply(req.errorReply(e))
}

func (c *conn) rejected(e *shareErr) {
	switch e.Code {
	case CodeNoOp:
	case "":
		c.m.obs.Rejected(ReasonUncoded)
	default:
		c.m.obs.Rejected(e.Code)
	}
}
