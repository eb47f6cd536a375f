package auth

import (
	"errors"
	"fmt"
	"strings"
)

// Grants is what a token allows: the documents it may read and those it may
// write (write implies read). The zero Grants allows nothing.
type Grants struct {
	read, write []pattern
}

// pattern is one grant pattern, split into its collection and id globs.
type pattern struct {
	coll, id string
}

// maxPatterns bounds the patterns of one token, and maxPatternLen the
// length of one, so that a token cannot make every check expensive.
const (
	maxPatterns   = 256
	maxPatternLen = 512
)

// ParseGrants reads grant patterns (see the package doc); a malformed
// pattern is an error naming it.
func ParseGrants(read, write []string) (Grants, error) {
	var g Grants
	var err error
	if len(read)+len(write) > maxPatterns {
		return g, fmt.Errorf("grant has %d patterns, at most %d are allowed", len(read)+len(write), maxPatterns)
	}
	if g.read, err = parsePatterns(read); err != nil {
		return Grants{}, fmt.Errorf("read: %w", err)
	}
	if g.write, err = parsePatterns(write); err != nil {
		return Grants{}, fmt.Errorf("write: %w", err)
	}
	return g, nil
}

func parsePatterns(in []string) ([]pattern, error) {
	out := make([]pattern, 0, len(in))
	for _, s := range in {
		p, err := parsePattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePattern(s string) (pattern, error) {
	switch {
	case s == "":
		return pattern{}, errors.New("empty pattern")
	case len(s) > maxPatternLen:
		return pattern{}, fmt.Errorf("pattern of %d bytes, at most %d are allowed", len(s), maxPatternLen)
	}
	coll, id, hasID := strings.Cut(s, "/")
	if !hasID {
		id = "*"
	}
	if coll == "" {
		return pattern{}, fmt.Errorf("pattern %q has an empty collection (want collection/id, e.g. notes/*)", s)
	}
	if id == "" {
		return pattern{}, fmt.Errorf("pattern %q has an empty id (want collection/id, e.g. notes/*)", s)
	}
	if s == "*" {
		coll, id = "*", "*"
	}
	return pattern{coll: coll, id: id}, nil
}

func (p pattern) matches(coll, id string) bool {
	return glob(p.coll, coll) && glob(p.id, id)
}

// String returns the pattern in its written form.
func (p pattern) String() string { return p.coll + "/" + p.id }

// CanRead reports whether the document may be read (fetched, subscribed,
// queried, its history and presence seen).
func (g Grants) CanRead(coll, id string) bool {
	return anyMatch(g.read, coll, id) || anyMatch(g.write, coll, id)
}

// CanWrite reports whether ops (create, edit, delete) may be submitted to
// the document.
func (g Grants) CanWrite(coll, id string) bool {
	return anyMatch(g.write, coll, id)
}

// Empty reports whether the grants allow nothing at all.
func (g Grants) Empty() bool { return len(g.read) == 0 && len(g.write) == 0 }

// String lists the grants, for logs.
func (g Grants) String() string {
	var b strings.Builder
	b.WriteString("read[")
	for i, p := range g.read {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	b.WriteString("] write[")
	for i, p := range g.write {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	b.WriteString("]")
	return b.String()
}

func anyMatch(ps []pattern, coll, id string) bool {
	for _, p := range ps {
		if p.matches(coll, id) {
			return true
		}
	}
	return false
}

// glob matches s against pat, where "*" matches any run of characters and
// every other character matches itself. It runs in O(len(pat)*len(s)) at
// worst (the usual greedy matcher with one backtrack point).
func glob(pat, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case p < len(pat) && pat[p] == s[i]:
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
