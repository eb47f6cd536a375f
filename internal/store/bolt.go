package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/weftdev/weft/internal/ot"
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
}

// Bolt is the embedded, durable, single-file Store (bbolt): the default
// when no database is configured. Every Commit batch is one read-write
// transaction, fsynced before Commit returns. It is safe for concurrent use
// by one process; a second process cannot open the same file.
type Bolt struct {
	db     *bolt.DB
	path   string
	logger *slog.Logger
}

// OpenBolt opens or creates the store file at path. It fails with an error
// wrapping ErrLocked if another process holds the file, and refuses files
// written in another layout.
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
	logger.Info("store opened", "path", path)
	return &Bolt{db: db, path: path, logger: logger}, nil
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

// Close closes the file, releasing its lock. Calls after the first are
// no-ops; other methods fail after Close.
func (s *Bolt) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	s.logger.Info("store closed", "path", s.path)
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

// Commit implements session.Store.Commit. The whole batch is one bbolt
// read-write transaction and one fsync; on any error nothing of it is
// written (except when the fsync itself fails, which bbolt reports as an
// error with the outcome unknown).
func (s *Bolt) Commit(ctx context.Context, commits []ot.Commit) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	enc, err := encodeCommits(commits)
	if err != nil {
		return nil, err
	}
	results := make([]bool, len(enc))
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil { // cancelled while waiting for the writer lock
			return fmt.Errorf("store: commit: %w", err)
		}
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		for i := range enc {
			if results[i], err = b.commit(&enc[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// commit applies one commit inside the batch's transaction.
func (b boltTx) commit(e *encodedCommit) (bool, error) {
	hk := headKey(e.collection, e.id)
	h, err := decodeHeadValue(b.heads.Get(hk))
	if err != nil {
		return false, fmt.Errorf("store: head %q/%q (key %x): %w", e.collection, e.id, hk, err)
	}
	ok, err := appendOutcome(e, h.head)
	if !ok || err != nil {
		return false, err
	}
	prefix := docPrefix(e.collection, e.id)
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
	h.head = e.first + int64(len(e.ops))
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

// WriteSnapshot implements session.Store.WriteSnapshot. A snapshot beyond
// the document's head is refused with an error.
func (s *Bolt) WriteSnapshot(ctx context.Context, collection, id string, snap ot.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	rec, err := checkSnapshot(collection, id, snap)
	if err != nil {
		return fmt.Errorf("store: write snapshot %q/%q: %w", collection, id, err)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := buckets(tx)
		if err != nil {
			return err
		}
		hk := headKey(collection, id)
		h, err := decodeHeadValue(b.heads.Get(hk))
		if err != nil {
			return fmt.Errorf("store: head %q/%q (key %x): %w", collection, id, hk, err)
		}
		if snap.Version > h.head {
			return fmt.Errorf("store: write snapshot %q/%q v%d: %w: head is v%d", collection, id, snap.Version, ErrInvalid, h.head)
		}
		if err := b.snaps.Put(versionKey(docPrefix(collection, id), snap.Version), rec); err != nil {
			return fmt.Errorf("store: write snapshot %q/%q v%d: %w", collection, id, snap.Version, err)
		}
		return nil
	})
}

// Ping checks that the file is open and readable (for health checks).
func (s *Bolt) Ping(context.Context) error {
	err := s.db.View(func(tx *bolt.Tx) error {
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
