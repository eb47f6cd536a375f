package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

var testNow = time.Unix(1_750_000_000, 0)

func clock() time.Time { return testNow }

var secret = []byte("0123456789abcdef0123456789abcdef")

// claims returns valid claims for testNow, with the grant claim.
func claims(extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":  "alice",
		"jti":  "t-1",
		"iat":  testNow.Unix(),
		"exp":  testNow.Add(time.Hour).Unix(),
		"iss":  "https://idp.test",
		"aud":  "weft",
		"weft": map[string]any{"read": []any{"public/*"}, "write": []any{"notes/team-*"}},
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
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

func newAuth(t testing.TB, cfg Config) *Authenticator {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = clock
	}
	a, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	// Write and rename, as operators (and Kubernetes) replace files.
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func pemOf(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwks(t testing.TB, keys ...jose.JSONWebKey) []byte {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyHMAC(t *testing.T) {
	a := newAuth(t, Config{HMACSecrets: [][]byte{secret}, Issuer: "https://idp.test", Audience: []string{"weft"}})
	id, err := a.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, secret, "", claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "alice" || id.TokenID != "t-1" {
		t.Errorf("identity = %+v", id)
	}
	if want := testNow.Add(time.Hour + 30*time.Second); !id.Expiry().Equal(want) {
		t.Errorf("Expiry = %v, want exp plus the 30 s leeway %v", id.Expiry(), want)
	}
	if !id.CanRead("public", "x") || id.CanWrite("public", "x") || !id.CanWrite("notes", "team-a") || id.CanRead("notes", "private") {
		t.Errorf("grants = %v", id.Grants)
	}

	other := []byte("another-secret-of-at-least-32-bytes!")
	cases := []struct {
		name  string
		token string
		want  error
		text  string
	}{
		{"expired", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"exp": testNow.Add(-time.Minute).Unix()})), ErrExpired, "token expired"},
		{"wrong signature", sign(t, jwt.SigningMethodHS256, other, "", claims(nil)), ErrInvalid, "signature invalid"},
		{"wrong audience", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"aud": "someone-else"})), ErrInvalid, "audience not accepted"},
		{"no audience", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"aud": nil})), ErrInvalid, "audience not accepted"},
		{"wrong issuer", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"iss": "https://evil.test"})), ErrInvalid, "issuer not accepted"},
		{"no exp", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"exp": nil})), ErrInvalid, "exp is required"},
		{"not yet valid", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"nbf": testNow.Add(time.Hour).Unix()})), ErrInvalid, "not valid yet"},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"iat": testNow.Add(time.Hour).Unix()})), ErrInvalid, "issued in the future"},
		{"bad grant claim", sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"weft": map[string]any{"read": "all"}})), ErrInvalid, `claim "weft"`},
		{"malformed", "not.a.token", ErrInvalid, "malformed"},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims(nil)), ErrInvalid, "algorithm not accepted"},
		{"RSA token with only HMAC configured", sign(t, jwt.SigningMethodRS256, rsaKey(t), "", claims(nil)), ErrInvalid, "algorithm not accepted"},
	}
	for _, c := range cases {
		_, err := a.Verify(context.Background(), c.token)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v, want %v containing %q", c.name, err, c.want, c.text)
		}
	}
	// Within the leeway an expired token is still accepted.
	if _, err := a.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"exp": testNow.Add(-10 * time.Second).Unix()}))); err != nil {
		t.Errorf("token expired 10 s ago (leeway 30 s): %v", err)
	}
	// A token without the grant claim authenticates but grants nothing.
	id, err = a.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, secret, "", claims(map[string]any{"weft": nil})))
	if err != nil || !id.Empty() {
		t.Errorf("no grant claim: %+v, %v", id, err)
	}
}

func TestSecretRotation(t *testing.T) {
	next := []byte("the-next-secret-also-32-bytes-long!!")
	a := newAuth(t, Config{HMACSecrets: [][]byte{secret, next}})
	for _, s := range [][]byte{secret, next} {
		if _, err := a.Verify(context.Background(), sign(t, jwt.SigningMethodHS512, s, "", claims(nil))); err != nil {
			t.Errorf("HS512 with one of two secrets: %v", err)
		}
	}
}

