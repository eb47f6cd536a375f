package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Config says where keys and revocations come from and what a token must
// carry. At least one key source (HMACSecrets, PublicKeyFiles, JWKSFile,
// JWKSURL) is required. Zero durations take the defaults named.
type Config struct {
	// HMACSecrets verify HS256/384/512 tokens; several may be given while
	// one replaces another. Each must be at least 32 bytes.
	HMACSecrets [][]byte
	// PublicKeyFiles are PEM files of RSA, ECDSA or Ed25519 public keys
	// (or certificates).
	PublicKeyFiles []string
	// JWKSFile is a JSON Web Key Set file, re-read when it changes (checked
	// every FilePoll) and when a token names a key id it lacks. It may hold
	// symmetric ("oct") keys.
	JWKSFile string
	// JWKSURL is a JSON Web Key Set fetched every JWKSRefresh (default
	// 5 min) and when a token names a key id it lacks, at most once per
	// JWKSMinRefresh (default 10 s). Symmetric keys from a URL are ignored.
	JWKSURL                     string
	JWKSRefresh, JWKSMinRefresh time.Duration

	// Issuer, when set, must equal the token's iss. Audience, when set,
	// must contain one of the token's aud values.
	Issuer   string
	Audience []string
	// Leeway absorbs clock skew in exp, nbf and iat (default 30 s; a
	// negative value means none).
	Leeway time.Duration
	// Claim names the grant claim (default "weft").
	Claim string

	// RevocationFile and RevocationURL name a revocation list (at most
	// one): {"jti": [...], "sub": [...]}. The file is re-read when it
	// changes (checked every FilePoll), the URL fetched every
	// RevocationPoll (default 5 s).
	RevocationFile, RevocationURL string
	RevocationPoll                time.Duration
	// FilePoll is how often the JWKS and revocation files are checked for
	// changes (default 2 s).
	FilePoll time.Duration

	// Cookie and Query name the cookie and the URL query parameter a token
	// may also come in (besides "Authorization: Bearer"); empty disables
	// them.
	Cookie, Query string

	// Now is the clock tokens are checked against (default time.Now).
	Now func() time.Time
	// HTTPClient fetches the JWKS and revocation URLs (default: a client
	// with a 10 s timeout).
	HTTPClient *http.Client
	// Logger receives reloads and refresh failures (default: discard).
	Logger *slog.Logger
	// OnChange, when set, is called after the revocation list or a JWKS
	// changed (from Run's goroutines, or from Refresh's caller), so live
	// sessions can be checked again with Revoked and KeyWithdrawn.
	OnChange func()
}

// Identity is a verified token: who it names and what it grants. It
// satisfies the principal interfaces of internal/session and internal/api.
type Identity struct {
	Grants
	// Subject and TokenID are the token's sub and jti ("" when absent).
	Subject, TokenID string
	// Expires is when the token stops being accepted: its exp plus the
	// leeway, by this server's clock.
	Expires time.Time

	// token is the verified token, kept so that a change of the key sets
	// can check it again (KeyWithdrawn); gen is the key-set generation it
	// was last found valid under.
	token string
	gen   atomic.Uint64
}

// Expiry returns when the identity's token stops being valid.
func (id *Identity) Expiry() time.Time { return id.Expires }

// Errors Authenticate and Verify return (wrapped with details). Every one
// of them means "no valid credentials" (HTTP 401); the text is safe to
// show to the client.
var (
	ErrNoToken = errors.New("no bearer token")
	ErrExpired = errors.New("token expired")
	ErrRevoked = errors.New("token revoked")
	ErrInvalid = errors.New("invalid token")
)

// keyError is keysFor's failure: no configured key fits the token.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }

