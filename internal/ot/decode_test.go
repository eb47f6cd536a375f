package ot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// checkAgainstEncodingJSON fails unless decodeTree and encoding/json agree
// on data (which passed CheckText): the same tree, or both an error.
func checkAgainstEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(data, &want)
	got, err := decodeTree(data)
	if (err != nil) != (werr != nil) {
		t.Fatalf("decodeTree(%.80q): error %v, encoding/json: %v", data, err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeTree(%.80q) = %#v, encoding/json gives %#v", data, got, want)
	}
}

func TestDecodeTreeMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`null`, `true`, `false`, `0`, `-0`, `-0.5e-3`, `1E+2`, `123456789012345678901234567890`, `1e308`, `1e309`, `-1e400`, `4.9e-325`,
		`""`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u20AC"`, `"\ud83d\ude00 x"`, `"héllo 😀"`,
		`[]`, `{}`, ` [ 1 , "a" , { "k" : [ ] } ] `, `{"a":1,"a":2}`, `{"op":[617,"q"],"a":"op","v":3,"x":{}}`,
		``, ` `, `[`, `]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `1e+`,
		`tru`, `nul`, `nulll`, `"abc`, `"a\x"`, `"a\u12"`, "\"a\tb\"", `1 2`, `{} x`, `[1] ]`, `{"a" 1}`, `{1:2}`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	} {
		if CheckText([]byte(s)) != nil {
			t.Fatalf("test input %.40q does not pass CheckText", s)
		}
		checkAgainstEncodingJSON(t, []byte(s))
	}
}

func FuzzDecodeTree(f *testing.F) {
	for _, s := range []string{`{"a":"op","c":"x","d":"y","v":1,"seq":2,"op":[3,"a",{"d":1}]}`, `"\ud83d\ude00"`, `[1e5,-0,true,null]`, `{"a":{"b":"\n"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if CheckText(data) != nil {
			return
		}
		checkAgainstEncodingJSON(t, data)
	})
}