func TestVerifyPublicKeys(t *testing.T) {
	dir := t.TempDir()
	rk := rsaKey(t)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	epub, epriv, _ := ed25519.GenerateKey(rand.Reader)
	files := []string{
		writeFile(t, dir, "rsa.pem", pemOf(t, &rk.PublicKey)),
		writeFile(t, dir, "ec.pem", pemOf(t, &ek.PublicKey)),
		writeFile(t, dir, "ed.pem", pemOf(t, epub)),
	}
	a := newAuth(t, Config{PublicKeyFiles: files})
	for _, c := range []struct {
		m   jwt.SigningMethod
		key any
	}{
		{jwt.SigningMethodRS256, rk}, {jwt.SigningMethodPS384, rk},
		{jwt.SigningMethodES256, ek}, {jwt.SigningMethodEdDSA, epriv},
	} {
		if _, err := a.Verify(context.Background(), sign(t, c.m, c.key, "", claims(nil))); err != nil {
			t.Errorf("%s: %v", c.m.Alg(), err)
		}
	}
	// Algorithm confusion: an HS256 token "signed" with the RSA public key's
	// PEM as the HMAC secret is refused (no HMAC key is configured), and so
	// is an ES384 token against the P-256 key.
	_, err := a.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, pemOf(t, &rk.PublicKey), "", claims(nil)))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "algorithm not accepted") {
		t.Errorf("HS256 with the public key as secret: %v", err)
	}
	ek384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := a.Verify(context.Background(), sign(t, jwt.SigningMethodES384, ek384, "", claims(nil))); !errors.Is(err, ErrInvalid) {
		t.Errorf("ES384 with only a P-256 key: %v", err)
	}
	// With an HMAC secret configured as well, the PEM-as-secret token still
	// fails: HMAC verification only ever uses the configured secrets.
	b := newAuth(t, Config{PublicKeyFiles: files[:1], HMACSecrets: [][]byte{secret}})
	if _, err := b.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, pemOf(t, &rk.PublicKey), "", claims(nil))); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "signature invalid") {
		t.Errorf("HS256 with the public key as secret, HMAC configured: %v", err)
	}
}

func TestJWKSFileRotation(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := rsaKey(t), rsaKey(t)
	path := writeFile(t, dir, "jwks.json", jwks(t, jose.JSONWebKey{Key: &k1.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}))
	a := newAuth(t, Config{JWKSFile: path})
	ctx := context.Background()
	tok1 := sign(t, jwt.SigningMethodRS256, k1, "k1", claims(nil))
	tok2 := sign(t, jwt.SigningMethodRS256, k2, "k2", claims(nil))
	if _, err := a.Verify(ctx, tok1); err != nil {
		t.Fatalf("k1: %v", err)
	}
	if _, err := a.Verify(ctx, tok2); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `unknown key id "k2"`) {
		t.Fatalf("k2 before rotation: %v", err)
	}
	// The JWK's alg pins the algorithm: PS256 with k1 is refused.
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodPS256, k1, "k1", claims(nil))); !errors.Is(err, ErrInvalid) {
		t.Errorf("PS256 against an RS256 JWK: %v", err)
	}
	// Rotate: k2 in, k1 out. A token naming k2 makes the file be re-read.
	writeFile(t, dir, "jwks.json", jwks(t, jose.JSONWebKey{Key: &k2.PublicKey, KeyID: "k2", Algorithm: "RS256", Use: "sig"}))
	if _, err := a.Verify(ctx, tok2); err != nil {
		t.Fatalf("k2 after rotation: %v", err)
	}
	if _, err := a.Verify(ctx, tok1); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `unknown key id "k1"`) {
		t.Fatalf("k1 after rotation: %v", err)
	}
	// A broken file keeps the previous keys and reports the failure.
	writeFile(t, dir, "jwks.json", []byte(`{"keys": "nope"`))
	if err := a.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "JSON Web Key Set") {
		t.Errorf("Refresh with a broken JWKS: %v", err)
	}
	if _, err := a.Verify(ctx, tok2); err != nil {
		t.Errorf("k2 after a broken update: %v", err)
	}
	// Symmetric keys are accepted from a file.
	writeFile(t, dir, "jwks.json", jwks(t, jose.JSONWebKey{Key: secret, KeyID: "s1", Algorithm: "HS256", Use: "sig"}))
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodHS256, secret, "s1", claims(nil))); err != nil {
		t.Errorf("oct key from the JWKS file: %v", err)
	}
}