// Authenticator verifies tokens and checks them against the revocation
// list. Its methods are safe for concurrent use; Run keeps its key sets and
// revocation list fresh.
type Authenticator struct {
	cfg    Config
	log    *slog.Logger
	parser *jwt.Parser
	// sigOnly checks signatures only (KeyWithdrawn): expiry and the other
	// claims are enforced elsewhere.
	sigOnly *jwt.Parser
	leeway  time.Duration

	static []vkey // configured secrets and PEM keys; read-only

	// refreshMu serialises reads of the JWKS and revocation sources (and
	// guards the sources and lastForced).
	refreshMu  sync.Mutex
	jwksFile   *source
	jwksURL    *source
	lastForced time.Time
	revSource  *source

	fileKeys atomic.Pointer[[]vkey]
	urlKeys  atomic.Pointer[[]vkey]
	revoked  atomic.Pointer[revocationList]
	// keysGen counts the changes of the JWKS key sets; notifiedGen is the
	// count OnChange was last told of.
	keysGen     atomic.Uint64
	notifiedGen atomic.Uint64
}

// New loads every configured key and the revocation list; any problem is an
// error naming the setting. Start Run to keep them fresh.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	a := &Authenticator{cfg: cfg, log: cfg.Logger, leeway: cfg.Leeway}
	for i, s := range cfg.HMACSecrets {
		k, err := secretKey(s)
		if err != nil {
			return nil, fmt.Errorf("auth: HMAC secret %d: %w", i+1, err)
		}
		a.static = append(a.static, k)
	}
	for _, f := range cfg.PublicKeyFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("auth: public key: %w", err)
		}
		k, err := parsePublicKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("auth: public key %s: %w", f, err)
		}
		a.static = append(a.static, k)
	}
	if cfg.JWKSFile != "" {
		a.jwksFile = &source{file: cfg.JWKSFile}
	}
	if cfg.JWKSURL != "" {
		a.jwksURL = &source{url: cfg.JWKSURL, client: cfg.HTTPClient}
	}
	switch {
	case cfg.RevocationFile != "":
		a.revSource = &source{file: cfg.RevocationFile}
	case cfg.RevocationURL != "":
		a.revSource = &source{url: cfg.RevocationURL, client: cfg.HTTPClient}
	}
	a.revoked.Store(&revocationList{})
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	if a.jwksFile != nil {
		if err := a.loadJWKS(ctx, a.jwksFile, &a.fileKeys, true); err != nil {
			return nil, fmt.Errorf("auth: JWKS file: %w", err)
		}
	}
	if a.jwksURL != nil {
		if err := a.loadJWKS(ctx, a.jwksURL, &a.urlKeys, false); err != nil {
			return nil, fmt.Errorf("auth: JWKS URL: %w", err)
		}
	}
	if a.revSource != nil {
		if _, err := a.loadRevocations(ctx); err != nil {
			return nil, fmt.Errorf("auth: revocation list: %w", err)
		}
	}
	a.parser = jwt.NewParser(a.parserOptions()...)
	a.sigOnly = jwt.NewParser(append(a.parserOptions(), jwt.WithoutClaimsValidation())...)
	a.notifiedGen.Store(a.keysGen.Load()) // the first load is not a change anyone must hear of
	return a, nil
}

func (c *Config) withDefaults() error {
	if len(c.HMACSecrets) == 0 && len(c.PublicKeyFiles) == 0 && c.JWKSFile == "" && c.JWKSURL == "" {
		return errors.New("auth: no key configured (an HMAC secret, a public key file, a JWKS file or a JWKS URL)")
	}
	if c.RevocationFile != "" && c.RevocationURL != "" {
		return errors.New("auth: give a revocation file or a revocation URL, not both")
	}
	for _, u := range []string{c.JWKSURL, c.RevocationURL} {
		if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return fmt.Errorf("auth: URL %q: want http:// or https://", u)
		}
	}
	if c.Claim == "" {
		c.Claim = "weft"
	}
	if c.Leeway == 0 {
		c.Leeway = 30 * time.Second
	} else if c.Leeway < 0 {
		c.Leeway = 0
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.JWKSRefresh, 5*time.Minute)
	def(&c.JWKSMinRefresh, 10*time.Second)
	def(&c.RevocationPoll, 5*time.Second)
	def(&c.FilePoll, 2*time.Second)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// parserOptions restricts the algorithms to those the configured keys can
