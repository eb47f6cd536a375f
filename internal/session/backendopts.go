package session

import (
	"strconv"

	"github.com/weftdev/weft/internal/ot"
)

// Error codes of the optional ShareDB backend behaviours (Options
// DoNotCommitNoOps and Projections).
const (
	// CodeNoOp answers, with DoNotCommitNoOps, an op from a protocol 1.2
	// client that became a no-op in transform; the client treats it as an
	// ack and fetches.
	CodeNoOp = "ERR_NO_OP"
	// CodeOpNotAllowedInProjection refuses an op submitted through a
	// projection that touches fields outside it (or a create whose data
	// holds such fields).
	CodeOpNotAllowedInProjection = "ERR_OP_NOT_ALLOWED_IN_PROJECTION"
	// CodeTypeCannotBeProjected refuses reading a non-json0 document
	// through a projection.
	CodeTypeCannotBeProjected = "ERR_TYPE_CANNOT_BE_PROJECTED"
)

// setProtocol records whether the handshake announced protocol 1.2 or
// later (numbers or numeric strings, as ShareDB reads them).
func (c *conn) setProtocol(major, minor any) {
	num := func(v any) float64 {
		switch x := v.(type) {
		case float64:
			return x
		case string:
			f, _ := strconv.ParseFloat(x, 64)
			return f
		}
		return 0
	}
	ma, mi := num(major), num(minor)
	c.minor12.Store(ma > 1 || (ma == 1 && mi >= 2))
}

// skipNoOp reports whether a transformed op is left uncommitted under
// DoNotCommitNoOps: an edit that is an empty array, from a client of
// protocol 1.2 or later (ShareDB's rule).
func (d *document) skipNoOp(s *submitEv, op *ot.Op) bool {
	if !d.m.opts.DoNotCommitNoOps || op.Create != nil || op.Del || !s.conn.minor12.Load() {
		return false
	}
	if arr, ok := op.Edit.([]any); ok {
		return len(arr) == 0
	}
	b, err := ot.Marshal(op.Edit) // a type's own op value
	return err == nil && string(b) == "[]"
}

// retriesExhausted reports whether a submit batch that lost attempt+1
// version races must give up.
func (d *document) retriesExhausted(attempt int) bool {
	n := d.m.opts.MaxSubmitRetries
	return n >= 0 && attempt >= n
}
