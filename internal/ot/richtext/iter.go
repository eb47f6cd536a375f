package richtext

import (
	"errors"
	"unicode/utf8"
)

// errSplit is the iterator's error for a cut through a surrogate pair,
// which the reference makes (leaving lone surrogates in the text) and Weft
// cannot represent. Validate refuses ops that would cause it.
var errSplit = errors.New("rich-text: offset splits a surrogate pair")

// iterator walks a chunked list of elements the way quill-delta's
// Iterator walks an ops array, cutting text inserts at UTF-16 offsets.
type iterator struct {
	chunks []chunk
	ci, oi int  // current element: chunks[ci].ops[oi]; ci == len(chunks) at the end
	offset int  // UTF-16 units already taken from the current element
	boff   int  // byte offset matching offset when the element is text
	split  bool // sticky; set when a cut splits a surrogate pair
}

func newIterator(cs []chunk) iterator {
	it := iterator{chunks: cs}
	it.skipEmpty()
	return it
}

func (it *iterator) skipEmpty() {
	for it.ci < len(it.chunks) && it.oi >= len(it.chunks[it.ci].ops) {
		it.ci++
		it.oi = 0
	}
}

func (it *iterator) cur() *Op {
	if it.ci < len(it.chunks) {
		return &it.chunks[it.ci].ops[it.oi]
	}
	return nil
}

func (it *iterator) advance() {
	it.oi++
	it.offset, it.boff = 0, 0
	it.skipEmpty()
}

func (it *iterator) hasNext() bool { return it.peekLength() < infinity }

func (it *iterator) peekLength() int {
	if o := it.cur(); o != nil {
		return o.n - it.offset
	}
	return infinity
}

// peekType returns kindDelete, kindRetain or kindText (for any insert).
// An exhausted iterator reports kindRetain.
func (it *iterator) peekType() kind {
	if o := it.cur(); o != nil {
		switch o.kind {
		case kindDelete, kindRetain:
			return o.kind
		}
		return kindText
	}
	return kindRetain
}

// wholeChunk returns the current chunk when the iterator stands at its
// start.
func (it *iterator) wholeChunk() (chunk, bool) {
	if it.ci < len(it.chunks) && it.oi == 0 && it.offset == 0 {
		return it.chunks[it.ci], true
	}
	return chunk{}, false
}

func (it *iterator) skipChunks(k int) {
	it.ci += k
	it.oi, it.offset, it.boff = 0, 0, 0
	it.skipEmpty()
}

// next takes length units (0 means all that is left of the current op).
// Once exhausted it returns a retain of infinity.
func (it *iterator) next(length int) Op {
	if length == 0 {
		length = infinity
	}
	p := it.cur()
	if p == nil {
		return Op{kind: kindRetain, n: infinity}
	}
	op := *p
	offset, boff := it.offset, it.boff
	whole := length >= op.n-offset
	if whole {
		length = op.n - offset
		it.advance()
	} else {
		it.offset += length
	}
	switch op.kind {
	case kindDelete:
		return Op{kind: kindDelete, n: length}
	case kindRetain:
		return Op{kind: kindRetain, n: length, attrs: op.attrs}
	case kindEmbed:
		return Op{kind: kindEmbed, n: 1, embed: op.embed, attrs: op.attrs}
	}
	if whole {
		return Op{kind: kindText, n: length, text: op.text[boff:], attrs: op.attrs}
	}
	end, ok := advanceUTF16(op.text, boff, length)
	if !ok {
		it.split = true
	}
	it.boff = end
	return Op{kind: kindText, n: length, text: op.text[boff:end], attrs: op.attrs}
}

// advanceUTF16 returns the byte offset units UTF-16 code units after byte
// offset from in s. ok is false when that point falls inside a surrogate
// pair (the returned offset is then just past the pair) or past the end.
func advanceUTF16(s string, from, units int) (end int, ok bool) {
	i := from
	for units > 0 && i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			units--
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			units -= 2
		} else {
			units--
		}
	}
	return i, units == 0
}
