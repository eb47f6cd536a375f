package client_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/client/refserver"
	"github.com/weftdev/weft/internal/client/stubtypes"
	"github.com/weftdev/weft/internal/ot"
)

func testRegistry(t testing.TB) *ot.Registry {
	t.Helper()
	reg, err := ot.NewRegistry(stubtypes.JSON0Lite(), stubtypes.Number())
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// testCtx bounds a test; it ends with the test.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type tLogWriter struct{ t testing.TB }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

func dial(t testing.TB, srv *refserver.Server, opts client.Options) *client.Conn {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = testRegistry(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	c, err := client.Dial(testCtx(t), srv.URL, opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dataOf(t testing.TB, d *client.Doc) string {
	t.Helper()
	b, err := d.Data()
	if err != nil {
		t.Fatalf("data: %v", err)
	}
	return string(b)
}

func na(path string, n float64) any {
	return []any{map[string]any{"p": []any{path}, "na": n}}
}

func asError(err error, target **client.Error) bool { return errors.As(err, target) }
