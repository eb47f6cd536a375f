package ot

import "unicode/utf8"

// Weft holds text as Go strings of valid UTF-8. Each type counts offsets in
// its reference's unit: code points for text-unicode, UTF-16 code units for
// rich-text and json0/text0. These helpers convert between those units and
// byte offsets.

// UTF16Len returns the length of s in UTF-16 code units, JavaScript's
// String.length.
func UTF16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// UTF16Offset returns the byte offset in s of UTF-16 offset u. ok is false
// when u is negative, past the end, or falls between the two halves of a
// surrogate pair.
func UTF16Offset(s string, u int) (byteOff int, ok bool) {
	if u < 0 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); {
		if n == u {
			return i, true
		}
		if n > u {
			return 0, false
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	if n == u {
		return len(s), true
	}
	return 0, false
}

// CodePointOffset returns the byte offset in s of code point offset n. ok is
// false when n is negative or past the end.
func CodePointOffset(s string, n int) (byteOff int, ok bool) {
	if n < 0 {
		return 0, false
	}
	i := 0
	for ; n > 0 && i < len(s); n-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, n == 0
}
