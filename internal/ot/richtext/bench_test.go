package richtext

import (
	"fmt"
	"testing"

	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot"
)

// benchDoc returns a realistic document of about size bytes as JSON ops:
// paragraphs of plain, bold, italic and linked runs, each ended by a
// newline with block attributes, and an image now and then.
func benchDoc(size int) []any {
	words := []string{"The ", "quick ", "brown ", "fox ", "jumps ", "over ", "the ", "lazy ", "dög ", "— ", "naïve ", "café ", "😀 "}
	styles := []map[string]any{
		nil, {"bold": true}, nil, {"italic": true}, nil,
		{"link": "https://example.com/a"}, nil, {"bold": true, "color": "#cc0000"},
	}
	var ops []any
	n, w := 0, 0
	for p := 0; n < size; p++ {
		for run := 0; run < 6; run++ {
			text := ""
			for range 3 {
				text += words[w%len(words)]
				w++
			}
			op := map[string]any{"insert": text}
			if s := styles[(p+run)%len(styles)]; s != nil {
				op["attributes"] = s
			}
			ops = append(ops, op)
			n += len(text)
		}
		if p%7 == 3 {
			ops = append(ops, map[string]any{"insert": map[string]any{"image": "https://example.com/i.png"}})
		}
		nl := map[string]any{"insert": "\n"}
		if p%4 == 0 {
			nl["attributes"] = map[string]any{"header": 2.0}
		} else if p%4 == 1 {
			nl["attributes"] = map[string]any{"list": "bullet"}
		}
		ops = append(ops, nl)
		n++
	}
	return ops
}

type benchInput struct {
	name    string
	docTree []any
	doc     *Delta
	mid     int // a UTF-16 offset near the middle, between code points
}

func benchInputs(b *testing.B) []benchInput {
	var out []benchInput
	for _, size := range []struct {
		name  string
		bytes int
	}{{"1KB", 1 << 10}, {"1MB", 1 << 20}} {
		tree := benchDoc(size.bytes)
		d, err := New().Create(tree)
		if err != nil {
			b.Fatal(err)
		}
		units := units(tree)
		mid := 0
		for _, u := range units[:len(units)/2] {
			mid += u
		}
		out = append(out, benchInput{size.name, tree, d.(*Delta), mid})
	}
	return out
}

func keystroke(at int) []any {
	return []any{map[string]any{"retain": float64(at)}, map[string]any{"insert": "x"}}
}

func formatWord(at int) []any {
	return []any{map[string]any{"retain": float64(at)}, map[string]any{"retain": 5.0, "attributes": map[string]any{"bold": true}}}
}

// reparse gives the op as the wire delivers it: a fresh JSON tree.
func reparse(b *testing.B, v any) any {
	data, err := ot.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	t, err := ot.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

func BenchmarkApply(b *testing.B) {
	var nb oracle.NodeBench
	typ := New()
	for _, in := range benchInputs(b) {
		for _, op := range []struct {
			name string
			op   []any
		}{{"keystroke", keystroke(in.mid)}, {"format-word", formatWord(in.mid)}} {
			b.Run(fmt.Sprintf("%s/%s", op.name, in.name), func(b *testing.B) {
				o := reparse(b, op.op)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := typ.Apply(in.doc, o); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, oracle.Call{Type: Name, Fn: "apply", Args: []any{in.docTree, op.op}})
			})
		}
	}
}

func BenchmarkTransform(b *testing.B) {
	var nb oracle.NodeBench
	typ := New()
	for _, in := range benchInputs(b) {
		for _, c := range []struct {
			name      string
			op, other []any
		}{
			{"keystroke", keystroke(in.mid), keystroke(in.mid - 3)},
			{"format-word", formatWord(in.mid), keystroke(in.mid + 2)},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, in.name), func(b *testing.B) {
				op, other := reparse(b, c.op), reparse(b, c.other)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := typ.Transform(op, other, ot.Left); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, oracle.Call{Type: Name, Fn: "transform", Args: []any{c.op, c.other, "left"}})
			})
		}
	}
}

func BenchmarkCompose(b *testing.B) {
	var nb oracle.NodeBench
	typ := New()
	for _, in := range benchInputs(b) {
		for _, c := range []struct {
			name string
			a, b []any
		}{
			{"keystroke", keystroke(in.mid), keystroke(in.mid + 1)},
			{"format-word", formatWord(in.mid), formatWord(in.mid + 2)},
		} {
			b.Run(fmt.Sprintf("%s/%s", c.name, in.name), func(b *testing.B) {
				x, y := reparse(b, c.a), reparse(b, c.b)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := typ.Compose(x, y); err != nil {
						b.Fatal(err)
					}
				}
				nb.Report(b, oracle.Call{Type: Name, Fn: "compose", Args: []any{c.a, c.b}})
			})
		}
	}
}
