package json0

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

var nb oracle.NodeBench

// recordsDoc returns a realistic json0 document of about size bytes: an
// object of records, each with text, numbers, tags and a nested object.
func recordsDoc(size int) map[string]any {
	r := rand.New(rand.NewPCG(1, 2))
	records := map[string]any{}
	doc := map[string]any{"title": "Project board", "version": 3.0, "records": records}
	for i := 0; ; i++ {
		records[fmt.Sprintf("r%05d", i)] = map[string]any{
			"name":   oracle.Text(r, 12),
			"status": "open",
			"count":  float64(r.IntN(100)),
			"tags":   []any{"alpha", "beta", oracle.Text(r, 4)},
			"owner":  map[string]any{"id": float64(i), "email": fmt.Sprintf("user%d@example.com", i)},
			"notes":  oracle.Text(r, 40),
		}
		if b, _ := ot.Marshal(doc); len(b) >= size {
			return doc
		}
		if i > 50 && size > 1<<16 {
			// Estimate the remaining count instead of re-encoding each time.
			b, _ := ot.Marshal(doc)
			per := len(b) / (i + 1)
			for j := i + 1; j < size/per; j++ {
				records[fmt.Sprintf("r%05d", j)] = map[string]any{
					"name": oracle.Text(r, 12), "status": "open", "count": float64(r.IntN(100)),
					"tags":  []any{"alpha", "beta", oracle.Text(r, 4)},
					"owner": map[string]any{"id": float64(j), "email": fmt.Sprintf("user%d@example.com", j)},
					"notes": oracle.Text(r, 40),
				}
			}
			return doc
		}
	}
}

var sizes = []struct {
	name  string
	bytes int
}{{"1KB", 1 << 10}, {"1MB", 1 << 20}}

// fieldChange is the typical json0 op: one field of one record replaced.
func fieldChange() []any {
	return []any{map[string]any{"p": []any{"records", "r00001", "status"}, "od": "open", "oi": "closed"}}
}

// keystroke is one character typed into a record's name.
func keystroke(at float64) []any {
	return []any{map[string]any{"p": []any{"records", "r00001", "name", at}, "si": "x"}}
}

func BenchmarkApply(b *testing.B) {
	for _, sz := range sizes {
		for _, op := range []struct {
			name string
			op   []any
		}{{"field", fieldChange()}, {"number", []any{map[string]any{"p": []any{"records", "r00001", "count"}, "na": 1.0}}}} {
			b.Run(sz.name+"/"+op.name, func(b *testing.B) {
				doc := any(recordsDoc(sz.bytes))
				call := oracle.Call{Type: "json0", Fn: "apply", Args: []any{cloneJSON(doc), op.op}}
				typ := New()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					var err error
					if doc, err = typ.Apply(doc, op.op); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, call)
			})
		}
	}
}

func BenchmarkTransform(b *testing.B) {
	for _, sz := range sizes {
		// A concurrent edit of the same record, carrying a record-sized value.
		doc := recordsDoc(sz.bytes)
		rec := doc["records"].(map[string]any)["r00002"]
		other := []any{
			map[string]any{"p": []any{"records", "r00001", "name", 0.0}, "si": "ab"},
			map[string]any{"p": []any{"records", "r00002"}, "od": rec, "oi": nil},
		}
		for _, op := range []struct {
			name string
			op   []any
		}{{"field", fieldChange()}, {"keystroke", keystroke(3)}} {
			b.Run(sz.name+"/"+op.name, func(b *testing.B) {
				call := oracle.Call{Type: "json0", Fn: "transform", Args: []any{op.op, other, "left"}}
				typ := New()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := typ.Transform(op.op, other, ot.Left); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, call)
			})
		}
	}
}

func BenchmarkCompose(b *testing.B) {
	for _, sz := range sizes {
		doc := recordsDoc(sz.bytes)
		rec := doc["records"].(map[string]any)["r00003"]
		for _, c := range []struct {
			name string
			a, b []any
		}{
			{"field", fieldChange(), []any{map[string]any{"p": []any{"records", "r00003"}, "od": rec, "oi": "gone"}}},
			{"keystroke", keystroke(3), keystroke(4)},
		} {
			b.Run(sz.name+"/"+c.name, func(b *testing.B) {
				call := oracle.Call{Type: "json0", Fn: "compose", Args: []any{c.a, c.b}}
				typ := New()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := typ.Compose(c.a, c.b); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, call)
			})
		}
	}
}
