package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/weftdev/weft/internal/ot"
)

// indexDelay is how long logged records gather before the index
// goroutine takes them, unless a reader is waiting.
const indexDelay = 250 * time.Millisecond

// errClosed is wrapped by errors of calls after Close.
var errClosed = errors.New("store closed")

// Commit implements session.Store.Commit. It decides every commit of the
// batch against the documents' heads (the index's, plus what the log holds
// beyond it), appends the winners to the commit log as one record and
// returns once that record is fdatasynced: one sequential write and one
// flush per batch, whatever its size. Invalid batches and version gaps
// write nothing. A failed write or flush leaves the outcome unknown (the
// record may or may not be on disk) and stops the store from accepting
// commits; the next OpenBolt recovers every complete record.
func (s *Bolt) Commit(ctx context.Context, commits []ot.Commit) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	enc, err := encodeCommits(commits)
	if err != nil {
		return nil, err
	}
	if err := s.waitBacklog(ctx); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if err := ctx.Err(); err != nil { // cancelled while waiting for the lock
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	keys := make([]string, len(enc))
	for i := range enc {
		keys[i] = string(headKey(enc[i].collection, enc[i].id))
	}
	heads, err := s.heads(keys)
	if err != nil {
		return nil, err
	}
	results := make([]bool, len(enc))
	winners := make([]*encodedCommit, 0, len(enc))
	winnerKeys := make([]string, 0, len(enc))
	for i := range enc {
		e := &enc[i]
		ok, err := appendOutcome(e, heads[keys[i]])
		if err != nil {
			return nil, err
		}
		if ok {
			heads[keys[i]] = e.first + int64(len(e.ops))
			results[i] = true
			winners = append(winners, e)
			winnerKeys = append(winnerKeys, keys[i])
		}
	}
	if len(winners) > 0 {
		if err := s.appendLog(winners, winnerKeys, heads); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// WriteSnapshot implements session.Store.WriteSnapshot: the snapshot goes
// through the commit log like ops. A snapshot beyond the document's head is
// refused with an error.
func (s *Bolt) WriteSnapshot(ctx context.Context, collection, id string, snap ot.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	rec, err := checkSnapshot(collection, id, snap)
	if err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	if err := s.waitBacklog(ctx); err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	key := string(headKey(collection, id))
	heads, err := s.heads([]string{key})
	if err != nil {
		return err
	}
	if snap.Version > heads[key] {
		return fmt.Errorf("store: write snapshot %q/%q v%d: %w: head is v%d", collection, id, snap.Version, ErrInvalid, heads[key])
	}
	e := &encodedCommit{collection: collection, id: id, first: snap.Version, snap: rec, snapVersion: snap.Version}
	return s.appendLog([]*encodedCommit{e}, []string{key}, heads)
}

// heads returns the heads of the documents with the given head keys: from
// the log's pending records where it holds some, else from the index.
// Callers hold commitMu, so no record is logged meanwhile; a document not
// pending is fully indexed.
func (s *Bolt) heads(keys []string) (map[string]int64, error) {
	heads := make(map[string]int64, len(keys))
	var missing []string
	s.mu.Lock()
	err := s.usableLocked()
	for _, k := range keys {
		if d, ok := s.docs[k]; ok {
			heads[k] = d.head
		} else {
			missing = append(missing, k)
		}
	}
	s.mu.Unlock()
	if err != nil || len(missing) == 0 {
		return heads, err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		for _, k := range missing {
			h, err := decodeHeadValue(b.heads.Get([]byte(k)))
			if err != nil {
				return fmt.Errorf("store: head (key %x) of %s: %w", k, describeHeadKey(k), err)
			}
			heads[k] = h.head
		}
		return nil
	})
	return heads, err
}

// describeHeadKey names the document of a head key for errors.
func describeHeadKey(k string) string {
	r := &walReader{b: []byte(k)}
	c := r.bytes("collection")
	if r.err != nil {
		return fmt.Sprintf("key %x", k)
	}
	return fmt.Sprintf("%q/%q", c, r.b)
}

// appendLog logs entries as one record and, once it is on disk, makes them
// pending for the index. heads gives each entry's document head after it.
// Callers hold commitMu.
func (s *Bolt) appendLog(entries []*encodedCommit, keys []string, heads map[string]int64) error {
	seq := s.nextSeq
	rec := appendWALRecord(nil, seq, entries)
	if err := s.wal.append(rec); err != nil {
		err = fmt.Errorf("%w (outcome unknown: the record may or may not be on disk; the store accepts no more commits until reopened)", err)
		s.fail(err)
		return err
	}
	s.nextSeq++
	s.mu.Lock()
	s.pending = append(s.pending, &pendingRecord{seq: seq, entries: entries, size: len(rec)})
	s.pendingBytes += len(rec)
	for _, k := range keys {
		s.docs[k] = pendingDoc{head: heads[k], seq: seq}
	}
	s.logged = seq
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// usableLocked reports why the store takes no commits, if it does not.
func (s *Bolt) usableLocked() error {
	switch {
	case s.failed != nil:
		return fmt.Errorf("store: %w", s.failed)
	case s.closed:
		return fmt.Errorf("store: %w", errClosed)
	}
	return nil
}

// fail stops the store after a write to the log or the index failed.
func (s *Bolt) fail(err error) {
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
		close(s.indexedCh)
		s.indexedCh = make(chan struct{})
	}
	s.mu.Unlock()
	s.logger.Error("embedded store stopped accepting commits; reopen it to recover the commit log", "error", err)
}

// waitBacklog waits while more than maxPendingBytes of log wait for the
// index, so a slow disk slows commits instead of growing memory.
func (s *Bolt) waitBacklog(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.pendingBytes > maxPendingBytes && s.failed == nil && !s.closed && !s.hold {
		ch := s.indexedCh
		s.mu.Unlock()
		s.hurryIndex()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			return ctx.Err()
		}
		s.mu.Lock()
	}
	return nil
}

