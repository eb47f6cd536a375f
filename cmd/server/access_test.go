package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

const testSecret = "an-hmac-secret-of-at-least-32-bytes"

// token signs claims valid for an hour (unless extra overrides them) with
// the grants given.
func token(t *testing.T, m jwt.SigningMethod, key any, kid string, read, write []string, extra jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{
		"sub": "user", "jti": fmt.Sprintf("t-%d", now.UnixNano()),
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "aud": "weft",
		"weft": map[string]any{"read": read, "write": write},
	}
	for k, v := range extra {
		c[k] = v
	}
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hs(t *testing.T, read, write []string, extra jwt.MapClaims) string {
	t.Helper()
	return token(t, jwt.SigningMethodHS256, []byte(testSecret), "", read, write, extra)
}

// wsConn is a raw protocol client.
type wsConn struct {
	t  *testing.T
	ws *websocket.Conn
}

// dialWS opens a WebSocket with the headers given; on a refused upgrade
// it returns the HTTP status.
func dialWS(t *testing.T, url string, h http.Header) (*wsConn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp == nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		return nil, resp.StatusCode
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	c := &wsConn{t: t, ws: ws}
	c.send(`{"a":"hs","protocol":1,"protocolMinor":2}`)
	if m := c.read(); m["a"] != "hs" {
		t.Fatalf("handshake reply %v", m)
	}
	return c, http.StatusSwitchingProtocols
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func (c *wsConn) send(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsConn) read() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

// errorCode sends a request and returns the error code of its reply ("" for
// success).
func (c *wsConn) errorCode(req string) string {
	c.t.Helper()
	c.send(req)
	m := c.read()
	if e, ok := m["error"].(map[string]any); ok {
		return e["code"].(string)
	}
	return ""
}

// closeCode reads until the server closes the connection, bounded by d.
func (c *wsConn) closeCode(d time.Duration) (websocket.StatusCode, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		if _, _, err := c.ws.Read(ctx); err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			c.t.Fatalf("connection ended without a close frame: %v", err)
		}
	}
}