// verify (never "none") and sets the claim checks.
func (a *Authenticator) parserOptions() []jwt.ParserOption {
	var methods []string
	seen := map[string]bool{}
	add := func(algs []string) {
		for _, m := range algs {
			if !seen[m] {
				seen[m] = true
				methods = append(methods, m)
			}
		}
	}
	for _, k := range a.static {
		add(k.algs())
	}
	if a.jwksFile != nil {
		add(hmacAlgs) // a JWKS file may hold symmetric keys
	}
	if a.jwksFile != nil || a.jwksURL != nil {
		add(rsaAlgs)
		add(ecAlgs)
		add(edDSAAlgs)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithLeeway(a.leeway),
		jwt.WithTimeFunc(a.cfg.Now),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
	}
	if a.cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.cfg.Issuer))
	}
	if len(a.cfg.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(a.cfg.Audience...))
	}
	return opts
}

// Verify checks a token's signature and claims and returns what it grants.
func (a *Authenticator) Verify(ctx context.Context, token string) (*Identity, error) {
	gen := a.keysGen.Load()
	claims := jwt.MapClaims{}
	_, err := a.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		return a.keysFor(ctx, t, true)
	})
	if err != nil {
		return nil, classify(err)
	}
	id := &Identity{token: token}
	id.gen.Store(gen)
	id.Subject, _ = claims["sub"].(string)
	id.TokenID, _ = claims["jti"].(string)
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return nil, fmt.Errorf("%w: bad exp", ErrInvalid)
	}
	id.Expires = exp.Add(a.leeway)
	if raw, ok := claims[a.cfg.Claim]; ok && raw != nil {
		g, err := grantsFromClaim(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: claim %q: %v", ErrInvalid, a.cfg.Claim, err)
		}
		id.Grants = g
	}
	return id, nil
}

