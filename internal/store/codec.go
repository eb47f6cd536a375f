package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/weftdev/weft/internal/ot"
)

// Ops and snapshots are stored as JSON in ShareDB's shape, written with
// ot.AppendJSON and read back through ot.Unmarshal/ot.Decode, so stored text
// is always valid UTF-8 without lone surrogates, and what comes back is a
// fresh JSON tree nobody else holds.
//
//	op:       {"v":3,"src":"c1","seq":7,"op":[...],"m":{"ts":1700000000000}}
//	          ("create":{"type":URI,"data":...} or "del":true instead of "op")
//	snapshot: {"v":4,"type":URI,"data":...,"m":{"ts":...}}

// errShape is wrapped by errors about an op that is not exactly one of
// create, edit and delete.
var errShape = errors.New("op must be exactly one of create, edit and delete")

// opKind checks that exactly one of Create, Edit and Del is set.
func opKind(op ot.Op) error {
	n := 0
	if op.Create != nil {
		n++
	}
	if op.Edit != nil {
		n++
	}
	if op.Del {
		n++
	}
	if n != 1 {
		return errShape
	}
	if op.Create != nil && op.Create.Type == "" {
		return errors.New("create without a type")
	}
	return nil
}

// encodeOp appends op's stored form to dst.
func encodeOp(dst []byte, op ot.Op) ([]byte, error) {
	if err := opKind(op); err != nil {
		return nil, err
	}
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, op.Version, 10)
	if op.Src != "" {
		dst = append(dst, `,"src":`...)
		dst = ot.AppendString(dst, op.Src)
	}
	if op.Seq != 0 {
		dst = append(dst, `,"seq":`...)
		dst = strconv.AppendInt(dst, op.Seq, 10)
	}
	var err error
	switch {
	case op.Create != nil:
		dst = append(dst, `,"create":{"type":`...)
		dst = ot.AppendString(dst, op.Create.Type)
		if op.Create.Data != nil {
			dst = append(dst, `,"data":`...)
			if dst, err = ot.AppendJSON(dst, op.Create.Data); err != nil {
				return nil, fmt.Errorf("encode create data: %w", err)
			}
		}
		dst = append(dst, '}')
	case op.Del:
		dst = append(dst, `,"del":true`...)
	default:
		dst = append(dst, `,"op":`...)
		if dst, err = ot.AppendJSON(dst, op.Edit); err != nil {
			return nil, fmt.Errorf("encode edit: %w", err)
		}
	}
	dst = append(dst, `,"m":{"ts":`...)
	dst = strconv.AppendInt(dst, op.Ts, 10)
	return append(dst, "}}"...), nil
}

type opRecord struct {
	V      *int64          `json:"v"`
	Src    string          `json:"src"`
	Seq    int64           `json:"seq"`
	Create *createRecord   `json:"create"`
	Op     json.RawMessage `json:"op"`
	Del    bool            `json:"del"`
	M      metaRecord      `json:"m"`
}

type createRecord struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

type metaRecord struct {
	Ts int64 `json:"ts"`
}

// decodeOp decodes a stored op.
func decodeOp(b []byte) (ot.Op, error) {
	var r opRecord
	if err := ot.Unmarshal(b, &r); err != nil {
		return ot.Op{}, err
	}
	if r.V == nil || *r.V < 0 {
		return ot.Op{}, errors.New("op without a valid version")
	}
	op := ot.Op{Version: *r.V, Src: r.Src, Seq: r.Seq, Del: r.Del, Ts: r.M.Ts}
	if r.Create != nil {
		op.Create = &ot.Create{Type: r.Create.Type, Data: r.Create.Data}
	}
	if len(r.Op) > 0 {
		edit, err := ot.Decode(r.Op)
		if err != nil {
			return ot.Op{}, err
		}
		op.Edit = edit
	}
	if err := opKind(op); err != nil {
		return ot.Op{}, err
	}
	return op, nil
}

// encodeSnapshot returns snap's stored form.
func encodeSnapshot(snap ot.Snapshot) ([]byte, error) {
	dst := append([]byte(nil), `{"v":`...)
	dst = strconv.AppendInt(dst, snap.Version, 10)
	if snap.Type != "" {
		dst = append(dst, `,"type":`...)
		dst = ot.AppendString(dst, snap.Type)
	}
	if snap.Data != nil {
		dst = append(dst, `,"data":`...)
		var err error
		if dst, err = ot.AppendJSON(dst, snap.Data); err != nil {
			return nil, fmt.Errorf("encode snapshot data: %w", err)
		}
	}
	dst = append(dst, `,"m":{"ts":`...)
	dst = strconv.AppendInt(dst, snap.Ts, 10)
	return append(dst, "}}"...), nil
}

type snapshotRecord struct {
	V    *int64     `json:"v"`
	Type string     `json:"type"`
	Data any        `json:"data"`
	M    metaRecord `json:"m"`
}

// decodeSnapshot decodes a stored snapshot.
func decodeSnapshot(b []byte) (ot.Snapshot, error) {
	var r snapshotRecord
	if err := ot.Unmarshal(b, &r); err != nil {
		return ot.Snapshot{}, err
	}
	if r.V == nil || *r.V < 0 {
		return ot.Snapshot{}, errors.New("snapshot without a valid version")
	}
	return ot.Snapshot{Version: *r.V, Type: r.Type, Data: r.Data, Ts: r.M.Ts}, nil
}
