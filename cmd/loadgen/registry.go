package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/weftdev/weft/internal/client"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
)

// opKind says how to create a document of one type and make random edits.
type opKind struct {
	typeName string
	initial  any
	// next returns an edit of d.
	next func(rng *rand.Rand, d *client.Doc) (any, error)
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

func json0Increment(*rand.Rand, *client.Doc) (any, error) {
	return []any{map[string]any{"p": []any{"n"}, "na": 1.0}}, nil
}

// textInsert inserts one character at a random code point position. The
// document starts as one newline at version 1 (not empty: sharedb-postgres
// reads an empty text back as a missing snapshot) and every op loadgen
// makes inserts exactly one code point, so its length is its version: the
// position is drawn without reading (and copying) the whole text.
func textInsert(rng *rand.Rand, d *client.Doc) (any, error) {
	v, ok := d.Version()
	if !ok || v < 1 {
		return nil, fmt.Errorf("text-unicode document %s has no version", d.ID())
	}
	pos := rng.IntN(int(v))
	ch := string(rune('a' + rng.IntN(26)))
	if pos == 0 {
		return []any{ch}, nil
	}
	return []any{float64(pos), ch}, nil
}