// waitIndexed returns once the index holds every record logged so far for
// the document with head key key ("" for every document), so that reads
// see every commit that returned before they began. Documents without
// pending records never wait.
func (s *Bolt) waitIndexed(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	need := s.logged // fixed now: later commits must not keep the reader waiting
	if key != "" {
		need = s.docs[key].seq
	}
	for {
		if need <= s.indexed {
			return nil
		}
		if err := s.usableLocked(); err != nil {
			return err
		}
		ch := s.indexedCh
		s.mu.Unlock()
		s.hurryIndex()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			return ctx.Err()
		}
		s.mu.Lock()
	}
}

// indexLoop is the goroutine that moves logged records into the index, all
// that are pending in one bbolt transaction (fsynced by bbolt), and deletes
// log segments the index has made redundant. On Close it indexes what is
// left and returns.
func (s *Bolt) indexLoop() {
	defer close(s.idle)
	gen := s.wal.gen
	for {
		select {
		case <-s.kick:
		case <-s.done:
			s.indexPending()
			return
		}
		// Let records gather: the cost of a bbolt transaction is mostly per
		// page touched, so indexing many ops of a document at once is far
		// cheaper than indexing each as it comes. A reader waiting for the
		// index, or a full backlog, cuts the wait short.
		t := time.NewTimer(indexDelay)
		select {
		case <-t.C:
		case <-s.hurry:
		case <-s.done:
		}
		t.Stop()
		s.indexPending()
		s.trimLog(&gen)
	}
}

// hurryIndex asks the index goroutine to index now rather than after
// indexDelay: someone is waiting for it.
func (s *Bolt) hurryIndex() {
	select {
	case s.hurry <- struct{}{}:
	default:
	}
}

// indexPending indexes every pending record.
func (s *Bolt) indexPending() {
	s.mu.Lock()
	recs := s.pending
	if len(recs) == 0 || s.failed != nil || s.hold {
		s.mu.Unlock()
		return
	}
	s.pending = nil
	s.mu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			for _, e := range rec.entries {
				if _, err := b.applyEntry(e, false); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		s.fail(fmt.Errorf("index logged commits: %w", err))
		return
	}
	last := recs[len(recs)-1].seq
	s.mu.Lock()
	s.indexed = last
	for _, r := range recs {
		s.pendingBytes -= r.size
	}
	for k, d := range s.docs {
		if d.seq <= last {
			delete(s.docs, k)
		}
	}
	close(s.indexedCh)
	s.indexedCh = make(chan struct{})
	s.mu.Unlock()
}

// trimLog starts a new segment when the current one is large, and deletes
// sealed segments whose records are all indexed. gen is the current
// segment's generation, owned by the index goroutine.
func (s *Bolt) trimLog(gen *uint64) {
	s.commitMu.Lock()
	size := s.wal.size
	s.commitMu.Unlock()
	if size > s.segmentBytes {
		next, err := createWALSegment(s.path, *gen+1)
		if err != nil {
			s.logger.Warn("could not start a new commit log segment; appending to the current one", "error", err)
		} else {
			s.commitMu.Lock()
			old := s.wal
			s.wal = next
			lastSeq := s.nextSeq - 1
			s.commitMu.Unlock()
			*gen = next.gen
			if err := old.close(); err != nil {
				s.logger.Warn("closing a full commit log segment", "error", err)
			}
			s.mu.Lock()
			s.sealed = append(s.sealed, sealedSegment{seg: walSegment{gen: old.gen, path: old.path}, lastSeq: lastSeq})
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	var drop []walSegment
	keep := s.sealed[:0]
	for _, sg := range s.sealed {
		if sg.lastSeq <= s.indexed {
			drop = append(drop, sg.seg)
		} else {
			keep = append(keep, sg)
		}
	}
	s.sealed = keep
	s.mu.Unlock()
	if err := removeWALSegments(drop); err != nil {
		s.logger.Warn("could not delete indexed commit log segments (they are replayed harmlessly at the next open)", "error", err)
	}
}

// Close indexes every logged commit, deletes the commit log and closes the
// file, releasing its lock. Calls after the first are no-ops; other methods
// fail after Close. If the store had failed, the log is kept for the next
// open to recover and Close returns the failure.
func (s *Bolt) Close() error {
	s.commitMu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.commitMu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.commitMu.Unlock()
	close(s.done)
	<-s.idle

	s.mu.Lock()
	failed := s.failed
	clean := failed == nil && len(s.pending) == 0
	segs := make([]walSegment, 0, len(s.sealed)+1)
	for _, sg := range s.sealed {
		segs = append(segs, sg.seg)
	}
	close(s.indexedCh) // wake readers: they now fail with errClosed
	s.indexedCh = make(chan struct{})
	s.mu.Unlock()

	errs := []error{failed}
	errs = append(errs, s.wal.close())
	if clean {
		segs = append(segs, walSegment{gen: s.wal.gen, path: s.wal.path})
		errs = append(errs, removeWALSegments(segs))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close %s: %w", s.path, err))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.logger.Info("store closed", "path", s.path)
	return nil
}
