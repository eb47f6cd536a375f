package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
)

// opKind says how to create a document of one type and make random edits.
type opKind struct {
	typeName string
	initial  any
	// next returns the JSON of an edit of a document at version v.
	next func(rng *rand.Rand, v int64) ([]byte, error)
}

// newRegistry returns the types loadgen may use: the server's own registry
// (json0, rich-text, text-unicode), so the client transforms exactly as
// Weft does.
func newRegistry() (*ot.Registry, error) {
	return types.Registry(), nil
}

// kindFor returns the op generator for the --type flag, checking that reg
// has the type.
func kindFor(reg *ot.Registry, name string) (opKind, error) {
	var k opKind
	switch name {
	case "json0":
		k = opKind{typeName: "json0", initial: map[string]any{"n": 0.0}, next: json0Increment}
	case "text-unicode":
		k = opKind{typeName: "text-unicode", initial: "\n", next: textInsert}
	default:
		return k, fmt.Errorf("unknown --type %q (json0 or text-unicode)", name)
	}
	if _, err := reg.Lookup(k.typeName); err != nil {
		return k, fmt.Errorf("--type %s: the Go type is not in loadgen's registry yet (registry.go): %w", name, err)
	}
	return k, nil
}

func json0Increment(*rand.Rand, int64) ([]byte, error) {
	return []byte(`[{"p":["n"],"na":1}]`), nil
}

// textInsert inserts one character at a random code point position. The
// document starts as one newline at version 1 (not empty: sharedb-postgres
// reads an empty text back as a missing snapshot) and every op loadgen
// makes inserts exactly one code point, so its length is its version: the
// position is drawn from the version alone.
func textInsert(rng *rand.Rand, v int64) ([]byte, error) {
	if v < 1 {
		return nil, fmt.Errorf("text-unicode document at version %d, want >= 1", v)
	}
	pos := rng.Int64N(v)
	ch := byte('a' + rng.IntN(26))
	if pos == 0 {
		return []byte{'[', '"', ch, '"', ']'}, nil
	}
	b := strconv.AppendInt([]byte{'['}, pos, 10)
	return append(b, ',', '"', ch, '"', ']'), nil
}
