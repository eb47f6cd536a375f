package richtext

import (
	"errors"
	"unicode/utf8"
)

// errSplit is the iterator's error for a cut through a surrogate pair,
// which the reference makes (leaving lone surrogates in the text) and Weft
// cannot represent. Validate refuses ops that would cause it.
var errSplit = errors.New("rich-text: offset splits a surrogate pair")

// iterator walks a list of ops the way quill-delta's Iterator does,
// cutting text inserts at UTF-16 offsets.
type iterator struct {
	ops    []Op
	index  int
	offset int   // UTF-16 units already taken from ops[index]
	boff   int   // byte offset matching offset when ops[index] is text
	err    error // sticky; set when a cut splits a surrogate pair
}

func newIterator(ops []Op) *iterator { return &iterator{ops: ops} }

func (it *iterator) hasNext() bool { return it.peekLength() < infinity }

func (it *iterator) peekLength() int {
	if it.index < len(it.ops) {
		return it.ops[it.index].n - it.offset
	}
	return infinity
}

// peekType returns kindDelete, kindRetain or kindText (for any insert).
// An exhausted iterator reports kindRetain.
func (it *iterator) peekType() kind {
	if it.index < len(it.ops) {
		switch k := it.ops[it.index].kind; k {
		case kindDelete, kindRetain:
			return k
		}
		return kindText
	}
	return kindRetain
}

// next takes length units (0 means all that is left of the current op).
// Once exhausted it returns a retain of infinity.
func (it *iterator) next(length int) Op {
	if length == 0 {
		length = infinity
	}
	if it.index >= len(it.ops) {
		return Op{kind: kindRetain, n: infinity}
	}
	op := it.ops[it.index]
	offset, boff := it.offset, it.boff
	whole := length >= op.n-offset
	if whole {
		length = op.n - offset
		it.index++
		it.offset, it.boff = 0, 0
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
	if !ok && it.err == nil {
		it.err = errSplit
	}
	it.boff = end
	return Op{kind: kindText, n: length, text: op.text[boff:end], attrs: op.attrs}
}

// rest returns the ops not yet taken, the current one cut at the offset.
// It does not move the iterator.
func (it *iterator) rest() []Op {
	if !it.hasNext() {
		return nil
	}
	if it.offset == 0 {
		return it.ops[it.index:]
	}
	index, offset, boff := it.index, it.offset, it.boff
	first := it.next(0)
	rest := it.ops[it.index:]
	it.index, it.offset, it.boff = index, offset, boff
	out := make([]Op, 0, 1+len(rest))
	return append(append(out, first), rest...)
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
