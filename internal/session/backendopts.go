package session

import (
	"strconv"
	"strings"

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
	// CodeOpNotApplied refuses a json0 op whose path names a property of
	// JavaScript's Object.prototype.
	CodeOpNotApplied = "ERR_OT_OP_NOT_APPLIED"
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
	if !d.m.opts.DoNotCommitNoOps || op.Create != nil || op.Del || !s.minor12() {
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

// collection reads the request's collection name; names of
// Object.prototype's properties are refused, as ShareDB 7 does.
func (r *request) collection() (string, *shareErr) {
	c, e := r.reqString("c", "collection")
	if e == nil && reservedID(c) {
		return "", errf(CodeBadMessage, "Invalid collection")
	}
	return c, e
}

// checkSubmittedJSON0 applies ShareDB's checks of an edit submitted to a
// json0 document, before any transform: the op must be an array of objects
// with an array p, and no path segment may name a property of
// Object.prototype (compared as JavaScript would coerce it to a key).
func (d *document) checkSubmittedJSON0(op *ot.Op) *shareErr {
	if op.Create != nil || op.Del || d.typ == nil || d.typ.Name() != "json0" {
		return nil
	}
	comps, ok := op.Edit.([]any)
	if !ok {
		return errf(CodeOpBadlyFormed, "json0 op must be an array")
	}
	for _, c := range comps {
		cm, ok := c.(map[string]any)
		if !ok {
			return errf(CodeOpBadlyFormed, "Missing path")
		}
		if _, ok := cm["p"].([]any); !ok {
			return errf(CodeOpBadlyFormed, "Missing path")
		}
	}
	for _, c := range comps {
		for _, seg := range c.(map[string]any)["p"].([]any) {
			if reservedID(jsKey(seg)) {
				return errf(CodeOpNotApplied, "Invalid path segment")
			}
		}
	}
	return nil
}

// jsKey is the property key JavaScript makes of a path segment (String(v)
// for strings and arrays of strings; other values never name a reserved
// property).
func jsKey(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return ""
			}
			parts[i] = s
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// minor12 reports whether the submitting client speaks protocol 1.2 or
// later.
func (s *submitEv) minor12() bool {
	if s.fwd != nil {
		return s.fwd.minor12
	}
	return s.conn.minor12.Load()
}
