package textunicode

import (
	"strings"
	"unicode/utf8"

	"github.com/weftdev/weft/internal/ot"
)

// Large documents are held as a Text: an immutable list of chunks, each a
// substring of the document cut at code point starts, so that a keystroke
// copies the chunk it touches and the chunk list, not the document.
//
// Chunk sizes are bounded in bytes by ropeSizes.chunk (c):
//   - no chunk is empty, and every chunk is valid UTF-8 (cut at code point
//     starts) with its code point count recorded;
//   - a chunk holds at most 2c bytes, or is a single code point;
//   - two neighbouring chunks together hold more than c bytes (else they
//     would have been joined), so a document of n bytes has fewer than
//     2n/c + 1 chunks.
//
// Cutting a string into chunks slices it (no copy); joining small
// neighbours copies at most c bytes.

// Default sizes: results up to 8 KB stay strings; chunks aim at 4 KB.
const (
	defaultFlat  = 8 << 10
	defaultChunk = 4 << 10
)

// ropeSizes are the sizes Apply works with. Type{} uses the defaults; the
// package's tests use tiny sizes (newSizedType) so that every path meets
// many chunk boundaries.
type ropeSizes struct {
	flat  int // results of at most this many bytes are strings
	chunk int // target chunk size in bytes (at least 1); chunks grow to 2*chunk
}

// newSizedType returns the type with the given sizes instead of the
// defaults. flat >= 0, chunk >= 1.
func newSizedType(flat, chunk int) Type {
	return Type{sizes: &ropeSizes{flat: flat, chunk: max(chunk, 1)}}
}

// rope returns the sizes t works with.
func (t Type) rope() ropeSizes {
	if t.sizes != nil {
		return *t.sizes
	}
	return ropeSizes{flat: defaultFlat, chunk: defaultChunk}
}

// Text is a text-unicode snapshot too large to keep as one string (Apply
// returns one when its result has more than 8 KB). It is immutable: Apply
// returns a new Text sharing the chunks it did not change. It encodes
// (MarshalJSON) as the JSON string of its text, and String returns the
// text. A nil *Text is the empty text.
type Text struct {
	chunks []piece
	n      int // code points
	size   int // bytes
}

// piece is a chunk, or a part of a document being packed into chunks.
type piece struct {
	s string
	n int // code points in s; -1 while unknown (before pack)
}

// String returns the text (one copy of it).
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	if len(t.chunks) == 1 {
		return t.chunks[0].s
	}
	var b strings.Builder
	b.Grow(t.size)
	for _, c := range t.chunks {
		b.WriteString(c.s)
	}
	return b.String()
}

// MarshalJSON encodes the text as a JSON string, exactly as ot.Marshal
// encodes the same text held as a Go string.
func (t *Text) MarshalJSON() ([]byte, error) {
	dst := make([]byte, 0, t.Len()+t.Len()/16+2)
	dst = append(dst, '"')
	if t != nil {
		for _, c := range t.chunks {
			// Chunks are cut at code point starts, so escaping them one by
			// one escapes the whole. Drop each one's own quotes.
			at := len(dst)
			dst = ot.AppendString(dst, c.s)
			dst = append(dst[:at], dst[at+1:len(dst)-1]...)
		}
	}
	return append(dst, '"'), nil
}

// Len returns the text's length in bytes.
func (t *Text) Len() int {
	if t == nil {
		return 0
	}
	return t.size
}

// snapshotText returns a snapshot's text: a string, or a *Text flattened.
func snapshotText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case *Text:
		return x.String(), true
	}
	return "", false
}

// hold returns s as Apply returns a result of that text: s itself when it
// is small, otherwise a Text slicing it (no copy).
func (z ropeSizes) hold(s string) any {
	if len(s) <= z.flat {
		return s
	}
	one := [1]piece{{s, -1}}
	return z.text(one[:], len(s))
}

// result returns t as Apply returns it: flattened when it is small.
func (z ropeSizes) result(t *Text) any {
	if t.size <= z.flat {
		return t.String()
	}
	return t
}

// text returns a Text of pieces (size bytes in all), packed into chunks.
func (z ropeSizes) text(pieces []piece, size int) *Text {
	t := &Text{size: size}
	t.chunks = z.pack(make([]piece, 0, 2*size/z.chunk+2), pieces)
	for _, c := range t.chunks {
		t.n += c.n
	}
	return t
}

// pack appends pieces to dst as chunks: empty pieces are dropped, pieces
// of more than 2*chunk bytes are cut (slices: no copy), and runs of
// neighbours that fit in chunk bytes together are joined. Joining is
// greedy from the left, so each chunk appended and the next together
// exceed chunk bytes. Pieces are never joined with chunks dst already
// holds.
func (z ropeSizes) pack(dst []piece, pieces []piece) []piece {
	r := run{start: len(dst)}
	for _, p := range pieces {
		if len(p.s) <= 2*z.chunk {
			dst = r.add(dst, p, z.chunk)
			continue
		}
		s := p.s
		for len(s) > z.chunk {
			cut := cutAt(s, z.chunk)
			dst = r.add(dst, piece{s[:cut], -1}, z.chunk)
			s = s[cut:]
		}
		dst = r.add(dst, piece{s, -1}, z.chunk)
	}
	return r.flush(dst)
}

// run is the run of pieces pack is joining: dst[start:].
type run struct {
	start, size int
}

// add appends p to the run, or starts a new run with it when the two
// together would exceed limit bytes.
func (r *run) add(dst []piece, p piece, limit int) []piece {
	if p.s == "" {
		return dst
	}
	if p.n < 0 {
		p.n = cpCount(p.s)
	}
	if len(dst) > r.start && r.size+len(p.s) > limit {
		dst = r.flush(dst)
		r.start, r.size = len(dst), 0
	}
	r.size += len(p.s)
	return append(dst, p)
}

// flush joins the run's pieces into one chunk (a copy of at most the
// limit add was given).
func (r *run) flush(dst []piece) []piece {
	ps := dst[r.start:]
	if len(ps) <= 1 {
		return dst
	}
	var b strings.Builder
	b.Grow(r.size)
	n := 0
	for _, p := range ps {
		b.WriteString(p.s)
		n += p.n
	}
	dst = append(dst[:r.start], piece{b.String(), n})
	return dst
}

// cutAt returns where to cut s (longer than limit bytes) so that the head
// holds at most limit bytes: the last code point start at or before limit,
// or the end of the first code point when it alone is longer.
func cutAt(s string, limit int) int {
	for i := limit; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return i
		}
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}
