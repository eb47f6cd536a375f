package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/oracle"
	"github.com/weftdev/weft/internal/ot/types"
)

const collection = "notes"

// loadConfig shapes a workload.
type loadConfig struct {
	clients   int // Go clients
	opsEach   int // acknowledged ops each client aims for
	hot, cold int // documents every client edits / each client's share of
	coldEach  int // cold documents each client subscribes to
	seed      uint64
}

// ack is one acknowledged op: its identity in the op log and the unique
// token it inserted.
type ack struct {
	doc, src, token string
	seq             int64
}

// history is what the clients observed, guarded by mu.
type history struct {
	mu      sync.Mutex
	acked   []ack
	tried   []string // tokens of submits that failed or timed out
	errs    []string // submit errors, first few
	nFailed int
	acks    atomic.Int64
	resends atomic.Int64 // op frames sent again after a reconnect
	// closes counts the close codes the clients' sockets dropped with
	// (-1: no close frame), guarded by mu.
	closes map[int]int
}

func (h *history) addDrop(cause error) {
	code := int(websocket.CloseStatus(cause))
	h.mu.Lock()
	if h.closes == nil {
		h.closes = map[int]int{}
	}
	h.closes[code]++
	h.mu.Unlock()
}

// closeCount returns how many sockets dropped with code.
func (h *history) closeCount(code int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closes[code]
}

func (h *history) addAck(a ack) {
	h.mu.Lock()
	h.acked = append(h.acked, a)
	h.mu.Unlock()
	h.acks.Add(1)
}

func (h *history) addFailure(token string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tried = append(h.tried, token)
	h.nFailed++
	if len(h.errs) < 5 {
		h.errs = append(h.errs, err.Error())
	}
}

// goClient is one Go ShareDB client connected through nginx.
type goClient struct {
	name string
	conn *client.Conn
	docs []*client.Doc // hot first, then its cold ones
	hot  int

	mu   sync.Mutex
	sent map[string]client.SentOp // last op frame per doc
}

func dialClient(ctx context.Context, t *testing.T, url, name string) *goClient {
	return dialClientWith(ctx, t, url, name, nil)
}

// dialClientWith is dialClient counting resent op frames in h.
func dialClientWith(ctx context.Context, t *testing.T, url, name string, h *history) *goClient {
	t.Helper()
	g := &goClient{name: name, sent: map[string]client.SentOp{}}
	opts := client.Options{
		Registry:      types.Registry(),
		AutoReconnect: true,
		OnSent: func(s client.SentOp) {
			g.mu.Lock()
			g.sent[s.Doc] = s
			g.mu.Unlock()
			if s.Resend && h != nil {
				h.resends.Add(1)
			}
		},
		OnDrop: func(cause error) {
			if h != nil {
				h.addDrop(cause)
			}
		},
	}
	// Like a browser's reconnecting socket, the first dial is retried too:
	// right after a restart nginx may briefly hold every instance as
	// failed (502 "no live upstreams" until its fail_timeout passes).
	var conn *client.Conn
	var err error
	for attempt := 1; ; attempt++ {
		if conn, err = client.Dial(ctx, url, opts); err == nil {
			break
		}
		if attempt == 20 {
			t.Fatalf("%s: dial %s (%d attempts): %v", name, url, attempt, err)
		}
		backoff := time.NewTimer(time.Duration(attempt) * 100 * time.Millisecond)
		select {
		case <-ctx.Done():
			backoff.Stop()
			t.Fatalf("%s: dial %s: %v (last error %v)", name, url, ctx.Err(), err)
		case <-backoff.C:
		}
	}
	t.Cleanup(func() { conn.Close() })
	g.conn = conn
	return g
}

func docName(kind string, i int) string { return fmt.Sprintf("%s-%03d", kind, i) }

// allDocs lists the workload's document ids.
func (cfg loadConfig) allDocs() []string {
	var ids []string
	for i := range cfg.hot {
		ids = append(ids, docName("hot", i))
	}
	for i := range cfg.cold {
		ids = append(ids, docName("cold", i))
	}
	return ids
}

// createDocs creates every document as an empty text-unicode string.
func createDocs(ctx context.Context, t *testing.T, url string, ids []string) {
	t.Helper()
	g := dialClient(ctx, t, url, "creator")
	defer g.conn.Close()
	for _, id := range ids {
		if err := g.conn.Get(collection, id).Create(ctx, "text-unicode", ""); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
	}
}