// classify maps the JWT library's errors onto this package's.
func classify(err error) error {
	if errors.Is(err, jwt.ErrTokenExpired) {
		return ErrExpired
	}
	if ke := (*keyError)(nil); errors.As(err, &ke) {
		return fmt.Errorf("%w: %s", ErrInvalid, ke.msg)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		// The library's only signal that the algorithm is not among those
		// the configured keys verify (always the case for "none").
		return fmt.Errorf("%w: algorithm not accepted", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fmt.Errorf("%w: signature invalid", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return fmt.Errorf("%w: audience not accepted", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return fmt.Errorf("%w: issuer not accepted", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return fmt.Errorf("%w: not valid yet (nbf)", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fmt.Errorf("%w: issued in the future (iat)", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		for _, c := range []struct{ claim, msg string }{
			{"aud", "audience not accepted (no aud)"},
			{"iss", "issuer not accepted (no iss)"},
			{"exp", "exp is required"},
		} {
			if strings.Contains(err.Error(), c.claim+" claim") {
				return fmt.Errorf("%w: %s", ErrInvalid, c.msg)
			}
		}
		return fmt.Errorf("%w: a required claim is missing", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fmt.Errorf("%w: signature cannot be verified", ErrInvalid)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fmt.Errorf("%w: malformed", ErrInvalid)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

// grantsFromClaim reads {"read": [...], "write": [...]}.
func grantsFromClaim(raw any) (Grants, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Grants{}, errors.New(`want an object {"read": [...], "write": [...]}`)
	}
	lists := map[string][]string{}
	for k, v := range m {
		if k != "read" && k != "write" {
			return Grants{}, fmt.Errorf("unknown field %q (want read and write)", k)
		}
		arr, ok := v.([]any)
		if !ok && v != nil {
			return Grants{}, fmt.Errorf("%s: want an array of patterns", k)
		}
		for _, x := range arr {
			s, ok := x.(string)
			if !ok {
				return Grants{}, fmt.Errorf("%s: patterns must be strings", k)
			}
			lists[k] = append(lists[k], s)
		}
	}
	return ParseGrants(lists["read"], lists["write"])
}

// keysFor returns the keys that may verify t: the JWKS keys with its kid
// (refreshing the sets once when none has it) and the configured keys,
// restricted to the keys whose kind fits t's algorithm.
func (a *Authenticator) keysFor(ctx context.Context, t *jwt.Token, refresh bool) (any, error) {
	alg := t.Method.Alg()
	kid, _ := t.Header["kid"].(string)
	keys := a.candidates(kid, alg)
	if refresh && kid != "" && !a.hasDynamicKid(kid) && (a.jwksFile != nil || a.jwksURL != nil) {
		a.refreshForKid(ctx)
		keys = a.candidates(kid, alg)
	}
	if len(keys) == 0 {
		if kid != "" {
			return nil, &keyError{fmt.Sprintf("unknown key id %q", kid)}
		}
		return nil, &keyError{"no key for algorithm " + alg}
	}
	set := jwt.VerificationKeySet{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.key)
	}
	return set, nil
}

func (a *Authenticator) dynamic() []vkey {
	var out []vkey
	if p := a.fileKeys.Load(); p != nil {
		out = append(out, *p...)
	}
	if p := a.urlKeys.Load(); p != nil {
		out = append(out, *p...)
	}
	return out
}

func (a *Authenticator) hasDynamicKid(kid string) bool {
	for _, k := range a.dynamic() {
		if k.kid == kid {
			return true
		}
	}
	return false
}

func (a *Authenticator) candidates(kid, alg string) []vkey {
	var out []vkey
	for _, k := range a.dynamic() {
		if (kid == "" || k.kid == kid) && k.accepts(alg) {
			out = append(out, k)
		}
	}
	for _, k := range a.static {
		if k.accepts(alg) {
			out = append(out, k)
		}
	}
	return out
}

// refreshForKid re-reads the JWKS file and, at most once per
// JWKSMinRefresh, the JWKS URL, after a token named an unknown key id.
func (a *Authenticator) refreshForKid(ctx context.Context) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	if a.jwksFile != nil {
		if err := a.loadJWKS(ctx, a.jwksFile, &a.fileKeys, true); err != nil {
			a.log.Warn("auth: re-reading the JWKS file failed; keeping the previous keys", "file", a.jwksFile, "err", err)
		}
	}
	if a.jwksURL != nil && a.cfg.Now().Sub(a.lastForced) >= a.cfg.JWKSMinRefresh {
		a.lastForced = a.cfg.Now()
		if err := a.loadJWKS(ctx, a.jwksURL, &a.urlKeys, false); err != nil {
			a.log.Warn("auth: fetching the JWKS failed; keeping the previous keys", "url", a.jwksURL, "err", err)
		}
	}
}

// loadJWKS reads src and, when it changed and parses, replaces *dst. The
// caller holds refreshMu.
func (a *Authenticator) loadJWKS(ctx context.Context, src *source, dst *atomic.Pointer[[]vkey], allowSymmetric bool) error {
	data, changed, err := src.read(ctx)
	if err != nil || !changed {
		return err
	}
	keys, skipped, err := parseJWKS(data, allowSymmetric)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	for _, s := range skipped {
		a.log.Warn("auth: JWKS key skipped", "source", src.String(), "reason", s)
	}
	src.accept(data)
	dst.Store(&keys)
	a.keysGen.Add(1)
	kids := make([]string, len(keys))
	for i, k := range keys {
		kids[i] = k.kid
	}
	a.log.Info("auth: JWKS loaded", "source", src.String(), "keys", len(keys), "kids", kids)
	return nil
}

// Refresh re-reads every JWKS and the revocation list now (Run does it
// periodically) and reports the first failure; what failed to load keeps
// its previous content.
func (a *Authenticator) Refresh(ctx context.Context) error {
	a.refreshMu.Lock()
	var errs []error
	if a.jwksFile != nil {
		errs = append(errs, a.loadJWKS(ctx, a.jwksFile, &a.fileKeys, true))
	}
	if a.jwksURL != nil {
		errs = append(errs, a.loadJWKS(ctx, a.jwksURL, &a.urlKeys, false))
	}
	changed := false
	if a.revSource != nil {
		var err error
		changed, err = a.loadRevocations(ctx)
		errs = append(errs, err)
	}
	a.refreshMu.Unlock()
	a.notify(changed)
	return errors.Join(errs...)
}

// notify calls OnChange when the revocation list changed (revoked) or the
// key sets changed since OnChange was last called.
func (a *Authenticator) notify(revoked bool) {
	gen := a.keysGen.Load()
	keys := a.notifiedGen.Swap(gen) != gen
	if (revoked || keys) && a.cfg.OnChange != nil {
		a.cfg.OnChange()
	}
}

// KeyWithdrawn reports whether id's token is no longer signed by any key
// the server accepts: its key was removed from the JWKS (file or URL)
// since it was verified. Tokens verified by configured secrets and PEM
// keys, which cannot change while the server runs, are never withdrawn.
// It checks the signature again only when the key sets changed since id
// was last checked, and never fetches a key set.
func (a *Authenticator) KeyWithdrawn(ctx context.Context, id *Identity) bool {
	gen := a.keysGen.Load()
	if id.token == "" || id.gen.Load() == gen {
		return false
	}
	_, err := a.sigOnly.Parse(id.token, func(t *jwt.Token) (any, error) {
		return a.keysFor(ctx, t, false)
	})
	if err != nil {
		return true
	}
	id.gen.Store(gen)
	return false
}

// Run keeps the key sets and the revocation list fresh until ctx ends:
// files every FilePoll, the JWKS URL every JWKSRefresh and the revocation
// URL every RevocationPoll. Failures are logged; the previous content stays
// in force.
func (a *Authenticator) Run(ctx context.Context) {
	type poll struct {
		every time.Duration
		do    func()
	}
	var polls []poll
	if a.jwksFile != nil {
		polls = append(polls, poll{a.cfg.FilePoll, func() {
			a.refreshMu.Lock()
			err := a.loadJWKS(ctx, a.jwksFile, &a.fileKeys, true)
			a.refreshMu.Unlock()
			if err != nil && ctx.Err() == nil {
				a.log.Warn("auth: re-reading the JWKS file failed; keeping the previous keys", "err", err)
			}
			a.notify(false)
		}})
	}
	if a.jwksURL != nil {
		polls = append(polls, poll{a.cfg.JWKSRefresh, func() {
			a.refreshMu.Lock()
			err := a.loadJWKS(ctx, a.jwksURL, &a.urlKeys, false)
			a.refreshMu.Unlock()
			if err != nil && ctx.Err() == nil {
				a.log.Warn("auth: fetching the JWKS failed; keeping the previous keys", "err", err)
			}
			a.notify(false)
		}})
	}
	if a.revSource != nil {
		every := a.cfg.RevocationPoll
		if a.revSource.file != "" {
			every = a.cfg.FilePoll
		}
		polls = append(polls, poll{every, func() {
			a.refreshMu.Lock()
			changed, err := a.loadRevocations(ctx)
			a.refreshMu.Unlock()
			if err != nil && ctx.Err() == nil {
				a.log.Warn("auth: reading the revocation list failed; keeping the previous list", "err", err)
			}
			a.notify(changed)
		}})
	}
	var wg sync.WaitGroup
	for _, p := range polls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(p.every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					p.do()
				}
			}
		}()
	}
	wg.Wait()
}

// Authenticate finds the request's token (Authorization: Bearer, then the
// cookie, then the query parameter), verifies it and checks it against the
// revocation list.
func (a *Authenticator) Authenticate(r *http.Request) (*Identity, error) {
	tok, err := a.tokenFrom(r)
	if err != nil {
		return nil, err
	}
	id, err := a.Verify(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	if a.Revoked(id) {
		return nil, ErrRevoked
	}
	return id, nil
}

// maxTokenBytes bounds a token before any parsing.
const maxTokenBytes = 16 << 10

func (a *Authenticator) tokenFrom(r *http.Request) (string, error) {
	var tok string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
			return "", fmt.Errorf("%w: Authorization header must be \"Bearer <token>\"", ErrInvalid)
		}
		tok = strings.TrimSpace(rest)
	} else if c, err := r.Cookie(a.cfg.Cookie); a.cfg.Cookie != "" && err == nil && c.Value != "" {
		tok = c.Value
	} else if a.cfg.Query != "" && r.URL.Query().Get(a.cfg.Query) != "" {
		tok = r.URL.Query().Get(a.cfg.Query)
	}
	switch {
	case tok == "":
		return "", ErrNoToken
	case len(tok) > maxTokenBytes:
		return "", fmt.Errorf("%w: longer than %d bytes", ErrInvalid, maxTokenBytes)
	}
	return tok, nil
}
