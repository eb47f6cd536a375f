package session

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/weftdev/weft/internal/ot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestWireGolden pins the exact bytes of the messages Weft builds itself.
func TestWireGolden(t *testing.T) {
	text := textType{}
	req, _ := parseRequest([]byte(`{"a":"op","c":"k","d":"x","v":99,"seq":3,"x":{},"op":[1]}`))
	create := &ot.Op{Version: 0, Src: "s1", Seq: 1, Create: &ot.Create{Type: textURI, Data: "hi"}}
	edit := &ot.Op{Version: 1, Src: "s1", Seq: 2, Edit: map[string]any{"p": 0.0, "i": "é😀"}}
	editJSON, _ := ot.Marshal(edit.Edit)
	lines := [][]byte{
		ackMessage("k", "x", "s1", 2, 1),
		opMessage("k", "x", create, nil),
		opMessage("k", "x", edit, editJSON),
		opMessage("k", "x", &ot.Op{Version: 2, Src: "s1", Seq: 3, Del: true}, nil),
		snapshotJSON("", 3, text, []byte(`"hi"`)),
		snapshotJSON("", 4, nil, nil),
		snapshotJSON("doc", 3, text, []byte(`"hi"`)),
		req.errorReply(errf(CodeVersionNewer, "Invalid op submitted. Op version newer than current snapshot")),
		req.errorReply(errf("", "no code")),
		bareError(errf(CodeBadMessage, "Invalid JSON")),
		nullPresence(&presence{ch: "room", src: "s1", id: "c1", p: map[string]any{"x": 1.0}, pv: 2.0}),
		docReply("s", "k", "x"),
	}
	got := append(bytes.Join(lines, []byte("\n")), '\n')
	path := filepath.Join("testdata", "wire.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wire messages differ from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
