package testns

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/types"
	"github.com/weftdev/weft/internal/session"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	s, err := New(session.Options{}, types.Registry().Types(), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return hs
}

func do(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestControlProtocol(t *testing.T) {
	hs := newTestServer(t)
	code, body := do(t, "POST", hs.URL+"/_test/ns", `{"presence":true,"projections":{"names":{"target":"dogs","fields":{"name":true}}}}`)
	ns, _ := body["ns"].(string)
	if code != http.StatusCreated || ns == "" {
		t.Fatalf("create: %d %v", code, body)
	}
	code2, body2 := do(t, "POST", hs.URL+"/_test/ns", `{}`)
	if code2 != http.StatusCreated || body2["ns"] == ns {
		t.Fatalf("second create: %d %v (first %q)", code2, body2, ns)
	}
	if code, _ := do(t, "POST", hs.URL+"/_test/ns", `[1]`); code != http.StatusBadRequest {
		t.Errorf("array body: %d, want 400", code)
	}
	if code, _ := do(t, "POST", hs.URL+"/_test/ns", `{"projections":{"p":{"target":"dogs","fields":{"a":1}}}}`); code != http.StatusBadRequest {
		t.Errorf("projection field not true: %d, want 400", code)
	}
	proj := hs.URL + "/_test/ns/" + ns + "/projections"
	if code, _ := do(t, "POST", proj, `{"name":"ages","target":"dogs","fields":{"age":true}}`); code != http.StatusNoContent {
		t.Errorf("add projection: %d, want 204", code)
	}
	if code, _ := do(t, "POST", proj, `{"name":"ages","target":"dogs","fields":{"age":true}}`); code != http.StatusBadRequest {
		t.Errorf("duplicate projection: %d, want 400", code)
	}
	if code, _ := do(t, "POST", proj, `{"name":"names","target":"dogs","fields":{"age":true}}`); code != http.StatusBadRequest {
		t.Errorf("projection given at creation added again: %d, want 400", code)
	}
	if code, _ := do(t, "DELETE", hs.URL+"/_test/ns/"+ns, ""); code != http.StatusNoContent {
		t.Errorf("drop: %d, want 204", code)
	}
	for _, c := range []struct{ method, path string }{
		{"DELETE", "/_test/ns/" + ns}, {"POST", "/_test/ns/" + ns + "/projections"}, {"GET", "/_test/ns/" + ns + "/ws"},
	} {
		if code, _ := do(t, c.method, hs.URL+c.path, `{}`); code != http.StatusNotFound {
			t.Errorf("%s %s after drop: %d, want 404", c.method, c.path, code)
		}
	}
}

func lookup(t *testing.T, name string) ot.Type {
	t.Helper()
	for _, typ := range TestTypes() {
		if typ.Name() == name {
			return typ
		}
	}
	t.Fatalf("no type %s", name)
	return nil
}

func TestNumberType(t *testing.T) {
	typ := lookup(t, "number-type")
	for _, c := range []struct {
		data any
		want float64
	}{{nil, 0}, {3.7, 3}, {-2.5, -2}, {4294967301.0, 5}, {"x", 0}} {
		got, err := typ.Create(c.data)
		if err != nil || got != c.want {
			t.Errorf("Create(%v) = %v, %v; want %v", c.data, got, err, c.want)
		}
	}
	got, err := typ.Apply(2.0, 5.0)
	if err != nil || got != 7.0 {
		t.Errorf("Apply(2, 5) = %v, %v", got, err)
	}
	if err := typ.Validate(0.0, "1"); err == nil {
		t.Error("Validate accepted a string op")
	}
}

func TestDeserializedType(t *testing.T) {
	typ := lookup(t, "test-deserialized-type")
	if typ.URI() != "http://sharejs.org/types/test-deserialized-type" {
		t.Errorf("URI %s", typ.URI())
	}
	got, err := typ.Apply([]any{"a"}, map[string]any{"insert": 1.0, "value": "b"})
	if b, _ := ot.Marshal(got); err != nil || string(b) != `["b","a"]` {
		t.Errorf("Apply = %s, %v; want the value at index 0", b, err)
	}
	tr, err := typ.Transform(map[string]any{"insert": 1.0, "value": "x"}, map[string]any{"insert": 1.0, "value": "y"}, ot.Left)
	if b, _ := ot.Marshal(tr); err != nil || string(b) != `{"insert":2,"value":"x"}` {
		t.Errorf("Transform left = %s, %v", b, err)
	}
	tr, _ = typ.Transform(map[string]any{"insert": 1.0, "value": "x"}, map[string]any{"insert": 1.0, "value": "y"}, ot.Right)
	if b, _ := ot.Marshal(tr); string(b) != `{"insert":1,"value":"x"}` {
		t.Errorf("Transform right = %s", b)
	}
	if _, err := typ.Apply([]any{}, map[string]any{"delete": 0.0}); err == nil {
		t.Error("Apply accepted an op without insert")
	}
}

func TestPresenceTestType(t *testing.T) {
	typ := lookup(t, "presence-test-type")
	got, err := typ.Apply("Hello", map[string]any{"index": 5.0, "value": " 😀"})
	if err != nil || got != "Hello 😀" {
		t.Errorf("insert = %q, %v", got, err)
	}
	got, err = typ.Apply("Hello", map[string]any{"index": 1.0, "del": 3.0})
	if err != nil || got != "Ho" {
		t.Errorf("delete = %q, %v", got, err)
	}
	if _, err := typ.Transform(map[string]any{"index": 0.0, "value": "a"}, map[string]any{"index": 0.0, "value": "b"}, ot.Left); err == nil {
		t.Error("Transform succeeded on a type without transform")
	}
	pt := typ.(ot.PresenceTransformer)
	ins := map[string]any{"index": 2.0, "value": "😀"}
	for _, c := range []struct {
		at   float64
		own  bool
		want float64
	}{{1, false, 1}, {2, false, 2}, {2, true, 4}, {3, false, 5}} {
		p, err := pt.TransformPresence(map[string]any{"index": c.at}, ins, c.own)
		if err != nil || p.(map[string]any)["index"] != c.want {
			t.Errorf("presence at %v (own %v) = %v, %v; want %v", c.at, c.own, p, err, c.want)
		}
	}
}
