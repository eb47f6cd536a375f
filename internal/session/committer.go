package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/weftdev/weft/internal/ot"
)

// committer batches concurrent commits of many documents into one
// Store.Commit call (one fsync in the durable store). Each document sends at
// most one commit at a time and waits for its result. Up to workers
// Store.Commit calls run at once; requests that arrive while all are busy
// wait and go out together in the next one.
type committer struct {
	store   Store
	obs     Observer
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
	// rebases carries the store's Commit.Rebase calls to the committing
	// document's goroutine, which waits in commit meanwhile.
	rebases chan rebaseCall
}

// rebaseCall is one Commit.Rebase call handed to the document goroutine.
type rebaseCall struct {
	missed []ot.Op
	reply  chan rebaseReply // buffered, 1
}

type rebaseReply struct {
	next Commit
	ok   bool
}

type commitRes struct {
	ok  bool
	err error
}

func newCommitter(s Store, maxBatch, workers int, timeout time.Duration, obs Observer) *committer {
	c := &committer{store: s, obs: obs, max: maxBatch, workers: max(workers, 1), timeout: timeout, reqs: make(chan *commitReq, maxBatch), done: make(chan struct{})}
	c.wg.Add(c.workers)
	for range c.workers {
		go c.run()
	}
	return c
}

// commit appends one document's ops and reports whether its version was
// still free. When rebase is set and the store supports it, a lost race is
// resolved inside the store's transaction: rebase runs on the caller's
// goroutine (while commit waits) with the ops committed since cm's first
// version, and returns the commit to write instead; ok then reports
// whether that one was written.
func (c *committer) commit(cm Commit, rebase func(missed []ot.Op) (Commit, bool)) (bool, error) {
	r := &commitReq{commit: cm, res: make(chan commitRes, 1)}
	if rebase != nil {
		r.rebases = make(chan rebaseCall)
		r.commit.Rebase = func(missed []ot.Op) (Commit, bool) {
			call := rebaseCall{missed: missed, reply: make(chan rebaseReply, 1)}
			r.rebases <- call // the caller waits in commit until res is sent
			rep := <-call.reply
			return rep.next, rep.ok
		}
	}
	select {
	case c.reqs <- r:
	case <-c.done:
		return false, ErrShutdown
	}
	for {
		select {
		case res := <-r.res:
			return res.ok, res.err
		case call := <-r.rebases:
			next, ok := rebase(call.missed)
			call.reply <- rebaseReply{next, ok}
		}
	}
}

// run is one of the committer's workers: it waits for a request, takes
// every request queued behind it (up to max) and commits them together.
// workers of them run, so while all are committing, requests queue and go
// out together in the next free worker's batch.
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
