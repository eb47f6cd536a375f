package textunicode

import (
	"errors"
	"strings"
)

// create is the reference's create: nil (no data) gives "".
func create(data any) (string, error) {
	switch d := data.(type) {
	case nil:
		return "", nil
	case string:
		return d, nil
	}
	return "", errInitialData
}

// apply is the reference's apply. It copies the document once: pieces are
// located first, then written into a buffer of the exact final size.
func apply(doc any, op Op) (string, error) {
	if err := check(op); err != nil {
		return "", err
	}
	s, ok := doc.(string)
	if !ok {
		return "", errors.New("Invalid document snapshot: " + jsString(doc))
	}
	// pos is the byte offset of the unconsumed rest of s; ends records it
	// after each skip or delete, for build.
	var small [8]int
	ends := small[:0]
	pos, size := 0, 0
	for _, c := range op {
		switch c.k {
		case kSkip:
			n, past := uniOffset(s[pos:], c.n)
			if past {
				return "", errTooLong
			}
			pos += n
			size += n
			ends = append(ends, pos)
		case kInsert:
			size += len(c.s)
		case kDelN, kDelS:
			n, _ := uniOffset(s[pos:], dlen(c))
			pos += n
			ends = append(ends, pos)
		}
	}
	if len(op) == 0 {
		return s, nil
	}
	size += len(s) - pos
	return build(s, op, ends, size), nil
}

// build writes the result of a checked op that fits s, given the byte
// offsets apply found.
func build(s string, op Op, ends []int, size int) string {
	var b strings.Builder
	b.Grow(size)
	pos, e := 0, 0
	for _, c := range op {
		switch c.k {
		case kSkip:
			b.WriteString(s[pos:ends[e]])
			pos = ends[e]
			e++
		case kInsert:
			b.WriteString(c.s)
		case kDelN, kDelS:
			pos = ends[e]
			e++
		}
	}
	b.WriteString(s[pos:])
	return b.String()
}
