package client

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/weftdev/weft/internal/ot"
)

// inFrame is a message from the server. Raw fields keep JSON whose shape
// depends on the action; a nil RawMessage means the key was absent.
type inFrame struct {
	A        string          `json:"a"`
	C        string          `json:"c"`
	D        string          `json:"d"`
	ID       json.RawMessage `json:"id"`
	V        *float64        `json:"v"`
	Src      string          `json:"src"`
	Seq      *float64        `json:"seq"`
	Op       json.RawMessage `json:"op"`
	Create   *wireCreate     `json:"create"`
	Del      bool            `json:"del"`
	Data     json.RawMessage `json:"data"`
	Type     json.RawMessage `json:"type"`
	B        json.RawMessage `json:"b"`
	Error    *Error          `json:"error"`
	Protocol json.RawMessage `json:"protocol"`
	Ch       string          `json:"ch"`
	P        json.RawMessage `json:"p"`
	PV       *float64        `json:"pv"`
	Fixup    []inFrame       `json:"fixup"`
}

// wireCreate is an op's create payload.
type wireCreate struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// wireSnapshot is a snapshot as f, s, bf and bs replies carry it.
type wireSnapshot struct {
	V     *float64        `json:"v"`
	Type  json.RawMessage `json:"type"`
	Data  json.RawMessage `json:"data"`
	Error *Error          `json:"error"`
}

func decodeFrame(b []byte) (*inFrame, error) {
	var f inFrame
	if err := ot.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// intOf converts a JSON number to an int64, refusing fractions and values
// beyond 2^53.
func intOf(f *float64) (int64, bool) {
	if f == nil || *f != math.Trunc(*f) || math.Abs(*f) > 1<<53 {
		return 0, false
	}
	return int64(*f), true
}

// field is one key of an outgoing frame. Frames are built field by field so
// that keys go out in the order ShareDB's client sends them.
type field struct {
	k string
	v any
}

// encodeFrame encodes fields as one JSON object. A value of type omit is
// left out, as JavaScript's JSON.stringify leaves out undefined.
func encodeFrame(fields ...field) ([]byte, error) {
	b := make([]byte, 0, 128)
	b = append(b, '{')
	first := true
	for _, f := range fields {
		if _, skip := f.v.(omit); skip {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = ot.AppendString(b, f.k)
		b = append(b, ':')
		var err error
		if b, err = ot.AppendJSON(b, f.v); err != nil {
			return nil, fmt.Errorf("encode %q: %w", f.k, err)
		}
	}
	return append(b, '}'), nil
}

// omit marks a field to leave out of a frame.
type omit struct{}

// nullableInt returns v, or nil (JSON null) when ok is false.
func nullableInt(v int64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// rawJSON is JSON text inserted into a frame as is.
type rawJSON = json.RawMessage
