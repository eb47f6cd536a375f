package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

// wireEditor is one editor's connection to one document, speaking only the
// part of the ShareDB protocol a closed-loop editor needs: handshake,
// subscribe, submit and wait for the ack, receive the other editors' ops.
// It keeps the document's version, not its contents: an incoming op frame
// is scanned for its action, version, src, seq and error only (scanFrame),
// never decoded or applied, so the load generator spends its CPU on
// driving the server rather than on mirroring every document. It still
// checks what the measurement relies on: every ack answers the op in
// flight at the local version, and the other editors' ops arrive without
// gaps (an op at a version already seen is a duplicate and ignored, as
// ShareDB's client does); anything else is reported to onError.
type wireEditor struct {
	ws       *websocket.Conn
	coll, id string
	src      string // the connection's id, from the handshake

	onSent  func(src string, seq int64) // an op is about to be written
	onOp    func(src string, seq int64) // another editor's op arrived (called with mu held)
	onError func(error)                 // a protocol violation seen by the read loop

	replies chan []byte   // frames other than ops, for the request under way
	done    chan struct{} // closed when the read loop ends

	mu       sync.Mutex
	version  int64
	seq      int64      // the last seq sent
	inflight int64      // seq of the op awaiting its ack, 0 when none
	ack      chan error // buffered 1: the in-flight op's outcome
	changed  chan struct{}
	readErr  error
}

// wireReadLimit bounds one incoming message.
const wireReadLimit = 16 << 20

// dialWire connects and handshakes. With instanceHeader set it also
// returns that header of the upgrade response (the instance the connection
// landed on). subscribe picks the document.
func dialWire(ctx context.Context, url, instanceHeader string, onSent, onOp func(string, int64), onError func(error)) (*wireEditor, string, error) {
	ws, resp, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, "", fmt.Errorf("dial %s: %w", url, err)
	}
	header := ""
	if instanceHeader != "" && resp != nil {
		header = resp.Header.Get(instanceHeader)
	}
	ws.SetReadLimit(wireReadLimit)
	e := &wireEditor{ws: ws, onSent: onSent, onOp: onOp, onError: onError,
		replies: make(chan []byte, 8), done: make(chan struct{}),
		ack: make(chan error, 1), changed: make(chan struct{})}
	go e.readLoop()
	if err := e.handshake(ctx); err != nil {
		e.Close()
		return nil, "", err
	}
	return e, header, nil
}

// Close closes the connection and waits for the read loop.
func (e *wireEditor) Close() {
	_ = e.ws.CloseNow()
	<-e.done
}

// reply returns the next non-op frame whose action is a, skipping others.
func (e *wireEditor) reply(ctx context.Context, a string) (map[string]json.RawMessage, error) {
	for range 100 {
		select {
		case b := <-e.replies:
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("reply %.100q: %w", b, err)
			}
			var got string
			_ = json.Unmarshal(m["a"], &got)
			if got != a {
				continue
			}
			if errJSON, ok := m["error"]; ok && string(errJSON) != "null" {
				return nil, fmt.Errorf("%s refused: %s", a, errJSON)
			}
			return m, nil
		case <-e.done:
			return nil, fmt.Errorf("waiting for %q: %w", a, e.failure())
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %q: %w", a, ctx.Err())
		}
	}
	return nil, fmt.Errorf("no %q reply among 100 frames", a)
}

func (e *wireEditor) failure() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.readErr != nil {
		return e.readErr
	}
	return errors.New("connection closed")
}

func (e *wireEditor) handshake(ctx context.Context) error {
	if err := e.ws.Write(ctx, websocket.MessageText, []byte(`{"a":"hs","id":null,"protocol":1,"protocolMinor":2}`)); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	m, err := e.reply(ctx, "hs")
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if err := json.Unmarshal(m["id"], &e.src); err != nil || e.src == "" {
		return fmt.Errorf("handshake: no client id in the reply (%s)", m["id"])
	}
	return nil
}

