// Package richtext is Weft's rich-text OT type: a port of the npm package
// rich-text 4.1.0 on quill-delta 4.2.2, the type Quill clients use through
// ShareDB (name "rich-text", URI "http://sharejs.org/types/rich-text/v1").
//
// It owns the Delta model (ops and documents), its algorithms (compose,
// transform, transformPosition, invert), the ShareDB type around them
// (Type, with presence), and the submit-time check Validate.
//
// # Ops and documents
//
// An op is a list of elements {"insert": text|embed, "attributes"?},
// {"retain": n, "attributes"?} or {"delete": n}; a document is an op with
// inserts only. Both travel as {"ops":[...]} (what the reference's Delta
// serialises to); inputs may also be a bare array. Anything else reads as
// the empty op, as in the reference.
//
// Positions and lengths count UTF-16 code units, JavaScript's
// String.length: an emoji counts 2, and an embed (any non-string insert: an
// object such as {"image": "x.png"} or a number) counts 1.
//
// Attributes keep three distinct states, as the reference's deep-equality
// rules require: absent, {} (which never merges with "absent"), and a map
// holding nulls (a removal: kept when composing two retains, dropped when
// composed into an insert).
//
// # Faithfulness
//
// The algorithms follow quill-delta's control flow step by step (push
// merging, compose's fast paths that copy leading inserts and the rest of
// the document as they are, chop, and the iterator reading a length of 0
// as "take everything"), because the shape of results, not only their
// content, must match what clients compute. Normalize is the identity, as
// in the reference. The differential test compares every function with
// the reference in Node.
//
// # Tie-break and TP1
//
// The tie-break is reversed from text-unicode and json0: Transform(op,
// other, ot.Left) treats other as having happened first, so at one index
// other's insert goes first; with ot.Right op's insert goes first. On
// attributes, Left drops op's keys that other also set and Right keeps
// them. Either way TP1 holds:
//
//	Apply(Apply(s, a), Transform(b, a, Right)) == Apply(Apply(s, b), Transform(a, b, Left))
//
// (equal documents; the reference gives no TP2). TransformCursor and
// TransformPresence move a position over an op: an insert exactly at the
// position moves it only for the user's own op, and a presence range
// {index, length, ...} keeps its other fields.
//
// # Representation
//
// A *Delta holds its elements in immutable chunks of at most chunkMax
// elements. Functions never modify their inputs, so results share text,
// embeds, attribute maps and whole unchanged chunks (or runs of a chunk)
// with them: applying a keystroke to a 1 MB document copies the few
// elements it touches and the list of chunk headers, not the document.
// Results left with many small chunks are re-chunked, which amortises to
// O(1) per edit. Chunking never shows in the JSON: ot.Marshal of a *Delta
// gives the reference's JSON.
//
// # Fast paths
//
// Transform of two single-edit ops (a plain retain, then one insert,
// delete or format) and compose of two plain inserts that type on are
// computed directly from their shape, giving exactly what quill-delta's
// walk gives; other cases take the walk. The fuzz targets and the
// differential test check the two against each other.
//
// # Validate and divergences
//
// The reference validates nothing. Validate, run at the submit boundary,
// additionally rejects (wrapping ot.ErrInvalidOp): anything but an array
// or {"ops":[...]}; elements that are not objects, have unknown keys, or
// have other than exactly one of insert, retain, delete; lengths that are
// not positive integers (at most 2^53); empty string inserts; embeds that
// are not objects with exactly one key; attributes that are not objects
// of strings, numbers, booleans and nulls, or that sit on a delete;
// retains and deletes past the end of the document; documents holding
// anything but inserts; and offsets that split a surrogate pair in the
// document. Every op Validate accepts applies without error.
//
// Documented divergences, all on input Validate rejects:
//   - The reference cuts surrogate pairs (leaving lone surrogates); Weft
//     cannot hold those and returns an error instead.
//   - Negative, fractional, non-numeric or huge lengths, elements that are
//     not objects or mix insert/retain/delete, unknown keys, null inserts
//     and non-object attributes give errors from the core functions, where
//     the reference carries on with odd results. "attributes": null reads
//     as no attributes.
//   - TransformPresence refuses a presence that is not an object with
//     numeric index and length (the reference would produce NaN fields).
//
// Diff is not implemented (ShareDB does not use it).
package richtext
