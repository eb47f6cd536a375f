package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// revocationList is one version of the revocation list; it is replaced
// whole, never modified.
type revocationList struct {
	jti, sub map[string]struct{}
}

// parseRevocations reads {"jti": [...], "sub": [...]}; both are optional.
func parseRevocations(data []byte) (*revocationList, error) {
	var doc struct {
		JTI []string `json:"jti"`
		Sub []string `json:"sub"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf(`want {"jti": [token ids], "sub": [subjects]}: %w`, err)
	}
	l := &revocationList{jti: make(map[string]struct{}, len(doc.JTI)), sub: make(map[string]struct{}, len(doc.Sub))}
	for _, j := range doc.JTI {
		if j != "" {
			l.jti[j] = struct{}{}
		}
	}
	for _, s := range doc.Sub {
		if s != "" {
			l.sub[s] = struct{}{}
		}
	}
	return l, nil
}

func (l *revocationList) revokes(id *Identity) bool {
	if id.TokenID != "" {
		if _, ok := l.jti[id.TokenID]; ok {
			return true
		}
	}
	if id.Subject != "" {
		if _, ok := l.sub[id.Subject]; ok {
			return true
		}
	}
	return false
}

// Revoked reports whether the current revocation list names id's token id
// or subject.
func (a *Authenticator) Revoked(id *Identity) bool {
	return a.revoked.Load().revokes(id)
}

// loadRevocations reads the revocation source and swaps the list in when it
// changed. The caller holds refreshMu.
func (a *Authenticator) loadRevocations(ctx context.Context) (changed bool, err error) {
	data, changed, err := a.revSource.read(ctx)
	if err != nil || !changed {
		return false, err
	}
	l, err := parseRevocations(data)
	if err != nil {
		return false, fmt.Errorf("%s: %w", a.revSource, err)
	}
	a.revSource.accept(data)
	a.revoked.Store(l)
	a.log.Info("auth: revocation list loaded", "source", a.revSource.String(), "token_ids", len(l.jti), "subjects", len(l.sub))
	return true, nil
}