// subscribe subscribes to coll/id, the editor's document from then on.
func (e *wireEditor) subscribe(ctx context.Context, coll, id string) error {
	e.mu.Lock()
	e.coll, e.id = coll, id
	e.mu.Unlock()
	c, _ := json.Marshal(coll)
	d, _ := json.Marshal(id)
	if err := e.ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"a":"s","c":%s,"d":%s}`, c, d)); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	m, err := e.reply(ctx, "s")
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	var snap struct {
		V *int64 `json:"v"`
	}
	if err := json.Unmarshal(m["data"], &snap); err != nil || snap.V == nil {
		return fmt.Errorf("subscribe: no version in the snapshot (%.100s)", m["data"])
	}
	e.mu.Lock()
	e.version = *snap.V
	e.mu.Unlock()
	return nil
}

// Version is the document's version as this editor knows it.
func (e *wireEditor) Version() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.version
}

// Submit sends op (its JSON) at the local version and waits for the ack.
func (e *wireEditor) Submit(ctx context.Context, op []byte) error {
	e.mu.Lock()
	if e.inflight != 0 {
		e.mu.Unlock()
		return errors.New("submit while an op is in flight")
	}
	select {
	case <-e.ack: // the outcome of an op whose Submit gave up waiting
	default:
	}
	e.seq++
	seq, v := e.seq, e.version
	e.inflight = seq
	e.mu.Unlock()
	c, _ := json.Marshal(e.coll)
	d, _ := json.Marshal(e.id)
	// As ShareDB's client sends a first attempt: no src (the server knows
	// the connection's id), an empty x.
	frame := fmt.Appendf(nil, `{"a":"op","c":%s,"d":%s,"v":%d,"seq":%d,"x":{},"op":%s}`, c, d, v, seq, op)
	e.onSent(e.src, seq)
	// No context on the write: one without a deadline saves the websocket
	// library a timer per message (loadgen shares the server's CPUs); the
	// frame is small and Close ends a blocked write.
	if err := e.ws.Write(context.Background(), websocket.MessageText, frame); err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	select {
	case err := <-e.ack:
		return err
	case <-e.done:
		return fmt.Errorf("submit: %w", e.failure())
	case <-ctx.Done():
		return fmt.Errorf("submit: %w", ctx.Err())
	}
}

// WaitVersion waits until the editor has seen version v.
func (e *wireEditor) WaitVersion(ctx context.Context, v int64) error {
	for {
		e.mu.Lock()
		cur, ch := e.version, e.changed
		e.mu.Unlock()
		if cur >= v {
			return nil
		}
		select {
		case <-ch:
		case <-e.done:
			return fmt.Errorf("doc %s at v%d, waiting for v%d: %w", e.id, cur, v, e.failure())
		case <-ctx.Done():
			return fmt.Errorf("doc %s at v%d, waiting for v%d: %w", e.id, cur, v, ctx.Err())
		}
	}
}

func (e *wireEditor) readLoop() {
	defer close(e.done)
	// Reads take no context (as Submit's writes): Close ends a blocked read.
	ctx := context.Background()
	for {
		_, b, err := e.ws.Read(ctx)
		if err != nil {
			e.mu.Lock()
			e.readErr = err
			e.mu.Unlock()
			return
		}
		f, err := scanFrame(b)
		if err != nil {
			e.onError(fmt.Errorf("frame %.100q: %w", b, err))
			continue
		}
		if f.a != "op" {
			select {
			case e.replies <- b:
			default:
				// Nobody asked (presence, pings): nothing an editor needs.
			}
			continue
		}
		e.handleOp(f, b)
	}
}

// handleOp handles an op frame: the in-flight op's ack or error, or
// another editor's op.
func (e *wireEditor) handleOp(f frameInfo, b []byte) {
	e.mu.Lock()
	var violation error
	switch {
	case e.inflight != 0 && f.hasSeq && f.seq == e.inflight && (f.src == e.src || f.src == ""):
		var res error
		switch {
		case f.hasError:
			res = fmt.Errorf("op refused: %.200s", b)
		case !f.hasV || f.v != e.version:
			res = fmt.Errorf("doc %s: ack at v%d while the editor is at v%d", e.id, f.v, e.version)
			e.version = max(e.version, f.v+1)
		default:
			e.version++
		}
		e.inflight = 0
		e.ack <- res
	case f.hasError:
		violation = fmt.Errorf("doc %s: unexpected op error: %.200s", e.id, b)
	case f.hasV && f.v < e.version:
		// A duplicate: ShareDB sends a submitter the ops it missed before
		// its ack, and again from the subscription. Already counted.
		e.mu.Unlock()
		return
	case !f.hasV || f.v > e.version:
		violation = fmt.Errorf("doc %s: op v%d from %s arrived at v%d (a gap)", e.id, f.v, f.src, e.version)
		e.version = max(e.version, f.v+1)
	default:
		// Counted before the version moves: whoever waits for this
		// version (settle) then sees the delivery recorded. onOp only
		// takes the run's sample locks, never an editor's.
		e.onOp(f.src, f.seq)
		e.version++
	}
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
	if violation != nil {
		e.onError(violation)
	}
}

// frameInfo is what scanFrame extracts from a message's top level.
type frameInfo struct {
	a, src       string
	v, seq       int64
	hasV, hasSeq bool
	hasError     bool
}

// scanFrame reads the top-level keys a, src (strings), v, seq (integers)
// and whether error is present and not null, skipping every other value
// without decoding it. It refuses what is not one well-formed JSON object.
func scanFrame(b []byte) (frameInfo, error) {
	var f frameInfo
	s := &scanner{b: b}
	s.space()
	if !s.eat('{') {
		return f, errors.New("not a JSON object")
	}
	s.space()
	if s.eat('}') {
		return f, s.end()
	}
	for {
		s.space()
		key, err := s.str()
		if err != nil {
			return f, err
		}
		s.space()
		if !s.eat(':') {
			return f, errors.New("missing ':' after a key")
		}
		s.space()
		switch string(key) {
		case "a", "src":
			raw, err := s.str()
			if err != nil {
				return f, fmt.Errorf("%s: %w", key, err)
			}
			val := string(raw)
			if s.escaped {
				if err := json.Unmarshal(s.b[s.strStart:s.i], &val); err != nil {
					return f, fmt.Errorf("%s: %w", key, err)
				}
			}
			if string(key) == "a" {
				f.a = val
			} else {
				f.src = val
			}
		case "v", "seq":
			n, ok, err := s.integer()
			if err != nil {
				return f, fmt.Errorf("%s: %w", key, err)
			}
			if string(key) == "v" {
				f.v, f.hasV = n, ok
			} else {
				f.seq, f.hasSeq = n, ok
			}
		case "error":
			start := s.i
			if err := s.skip(0); err != nil {
				return f, fmt.Errorf("error: %w", err)
			}
			f.hasError = string(s.b[start:s.i]) != "null"
		default:
			if err := s.skip(0); err != nil {
				return f, fmt.Errorf("%s: %w", key, err)
			}
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return f, s.end()
		}
		return f, errors.New("missing ',' or '}'")
	}
}

// scanner walks JSON text without building values.
type scanner struct {
	b        []byte
	i        int
	escaped  bool // the last str had escapes
	strStart int  // offset of the last str's opening quote
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return errors.New("data after the object")
	}
	return nil
}

// str reads a string and returns its raw contents (escapes not decoded;
// s.escaped says whether there were any).
func (s *scanner) str() ([]byte, error) {
	s.strStart = s.i
	s.escaped = false
	if !s.eat('"') {
		return nil, errors.New("expected a string")
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			s.escaped = true
			if s.i+1 >= len(s.b) {
				return nil, errors.New("unterminated string")
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, errors.New("unterminated string")
				}
				if _, err := strconv.ParseUint(string(s.b[s.i+2:s.i+6]), 16, 16); err != nil {
					return nil, errors.New("malformed \\u escape")
				}
				s.i += 6
			default:
				return nil, errors.New("malformed escape")
			}
		case c < 0x20:
			return nil, errors.New("control character in a string")
		default:
			s.i++
		}
	}
	return nil, errors.New("unterminated string")
}

// integer reads a number that must be an integer, or null (ok false).
func (s *scanner) integer() (int64, bool, error) {
	if s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return 0, false, nil
	}
	start := s.i
	if err := s.number(); err != nil {
		return 0, false, err
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("not an integer: %w", err)
	}
	return n, true, nil
}

// number passes over a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	s.eat('-')
	switch {
	case s.eat('0'):
	case digits() == 0:
		return errors.New("malformed number")
	}
	if s.eat('.') && digits() == 0 {
		return errors.New("malformed number")
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if digits() == 0 {
			return errors.New("malformed number")
		}
	}
	return nil
}

// maxDepth bounds nesting while skipping.
const maxDepth = 1000

// skip passes over one value of any kind.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errors.New("nested too deeply")
	}
	if s.i >= len(s.b) {
		return errors.New("missing value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		s.i++
		s.space()
		if s.eat(closer) {
			return nil
		}
		for {
			s.space()
			if c == '{' {
				if _, err := s.str(); err != nil {
					return err
				}
				s.space()
				if !s.eat(':') {
					return errors.New("missing ':'")
				}
				s.space()
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.space()
			if s.eat(',') {
				continue
			}
			if s.eat(closer) {
				return nil
			}
			return errors.New("missing ',' or a closing bracket")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if s.i+len(lit) <= len(s.b) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return nil
			}
		}
		return fmt.Errorf("unexpected %q", c)
	}
}
