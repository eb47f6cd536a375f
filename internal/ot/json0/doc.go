// Package json0 is Weft's port of the json0 OT type (npm ot-json0 1.1.0,
// ShareDB's default type) together with its embedded text0 subtype
// (lib/text0.js) and the component-transform machinery both share
// (lib/bootstrapTransform.js). It behaves like the published npm package,
// not like the unreleased GitHub master.
//
// # Values
//
// Snapshots are JSON trees as ot.Decode returns them: nil, bool, float64,
// string, []any and map[string]any. Ops are []any of map[string]any
// components; the functions accept trees from ot.Decode and the values they
// return themselves. An absent key differs from a key holding null
// ({"od": null} is a real delete of a null value), and path elements keep
// their JSON type: a number indexes a list, a string names an object key,
// and "1" never equals 1 (paths compare with JavaScript's ===).
//
// Apply works in place, as the reference does: it walks each component's
// path and changes only the containers on it (a list edit copies that one
// list; an object edit writes one key), so a one-field change on a
// megabyte document costs O(path). It never keeps a reference to the op:
// inserted values are deep-copied. When a component fails, the mutations of
// the earlier components are undone from a log, so a failed Apply leaves
// the snapshot exactly as it was. Callers that need the old snapshot after
// a successful Apply must keep a copy. Returned ops may share values (not
// paths) with the ops passed in, and Transform against an empty op returns
// the op itself, as the reference does; nothing in the package modifies an
// op it is given.
//
// # Positions and tie-breaks
//
// String offsets (si/sd and text0's p) count UTF-16 code units, as
// JavaScript string indexes do; list indexes count elements. On a tie,
// Transform with ot.Left puts the op's list or string insert first and
// lets its object insert win (the Right op's insert moves after it, or its
// oi becomes a no-op); Left also wins replace-against-replace. text0's
// TransformCursor moves a cursor that sits exactly at an insert past it
// only with side "right".
//
// # TP1
//
// For ops that are valid against the same document and use one string
// form, Apply(Apply(s, a), Transform(b, a, Right)) equals
// Apply(Apply(s, b), Transform(a, b, Left)). The differential and fuzz
// tests check this on every generated case.
//
// # Known divergence of the reference, reproduced (ot-types §10.3)
//
// The legacy string components ({p:[..., key, offset], si|sd}) and the
// subtype form ({p:[..., key], t:"text0", o:[...]}) do not transform
// against each other: json0 converts to the subtype form only when both
// components are legacy. With the document {"s":""}, a =
// [{p:["s"], t:"text0", o:[{p:0, i:"a"}]}] and b = [{p:["s",0], si:"b"}],
// applying a then b′ gives "ba" and b then a′ gives "ab". Weft reproduces
// this, because ShareDB clients run the same code and a server that
// "fixed" it would disagree with them. Editors should use one form per
// document.
//
// # Weft's divergences from the reference
//
//   - Strings are Go strings of valid UTF-8, so a result that would hold a
//     lone surrogate cannot be represented: where the reference would cut
//     a string inside a surrogate pair (an si/sd/text0 offset between the
//     halves of an emoji, or a mixed-form transform that drifts into one),
//     the core functions return an error instead. Validate rejects such
//     ops at the submit boundary, and transforms of valid single-form ops
//     never produce them.
//   - Non-array ops and non-object components give an error wherever the
//     reference would read odd properties of them (a string op's
//     characters, a number's missing length); JavaScript property reads of
//     Object.prototype members ("constructor", "__proto__", a list's
//     "length") are treated as missing keys. Validate rejects all of these.
//   - The JSON in "Referenced element not an object (it was <JSON>)" lists
//     object keys in sorted order; JavaScript lists them in insertion
//     order, which a Go map does not keep.
//   - An assignment far past the end of a list (which JavaScript turns into
//     a sparse array of millions of nulls) is an error.
//   - Errors the reference gets from the JavaScript engine (TypeError on a
//     path through a missing key) are errors here too, with Weft's own
//     message; errors the library throws itself carry its exact message
//     ("Missing path", "Referenced element not a list", "Referenced
//     element not an object (it was <JSON>)", "Referenced element not a
//     number", "invalid / missing instruction in op", "type must be 'left'
//     or 'right'", and text0's messages).
//
// Everything else follows the reference, quirks included: numeric keys
// into objects, string indexes into lists, negative list indexes with
// splice semantics, na with a string (concatenation), si into a list
// (which stringifies it), na overflow to Infinity (encoded as null), a root
// od leaving the document undefined (nil), instruction precedence
// (si/sd, then t/o, na, li+ld, li, ld, lm, oi, od), transform's shortcuts
// (an empty other op returns op unchanged; single components skip the
// path check) and the shape differences between TransformX and two
// Transform calls.
//
// # Validate
//
// Validate is the strict submit-boundary check, separate from the faithful
// core; its errors wrap ot.ErrInvalidOp and name the component and the
// problem. It checks the components in order, each against the document
// as the previous ones left it (on copies of the containers involved; the
// snapshot is never modified), and requires:
//   - the op to be an array of objects, each with a path p of strings and
//     non-negative integers and exactly one instruction group (li, ld,
//     li+ld, lm, oi, od, oi+od, na, si, sd, t+o) and no other key;
//   - no path segment naming an Object.prototype property (__proto__,
//     constructor, hasOwnProperty, toString, valueOf, isPrototypeOf,
//     propertyIsEnumerable, toLocaleString, __defineGetter__,
//     __defineSetter__, __lookupGetter__, __lookupSetter__);
//   - the path to exist, indexing lists with numbers and objects with
//     strings; list indexes in range (an insert may append), lm targets in
//     range, oi/od only on objects (oi may overwrite; od needs the key);
//   - ld and od equal (deeply) to the value they delete, sd and text0 d
//     equal to the text they delete;
//   - na a finite number applied to a number, with a finite result;
//   - si/sd into a string at an integer offset within it that does not
//     split a surrogate pair, with non-empty text; t only "text0" with an
//     o of {p, i} / {p, d} components meeting the same rules.
//
// Ops Validate accepts apply without error. Text0's own Validate applies
// the text rules to a string snapshot.
//
// Presence: json0 has no transformPresence; ShareDB reports
// ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE for it, so the type does not
// implement ot.PresenceTransformer.
//
// The package imports only the standard library and does no I/O.
package json0
