package textunicode

import (
	"math"
	"math/bits"
)

// Offsets are code points. Weft's strings are valid UTF-8, so a string's
// code points are its bytes that are not UTF-8 continuation bytes
// (10xxxxxx); the helpers below count those eight and 64 bytes at a time.

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
	return 8 - bits.OnesCount64(contMask(w))
}

// contMask returns bit 7 of each of w's bytes that is a UTF-8
// continuation byte (10xxxxxx): bit 7 set and bit 6, moved up to bit 7
// by w<<1, clear.
func contMask(w uint64) uint64 { return w &^ (w << 1) & hiBits }

// cpCount returns the number of code points in s: unicount's strPosToUni
// for a valid string. s has at most len(s) code points, so cpOffset never
// reaches code point len(s)+1, and reports by how many it fell short.
func cpCount(s string) int {
	_, missing := cpOffset(s, len(s)+1)
	return len(s) + 1 - missing
}

// cpOffset returns the byte offset of code point n in s, clamped to len(s),
// and how many code points n lies past the end.
//
// It skips whole 64-byte blocks while they hold no more than n code
// points, then 8-byte words, then single bytes. A block's count is written
// out in the loop rather than in a function: the compiler does not inline
// it, and the call costs about a sixth of the scan.
func cpOffset(s string, n int) (off, missing int) {
	i := 0
	for ; i+64 <= len(s); i += 64 {
		b := s[i : i+64]
		w0, w1, w2, w3 := load64(b, 0), load64(b, 8), load64(b, 16), load64(b, 24)
		w4, w5, w6, w7 := load64(b, 32), load64(b, 40), load64(b, 48), load64(b, 56)
		k := 64 // all ASCII
		if (w0|w1|w2|w3|w4|w5|w6|w7)&hiBits != 0 {
			// The eight words' continuation flags (bit 7 of each byte)
			// are shifted into distinct bit positions, so one popcount
			// counts them all.
			c := contMask(w0) | contMask(w1)>>1 | contMask(w2)>>2 | contMask(w3)>>3 |
				contMask(w4)>>4 | contMask(w5)>>5 | contMask(w6)>>6 | contMask(w7)>>7
			k -= bits.OnesCount64(c)
		}
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
