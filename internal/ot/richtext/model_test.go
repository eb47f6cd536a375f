package richtext

import (
	"fmt"
	"math/rand/v2"

	"github.com/weftdev/weft/internal/ot"
)

// The model is an independent, naive apply used by the fuzz targets: a
// document is a list of characters (a code point or an embed), each with
// its own attributes, and an op walks it one character at a time.

type mchar struct {
	s     string // the code point, or the embed's JSON after a NUL
	width int    // UTF-16 units
	attrs map[string]any
}

func modelDoc(doc any) ([]mchar, error) {
	ops, err := toOps(doc)
	if err != nil {
		return nil, err
	}
	var out []mchar
	for _, o := range flatten(ops) {
		switch o.kind {
		case kindText:
			out = appendText(out, o.text, o.attrs)
		case kindEmbed:
			out = append(out, embedChar(o))
		default:
			return nil, fmt.Errorf("document holds a %v", o.kind)
		}
	}
	return out, nil
}

func appendText(out []mchar, s string, attrs map[string]any) []mchar {
	for _, c := range s {
		w := 1
		if c >= 0x10000 {
			w = 2
		}
		out = append(out, mchar{s: string(c), width: w, attrs: attrs})
	}
	return out
}

func embedChar(o Op) mchar {
	b, _ := ot.Marshal(o.embed)
	return mchar{s: "\x00" + string(b), width: 1, attrs: o.attrs}
}

// modelApply applies op to doc character by character.
func modelApply(doc []mchar, op any) ([]mchar, error) {
	ops, err := toOps(op)
	if err != nil {
		return nil, err
	}
	var out []mchar
	i := 0
	for _, o := range flatten(ops) {
		switch o.kind {
		case kindText:
			out = appendText(out, o.text, o.attrs)
		case kindEmbed:
			out = append(out, embedChar(o))
		case kindRetain, kindDelete:
			for n := o.n; n > 0; i++ {
				if i >= len(doc) {
					return nil, fmt.Errorf("op runs past the end")
				}
				c := doc[i]
				if n -= c.width; n < 0 {
					return nil, fmt.Errorf("op splits a character")
				}
				if o.kind == kindRetain {
					c.attrs = composeAttrs(c.attrs, o.attrs, false)
					out = append(out, c)
				}
			}
		}
	}
	return append(out, doc[i:]...), nil
}

func modelEqual(a, b []mchar) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i].attrs, b[i].attrs
		if len(x) == 0 {
			x = nil
		}
		if len(y) == 0 {
			y = nil
		}
		if a[i].s != b[i].s || !attrsEqual(x, y) {
			return false
		}
	}
	return true
}

// byteSource is a rand.Source reading fuzz bytes, then a fixed stream, so
// mutations of the input steer the generator.
type byteSource struct {
	data []byte
	pcg  *rand.PCG
}

func newFuzzRand(data []byte) *rand.Rand {
	return rand.New(&byteSource{data: data, pcg: rand.NewPCG(uint64(len(data)), 1)})
}

func (s *byteSource) Uint64() uint64 {
	if len(s.data) == 0 {
		return s.pcg.Uint64()
	}
	var v uint64
	for i := 0; i < 8; i++ {
		v <<= 8
		if len(s.data) > 0 {
			v |= uint64(s.data[0])
			s.data = s.data[1:]
		}
	}
	// Spread the bytes over the whole word so IntN sees them.
	return v*0x9e3779b97f4a7c15 ^ v>>29
}