func TestJWKSURLRefresh(t *testing.T) {
	k1, k2 := rsaKey(t), rsaKey(t)
	var body atomic.Pointer[[]byte]
	var fetches atomic.Int32
	set := func(b []byte) { body.Store(&b) }
	set(jwks(t,
		jose.JSONWebKey{Key: &k1.PublicKey, KeyID: "k1", Use: "sig"},
		jose.JSONWebKey{Key: secret, KeyID: "oct", Use: "sig"}, // never from a URL
		jose.JSONWebKey{Key: &k2.PublicKey, KeyID: "enc", Use: "enc"},
	))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		_, _ = w.Write(*body.Load())
	}))
	defer srv.Close()
	now := testNow
	var mu sync.Mutex
	a := newAuth(t, Config{JWKSURL: srv.URL, JWKSMinRefresh: time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := context.Background()
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodRS256, k1, "k1", claims(nil))); err != nil {
		t.Fatalf("k1: %v", err)
	}
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodHS256, secret, "oct", claims(nil))); !errors.Is(err, ErrInvalid) {
		t.Errorf("oct key from a URL accepted: %v", err)
	}
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodRS256, k2, "enc", claims(nil))); !errors.Is(err, ErrInvalid) {
		t.Errorf("encryption key accepted: %v", err)
	}
	// Unknown kids refresh the set at most once per JWKSMinRefresh (the
	// two refused kids above used this minute's refresh).
	advance(2 * time.Minute)
	set(jwks(t, jose.JSONWebKey{Key: &k2.PublicKey, KeyID: "k2", Use: "sig"}))
	before := fetches.Load()
	tok2 := sign(t, jwt.SigningMethodRS256, k2, "k2", claims(nil))
	if _, err := a.Verify(ctx, tok2); err != nil {
		t.Fatalf("k2 after rotation: %v", err)
	}
	for range 5 {
		_, _ = a.Verify(ctx, sign(t, jwt.SigningMethodRS256, k1, "unknown", claims(nil)))
	}
	if n := fetches.Load() - before; n != 1 {
		t.Errorf("%d fetches for unknown kids within JWKSMinRefresh, want 1", n)
	}
	advance(2 * time.Minute)
	if _, err := a.Verify(ctx, sign(t, jwt.SigningMethodRS256, k1, "k1", claims(nil))); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "unknown key id") {
		t.Errorf("k1 after rotation: %v", err)
	}
	if n := fetches.Load() - before; n != 2 {
		t.Errorf("%d fetches after JWKSMinRefresh passed, want 2", n)
	}
}

func TestRevocationFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "revoked.json", []byte(`{"jti": ["old"]}`))
	changes := make(chan struct{}, 4)
	a := newAuth(t, Config{HMACSecrets: [][]byte{secret}, RevocationFile: path, OnChange: func() { changes <- struct{}{} }})
	ctx := context.Background()
	if !a.Revoked(&Identity{TokenID: "old"}) || a.Revoked(&Identity{TokenID: "t-1", Subject: "alice"}) {
		t.Fatal("initial list not applied")
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, jwt.SigningMethodHS256, secret, "", claims(nil)))
	if _, err := a.Authenticate(req); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "revoked.json", []byte(`{"jti": [], "sub": ["alice"]}`))
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changes:
	default:
		t.Fatal("OnChange not called after the list changed")
	}
	if _, err := a.Authenticate(req); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked subject: %v", err)
	}
	// Unchanged content does not call OnChange; a broken list keeps the last.
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "revoked.json", []byte(`{"jtis": ["x"]}`))
	if err := a.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "jtis") {
		t.Errorf("Refresh with an unknown field: %v", err)
	}
	if len(changes) != 0 || !a.Revoked(&Identity{Subject: "alice"}) {
		t.Error("list changed without a valid update")
	}
}

