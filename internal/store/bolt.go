package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names of the embedded store's file (layout in doc.go).
var (
	bucketMeta  = []byte("meta")
	bucketHeads = []byte("heads")
	bucketOps   = []byte("ops")
	bucketSnaps = []byte("snapshots")
	bucketTimes = []byte("times")
	keyFormat   = []byte("format")
)

// boltFormat identifies the layout; a file with another format is refused.
const boltFormat = "weft-store-1"

// DefaultLockTimeout is how long OpenBolt waits for the file lock when
// BoltOptions.LockTimeout is zero.
const DefaultLockTimeout = time.Second

// ErrLocked is wrapped by OpenBolt's error when another process (or another
// open in this process) holds the file: the embedded store serves one
// instance only.
var ErrLocked = errors.New("store file is in use by another process (the embedded store serves one instance; run several instances on Postgres)")

// BoltOptions configures OpenBolt.
type BoltOptions struct {
	// LockTimeout bounds the wait for the file's exclusive lock;
	// zero means DefaultLockTimeout.
	LockTimeout time.Duration

	// holdIndex (tests only) keeps logged commits out of the bbolt index,
	// so that a test can leave a log to recover from.
	holdIndex bool
	// segmentBytes (tests only) replaces walSegmentBytes when positive.
	segmentBytes int64
}

// Bolt is the embedded, durable, single-file Store: the default when no
// database is configured. A Commit batch is appended to a commit log as
// one record and fdatasynced before Commit returns; the bbolt file, which
// indexes ops, snapshots and heads for reading, is updated behind the log
// by one goroutine, many logged batches per bbolt transaction, and a log
// segment is deleted once everything in it is durable in bbolt. OpenBolt
// replays what the index lacks. It is safe for concurrent use by one
// process; a second process cannot open the same file.
type Bolt struct {
	db     *bolt.DB
	path   string
	logger *slog.Logger
	hold   bool // BoltOptions.holdIndex
	// segmentBytes is the size past which the log starts a new segment.
	segmentBytes int64

	// commitMu serialises Commit and WriteSnapshot: their head decisions,
	// the log appends and wal.
	commitMu sync.Mutex
	wal      *walFile
	nextSeq  uint64

	// mu guards the fields below, shared with the index goroutine and
	// readers.
	mu sync.Mutex
	// pending are the logged records not yet in the index, in order.
	pending []*pendingRecord
	// pendingBytes is the log size of pending, for backpressure.
	pendingBytes int
	// docs holds, for each document (by head key) with logged changes not
	// yet in the index, its head including them and the last record's seq.
	docs map[string]pendingDoc
	// logged is the seq of the newest logged record; indexed, of the newest
	// record durable in the index.
	logged, indexed uint64
	// indexedCh is closed (and replaced) whenever indexed advances or the
	// store fails.
	indexedCh chan struct{}
	// sealed are full log segments no longer appended to, with the seq of
	// their last record; deleted once indexed reaches it.
	sealed []sealedSegment
	// failed is set when the log or the index could not be written: the
	// store then refuses commits (what the log holds is recovered at the
	// next open).
	failed error
	closed bool

	kick  chan struct{} // buffered 1: wakes the index goroutine
	hurry chan struct{} // buffered 1: a reader waits for the index
	done  chan struct{} // closed by Close
	idle  chan struct{} // closed when the index goroutine has returned
}

type pendingRecord struct {
	seq     uint64
	entries []*encodedCommit
	size    int
}

type pendingDoc struct {
	head int64
	seq  uint64
}

type sealedSegment struct {
	seg     walSegment
	lastSeq uint64
}

// walSegmentBytes is the size past which the index goroutine starts a new
// log segment, so that the log's disk use stays bounded.
const walSegmentBytes = 8 << 20

// maxPendingBytes bounds the logged bytes waiting for the index: Commit
// waits for the index goroutine beyond it.
const maxPendingBytes = 64 << 20

// OpenBolt opens or creates the store file at path, replaying into it what
// its commit log (files path.log.*) holds beyond it. It fails with an error
// wrapping ErrLocked if another process holds the file, refuses files
// written in another layout, and refuses a damaged commit log (a torn last
// record, the trace of a crash during a write that was never acknowledged,
// is not damage: the log ends before it).
func OpenBolt(path string, opts BoltOptions, logger *slog.Logger) (*Bolt, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.Update(initBuckets); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Bolt{
		db: db, path: path, logger: logger, hold: opts.holdIndex,
		docs:      map[string]pendingDoc{},
		indexedCh: make(chan struct{}),
		kick:      make(chan struct{}, 1),
		hurry:     make(chan struct{}, 1),
		done:      make(chan struct{}),
		idle:      make(chan struct{}),
		nextSeq:   1,

		segmentBytes: walSegmentBytes,
	}
	if opts.segmentBytes > 0 {
		s.segmentBytes = opts.segmentBytes
	}
	gen, err := s.recover()
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if s.wal, err = createWALSegment(path, gen); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	go s.indexLoop()
	logger.Info("store opened", "path", path)
	return s, nil
}

