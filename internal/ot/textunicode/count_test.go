package textunicode

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// startOffsets returns the byte offsets of s's code points as cpCount and
// cpOffset define them, byte by byte: the bytes that are not UTF-8
// continuation bytes (10xxxxxx). On valid UTF-8 that is one per rune.
func startOffsets(s string) []int {
	var out []int
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			out = append(out, i)
		}
	}
	return out
}

// TestCountEdges checks cpCount and cpOffset, which work eight and 64
// bytes at a time, against startOffsets on strings built to put every
// kind of character (and invalid bytes) at every position of a word and
// across 64-byte blocks: every sequence of up to three pieces, once and
// repeated over 140 bytes, after 0 to 72 ASCII bytes.
func TestCountEdges(t *testing.T) {
	pieces := []string{
		"a", "é", "中", "😀",
		"\x80",     // a stray continuation byte
		"\xff",     // a byte that never occurs in UTF-8
		"\xf0\x9f", // a four-byte sequence cut short
	}
	seqs, last := []string{""}, []string{""}
	for range 3 {
		var next []string
		for _, s := range last {
			for _, p := range pieces {
				next = append(next, s+p)
			}
		}
		seqs, last = append(seqs, next...), next
	}
	for pad := 0; pad <= 72; pad++ {
		for _, seq := range seqs {
			s := strings.Repeat("x", pad) + seq
			checkCount(t, s)
			if seq != "" { // the pieces over and over, filling whole blocks
				checkCount(t, s+strings.Repeat(seq, 140/len(seq)))
			}
		}
	}
}

func checkCount(t *testing.T, s string) {
	t.Helper()
	starts := startOffsets(s)
	if got := cpCount(s); got != len(starts) {
		t.Fatalf("cpCount(%q) = %d, want %d", s, got, len(starts))
	}
	if utf8.ValidString(s) && len(starts) != utf8.RuneCountInString(s) {
		t.Fatalf("%q: %d code points, utf8 counts %d", s, len(starts), utf8.RuneCountInString(s))
	}
	for n := 0; n <= len(starts)+2; n++ {
		wantOff, wantMissing := len(s), n-len(starts)
		if n < len(starts) {
			wantOff, wantMissing = starts[n], 0
		}
		if off, missing := cpOffset(s, n); off != wantOff || missing != wantMissing {
			t.Fatalf("cpOffset(%q, %d) = %d, %d; want %d, %d", s, n, off, missing, wantOff, wantMissing)
		}
	}
}
