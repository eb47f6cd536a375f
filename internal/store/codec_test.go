package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// FuzzDecodeRecords feeds arbitrary bytes to the record decoders, as a
// corrupted file would: they must return an error or a value, never panic,
// and whatever they accept must re-encode to a record that decodes to the
// same encoding.
func FuzzDecodeRecords(f *testing.F) {
	for _, seed := range []string{
		`{"v":0,"src":"a","seq":1,"create":{"type":"u","data":{"t":"😀"}},"m":{"ts":1}}`,
		`{"v":3,"op":[{"p":["t",0],"si":"é\u2028"}],"m":{"ts":-5}}`,
		`{"v":4,"del":true,"m":{"ts":0}}`,
		`{"v":2,"type":"u","data":[1,null,"\ud83d\ude00"],"m":{"ts":9}}`,
		`{"v":1,"op":"\ud800"}`, `{"v":-1}`, `{"v":1e400}`, `[]`, "\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if op, err := decodeOp(data); err == nil {
			enc, err := encodeOp(nil, op)
			if err != nil {
				t.Fatalf("encodeOp of a decoded op: %v", err)
			}
			again, err := decodeOp(enc)
			if err != nil {
				t.Fatalf("decodeOp(%s) after a round trip: %v", enc, err)
			}
			if enc2, _ := encodeOp(nil, again); !bytes.Equal(enc, enc2) {
				t.Fatalf("op encoding not stable: %s then %s", enc, enc2)
			}
		}
		if snap, err := decodeSnapshot(data); err == nil {
			enc, err := encodeSnapshot(snap)
			if err != nil {
				t.Fatalf("encodeSnapshot of a decoded snapshot: %v", err)
			}
			if _, err := decodeSnapshot(enc); err != nil {
				t.Fatalf("decodeSnapshot(%s) after a round trip: %v", enc, err)
			}
		}
	})
}

func TestBoltAfterClose(t *testing.T) {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "weft.db"), BoltOptions{}, nil)
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if _, err := s.Head(context.Background(), "c", "d"); err == nil {
		t.Errorf("Head after Close: no error")
	}
}