// recover replays the commit log's records into the index (skipping what
// it already holds), makes that durable, deletes the replayed segments and
// returns the generation for the next segment.
func (s *Bolt) recover() (uint64, error) {
	segs, err := listWALSegments(s.path)
	if err != nil {
		return 0, err
	}
	if len(segs) == 0 {
		return 1, nil
	}
	var records, entries, skipped int
	for _, seg := range segs {
		scan, err := readWALSegment(seg.path)
		if err != nil {
			return 0, err
		}
		if scan.tornAt >= 0 {
			s.logger.Warn("commit log ends in a torn record (a write cut short by a crash, never acknowledged); recovering the records before it",
				"segment", seg.path, "offset", scan.tornAt, "discarded_bytes", scan.size-scan.tornAt)
		}
		err = s.db.Update(func(tx *bolt.Tx) error {
			b, err := buckets(tx)
			if err != nil {
				return err
			}
			for _, rec := range scan.records {
				for i := range rec.entries {
					applied, err := b.applyEntry(&rec.entries[i], true)
					if err != nil {
						return fmt.Errorf("commit log %s record %d: %w", seg.path, rec.seq, err)
					}
					entries++
					if !applied {
						skipped++
					}
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		records += len(scan.records)
	}
	if err := removeWALSegments(segs); err != nil {
		return 0, err
	}
	s.logger.Info("commit log replayed", "segments", len(segs), "records", records,
		"entries", entries, "already_indexed", skipped)
	return segs[len(segs)-1].gen + 1, nil
}

// initBuckets creates the buckets of a new file and checks the format of
// an existing one.
func initBuckets(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		if tx.Bucket(bucketHeads) != nil {
			return errors.New("file has data but no format marker")
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(boltFormat)); err != nil {
			return err
		}
	}
	if f := string(meta.Get(keyFormat)); f != boltFormat {
		return fmt.Errorf("file format %q, want %q", f, boltFormat)
	}
	for _, name := range [][]byte{bucketHeads, bucketOps, bucketSnaps, bucketTimes} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// boltTx gives a transaction's buckets, all of which initBuckets created.
type boltTx struct {
	heads, ops, snaps, times *bolt.Bucket
}

func buckets(tx *bolt.Tx) (boltTx, error) {
	b := boltTx{
		heads: tx.Bucket(bucketHeads),
		ops:   tx.Bucket(bucketOps),
		snaps: tx.Bucket(bucketSnaps),
		times: tx.Bucket(bucketTimes),
	}
	if b.heads == nil || b.ops == nil || b.snaps == nil || b.times == nil {
		return boltTx{}, errors.New("store file lacks its buckets")
	}
	return b, nil
}

// applyEntry writes one logged entry (a document's ops, or a snapshot
// alone) into the index. Logged ops always continue the index's head, except
// in replay, where an entry the index already holds (it was indexed before
// the crash, its segment not yet deleted) is skipped, reported by false.
// Anything else means the log and the index disagree: an error.
func (b boltTx) applyEntry(e *encodedCommit, replay bool) (bool, error) {
	hk := headKey(e.collection, e.id)
	h, err := decodeHeadValue(b.heads.Get(hk))
	if err != nil {
		return false, fmt.Errorf("store: head %q/%q (key %x): %w", e.collection, e.id, hk, err)
	}
	prefix := docPrefix(e.collection, e.id)
	if len(e.ops) == 0 {
		if e.snapVersion > h.head {
			return false, fmt.Errorf("store: logged snapshot %q/%q v%d beyond the indexed head v%d", e.collection, e.id, e.snapVersion, h.head)
		}
		if err := b.snaps.Put(versionKey(prefix, e.snapVersion), e.snap); err != nil {
			return false, fmt.Errorf("store: put snapshot %q/%q v%d: %w", e.collection, e.id, e.snapVersion, err)
		}
		return true, nil
	}
	last := e.first + int64(len(e.ops))
	switch {
	case replay && last <= h.head:
		return false, nil
	case e.first != h.head:
		return false, fmt.Errorf("store: logged ops %q/%q v%d..v%d do not continue the indexed head v%d", e.collection, e.id, e.first, last-1, h.head)
	}
	for j, rec := range e.ops {
		v := e.first + int64(j)
		if err := b.ops.Put(versionKey(prefix, v), rec); err != nil {
			return false, fmt.Errorf("store: put op %q/%q v%d: %w", e.collection, e.id, v, err)
		}
		if ts := e.ts[j]; v == 0 || ts > h.maxTs {
			h.maxTs = ts
			if err := b.times.Put(timeKey(prefix, ts, v), nil); err != nil {
				return false, fmt.Errorf("store: put time %q/%q v%d: %w", e.collection, e.id, v, err)
			}
		}
	}
	h.head = last
	if err := b.heads.Put(hk, h.encode()); err != nil {
		return false, fmt.Errorf("store: put head %q/%q: %w", e.collection, e.id, err)
	}
	if e.snap != nil {
		if err := b.snaps.Put(versionKey(prefix, e.snapVersion), e.snap); err != nil {
			return false, fmt.Errorf("store: put snapshot %q/%q v%d: %w", e.collection, e.id, e.snapVersion, err)
		}
	}
	return true, nil
}

// Ping checks that the store still takes commits (its commit log and index
// have not failed) and that the file is open and readable (for health
// checks).
func (s *Bolt) Ping(context.Context) error {
	s.mu.Lock()
	err := s.usableLocked()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("no meta bucket")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: %s: %w", s.path, err)
	}
	return nil
}
