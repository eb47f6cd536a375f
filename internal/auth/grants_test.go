package auth

import (
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "anything/at all", true},
		{"notes", "notes", true},
		{"notes", "notes2", false},
		{"team-*", "team-", true},
		{"team-*", "team-red", true},
		{"team-*", "xteam-red", false},
		{"*-draft", "q3-draft", true},
		{"*-draft", "q3-draft-2", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"a**c", "ac", true},
		{"?", "x", false}, // only * is special
		{"[ab]", "a", false},
		{"[ab]", "[ab]", true},
		{"é*", "été", true},
	} {
		if got := glob(c.pat, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}

func TestGrants(t *testing.T) {
	g, err := ParseGrants([]string{"public/*", "notes"}, []string{"notes/team-*", "drafts/*/mine"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		coll, id    string
		read, write bool
	}{
		{"public", "a", true, false},
		{"public", "", true, false},
		{"notes", "anything", true, false},
		{"notes", "team-red", true, true},
		{"notes", "team", true, false},
		{"drafts", "x/mine", true, true}, // the id part may hold "/"
		{"drafts", "x/yours", false, false},
		{"private", "a", false, false},
		{"publicity", "a", false, false},
		{"notes/team-red", "x", false, false}, // the collection part has no "/"
	} {
		if got := g.CanRead(c.coll, c.id); got != c.read {
			t.Errorf("CanRead(%q, %q) = %v, want %v", c.coll, c.id, got, c.read)
		}
		if got := g.CanWrite(c.coll, c.id); got != c.write {
			t.Errorf("CanWrite(%q, %q) = %v, want %v", c.coll, c.id, got, c.write)
		}
	}
	all, _ := ParseGrants([]string{"*"}, nil)
	if !all.CanRead("any", "doc") || all.CanWrite("any", "doc") {
		t.Errorf(`"*" read grant: read %v write %v`, all.CanRead("any", "doc"), all.CanWrite("any", "doc"))
	}
	var none Grants
	if none.CanRead("a", "b") || none.CanWrite("a", "b") || !none.Empty() {
		t.Error("zero Grants allows something")
	}
	if s := g.String(); !strings.Contains(s, "notes/team-*") || !strings.Contains(s, "notes/*") {
		t.Errorf("String = %q", s)
	}
}

func TestGrantErrors(t *testing.T) {
	long := strings.Repeat("x", maxPatternLen+1)
	many := make([]string, maxPatterns+1)
	for i := range many {
		many[i] = "a/b"
	}
	for _, c := range []struct {
		read []string
		want string
	}{
		{[]string{""}, "empty pattern"},
		{[]string{"/doc"}, "empty collection"},
		{[]string{"notes/"}, "empty id"},
		{[]string{long}, "at most"},
		{many, "at most 256"},
	} {
		_, err := ParseGrants(c.read, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseGrants(%.40q) = %v, want an error containing %q", c.read, err, c.want)
		}
	}
	if _, err := ParseGrants(nil, []string{""}); err == nil || !strings.HasPrefix(err.Error(), "write: ") {
		t.Errorf("bad write pattern: %v", err)
	}
}

func TestGrantsFromClaim(t *testing.T) {
	for _, c := range []struct {
		raw  any
		want string
	}{
		{"notes/*", "want an object"},
		{map[string]any{"read": "notes/*"}, "want an array"},
		{map[string]any{"read": []any{1.0}}, "must be strings"},
		{map[string]any{"admin": []any{"x"}}, `unknown field "admin"`},
		{map[string]any{"read": []any{""}}, "empty pattern"},
	} {
		if _, err := grantsFromClaim(c.raw); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("grantsFromClaim(%v) = %v, want %q", c.raw, err, c.want)
		}
	}
	g, err := grantsFromClaim(map[string]any{"read": []any{"a/*"}, "write": nil})
	if err != nil || !g.CanRead("a", "x") || g.CanWrite("a", "x") {
		t.Errorf("grantsFromClaim read-only: %v %v", g, err)
	}
}