func restGet(t *testing.T, url string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func writeAtomic(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// secretFile writes the test secret where --auth-hmac-secret-file reads it.
func secretFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	writeAtomic(t, path, []byte(testSecret+"\n"))
	return path
}

// TestAccessControlEndToEnd runs the built server with an HMAC secret, an
// audience and a revocation file, and checks WebSocket and REST access,
// expiry and revocation of live sessions.
func TestAccessControlEndToEnd(t *testing.T) {
	revFile := filepath.Join(t.TempDir(), "revoked.json")
	writeAtomic(t, revFile, []byte(`{"jti": []}`))
	p := startBinary(t, t.TempDir(), "--auth-hmac-secret-file", secretFile(t), "--auth-audience", "weft",
		"--auth-revocation-file", revFile, "--auth-leeway", "0s")
	if !strings.Contains(p.log(), "access control on") {
		t.Errorf("no access control log line:\n%s", p.log())
	}
	base, wsURL := "http://"+p.addr, "ws://"+p.addr+"/ws"
	writer := hs(t, nil, []string{"notes/*"}, nil)
	reader := hs(t, []string{"notes/*"}, nil, jwt.MapClaims{"jti": "reader-1", "sub": "rita"})
	bad := map[string]string{
		"missing":         "",
		"expired":         hs(t, []string{"notes/*"}, nil, jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}),
		"wrong signature": token(t, jwt.SigningMethodHS256, []byte("some-other-secret-of-32-bytes-or-more"), "", []string{"notes/*"}, nil, nil),
		"wrong audience":  hs(t, []string{"notes/*"}, nil, jwt.MapClaims{"aud": "billing"}),
	}
	for name, tok := range bad {
		h := http.Header{}
		if tok != "" {
			h = bearer(tok)
		}
		if _, status := dialWS(t, wsURL, h); status != http.StatusUnauthorized {
			t.Errorf("WebSocket with %s token: %d, want 401", name, status)
		}
		if code, body := restGet(t, base+"/api/v1/docs/notes/a", h); code != 401 || !strings.Contains(body, "ERR_UNAUTHORIZED") {
			t.Errorf("REST with %s token: %d %s, want 401", name, code, body)
		}
	}

	w, _ := dialWS(t, wsURL, bearer(writer))
	if code := w.errorCode(`{"a":"op","c":"notes","d":"a","v":null,"seq":1,"create":{"type":"json0","data":{"n":1}}}`); code != "" {
		t.Fatalf("writer create: %s", code)
	}
	r, _ := dialWS(t, wsURL, bearer(reader))
	if code := r.errorCode(`{"a":"s","c":"notes","d":"a","v":null}`); code != "" {
		t.Fatalf("reader subscribe: %s", code)
	}
	for _, op := range []string{
		`{"a":"op","c":"notes","d":"a","v":1,"seq":1,"op":[{"p":["n"],"na":5}]}`,
		`{"a":"op","c":"notes","d":"a","v":1,"seq":2,"del":true}`,
		`{"a":"op","c":"notes","d":"b","v":null,"seq":3,"create":{"type":"json0","data":{}}}`,
	} {
		if code := r.errorCode(op); code != "ERR_OP_SUBMIT_REJECTED" {
			t.Errorf("reader op %s: %q, want ERR_OP_SUBMIT_REJECTED", op, code)
		}
	}
	if code, body := restGet(t, base+"/api/v1/docs/notes/a", bearer(reader)); code != 200 || body != `{"data":{"n":1},"type":"http://sharejs.org/types/JSONv0","v":1}` {
		t.Errorf("notes/a after the reader's ops: %d %s, want it unchanged at v1", code, body)
	}
	if code, _ := restGet(t, base+"/api/v1/docs/notes/b", bearer(writer)); code != 404 {
		t.Errorf("notes/b: %d, want 404 (the reader's create was refused)", code)
	}
	if code := r.errorCode(`{"a":"f","c":"secret","d":"x","v":null}`); code != "ERR_SNAPSHOT_READS_REJECTED" {
		t.Errorf("reader fetch outside its grant: %q", code)
	}
	if code, body := restGet(t, base+"/api/v1/docs/secret/x", bearer(reader)); code != 403 || !strings.Contains(body, "ERR_FORBIDDEN") {
		t.Errorf("REST outside the grant: %d %s, want 403", code, body)
	}

	// A cookie token opens a socket from the server's own origin, never
	// from a foreign one (cross-site WebSocket hijacking); the query
	// parameter works too.
	cookie := http.Header{"Cookie": {"weft_token=" + reader}}
	foreign := http.Header{"Cookie": cookie["Cookie"], "Origin": {"http://evil.example"}}
	if _, status := dialWS(t, wsURL, foreign); status != http.StatusForbidden {
		t.Errorf("foreign Origin with a valid cookie: %d, want 403", status)
	}
	same := http.Header{"Cookie": cookie["Cookie"], "Origin": {base}}
	if c, status := dialWS(t, wsURL, same); status != http.StatusSwitchingProtocols || c.errorCode(`{"a":"f","c":"notes","d":"a","v":null}`) != "" {
		t.Errorf("same Origin with a valid cookie: %d", status)
	}
	if code, _ := restGet(t, base+"/api/v1/docs/notes/a", cookie); code != 200 {
		t.Errorf("REST with the cookie: %d", code)
	}
	if c, status := dialWS(t, wsURL+"?token="+reader, nil); status != http.StatusSwitchingProtocols || c.errorCode(`{"a":"f","c":"notes","d":"a","v":null}`) != "" {
		t.Errorf("token in the query: %d", status)
	}

	// A token expiring a few seconds after connecting: the server closes
	// the live socket with 4401.
	short := hs(t, []string{"notes/*"}, nil, jwt.MapClaims{"exp": time.Now().Add(4 * time.Second).Unix()})
	s, status := dialWS(t, wsURL, bearer(short))
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("short-lived token refused at connect: %d", status)
	}
	if code, reason := s.closeCode(60 * time.Second); code != 4401 || reason != "token expired" {
		t.Errorf("expiry closed with %d %q, want 4401 \"token expired\"", code, reason)
	}

	// Revoking the reader's token id closes its live socket within seconds;
	// the writer is untouched, and the token no longer connects.
	writeAtomic(t, revFile, []byte(`{"jti": ["reader-1"]}`))
	if code, reason := r.closeCode(60 * time.Second); code != 4403 || reason != "token revoked" {
		t.Errorf("revocation closed with %d %q, want 4403 \"token revoked\"", code, reason)
	}
	if _, status := dialWS(t, wsURL, bearer(reader)); status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", status)
	}
	if code := w.errorCode(`{"a":"f","c":"notes","d":"a","v":null}`); code != "" {
		t.Errorf("writer after the revocation: %s", code)
	}
}

// TestAccessControlJWKSRotation rotates the signing key through a JWKS
// file: the new kid is accepted at once, the removed one is refused, and a
// live session of the removed key is closed.
func TestAccessControlJWKSRotation(t *testing.T) {
	k1, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := func(k *rsa.PrivateKey, kid string) []byte {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	jwksFile := filepath.Join(t.TempDir(), "jwks.json")
	writeAtomic(t, jwksFile, set(k1, "k1"))
	p := startBinary(t, t.TempDir(), "--auth-jwks-file", jwksFile)
	wsURL := "ws://" + p.addr + "/"
	tok1 := token(t, jwt.SigningMethodRS256, k1, "k1", []string{"*"}, nil, nil)
	tok2 := token(t, jwt.SigningMethodRS256, k2, "k2", []string{"*"}, nil, nil)
	live, status := dialWS(t, wsURL, bearer(tok1))
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("k1 before rotation: %d", status)
	}
	if _, status := dialWS(t, wsURL, bearer(tok2)); status != http.StatusUnauthorized {
		t.Fatalf("k2 before rotation: %d, want 401", status)
	}
	writeAtomic(t, jwksFile, set(k2, "k2"))
	if _, status := dialWS(t, wsURL, bearer(tok2)); status != http.StatusSwitchingProtocols {
		t.Errorf("k2 after rotation: %d, want it accepted", status)
	}
	if _, status := dialWS(t, wsURL, bearer(tok1)); status != http.StatusUnauthorized {
		t.Errorf("k1 after rotation: %d, want 401", status)
	}
	if code, body := restGet(t, "http://"+p.addr+"/api/v1/docs/notes/a", bearer(tok1)); code != 401 || !strings.Contains(body, `unknown key id`) {
		t.Errorf("REST with k1 after rotation: %d %s", code, body)
	}
	// The session k1's token opened before the rotation is closed: its
	// key is no longer trusted.
	if code, reason := live.closeCode(60 * time.Second); code != 4403 || reason != "token revoked" {
		t.Errorf("live k1 session after rotation closed with %d %q, want 4403 \"token revoked\"", code, reason)
	}
}

