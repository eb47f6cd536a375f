package session

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordConn is a net.Conn that records each Write call.
type recordConn struct {
	net.Conn
	writes []string
}

func (r *recordConn) Write(p []byte) (int, error) {
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recordConn) SetWriteDeadline(time.Time) error { return nil }

func TestCorkConnBatchesWritesInOrder(t *testing.T) {
	rec := &recordConn{}
	pool := &sync.Pool{New: func() any { b := make([]byte, 0, 16); return &b }}
	c := &corkConn{Conn: rec, pool: pool}

	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	c.cork()
	for _, s := range []string{"a", "bb", "ccc"} {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("corked Write(%q) = %d, %v", s, n, err)
		}
	}
	if len(rec.writes) != 1 {
		t.Fatalf("corked writes reached the connection: %q", rec.writes)
	}
	if err := c.uncork(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}
	want := "ping|abbccc|after"
	if got := strings.Join(rec.writes, "|"); got != want {
		t.Errorf("writes = %q, want %q (one write per batch, in order)", got, want)
	}
	if c.buf != nil {
		t.Errorf("an uncorked connection still holds a buffer")
	}
	if err := c.uncork(time.Second); err != nil || len(rec.writes) != 3 {
		t.Errorf("uncork with nothing corked: err %v, writes %q", err, rec.writes)
	}
}
