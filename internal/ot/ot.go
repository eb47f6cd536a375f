package ot

import (
	"errors"
	"fmt"
	"sort"
)

// Side says which of two concurrent ops a transform favours on a tie.
//
// The meaning of Left differs between types, exactly as in the references:
// for text-unicode and json0 the Left op's insert goes first; for rich-text,
// Left means the *other* op is treated as having happened first.
type Side uint8

const (
	// Left is ShareDB's 'left'. The server transforms a submitted op with
	// Transform(op, applied, Left).
	Left Side = iota
	// Right is ShareDB's 'right'.
	Right
)

// String returns "left" or "right", the strings the references take.
func (s Side) String() string {
	if s == Left {
		return "left"
	}
	return "right"
}

// ParseSide turns "left" or "right" into a Side.
func ParseSide(s string) (Side, error) {
	switch s {
	case "left":
		return Left, nil
	case "right":
		return Right, nil
	}
	return Left, fmt.Errorf("side (%s) must be 'left' or 'right'", s)
}

// Type is an OT type as ShareDB hosts it.
//
// Values crossing this interface:
//   - Ops are accepted as JSON trees (as Decode returns them: nil, bool,
//     float64, string, []any, map[string]any) or as values a function of the
//     same Type returned. Ops returned may be either; Marshal encodes both to
//     the exact JSON the reference would produce.
//   - Snapshots are the Type's own values: Create makes one from JSON data (a
//     create op's data, or data loaded from storage), Apply returns the next.
//     Marshal encodes them to the reference's JSON.
//
// The core functions are faithful ports of the npm references: for every
// input the reference accepts they return the same result, and for inputs it
// rejects they return an error carrying the reference's message. They never
// panic. Apply may reuse or modify parts of the snapshot it is given (as the
// references do); it leaves the snapshot unchanged when it returns an error.
// Callers that need the old snapshot keep a copy.
//
// Validate is separate from the core: it is the strict check the server runs
// at the submit boundary, rejecting ops the references would accept but that
// are malformed (see each type's documentation).
type Type interface {
	// Name is the short name, such as "json0".
	Name() string
	// URI is the long name ShareDB stores in snapshots, such as
	// "http://sharejs.org/types/JSONv0".
	URI() string
	// Create returns the initial snapshot for data. data is nil when a create
	// carries no data.
	Create(data any) (any, error)
	// Apply returns the snapshot after op.
	Apply(snapshot, op any) (any, error)
	// Transform returns op rewritten to apply after other, where both were
	// made against the same snapshot. TP1 holds:
	// Apply(Apply(s, a), Transform(b, a, Right)) equals
	// Apply(Apply(s, b), Transform(a, b, Left)).
	Transform(op, other any, side Side) (any, error)
	// Compose returns one op with the effect of a followed by b.
	Compose(a, b any) (any, error)
	// Normalize returns the canonical form the reference's normalize returns.
	Normalize(op any) (any, error)
	// Validate reports whether op is well-formed and applies cleanly to
	// snapshot, with an error whose message says what is wrong. It is
	// stricter than the reference: see ErrInvalidOp.
	Validate(snapshot, op any) error
}

// PresenceTransformer is implemented by types that support ShareDB document
// presence (rich-text). Types without it answer presence with
// ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE, as ShareDB does.
type PresenceTransformer interface {
	// TransformPresence returns presence moved over op. isOwnOp is true when
	// the presence's owner submitted op.
	TransformPresence(presence, op any, isOwnOp bool) (any, error)
}

// XTransformer is implemented by types whose reference has transformX
// (json0). ShareDB clients use it when present.
type XTransformer interface {
	// TransformX returns [left', right'], each transformed over the other.
	TransformX(left, right any) (any, any, error)
}

// Persistent is implemented by types whose Apply never modifies the
// snapshot it is given, so a caller can keep an older snapshot by keeping
// the value, without a copy.
type Persistent interface {
	PersistentSnapshots()
}

// Inverter is implemented by types whose reference has invert.
type Inverter interface {
	Invert(op any) (any, error)
}

// ErrInvalidOp is wrapped by every error Validate returns.
var ErrInvalidOp = errors.New("invalid op")

// ErrUnknownType is returned by Registry.Lookup for names it does not know.
var ErrUnknownType = errors.New("unknown type")

// Registry resolves types by short name and by URI. It is read-only after
// NewRegistry and safe for concurrent use.
type Registry struct {
	byName map[string]Type
	types  []Type
}

// NewRegistry returns a registry holding types, each under its name and URI.
// Two types claiming one name or URI is an error.
func NewRegistry(types ...Type) (*Registry, error) {
	r := &Registry{byName: make(map[string]Type, 2*len(types))}
	for _, t := range types {
		for _, key := range []string{t.Name(), t.URI()} {
			if prev, ok := r.byName[key]; ok && prev != t {
				return nil, fmt.Errorf("ot: type %q registered twice", key)
			}
			r.byName[key] = t
		}
		r.types = append(r.types, t)
	}
	sort.Slice(r.types, func(i, j int) bool { return r.types[i].Name() < r.types[j].Name() })
	return r, nil
}

// Lookup returns the type registered under nameOrURI.
func (r *Registry) Lookup(nameOrURI string) (Type, error) {
	if t, ok := r.byName[nameOrURI]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownType, nameOrURI)
}

// Types returns the registered types sorted by name.
func (r *Registry) Types() []Type {
	return append([]Type(nil), r.types...)
}
