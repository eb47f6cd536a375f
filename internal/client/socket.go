package client

import (
	"context"

	"github.com/coder/websocket"
)

// enqueueLocked queues a frame for the write loop. Frames go out in the
// order they were queued.
func (s *socket) enqueueLocked(frame []byte) {
	s.out = append(s.out, frame)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// sendLocked queues frame on the current socket once the handshake is done.
func (c *Conn) sendLocked(frame []byte) error {
	if c.closed {
		return ErrClosed
	}
	if c.sock == nil || !c.sock.ready {
		return ErrDisconnected
	}
	c.sock.enqueueLocked(frame)
	return nil
}

// writeLoop is the only writer of s.ws.
func (c *Conn) writeLoop(s *socket) {
	defer c.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		}
		c.mu.Lock()
		batch := s.out
		s.out = nil
		c.mu.Unlock()
		for _, frame := range batch {
			ctx, cancel := context.WithTimeout(s.ctx, c.opts.WriteTimeout)
			err := s.ws.Write(ctx, websocket.MessageText, frame)
			cancel()
			if err != nil {
				c.dropSocket(s, err)
				return
			}
		}
	}
}

// readLoop is the only reader of s.ws; it handles frames one at a time.
func (c *Conn) readLoop(s *socket) {
	defer c.wg.Done()
	for {
		typ, frame, err := s.ws.Read(s.ctx)
		if err != nil {
			c.dropSocket(s, err)
			return
		}
		if typ != websocket.MessageText {
			c.log.Warn("sharedb: ignoring binary frame")
			continue
		}
		if hook := c.opts.OnFrame; hook != nil && !hook(frame) {
			continue
		}
		c.dispatch(s, frame)
	}
}

// dispatch routes one frame. Handlers run with mu held and return the
// callbacks to run after it is released.
func (c *Conn) dispatch(s *socket, frame []byte) {
	f, err := decodeFrame(frame)
	if err != nil {
		c.log.Warn("sharedb: undecodable frame", "err", err)
		return
	}
	var after []func()
	c.mu.Lock()
	if c.sock != s {
		c.mu.Unlock()
		return
	}
	switch f.A {
	case "init":
		// The legacy greeting; protocol 1.2 clients wait for the hs reply.
	case "hs":
		if !s.ready && s.hs != nil {
			s.hs(f)
			s.hs = nil
		}
	case "op", "f", "s", "u":
		if d := c.docs[docKey{f.C, f.D}]; d != nil {
			after = d.handleLocked(f)
		}
	case "bf", "bs", "bu":
		after = c.handleBulkLocked(f)
	case "nf", "nt":
		c.handleRequestReplyLocked(f)
	case "pp":
		c.handlePingLocked()
	case "ps", "pu", "p", "pr":
		after = c.pres.handleLocked(c, f)
	default:
		c.log.Warn("sharedb: unhandled frame", "a", f.A, "error", f.Error)
	}
	c.mu.Unlock()
	for _, fn := range after {
		fn()
	}
	c.mu.Lock()
	for _, d := range c.changed {
		close(d.changed)
		d.changed = make(chan struct{})
	}
	c.changed = c.changed[:0]
	c.mu.Unlock()
}
