package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
)

// opKind says how to create a document of one type and make random edits.
type opKind struct {
	typeName string
	initial  any
	// next returns an edit of the document whose JSON is data.
	next func(rng *rand.Rand, data []byte) (any, error)
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
		k = opKind{typeName: "text-unicode", initial: "", next: textInsert}
	default:
		return k, fmt.Errorf("unknown --type %q (json0 or text-unicode)", name)
	}
	if _, err := reg.Lookup(k.typeName); err != nil {
		return k, fmt.Errorf("--type %s: the Go type is not in loadgen's registry yet (registry.go): %w", name, err)
	}
	return k, nil
}

func json0Increment(*rand.Rand, []byte) (any, error) {
	return []any{map[string]any{"p": []any{"n"}, "na": 1.0}}, nil
}

// textInsert inserts one character at a random code point position.
func textInsert(rng *rand.Rand, data []byte) (any, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("text-unicode snapshot: %w", err)
	}
	n := utf8.RuneCountInString(s)
	pos := rng.IntN(n + 1)
	ch := string(rune('a' + rng.IntN(26)))
	if pos == 0 {
		return []any{ch}, nil
	}
	return []any{float64(pos), ch}, nil
}
