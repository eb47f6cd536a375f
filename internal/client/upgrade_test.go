package client_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/client/refserver"
)

// TestUpgradeHeader: a header of the WebSocket upgrade response (here set
// by a proxy in front of the server, as the benchmark's nginx names the
// instance) is readable while connected, and empty once closed.
func TestUpgradeHeader(t *testing.T) {
	srv := refserver.Start(t)
	target, err := url.Parse(strings.Replace(srv.URL, "ws://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("X-Instance", "a")
		return nil
	}
	front := httptest.NewServer(proxy)
	t.Cleanup(front.Close)
	c, err := client.Dial(testCtx(t), "ws"+strings.TrimPrefix(front.URL, "http"), client.Options{Registry: testRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.UpgradeHeader("X-Instance"); got != "a" {
		t.Errorf("UpgradeHeader = %q, want %q", got, "a")
	}
	c.Close()
	if got := c.UpgradeHeader("X-Instance"); got != "" {
		t.Errorf("UpgradeHeader after Close = %q, want empty", got)
	}
}
