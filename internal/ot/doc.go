// Package ot is Weft's operational-transform core: the Type contract that
// every OT type implements, the Registry that resolves types by name and URI,
// the document vocabulary (Op, Snapshot) shared by sessions and storage, and
// the JSON and Unicode helpers the types build on.
//
// The types live in subpackages, one per type, each a faithful port of the
// npm reference ShareDB clients run (see each package's documentation for
// its position unit and tie-break rule):
//
//   - textunicode: ot-text-unicode 4.0.0, offsets in code points;
//   - richtext: rich-text 4.1.0 on quill-delta 4.2.2, offsets in UTF-16
//     code units;
//   - json0: ot-json0 1.1.0 with its text0 subtype, string offsets in UTF-16
//     code units.
//
// Package types assembles them into the default Registry.
//
// Invariants:
//   - Every type satisfies TP1: Apply(Apply(s, a), Transform(b, a, Right))
//     equals Apply(Apply(s, b), Transform(a, b, Left)).
//   - Strings are valid UTF-8. JSON that holds a lone UTF-16 surrogate is
//     refused by Decode rather than repaired, and Validate refuses ops whose
//     offsets would split a surrogate pair. (The references accept both; this
//     is Weft's one deliberate divergence, so that documents stay valid
//     Unicode.)
//   - No function panics on any input; malformed input yields an error.
//
// The package imports only the standard library and does no I/O.
package ot
