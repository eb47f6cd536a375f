package pubsub_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/pubsub"
)

// pubSub is session.PubSub as agreed with the session package (declared
// there on another branch); Redis must implement exactly this.
type pubSub interface {
	Publish(ctx context.Context, channel string, msg []byte) error
	Subscribe(ctx context.Context, channel string, deliver func(msg []byte)) (cancel func(), err error)
}

var _ pubSub = (*pubsub.Redis)(nil)

// wait bounds every wait for a message; tests never sleep to synchronise,
// they wait for the message they expect, and fail after this long.
const wait = 20 * time.Second

func testRedisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("WEFT_TEST_REDIS_URL")
	if u == "" {
		t.Skip("WEFT_TEST_REDIS_URL is not set: run `make test`, which starts a throwaway Redis")
	}
	return u
}

// uniquePrefix keeps each test's channels apart on a shared Redis.
func uniquePrefix() string { return "weft-test-" + rand.Text()[:10] + ":" }

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newRedis(t *testing.T, url, prefix string) *pubsub.Redis {
	t.Helper()
	r, err := pubsub.NewRedis(context.Background(), url, pubsub.RedisOptions{Prefix: prefix}, testLogger(t))
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// inbox collects what a subscription delivers.
type inbox chan string

func (in inbox) deliver(msg []byte) { in <- string(msg) }

func subscribe(t *testing.T, r *pubsub.Redis, channel string, in inbox) func() {
	t.Helper()
	cancel, err := r.Subscribe(context.Background(), channel, in.deliver)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", channel, err)
	}
	t.Cleanup(cancel)
	return cancel
}

func publish(t *testing.T, r *pubsub.Redis, channel, msg string) {
	t.Helper()
	if err := r.Publish(context.Background(), channel, []byte(msg)); err != nil {
		t.Fatalf("Publish(%q, %q): %v", channel, msg, err)
	}
}

// next returns the next message of in that is not a probe.
func next(t *testing.T, in inbox, what string) string {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m := <-in:
			if !strings.HasPrefix(m, "probe") {
				return m
			}
		case <-deadline:
			t.Fatalf("%s: no message within %v", what, wait)
			return ""
		}
	}
}

// awaitSubscribed publishes probes on channel until one reaches in, which
// proves the subscription is in place on Redis.
func awaitSubscribed(t *testing.T, pub *pubsub.Redis, channel string, in inbox) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(wait)
	for {
		_ = pub.Publish(context.Background(), channel, []byte("probe"))
		select {
		case m := <-in:
			if m != "probe" {
				t.Fatalf("awaiting a probe on %q: got %q", channel, m)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatalf("subscription to %q not in place after %v", channel, wait)
		}
	}
}

// TestRedisTwoInstances has two instances share one Redis: each receives
// the other's messages and its own, in publish order.
func TestRedisTwoInstances(t *testing.T) {
	url, prefix := testRedisURL(t), uniquePrefix()
	a, b := newRedis(t, url, prefix), newRedis(t, url, prefix)
	inA, inB := make(inbox, 1000), make(inbox, 1000)
	subscribe(t, a, "c.d", inA)
	subscribe(t, b, "c.d", inB)
	awaitSubscribed(t, a, "c.d", inB)
	awaitSubscribed(t, b, "c.d", inA)
	const n = 200
	for i := range n {
		publish(t, a, "c.d", fmt.Sprint("m", i))
	}
	for i := range n {
		want := fmt.Sprint("m", i)
		if got := next(t, inB, "b"); got != want {
			t.Fatalf("b received %q, want %q", got, want)
		}
		if got := next(t, inA, "a (own message)"); got != want {
			t.Fatalf("a received %q, want %q", got, want)
		}
	}
	// Another prefix on the same Redis hears nothing of this one.
	other := newRedis(t, url, uniquePrefix())
	inOther := make(inbox, 10)
	subscribe(t, other, "c.d", inOther)
	awaitSubscribed(t, other, "c.d", inOther)
	publish(t, a, "c.d", "not for other")
	publish(t, other, "c.d", "for other")
	if got := next(t, inOther, "other"); got != "for other" {
		t.Errorf("other prefix received %q, want only its own message", got)
	}
}

// TestRedisPublishBatch: a batch reaches each channel's subscribers in
// order, interleaved channels included, and a mismatched batch is refused.
func TestRedisPublishBatch(t *testing.T) {
	url, prefix := testRedisURL(t), uniquePrefix()
	pub, sub := newRedis(t, url, prefix), newRedis(t, url, prefix)
	inX, inY := make(inbox, 1000), make(inbox, 1000)
	subscribe(t, sub, "x", inX)
	subscribe(t, sub, "y", inY)
	awaitSubscribed(t, pub, "x", inX)
	awaitSubscribed(t, pub, "y", inY)
	var channels []string
	var msgs [][]byte
	for i := range 300 {
		ch := "x"
		if i%3 == 0 {
			ch = "y"
		}
		channels = append(channels, ch)
		msgs = append(msgs, []byte(fmt.Sprint(ch, i)))
	}
	if err := pub.PublishBatch(context.Background(), channels, msgs); err != nil {
		t.Fatalf("PublishBatch: %v", err)
	}
	for i, ch := range channels {
		in := inX
		if ch == "y" {
			in = inY
		}
		if got, want := next(t, in, ch), string(msgs[i]); got != want {
			t.Fatalf("%s received %q, want %q", ch, got, want)
		}
	}
	if err := pub.PublishBatch(context.Background(), []string{"x"}, nil); err == nil {
		t.Error("PublishBatch with 1 channel and 0 messages: no error")
	}
	// The counts are PUBLISH's replies: x has one subscribing client, z none.
	counts, err := pub.PublishBatchCount(context.Background(), []string{"x", "z"}, [][]byte{[]byte("c1"), []byte("c2")})
	if err != nil || !slices.Equal(counts, []int64{1, 0}) {
		t.Errorf("PublishBatchCount = %v, %v; want [1 0]", counts, err)
	}
}