func TestRunPollsRevocationURL(t *testing.T) {
	var body atomic.Value
	body.Store(`{"jti": []}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	changes := make(chan struct{}, 4)
	a := newAuth(t, Config{HMACSecrets: [][]byte{secret}, RevocationURL: srv.URL, RevocationPoll: 20 * time.Millisecond,
		OnChange: func() { changes <- struct{}{} }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	body.Store(`{"jti": ["t-9"]}`)
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("the polled revocation list was not picked up")
	}
	if !a.Revoked(&Identity{TokenID: "t-9"}) {
		t.Error("t-9 not revoked")
	}
}

func TestTokenSources(t *testing.T) {
	a := newAuth(t, Config{HMACSecrets: [][]byte{secret}, Cookie: "weft_token", Query: "token"})
	tok := sign(t, jwt.SigningMethodHS256, secret, "", claims(nil))
	header := httptest.NewRequest("GET", "/", nil)
	header.Header.Set("Authorization", "bearer "+tok)
	cookie := httptest.NewRequest("GET", "/", nil)
	cookie.AddCookie(&http.Cookie{Name: "weft_token", Value: tok})
	query := httptest.NewRequest("GET", "/?token="+url.QueryEscape(tok), nil)
	for name, r := range map[string]*http.Request{"header": header, "cookie": cookie, "query": query} {
		if id, err := a.Authenticate(r); err != nil || id.Subject != "alice" {
			t.Errorf("token in %s: %v", name, err)
		}
	}
	none := httptest.NewRequest("GET", "/", nil)
	if _, err := a.Authenticate(none); !errors.Is(err, ErrNoToken) {
		t.Errorf("no token: %v", err)
	}
	basic := httptest.NewRequest("GET", "/", nil)
	basic.Header.Set("Authorization", "Basic dTpw")
	if _, err := a.Authenticate(basic); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "Bearer") {
		t.Errorf("Basic auth: %v", err)
	}
	huge := httptest.NewRequest("GET", "/", nil)
	huge.Header.Set("Authorization", "Bearer "+strings.Repeat("a", maxTokenBytes+1))
	if _, err := a.Authenticate(huge); !errors.Is(err, ErrInvalid) {
		t.Errorf("oversize token: %v", err)
	}
	// With cookie and query disabled only the header counts.
	b := newAuth(t, Config{HMACSecrets: [][]byte{secret}})
	if _, err := b.Authenticate(cookie); !errors.Is(err, ErrNoToken) {
		t.Errorf("cookie with cookies disabled: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	rk := rsaKey(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	priv := writeFile(t, dir, "priv.pem", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
	weak := writeFile(t, dir, "weak.pem", pemOf(t, &small.PublicKey))
	junk := writeFile(t, dir, "junk.pem", []byte("hello"))
	badJWKS := writeFile(t, dir, "bad.json", []byte(`[1,2]`))
	noKeys := writeFile(t, dir, "nokeys.json", []byte(`{}`))
	badRev := writeFile(t, dir, "rev.json", []byte(`{"jti": "x"}`))
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no key configured"},
		{Config{HMACSecrets: [][]byte{[]byte("short")}}, "too short"},
		{Config{PublicKeyFiles: []string{filepath.Join(dir, "missing.pem")}}, "no such file"},
		{Config{PublicKeyFiles: []string{priv}}, "private key"},
		{Config{PublicKeyFiles: []string{weak}}, "too small"},
		{Config{PublicKeyFiles: []string{junk}}, "no PEM block"},
		{Config{JWKSFile: badJWKS}, "not a JSON Web Key Set"},
		{Config{JWKSFile: noKeys}, `no "keys" array`},
		{Config{JWKSURL: "ftp://x"}, "want http:// or https://"},
		{Config{JWKSURL: "http://127.0.0.1:1/jwks"}, "JWKS URL"},
		{Config{HMACSecrets: [][]byte{secret}, RevocationFile: badRev}, "revocation list"},
		{Config{HMACSecrets: [][]byte{secret}, RevocationFile: badRev, RevocationURL: "http://x"}, "not both"},
	} {
		_, err := New(context.Background(), c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", c.cfg, err, c.want)
		}
	}
}

// TestKeyWithdrawn removes a signing key from the JWKS file: the identities
// its tokens gave are reported withdrawn (so live sessions close), OnChange
// is told of the change, tokens of the remaining key and of static secrets
// stay valid, and an unchanged key set costs no check.
func TestKeyWithdrawn(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := rsaKey(t), rsaKey(t)
	jwk := func(k *rsa.PrivateKey, kid string) jose.JSONWebKey {
		return jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}
	}
	path := writeFile(t, dir, "jwks.json", jwks(t, jwk(k1, "k1"), jwk(k2, "k2")))
	var changes atomic.Int32
	a := newAuth(t, Config{JWKSFile: path, HMACSecrets: [][]byte{secret}, OnChange: func() { changes.Add(1) }})
	ctx := context.Background()
	verify := func(tok string) *Identity {
		t.Helper()
		id, err := a.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	id1 := verify(sign(t, jwt.SigningMethodRS256, k1, "k1", claims(nil)))
	id2 := verify(sign(t, jwt.SigningMethodRS256, k2, "k2", claims(nil)))
	idS := verify(sign(t, jwt.SigningMethodHS256, secret, "", claims(nil)))
	for name, id := range map[string]*Identity{"k1": id1, "k2": id2, "secret": idS} {
		if a.KeyWithdrawn(ctx, id) {
			t.Errorf("%s withdrawn before any change", name)
		}
	}
	if err := a.Refresh(ctx); err != nil || changes.Load() != 0 {
		t.Fatalf("Refresh of an unchanged file: err %v, OnChange called %d times", err, changes.Load())
	}

	writeFile(t, dir, "jwks.json", jwks(t, jwk(k2, "k2")))
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if changes.Load() != 1 {
		t.Errorf("OnChange called %d times after a key was removed, want 1", changes.Load())
	}
	if !a.KeyWithdrawn(ctx, id1) {
		t.Error("k1's identity not withdrawn after k1 left the JWKS")
	}
	if a.KeyWithdrawn(ctx, id2) || a.KeyWithdrawn(ctx, idS) {
		t.Error("an identity of a key still configured was withdrawn")
	}
	// A token naming a key id the sets no longer hold is not fetched for.
	writeFile(t, dir, "jwks.json", []byte(`{"keys": []}`))
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "jwks.json", jwks(t, jwk(k2, "k2")))
	if !a.KeyWithdrawn(ctx, id2) {
		t.Error("k2's identity not withdrawn while the loaded set is empty")
	}
}
