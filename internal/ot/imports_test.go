package ot_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStandardLibraryOnly enforces that the OT core and its type packages
// import nothing outside the standard library (and each other).
func TestStandardLibraryOnly(t *testing.T) {
	const module = "github.com/weftdev/weft/internal/ot"
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, module) {
				continue
			}
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: internal/ot must use the standard library only", path, p)
			}
			switch p {
			case "net", "net/http", "os", "os/exec", "database/sql":
				t.Errorf("%s imports %s: internal/ot does no I/O", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
