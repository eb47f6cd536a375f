package api

import (
	"context"
	"net/http"
	"strings"
)

// Authenticator identifies REST clients. With one set (WithAuthenticator),
// every request must carry credentials it accepts, or is answered 401; the
// error text goes to the client, so it must not hold secrets.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// Principal is an authenticated client of the API.
type Principal interface {
	// CanRead reports whether the document's snapshots and ops may be
	// read. Documents it refuses are 403 and left out of lists.
	CanRead(collection, id string) bool
}

// Option configures a Handler.
type Option func(*Handler)

// WithAuthenticator makes the API require credentials (see Authenticator).
func WithAuthenticator(a Authenticator) Option {
	return func(h *Handler) { h.auth = a }
}

type principalKey struct{}

// authenticate answers 401 itself when the request has no valid
// credentials; otherwise it returns the request carrying its principal.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if h.auth == nil {
		return r, true
	}
	p, err := h.auth.Authenticate(r)
	if err != nil {
		desc := strings.NewReplacer(`"`, "'", "\\", "/", "\r", " ", "\n", " ").Replace(err.Error())
		w.Header().Set("WWW-Authenticate", `Bearer realm="weft", error="invalid_token", error_description="`+desc+`"`)
		writeError(w, http.StatusUnauthorized, "ERR_UNAUTHORIZED", err.Error())
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), true
}

// canRead reports whether the request's principal (if any) may read the
// document.
func canRead(r *http.Request, coll, id string) bool {
	p, _ := r.Context().Value(principalKey{}).(Principal)
	return p == nil || p.CanRead(coll, id)
}

// forbid answers 403 when the request may not read the document.
func forbid(w http.ResponseWriter, r *http.Request, coll, id string) bool {
	if canRead(r, coll, id) {
		return false
	}
	writeError(w, http.StatusForbidden, "ERR_FORBIDDEN", "no read access to "+coll+"/"+id)
	return true
}