// TestRedisUnsubscribe checks reference-counted subscriptions: cancelling
// one of two subscribers of a channel leaves the other, cancelling the last
// stops delivery, cancel works from inside deliver and twice.
func TestRedisUnsubscribe(t *testing.T) {
	url, prefix := testRedisURL(t), uniquePrefix()
	pub, r := newRedis(t, url, prefix), newRedis(t, url, prefix)
	first, second, sentinel := make(inbox, 100), make(inbox, 100), make(inbox, 100)
	cancelFirst := subscribe(t, r, "x", first)
	cancelSecond := subscribe(t, r, "x", second)
	subscribe(t, r, "y", sentinel)
	awaitSubscribed(t, pub, "x", first)
	awaitSubscribed(t, pub, "y", sentinel)

	cancelFirst()
	cancelFirst() // a second call does nothing
	publish(t, pub, "x", "one")
	if got := next(t, second, "second"); got != "one" {
		t.Fatalf("second received %q, want one", got)
	}
	// Deliveries run in order on one goroutine: once the sentinel has its
	// message, every call for "one" is over.
	publish(t, pub, "y", "s1")
	next(t, sentinel, "sentinel")
	if m := drain(first); len(m) != 0 {
		t.Errorf("cancelled subscriber received %q", m)
	}

	// The last subscriber cancels itself from inside deliver.
	selfIn := make(inbox, 100)
	cancelCh := make(chan func(), 1) // hands the cancel function to deliver
	cancelSelf, err := r.Subscribe(context.Background(), "z", func(msg []byte) {
		selfIn <- string(msg)
		if string(msg) == "stop" {
			(<-cancelCh)()
		}
	})
	if err != nil {
		t.Fatalf("Subscribe(z): %v", err)
	}
	cancelCh <- cancelSelf
	awaitSubscribed(t, pub, "z", selfIn)
	publish(t, pub, "z", "stop")
	publish(t, pub, "z", "after stop")
	cancelSecond()
	publish(t, pub, "x", "two")
	publish(t, pub, "y", "s2")
	if got := next(t, sentinel, "sentinel"); got != "s2" {
		t.Fatalf("sentinel received %q, want s2", got)
	}
	if got := next(t, selfIn, "self"); got != "stop" {
		t.Errorf("self-cancelling subscriber received %q, want stop", got)
	}
	if m := drain(selfIn); len(m) != 0 {
		t.Errorf("self-cancelled subscriber then received %q", m)
	}
	if m := drain(second); len(m) != 0 {
		t.Errorf("cancelled last subscriber received %q", m)
	}
}

// drain returns the non-probe messages waiting in in.
func drain(in inbox) []string {
	var out []string
	for {
		select {
		case m := <-in:
			if !strings.HasPrefix(m, "probe") {
				out = append(out, m)
			}
		default:
			return out
		}
	}
}

// TestRedisRestart restarts the Redis server under a subscribed instance:
// Publish fails while it is down, Resync fires once it is back, and
// delivery resumes on the same subscription.
func TestRedisRestart(t *testing.T) {
	testRedisURL(t)
	srv := startRedisServer(t)
	url, prefix := srv.url(), uniquePrefix()
	pub, r := newRedis(t, url, prefix), newRedis(t, url, prefix)
	in := make(inbox, 100)
	subscribe(t, r, "doc", in)
	awaitSubscribed(t, pub, "doc", in)
	publish(t, pub, "doc", "before")
	if got := next(t, in, "before restart"); got != "before" {
		t.Fatalf("received %q, want before", got)
	}
	select {
	case <-r.Resync():
		t.Fatalf("Resync fired before any reconnect")
	default:
	}

	srv.stop(t)
	if err := pub.Publish(context.Background(), "doc", []byte("lost")); err == nil {
		t.Errorf("Publish with Redis down: no error")
	}
	srv.start(t)

	select {
	case <-r.Resync():
	case <-time.After(wait):
		t.Fatalf("no Resync within %v of Redis coming back", wait)
	}
	awaitSubscribed(t, pub, "doc", in)
	publish(t, pub, "doc", "after")
	if got := next(t, in, "after restart"); got != "after" {
		t.Errorf("received %q after restart, want after", got)
	}
}

// redisServer is a redis-server process of the test's own, so that the
// test can stop and restart it.
type redisServer struct {
	port string
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server not found (install Debian's redis-server): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	s := &redisServer{port: port, dir: t.TempDir()}
	s.start(t)
	t.Cleanup(func() {
		if s.cmd != nil {
			s.stop(t)
		}
	})
	return s
}

func (s *redisServer) url() string { return "redis://127.0.0.1:" + s.port + "/0" }

// start runs redis-server and returns once it accepts connections.
func (s *redisServer) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", s.port,
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("redis-server stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "Ready to accept connections") {
				found = true
				ready <- true
			}
		}
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("redis-server on port %s exited before accepting connections", s.port)
		}
	case <-time.After(wait):
		t.Fatalf("redis-server on port %s not ready within %v", s.port, wait)
	}
}

func (s *redisServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Errorf("kill redis-server: %v", err)
	}
	_ = s.cmd.Wait()
	s.cmd = nil
}
