package api_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/api"
)

// prefixPrincipal reads the documents whose "collection/id" starts with
// one of its prefixes.
type prefixPrincipal []string

func (p prefixPrincipal) CanRead(coll, id string) bool {
	for _, pre := range p {
		if strings.HasPrefix(coll+"/"+id, pre) {
			return true
		}
	}
	return false
}

// tokenAuth maps bearer tokens to principals.
type tokenAuth map[string]api.Principal

func (a tokenAuth) Authenticate(r *http.Request) (api.Principal, error) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if tok == "" {
		return nil, errors.New("no bearer token")
	}
	if p, ok := a[tok]; ok {
		return p, nil
	}
	return nil, errors.New("invalid token: signature invalid")
}

func TestAccessControl(t *testing.T) {
	srv := newServer(t, api.WithAuthenticator(tokenAuth{
		"a-and-c": prefixPrincipal{"notes/a", "notes/c"},
		"other":   prefixPrincipal{"other/"},
	}))
	for _, c := range []struct {
		token, path string
		status      int
		body        string
	}{
		{"", "/api/v1/docs/notes/a", 401, `{"error":{"code":"ERR_UNAUTHORIZED","message":"no bearer token"}}`},
		{"forged", "/api/v1/docs/notes/a", 401, `{"error":{"code":"ERR_UNAUTHORIZED","message":"invalid token: signature invalid"}}`},
		{"", "/api/v1/nothing", 401, `{"error":{"code":"ERR_UNAUTHORIZED","message":"no bearer token"}}`},
		{"a-and-c", "/api/v1/docs/notes/a?format=text", 200, `héllo 😀`},
		{"a-and-c", "/api/v1/docs/notes/b", 403, `{"error":{"code":"ERR_FORBIDDEN","message":"no read access to notes/b"}}`},
		{"a-and-c", "/api/v1/docs/notes/b/ops", 403, `{"error":{"code":"ERR_FORBIDDEN","message":"no read access to notes/b"}}`},
		{"a-and-c", "/api/v1/docs/notes/nope", 403, `{"error":{"code":"ERR_FORBIDDEN","message":"no read access to notes/nope"}}`},
		{"a-and-c", "/api/v1/docs/notes", 200, `{"collection":"notes","ids":["a","c"]}`},
		{"a-and-c", "/api/v1/docs/notes?limit=1", 200, `{"collection":"notes","ids":["a"],"next":"a"}`},
		{"a-and-c", "/api/v1/docs/notes?limit=1&after=a", 200, `{"collection":"notes","ids":["c"]}`},
		{"other", "/api/v1/docs/notes", 200, `{"collection":"notes","ids":[]}`},
		{"other", "/api/v1/docs/other/z?format=text", 200, `z`},
	} {
		req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body := strings.TrimSpace(string(b)); resp.StatusCode != c.status || body != c.body {
			t.Errorf("GET %s as %q = %d %s\nwant %d %s", c.path, c.token, resp.StatusCode, body, c.status, c.body)
		}
		if c.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("GET %s: 401 without WWW-Authenticate", c.path)
		}
	}
}
