// Package textunicode is Weft's port of the text-unicode OT type (npm
// ot-text-unicode 4.0.0 with unicount 1.1.0): plain text edited by ops that
// skip, insert and delete.
//
// Ops are arrays of components: a positive integer N skips N code points,
// a non-empty string inserts it, {"d":N} deletes N code points and
// {"d":"text"} deletes that text (the invertible form). Example:
// [3,"hi",5,{"d":8}]. [] is the no-op. Ops are accepted as JSON trees (as
// ot.Decode returns them), Op or *Op values, and as any op value the Type's
// methods return. Those return *Op, or, for a result of the single-edit
// shape ([n,"x"], [n,{"d":k}]), a 32-byte value of the package's own that
// stands for that op (boxing a pointer in an interface does not allocate,
// so a transform or compose of keystrokes costs one small allocation); the
// package's functions return Op. All encode (MarshalJSON) to the
// reference's JSON.
//
// Fast paths: apply, transform and compose of single-edit ops (one insert
// or delete after an optional skip, the shape of nearly every keystroke)
// are computed directly from the shape, giving exactly what the general
// algorithm gives; everything else (and the shapes the fast paths decline,
// such as overlapping deletes) takes the general algorithm. The fuzz
// targets and the differential test check the two against each other.
//
// Position unit: every offset and length counts Unicode code points (not
// bytes, not UTF-16 units, not grapheme clusters: a ZWJ emoji sequence is
// several code points).
//
// Tie-break: when both ops insert at the same point, the insert of the op
// transformed with side Left goes first. TransformPosition takes no side:
// an insert exactly at a cursor leaves the cursor before it.
//
// TP1 holds for ops made against the same document:
// Apply(Apply(s, a), Transform(b, a, Right)) ==
// Apply(Apply(s, b), Transform(a, b, Left)).
//
// Snapshot: the reference's JSON string, held as a Go string of valid
// UTF-8 up to 8 KB and as a *Text above. Create returns a string; Apply
// takes either and returns a string when its result has at most 8 KB, a
// *Text otherwise (so a document that shrinks back to 8 KB becomes a
// string again). A Text is an immutable list of chunks of about 4 KB
// (substrings cut at code point starts, with their code point counts):
// an apply shares every chunk it does not touch, so a keystroke on a
// 1 MB document copies one chunk and the chunk list, not the document.
// A Text encodes (MarshalJSON) exactly as the same text as a string, and
// String returns its text; no caller needs to tell the two apart except
// to read the text. Apply never modifies the snapshot it is given (the
// Type is ot.Persistent). Code points are counted eight bytes at a time.
//
// Cost: every function is linear in the sizes of its inputs. Merging many
// adjacent inserts and cutting a long delete text into many pieces, which
// are quadratic in the reference, are linear here.
//
// The core functions (Apply, Transform, Compose, Normalize, CheckOp, the
// invert family, TransformPosition, TransformSelection) follow the
// reference's control flow, so results have the reference's shape, and
// they return the reference's error messages (CheckOp's seven messages,
// the side message, "The op is too long for this document", and so on).
// Odd inputs the reference's checkOp lets through behave as in the
// reference: fractional lengths (arithmetic is in float64, and a
// fractional position rounds up as unicount's loop does), booleans, and
// extra keys in delete objects (kept where the reference passes the object
// through, as in normalize).
//
// Validate is the strict submit-boundary check, stricter than checkOp: the
// snapshot must be a string or *Text; skip and delete lengths must be
// integers in 1..2^53-1; inserts must be non-empty valid UTF-8; a delete
// must be an object with the single key "d" whose text, when it has text,
// matches the document where it applies; booleans, null, arrays and other
// types are rejected; skips and deletes must not reach past the end of the
// document; skips must not be adjacent or trailing. Adjacent inserts or deletes are
// accepted (the reference accepts them and normalize merges them). Every
// Validate error wraps ot.ErrInvalidOp, and an op it accepts applies
// without error.
//
// Documented divergences from the reference, all on inputs Validate
// rejects:
//   - Strings never hold lone surrogates (ot.Decode refuses them), so
//     unicount's counting of a lone surrogate as the first half of a pair
//     never arises, and "Invalid offset - splits unicode bytes" is never
//     returned.
//   - Components that are null, arrays, or objects whose d is neither a
//     number nor a string make every function fail; the reference's
//     unchecked functions (normalize, transformPosition, the invert family)
//     pass some of them through or fail with other messages. A non-array op
//     fails everywhere with "Op must be an array of components".
//   - Engine TypeErrors (for example a boolean component in the first op
//     of transform or compose) are errors whose messages start with
//     "TypeError:" but are Weft's own text.
//   - Lengths so large or so fractional that the reference would loop
//     forever give an error instead.
//   - Normalize does not mutate its argument (the reference mutates the
//     caller's first delete object when it merges deletes).
//   - TransformSelection maps arrays of numbers only; TransformPosition
//     fails when fractional lengths make the result fractional.
//
// The type has no presence support (ShareDB answers presence for it with
// ERR_TYPE_DOES_NOT_SUPPORT_PRESENCE), so it does not implement
// ot.PresenceTransformer.
package textunicode
