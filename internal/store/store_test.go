package store_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/store"
	"github.com/weftdev/weft/internal/store/storetest"
)

// The backends implement the contract session consumes.
var (
	_ session.Store = (*store.Bolt)(nil)
	_ session.Store = (*store.Memory)(nil)
)

// testLogger routes a store's logs to t.Log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// openBolt opens a Bolt store on a fresh file, closed at cleanup.
func openBolt(t *testing.T) *store.Bolt {
	t.Helper()
	s, err := store.OpenBolt(filepath.Join(t.TempDir(), "weft.db"), store.BoltOptions{}, testLogger(t))
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) session.Store { return store.NewMemory() })
}

func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return openBolt(t) })
}
