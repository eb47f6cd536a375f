package ot

import (
	"encoding/json"
	"testing"
)

// opFrame is a typical submit as a client sends it.
var opFrame = []byte(`{"a":"op","c":"notes","d":"d42","v":1234,"seq":77,"x":{},"op":[617,"q"]}`)

// BenchmarkDecodeOpFrame compares Decode with encoding/json into an any on
// a typical submit frame.
func BenchmarkDecodeOpFrame(b *testing.B) {
	b.Run("Decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(opFrame); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			var v any
			if err := json.Unmarshal(opFrame, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
