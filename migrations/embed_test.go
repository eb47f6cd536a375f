package migrations_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"testing"

	"github.com/weftdev/weft/migrations"
)

// TestFileNames checks that every embedded file is NNNN_name.up.sql, that
// the numbers run 1, 2, 3, ... without gaps or repeats, and that no file is
// empty.
func TestFileNames(t *testing.T) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	if len(entries) == 0 {
		t.Fatalf("no migrations embedded")
	}
	pattern := regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.up\.sql$`)
	for i, e := range entries {
		m := pattern.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("%s: name is not NNNN_name.up.sql", e.Name())
			continue
		}
		if want := fmt.Sprintf("%04d", i+1); m[1] != want {
			t.Errorf("%s: number %s, want %s (numbers run from 0001 without gaps)", e.Name(), m[1], want)
		}
		b, err := fs.ReadFile(migrations.FS, e.Name())
		if err != nil || len(b) == 0 {
			t.Errorf("%s: empty or unreadable (%v)", e.Name(), err)
		}
	}
}