// TestAccessControlStartup checks the refusal to start without keys under
// --require-auth, a clear error for a bad key, and the loud warning of an
// open server.
func TestAccessControlStartup(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--require-auth"}, "--require-auth is set but no auth key is configured"},
		{[]string{"--auth-hmac-secrets", "short"}, "too short"},
		{[]string{"--auth-public-keys", "/nonexistent.pem"}, "public key"},
	} {
		args := append([]string{"--store", "memory", "--addr", "127.0.0.1:0"}, c.args...)
		var log strings.Builder
		err := run(ctx, args, func(string) string { return "" }, &log)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run %v = %v, want an error containing %q", c.args, err, c.want)
		}
	}
	var log strings.Builder
	cfg, err := parseConfig([]string{"--store", "memory"}, func(string) string { return "" }, &log)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(ctx, cfg, newLogger(cfg, &log))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.close(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "ACCESS CONTROL IS OFF") {
		t.Errorf("open server did not warn:\n%s", log.String())
	}
}

// TestSharedbClientAccessControl runs test/sharedb-client/auth (the npm
// sharedb client) against the built server with an HMAC key.
func TestSharedbClientAccessControl(t *testing.T) {
	suite := sharedbSuiteDir(t)
	p := startBinary(t, t.TempDir(), "--auth-hmac-secret-file", secretFile(t))
	coll := fmt.Sprintf("acl%d", time.Now().UnixNano())
	cmd := exec.Command("node", "--test", "--test-concurrency=1", "--test-timeout=180000", "auth/access.test.js")
	cmd.Dir = suite
	cmd.Env = append(os.Environ(), "WEFT_URL=ws://"+p.addr+"/", "WEFT_COLLECTION="+coll,
		"WEFT_TOKEN_WRITER="+hs(t, nil, []string{coll + "/*"}, nil),
		"WEFT_TOKEN_READER="+hs(t, []string{coll + "/*"}, nil, nil))
	runNodeSuite(t, "sharedb client access control suite", cmd)
}

func TestAuthConfig(t *testing.T) {
	e := env(map[string]string{
		"WEFT_AUTH_HMAC_SECRETS": "first-secret, second-secret", "WEFT_AUTH_AUDIENCE": "weft, docs",
		"WEFT_AUTH_COOKIE": "off", "WEFT_REQUIRE_AUTH": "true", "WEFT_AUTH_LEEWAY": "5s",
	})
	c, err := parseConfig([]string{"--auth-query-param", "access_token"}, e, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	a := c.Auth
	if len(a.HMACSecrets) != 2 || string(a.HMACSecrets[1]) != "second-secret" || strings.Join(a.Audience, "|") != "weft|docs" {
		t.Errorf("lists = %q %q", a.HMACSecrets, a.Audience)
	}
	if a.Cookie != "" || a.QueryParam != "access_token" || !a.RequireAuth || a.Leeway != 5*time.Second || a.Claim != "weft" {
		t.Errorf("auth config = %+v", a)
	}
	d, err := parseConfig(nil, env(nil), &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Auth.Enabled() || d.Auth.Cookie != "weft_token" || d.Auth.QueryParam != "token" || d.Auth.RequireAuth {
		t.Errorf("auth defaults = %+v", d.Auth)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--require-auth"}, "--require-auth is set but no auth key"},
		{[]string{"--auth-revocation-file", "r.json"}, "no key"},
		{[]string{"--auth-audience", "weft"}, "no key"},
		{[]string{"--auth-jwks-file", "k.json", "--auth-revocation-file", "r", "--auth-revocation-url", "http://x"}, "not both"},
		{[]string{"--auth-jwks-file", "k.json", "--auth-leeway", "-1s"}, "leeway"},
		{[]string{"--auth-jwks-file", "k.json", "--auth-claim", ""}, "claim name"},
	} {
		if _, err := parseConfig(c.args, env(nil), &strings.Builder{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseConfig(%q) = %v, want %q", c.args, err, c.want)
		}
	}
}
