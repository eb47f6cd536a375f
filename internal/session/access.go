package session

import (
	"net/http"
	"strings"
	"time"
)

// Authenticator identifies WebSocket clients. When Options.Authenticator is
// set, the handler calls it with every upgrade request before accepting it:
// an error refuses the upgrade with 401 (its text is the response body and
// the error_description of the WWW-Authenticate header, so it must not hold
// secrets). The Principal it returns decides what the connection may do for
// its whole life. Authenticate is called concurrently.
//
// internal/auth provides the JWT implementation; the server adapts it.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// Principal is an authenticated client: what it may read and write, and
// until when. Its methods are called concurrently and must be fast (they
// run for every request and every document of a query).
type Principal interface {
	// CanRead reports whether the document may be fetched, subscribed to,
	// queried, its history read and its presence seen or sent.
	CanRead(collection, id string) bool
	// CanWrite reports whether ops (create, edit, delete) may be submitted
	// to the document.
	CanWrite(collection, id string) bool
	// Expiry is when the credentials stop being valid; the connection is
	// then closed with CloseTokenExpired. The zero time means never.
	Expiry() time.Time
}

// Error codes of refused access. ShareDB has no codes of its own for
// authorisation (its middleware chooses them); these are the ones its
// client knows how to handle.
const (
	// CodeOpRejected answers an op (create, edit, delete) on a document the
	// client may not write. The sharedb client rolls the op back (inverting
	// it, or refetching the document) and does not report an error to the
	// op's callback, exactly as for a submit rejected by ShareDB middleware.
	CodeOpRejected = "ERR_OP_SUBMIT_REJECTED"
	// CodeReadRejected answers a fetch, subscribe, snapshot at a version or
	// time, or presence on a document the client may not read; in a bulk
	// fetch or subscribe, each such document gets it in its own slot. It is
	// ShareDB's code for snapshot reads refused by its readSnapshots
	// middleware; the client passes it to the callback and cancels the
	// subscription. Queries leave unreadable documents out of their
	// results instead.
	CodeReadRejected = "ERR_SNAPSHOT_READS_REJECTED"
)

var (
	errReadRejected  = errf(CodeReadRejected, "Read access denied")
	errWriteRejected = errf(CodeOpRejected, "Write access denied")
)

// canRead reports whether the connection may read the document; an open
// connection (no Authenticator) may read everything.
func (c *conn) canRead(coll, id string) bool {
	return c.principal == nil || c.principal.CanRead(coll, id)
}

func (c *conn) canWrite(coll, id string) bool {
	return c.principal == nil || c.principal.CanWrite(coll, id)
}

// canReadChannel decides presence channels. ShareDB names a document's
// presence channel "collection.id"; the channel is readable when some split
// at a dot names a readable document. A channel without a dot counts as the
// document (channel, ""), which patterns such as "channel/*" cover.
func (c *conn) canReadChannel(ch string) bool {
	if c.principal == nil {
		return true
	}
	for i := 0; i < len(ch); i++ {
		if ch[i] == '.' && c.principal.CanRead(ch[:i], ch[i+1:]) {
			return true
		}
	}
	return !strings.Contains(ch, ".") && c.principal.CanRead(ch, "")
}

// armExpiry schedules the close of an authenticated connection when its
// credentials expire.
func (c *conn) armExpiry() {
	if c.principal == nil {
		return
	}
	exp := c.principal.Expiry()
	if exp.IsZero() {
		return
	}
	d := exp.Sub(c.m.opts.Now())
	c.expiryStop = c.m.opts.AfterFunc(d, func() {
		if c.closeWith(CloseTokenExpired, "token expired") {
			c.m.opts.Logger.Info("credentials expired; connection closed", "client", c.src())
		}
	})
}

// Revoke closes every connection whose principal match reports as revoked,
// with CloseTokenRevoked, and returns how many it closed. Call it when a
// revocation list or the trusted keys change; connections without a
// principal are not asked.
func (m *Manager) Revoke(match func(Principal) bool) int {
	// match may be slow (a signature check per connection), so it runs
	// outside connMu, which new connections wait for.
	m.connMu.Lock()
	live := make([]*conn, 0, len(m.conns))
	for c := range m.conns {
		if c.principal != nil {
			live = append(live, c)
		}
	}
	m.connMu.Unlock()
	n := 0
	for _, c := range live {
		if match(c.principal) && c.closeWith(CloseTokenRevoked, "token revoked") {
			n++
		}
	}
	if n > 0 {
		m.opts.Logger.Info("revoked credentials; connections closed", "connections", n)
	}
	return n
}

// refuseUnauthenticated answers an upgrade without valid credentials.
func refuseUnauthenticated(w http.ResponseWriter, err error) {
	msg := err.Error()
	desc := strings.NewReplacer(`"`, "'", "\\", "/", "\r", " ", "\n", " ").Replace(msg)
	w.Header().Set("WWW-Authenticate", `Bearer realm="weft", error="invalid_token", error_description="`+desc+`"`)
	http.Error(w, "unauthorized: "+msg, http.StatusUnauthorized)
}
