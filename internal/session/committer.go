package session

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// committer batches concurrent commits of many documents into one
// Store.Commit call (one fsync in the durable store). Each document sends at
// most one commit at a time and waits for its result.
type committer struct {
	store   Store
	obs     Observer
	max     int
	timeout time.Duration
	reqs    chan *commitReq
	done    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once
}

type commitReq struct {
	commit Commit
	res    chan commitRes // buffered, 1
}

type commitRes struct {
	ok  bool
	err error
}

func newCommitter(s Store, max int, timeout time.Duration, obs Observer) *committer {
	c := &committer{store: s, obs: obs, max: max, timeout: timeout, reqs: make(chan *commitReq, max), done: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	return c
}

// commit appends one document's ops and reports whether its version was
// still free.
func (c *committer) commit(cm Commit) (bool, error) {
	r := &commitReq{commit: cm, res: make(chan commitRes, 1)}
	select {
	case c.reqs <- r:
	case <-c.done:
		return false, ErrShutdown
	}
	res := <-r.res
	return res.ok, res.err
}

func (c *committer) run() {
	defer c.wg.Done()
	for {
		var first *commitReq
		select {
		case first = <-c.reqs:
		case <-c.done:
			return
		}
		batch := []*commitReq{first}
	drain:
		for len(batch) < c.max {
			select {
			case r := <-c.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		c.flush(batch)
	}
}

func (c *committer) flush(batch []*commitReq) {
	commits := make([]Commit, len(batch))
	ops := 0
	for i, r := range batch {
		commits[i] = r.commit
		ops += len(r.commit.Ops)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	oks, err := c.store.Commit(ctx, commits)
	cancel()
	c.obs.CommitFlushed(start, time.Since(start), len(commits), ops, err)
	if err == nil && len(oks) != len(batch) {
		err = fmt.Errorf("store returned %d results for %d commits", len(oks), len(batch))
	}
	for i, r := range batch {
		if err != nil {
			r.res <- commitRes{err: fmt.Errorf("commit %s/%s: %w", r.commit.Collection, r.commit.ID, err)}
			continue
		}
		r.res <- commitRes{ok: oks[i]}
	}
}

// close stops the committer after the batch under way; callers must have
// stopped committing.
func (c *committer) close() {
	c.once.Do(func() { close(c.done) })
	c.wg.Wait()
}
