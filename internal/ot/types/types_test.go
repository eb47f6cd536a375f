package types_test

import (
	"testing"

	"github.com/weftdev/weft/internal/ot/types"
)

func TestRegistryResolvesNamesAndURIs(t *testing.T) {
	r := types.Registry()
	for _, c := range []struct{ name, uri string }{
		{"text-unicode", "http://sharejs.org/types/text-unicode"},
		{"rich-text", "http://sharejs.org/types/rich-text/v1"},
		{"json0", "http://sharejs.org/types/JSONv0"},
	} {
		byName, err := r.Lookup(c.name)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", c.name, err)
		}
		byURI, err := r.Lookup(c.uri)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", c.uri, err)
		}
		if byName != byURI || byName.URI() != c.uri || byName.Name() != c.name {
			t.Errorf("%s: name and URI resolve to different types or wrong names", c.name)
		}
	}
}
