// Package types assembles Weft's OT types into the registry the server
// uses: text-unicode, rich-text and json0 (with text0), each a faithful port
// of its npm reference.
package types

import (
	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/json0"
	"github.com/weftdev/weft/internal/ot/richtext"
	"github.com/weftdev/weft/internal/ot/textunicode"
)

// Registry returns a new registry holding every type Weft serves, each under
// its name and its URI.
func Registry() *ot.Registry {
	r, err := ot.NewRegistry(json0.New(), richtext.New(), textunicode.New())
	if err != nil {
		// The set is fixed at compile time and its names are distinct; a
		// clash is a programming error caught by the package's test.
		panic(err)
	}
	return r
}
