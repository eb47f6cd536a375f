package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/weftdev/weft/internal/api"
	"github.com/weftdev/weft/internal/auth"
	"github.com/weftdev/weft/internal/session"
)

// access is the server's access control: the authenticator and the
// goroutine keeping its keys and revocation list fresh.
type access struct {
	a    *auth.Authenticator
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// openAccess loads the configured keys and revocation list. revoked is
// called whenever the revocation list changes. With no key configured it
// returns nil and warns loudly (the server then serves everyone
// everything).
func openAccess(ctx context.Context, cfg AuthConfig, s *server, revoked func()) (*access, error) {
	if !cfg.Enabled() {
		s.log.Warn("ACCESS CONTROL IS OFF: no auth key configured, so anyone who can reach this server can read and change every document. Configure --auth-hmac-secrets, --auth-public-keys, --auth-jwks-file or --auth-jwks-url (and --require-auth) before exposing it.")
		return nil, nil
	}
	secrets := cfg.HMACSecrets
	if cfg.HMACSecretFile != "" {
		more, err := readSecretFile(cfg.HMACSecretFile)
		if err != nil {
			return nil, err
		}
		secrets = append(secrets, more...)
	}
	a, err := auth.New(ctx, auth.Config{
		HMACSecrets:    secrets,
		PublicKeyFiles: cfg.PublicKeyFiles,
		JWKSFile:       cfg.JWKSFile,
		JWKSURL:        cfg.JWKSURL,
		JWKSRefresh:    cfg.JWKSRefresh,
		Issuer:         cfg.Issuer,
		Audience:       cfg.Audience,
		Leeway:         leewayFor(cfg.Leeway),
		Claim:          cfg.Claim,
		RevocationFile: cfg.RevocationFile,
		RevocationURL:  cfg.RevocationURL,
		RevocationPoll: cfg.RevocationPoll,
		Cookie:         cfg.Cookie,
		Query:          cfg.QueryParam,
		Logger:         s.log,
		OnChange:       revoked,
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("access control on: every WebSocket and REST request needs a valid bearer token",
		"hmac_secrets", len(secrets), "public_keys", len(cfg.PublicKeyFiles), "jwks_file", cfg.JWKSFile, "jwks_url", cfg.JWKSURL,
		"issuer", cfg.Issuer, "audience", cfg.Audience, "cookie", cfg.Cookie, "query_param", cfg.QueryParam,
		"revocations", cfg.RevocationFile+cfg.RevocationURL)
	return &access{a: a}, nil
}

// leewayFor maps the configured leeway onto auth.Config's, where 0 means
// the default and a negative value none.
func leewayFor(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// readSecretFile reads one HMAC secret per non-empty line.
func readSecretFile(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: HMAC secret file: %w", err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			out = append(out, append([]byte(nil), line...))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("auth: HMAC secret file %s holds no secret", path)
	}
	return out, nil
}

// start keeps the keys and revocation list fresh until close.
func (x *access) start() {
	ctx, cancel := context.WithCancel(context.Background())
	x.stop = cancel
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		x.a.Run(ctx)
	}()
}

func (x *access) close() {
	if x.stop != nil {
		x.stop()
	}
	x.wg.Wait()
}

// sessionAuth and apiAuth adapt the authenticator to the session and REST
// packages' interfaces.
type sessionAuth struct{ a *auth.Authenticator }

func (s sessionAuth) Authenticate(r *http.Request) (session.Principal, error) {
	id, err := s.a.Authenticate(r)
	if err != nil {
		return nil, err
	}
	return id, nil
}

type apiAuth struct{ a *auth.Authenticator }

func (s apiAuth) Authenticate(r *http.Request) (api.Principal, error) {
	id, err := s.a.Authenticate(r)
	if err != nil {
		return nil, err
	}
	return id, nil
}

// revokeLive closes the live sessions whose token the revocation list now
// names, or whose signing key was removed from the JWKS.
func (s *server) revokeLive() {
	if s.manager == nil || s.access == nil {
		return
	}
	ctx := context.Background()
	s.manager.Revoke(func(p session.Principal) bool {
		id, ok := p.(*auth.Identity)
		return ok && (s.access.a.Revoked(id) || s.access.a.KeyWithdrawn(ctx, id))
	})
}
