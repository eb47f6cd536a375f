package session

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/coder/websocket"
)

// Handler returns the http.Handler that accepts ShareDB clients over
// WebSocket. The handler returns once the connection is upgraded; the
// connection is served from a goroutine of its own until it closes, and
// Shutdown waits for it. It refuses, before upgrading and without opening anything, a
// Sec-WebSocket-Version other than 13 (426 Upgrade Required, with the
// supported version in the response header, as RFC 6455 §4.4 asks), a
// missing or malformed Sec-WebSocket-Key (400), a client address already
// holding Options.MaxConnectionsPerIP connections or banned for rate abuse
// (429 Too Many Requests, with Retry-After), a request the
// Options.Authenticator refuses (401), and an Origin that is neither the
// request's host nor allowed by Options.OriginPatterns (403, whatever
// credentials the request carries: a foreign page cannot ride on a
// browser's cookie). A connection beyond Options.MaxConnections is
// upgraded and closed with 1013. Once the Manager drains it refuses every
// request with 503 (Retry-After: 1).
func (m *Manager) Handler() http.Handler {
	return http.HandlerFunc(m.serveWS)
}

func (m *Manager) serveWS(w http.ResponseWriter, r *http.Request) {
	if m.Draining() {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "server draining: connect to another instance", http.StatusServiceUnavailable)
		return
	}
	if code, msg := checkUpgrade(r); code != 0 {
		if code == http.StatusUpgradeRequired {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, msg, code)
		return
	}
	ip := ClientIP(r, m.opts.TrustedProxies)
	if ok, why := m.perIP.acquire(ip, m.opts.MaxConnectionsPerIP, m.opts.limitNow()); !ok {
		m.refused(why, "remote", ip.String())
		msg := "too many connections from your address"
		if why == LimitRateBan {
			msg = "too many messages from your address: try again later"
		}
		// Close the connection too: a refused client keeps nothing open.
		w.Header().Set("Connection", "close")
		w.Header().Set("Retry-After", "10")
		http.Error(w, msg, http.StatusTooManyRequests)
		return
	}
	var principal Principal
	if a := m.opts.Authenticator; a != nil {
		p, err := a.Authenticate(r)
		if err != nil {
			m.perIP.release(ip)
			m.opts.Logger.Info("websocket upgrade unauthenticated", "remote", r.RemoteAddr, "err", err)
			refuseUnauthenticated(w, err)
			return
		}
		principal = p
	}
	hw := &hijackWriter{ResponseWriter: w, pool: &m.corkBufs}
	ws, err := websocket.Accept(hw, r, m.acceptOptions())
	if err != nil {
		m.perIP.release(ip)
		m.opts.Logger.Info("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return // Accept wrote the HTTP error
	}
	ws.SetReadLimit(m.opts.ReadLimit)
	c := newConn(m, ws, hw.conn, r.Header.Get("X-Request-Id"))
	c.ip = ip
	c.principal = principal
	if ok, code := m.registerConn(c); !ok {
		m.perIP.release(ip)
		reason := "server shutting down"
		switch code {
		case CloseTryAgainLater:
			reason = "too many connections"
			m.refused(LimitConns, "remote", ip.String())
		case CloseServiceRestart:
			reason = "server restarting: reconnect"
		}
		_ = ws.Close(code, reason)
		return
	}
	// Serve from a fresh goroutine and let the HTTP server's goroutine,
	// whose stack grew deep while handling the upgrade, end: a long-lived
	// connection then keeps only a small stack.
	c.armExpiry()
	go func() {
		defer m.perIP.release(ip)
		defer m.unregisterConn(c)
		c.serve()
	}()
}

// checkUpgrade validates the WebSocket version and key of an upgrade
// request; code is 0 when they are acceptable or the request is not an
// upgrade at all (Accept answers that).
func checkUpgrade(r *http.Request) (code int, msg string) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return 0, ""
	}
	if r.Header.Get("Sec-WebSocket-Version") != "13" {
		return http.StatusUpgradeRequired, "unsupported WebSocket version: only 13 is supported"
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return http.StatusBadRequest, "bad Sec-WebSocket-Key"
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return http.StatusBadRequest, "bad Sec-WebSocket-Key"
	}
	return 0, ""
}

func (m *Manager) acceptOptions() *websocket.AcceptOptions {
	o := &websocket.AcceptOptions{OriginPatterns: m.opts.OriginPatterns}
	switch {
	case m.opts.DisableCompression:
		o.CompressionMode = websocket.CompressionDisabled
	case m.opts.NoContextTakeover:
		o.CompressionMode = websocket.CompressionNoContextTakeover
	default:
		o.CompressionMode = websocket.CompressionContextTakeover
	}
	return o
}
