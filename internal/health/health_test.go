package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

func get(t *testing.T, h http.Handler) (int, Status) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	var s Status
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return rec.Code, s
}

func TestReadinessFollowsPingsAndDraining(t *testing.T) {
	var storeDown, draining atomic.Bool
	var mu sync.Mutex
	reports := map[string]bool{}
	c := New(Options{
		Checks: []Check{
			{Name: "store", Ping: func(context.Context) error {
				if storeDown.Load() {
					return errors.New("connection refused")
				}
				return nil
			}},
			{Name: "redis", Ping: func(context.Context) error { return nil }},
		},
		Draining: draining.Load,
		Report:   func(name string, up bool) { mu.Lock(); reports[name] = up; mu.Unlock() },
	})
	h := c.ReadyHandler()
	if code, s := get(t, h); code != 503 || s.Failing["store"] != "not checked yet" {
		t.Errorf("before the first ping: %d %+v, want 503 naming store", code, s)
	}
	ctx := context.Background()
	c.CheckNow(ctx)
	if code, s := get(t, h); code != 200 || !s.Ready || len(s.Checked) != 2 {
		t.Errorf("all up: %d %+v, want 200 ready", code, s)
	}
	storeDown.Store(true)
	c.CheckNow(ctx)
	code, s := get(t, h)
	if code != 503 || s.Ready || s.Failing["store"] != "connection refused" || s.Failing["redis"] != "" {
		t.Errorf("store down: %d %+v, want 503 naming the store's error only", code, s)
	}
	mu.Lock()
	if reports["store"] || !reports["redis"] {
		t.Errorf("reports %v, want store down and redis up", reports)
	}
	mu.Unlock()
	storeDown.Store(false)
	c.CheckNow(ctx)
	draining.Store(true)
	if code, s := get(t, h); code != 503 || !s.Draining || len(s.Failing) != 0 {
		t.Errorf("draining: %d %+v, want 503 draining with nothing failing", code, s)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	pinged := make(chan struct{}, 1)
	c := New(Options{Checks: []Check{{Name: "store", Ping: func(context.Context) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	}}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	<-pinged
	cancel()
	<-done
	if !c.Status().Ready {
		t.Errorf("status after a good ping: %+v", c.Status())
	}
}
