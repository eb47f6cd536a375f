package textunicode

import (
	"math"
	"math/bits"
)

// Offsets are code points. Weft's strings are valid UTF-8, so a string's
// code points are its bytes that are not UTF-8 continuation bytes
// (10xxxxxx); the helpers below count those eight bytes at a time.

const hiBits = 0x8080808080808080

func load64(s string, i int) uint64 {
	b := s[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// starts returns how many of w's bytes start a code point.
func starts(w uint64) int {
	if w&hiBits == 0 {
		return 8
	}
	cont := w &^ (w << 1) & hiBits
	return 8 - bits.OnesCount64(cont)
}

// starts32 returns how many of the 32 bytes at i start a code point. The
// four words' continuation flags (bit 7 of each byte) are shifted into
// distinct bit positions so one popcount counts them all.
func starts32(s string, i int) int {
	b := s[i : i+32]
	w0, w1, w2, w3 := load64(b, 0), load64(b, 8), load64(b, 16), load64(b, 24)
	if (w0|w1|w2|w3)&hiBits == 0 {
		return 32
	}
	c := w0&^(w0<<1)&hiBits | (w1&^(w1<<1)&hiBits)>>1 |
		(w2&^(w2<<1)&hiBits)>>2 | (w3&^(w3<<1)&hiBits)>>3
	return 32 - bits.OnesCount64(c)
}

// cpCount returns the number of code points in s: unicount's strPosToUni
// for a valid string.
func cpCount(s string) int {
	n, i := 0, 0
	for ; i+32 <= len(s); i += 32 {
		n += starts32(s, i)
	}
	for ; i+8 <= len(s); i += 8 {
		n += starts(load64(s, i))
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// cpOffset returns the byte offset of code point n in s, clamped to len(s),
// and how many code points n lies past the end.
func cpOffset(s string, n int) (off, missing int) {
	i := 0
	for ; i+32 <= len(s); i += 32 {
		k := starts32(s, i)
		if k > n {
			break
		}
		n -= k
	}
	for ; i+8 <= len(s); i += 8 {
		k := starts(load64(s, i))
		if k > n {
			break
		}
		n -= k
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			if n == 0 {
				return i, 0
			}
			n--
		}
	}
	return len(s), n
}

// steps is how many code points unicount's uniToStrPos walks for a
// JavaScript number x (it loops while x > 0, decrementing), capped at
// limit: callers pass one more than the string's length, which is enough to
// tell "past the end" apart.
func steps(x float64, limit int) int {
	if !(x > 0) {
		return 0
	}
	c := math.Ceil(x)
	if c >= float64(limit) {
		return limit
	}
	return int(c)
}

// uniOffset is uniToStrPos(s, x) as a byte offset clamped to len(s), with
// past reporting whether x pointed beyond the end.
func uniOffset(s string, x float64) (off int, past bool) {
	off, missing := cpOffset(s, steps(x, len(s)+1))
	return off, missing > 0
}
