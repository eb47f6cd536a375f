package session

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// committer batches concurrent commits of many documents into one
// Store.Commit call (one fsync in the durable store). Each document sends at
// most one commit at a time and waits for its result. Up to workers
// Store.Commit calls run at once; requests that arrive while all are busy
// wait and go out together in the next one.
type committer struct {
	store   Store
	max     int
	workers int
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

func newCommitter(s Store, maxBatch, workers int, timeout time.Duration) *committer {
	c := &committer{store: s, max: maxBatch, workers: max(workers, 1), timeout: timeout, reqs: make(chan *commitReq, maxBatch), done: make(chan struct{})}
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
	busy := make(chan struct{}, c.workers) // one token per Store.Commit under way
	for {
		select {
		case busy <- struct{}{}:
		case <-c.done:
			return
		}
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
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.flush(batch)
			<-busy
		}()
	}
}

func (c *committer) flush(batch []*commitReq) {
	commits := make([]Commit, len(batch))
	for i, r := range batch {
		commits[i] = r.commit
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	oks, err := c.store.Commit(ctx, commits)
	cancel()
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