// load is a running workload.
type load struct {
	t       *testing.T
	cfg     loadConfig
	h       *history
	clients []*goClient
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

// startLoad creates the documents, connects and subscribes the clients
// through nginx and starts their edit loops.
func startLoad(t *testing.T, c *cluster, cfg loadConfig) *load {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	createDocs(ctx, t, c.frontURL, cfg.allDocs())
	l := &load{t: t, cfg: cfg, h: &history{}}
	rng := rand.New(rand.NewPCG(cfg.seed, 1))
	for i := range cfg.clients {
		g := dialClientWith(ctx, t, c.frontURL, fmt.Sprintf("g%d", i), l.h)
		g.hot = cfg.hot
		ids := cfg.allDocs()[:cfg.hot]
		for _, k := range rng.Perm(cfg.cold)[:cfg.coldEach] {
			ids = append(ids, docName("cold", k))
		}
		for _, id := range ids {
			d := g.conn.Get(collection, id)
			if err := d.Subscribe(ctx); err != nil {
				t.Fatalf("%s: subscribe %s: %v", g.name, id, err)
			}
			g.docs = append(g.docs, d)
		}
		l.clients = append(l.clients, g)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	l.cancel = wcancel
	for i, g := range l.clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.work(wctx, g, rand.New(rand.NewPCG(cfg.seed, uint64(i)+100)))
		}()
	}
	t.Cleanup(l.stop)
	return l
}

// work submits inserts, one at a time, until opsEach are acknowledged, the
// attempts run out or ctx ends.
func (l *load) work(ctx context.Context, g *goClient, rng *rand.Rand) {
	acked := 0
	for attempt := 0; acked < l.cfg.opsEach && attempt < 20*l.cfg.opsEach && ctx.Err() == nil; attempt++ {
		d := g.docs[rng.IntN(len(g.docs))]
		if rng.IntN(10) < 7 {
			d = g.docs[rng.IntN(g.hot)]
		}
		token := fmt.Sprintf("<%s.%d>", g.name, attempt)
		text := token + filler(rng)
		cuts, err := insertPoints(d)
		if err != nil {
			// A rejected op rolled the document back and its refetch
			// failed too (the store was down): fetch again, as an
			// application would, after a pause.
			if waitCtx(ctx, 50*time.Millisecond) != nil {
				return
			}
			refetch(ctx, d)
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 45*time.Second)
		err = d.Submit(sctx, insertOp(cuts[rng.IntN(len(cuts))], text))
		cancel()
		switch {
		case err == nil:
			acked++
			g.mu.Lock()
			s := g.sent[d.ID()]
			g.mu.Unlock()
			l.h.addAck(ack{doc: d.ID(), src: s.Src, seq: s.Seq, token: token})
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			// Outcome unknown and the op is still queued: stop here.
			l.h.addFailure(token, err)
			return
		default:
			l.h.addFailure(token, err)
			if err := waitCtx(ctx, 50*time.Millisecond); err != nil {
				return
			}
		}
	}
}

// waitCtx pauses a failing client before it retries (a back-off, not a
// synchronisation).
func waitCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// filler is random text without the token delimiters.
func filler(rng *rand.Rand) string {
	s := oracle.Text(rng, rng.IntN(4))
	return strings.Map(func(r rune) rune {
		if r == '<' || r == '>' {
			return '_'
		}
		return r
	}, s)
}

// insertPoints lists the code point offsets (text-unicode's unit) of the
// local text that are not inside a token, so inserts never split one.
func insertPoints(d *client.Doc) ([]int, error) {
	s, err := docText(d)
	if err != nil {
		return nil, err
	}
	cuts := []int{0}
	inside, i := false, 0
	for _, r := range s {
		i++
		switch r {
		case '<':
			inside = true
		case '>':
			inside = false
		}
		if !inside {
			cuts = append(cuts, i)
		}
	}
	return cuts, nil
}

func docText(d *client.Doc) (string, error) {
	raw, err := d.Data()
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: data %.60q is not a string: %w", d.ID(), raw, err)
	}
	return s, nil
}

// waitAcks polls until at least n ops are acknowledged in total.
func (l *load) waitAcks(n int64, within time.Duration) {
	l.t.Helper()
	deadline := time.Now().Add(within)
	for l.h.acks.Load() < n {
		if time.Now().After(deadline) {
			l.t.Fatalf("only %d of %d acks after %v; errors: %q", l.h.acks.Load(), n, within, l.errs())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

func (l *load) errs() []string {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	return append([]string(nil), l.h.errs...)
}

// finish waits for every edit loop to end.
func (l *load) finish() {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(4 * time.Minute):
		l.t.Fatal("edit loops did not end")
	}
}

func (l *load) stop() {
	l.cancel()
	l.wg.Wait()
}

// insertOp is text-unicode's op inserting s at code point pos.
func insertOp(pos int, s string) []any {
	if pos == 0 {
		return []any{s}
	}
	return []any{float64(pos), s}
}

func (l *load) failures() int {
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	return l.h.nFailed
}

// refetch fetches a document left without a snapshot (see work).
func refetch(ctx context.Context, d *client.Doc) {
	if _, ok := d.Version(); ok {
		return
	}
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = d.Fetch(fctx) // failure: tried again later
}

// submitOne inserts token at the start of d for g and returns its ack.
func (l *load) submitOne(g *goClient, d *client.Doc, token string) ack {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Submit(ctx, insertOp(0, token)); err != nil {
		l.t.Fatalf("%s: submit %s: %v", g.name, token, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sent[d.ID()]
	return ack{doc: d.ID(), src: s.Src, seq: s.Seq, token: token}
}
