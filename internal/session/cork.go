package session

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// corkConn is a hijacked client connection whose writes can be held back
// and sent together: while corked, writes (whole WebSocket frames, from the
// websocket library's small buffered writer) append to a pooled buffer,
// and uncork sends the buffer in one write. A connection's writer corks for
// each batch of queued messages, so a burst costs one system call instead
// of one per message. Uncorked writes (control frames) pass straight
// through. Bytes leave in the order they were written either way.
type corkConn struct {
	net.Conn
	pool *sync.Pool // of *[]byte

	mu     sync.Mutex // guards corked, buf and the underlying writes
	corked bool
	buf    *[]byte // taken from pool at the first corked write
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	if c.buf == nil {
		c.buf = c.pool.Get().(*[]byte)
	}
	*c.buf = append(*c.buf, p...)
	return len(p), nil
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork sends what was written while corked, within timeout, and returns
// the buffer to the pool (an idle connection holds none).
func (c *corkConn) uncork(timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if c.buf == nil {
		return nil
	}
	b := c.buf
	c.buf = nil
	_ = c.Conn.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.Conn.Write(*b)
	_ = c.Conn.SetWriteDeadline(time.Time{})
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		c.pool.Put(b)
	}
	return err
}

// maxPooledBuf bounds the cork buffers kept for reuse.
const maxPooledBuf = 64 << 10

// Sizes of the buffers the websocket library gets for a hijacked
// connection. Frames are small (an op is a few hundred bytes), larger ones
// bypass the buffers, and every written frame is flushed at once, so small
// buffers cost little speed and save memory on every idle connection.
const (
	connReadBuf  = 1 << 10
	connWriteBuf = 512
)

// hijackWriter hands the websocket library a corkConn and small buffers
// when it hijacks the HTTP connection.
type hijackWriter struct {
	http.ResponseWriter
	pool *sync.Pool
	conn *corkConn // set by Hijack
}

// Hijack implements http.Hijacker.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &corkConn{Conn: nc, pool: h.pool}
	r := brw.Reader
	if n := r.Buffered(); n <= connReadBuf {
		// Move what the HTTP server read ahead into a smaller reader.
		ahead, _ := r.Peek(n)
		small := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(ahead)), h.conn), connReadBuf)
		if _, err := small.Peek(n); err == nil {
			r = small
		}
	}
	return h.conn, bufio.NewReadWriter(r, bufio.NewWriterSize(h.conn, connWriteBuf)), nil
}
