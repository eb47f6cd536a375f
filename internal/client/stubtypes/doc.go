// Package stubtypes provides small OT types for driving ShareDB protocol
// servers before (or without) the full ports in internal/ot:
//
//   - Number: "number-type", the trivial type tools/sharedb-ref registers
//     for protocol tests (snapshot a number, op a number added to it,
//     transform the identity, compose the sum).
//   - JSON0Lite: the part of json0 the client tests and the load generator
//     use (oi, od, li, ld, na at any path), under json0's name and URI. Its
//     Transform supports only pairs of na-only ops (which commute) and
//     refuses everything else, so it is safe only where no other concurrent
//     edit happens. Replace it with the real json0 when that exists.
//
// It imports only the standard library and internal/ot, and never panics.
package stubtypes
