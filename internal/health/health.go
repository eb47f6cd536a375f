// Package health answers whether a Weft instance should receive traffic:
// its dependencies (the store, Redis) are pinged periodically, and the
// instance is ready while every ping last succeeded and it is not
// draining. Liveness (the process answers HTTP) needs nothing from here.
package health

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check is one dependency: Ping must return nil when it is reachable.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Options configures New.
type Options struct {
	// Checks are the dependencies to ping.
	Checks []Check
	// Interval between two rounds of pings (default 5 s); Timeout bounds
	// one ping (default 2 s).
	Interval, Timeout time.Duration
	// Draining reports whether the instance is draining (it is then not
	// ready, whatever the pings say). Optional.
	Draining func() bool
	// Report, when set, is told each ping's outcome (for metrics).
	Report func(name string, up bool)
	// Logger receives changes of a dependency's state (default: discard).
	Logger *slog.Logger
}

// Checker pings the dependencies and keeps their last outcome. Its methods
// are safe for concurrent use.
type Checker struct {
	opts Options

	mu     sync.Mutex
	failed map[string]string // name -> last error, for failing checks
	seen   map[string]bool   // checks pinged at least once
}

// New returns a Checker; call Run to start pinging. Until a check's first
// ping completes the instance is not ready.
func New(opts Options) *Checker {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Checker{opts: opts, failed: map[string]string{}, seen: map[string]bool{}}
}

// Run pings every check at once, then every Interval, until ctx ends.
func (c *Checker) Run(ctx context.Context) {
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	for {
		c.CheckNow(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckNow pings every check once, concurrently, and records the outcomes.
func (c *Checker) CheckNow(ctx context.Context) {
	var wg sync.WaitGroup
	for _, ch := range c.opts.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
			err := ch.Ping(pctx)
			cancel()
			if ctx.Err() != nil {
				return // stopping: not the dependency's fault
			}
			c.record(ch.Name, err)
		}()
	}
	wg.Wait()
}

func (c *Checker) record(name string, err error) {
	c.mu.Lock()
	_, wasFailing := c.failed[name]
	first := !c.seen[name]
	c.seen[name] = true
	if err != nil {
		c.failed[name] = err.Error()
	} else {
		delete(c.failed, name)
	}
	c.mu.Unlock()
	switch {
	case err != nil && (first || !wasFailing):
		c.opts.Logger.Warn("dependency unreachable", "dependency", name, "err", err)
	case err == nil && wasFailing:
		c.opts.Logger.Info("dependency reachable again", "dependency", name)
	}
	if c.opts.Report != nil {
		c.opts.Report(name, err == nil)
	}
}

// Status is the readiness answer, as /readyz serves it in JSON.
type Status struct {
	Ready    bool `json:"ready"`
	Draining bool `json:"draining,omitempty"`
	// Failing maps each unreachable (or not yet checked) dependency to its
	// last error.
	Failing map[string]string `json:"failing,omitempty"`
	// Checked lists the dependencies whose last ping succeeded.
	Checked []string `json:"ok,omitempty"`
}

// Status reports readiness: not draining and every check's last ping
// succeeded.
func (c *Checker) Status() Status {
	s := Status{Failing: map[string]string{}}
	if c.opts.Draining != nil && c.opts.Draining() {
		s.Draining = true
	}
	c.mu.Lock()
	for _, ch := range c.opts.Checks {
		switch msg, failing := c.failed[ch.Name]; {
		case failing:
			s.Failing[ch.Name] = msg
		case !c.seen[ch.Name]:
			s.Failing[ch.Name] = "not checked yet"
		default:
			s.Checked = append(s.Checked, ch.Name)
		}
	}
	c.mu.Unlock()
	sort.Strings(s.Checked)
	s.Ready = !s.Draining && len(s.Failing) == 0
	return s
}

// ReadyHandler serves Status as JSON: 200 when ready, else 503, e.g.
// {"ready":false,"draining":true} or
// {"ready":false,"failing":{"store":"dial tcp ...: connection refused"}}.
func (c *Checker) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s := c.Status()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !s.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(s)
	})
}
