package store

import (
	"errors"
	"fmt"

	"github.com/weftdev/weft/internal/ot"
)

// MaxNameBytes is the longest collection name or document id, in bytes, that
// the stores accept. Longer names are refused by Commit and WriteSnapshot.
const MaxNameBytes = 1024

// ErrInvalid is wrapped by errors about a malformed Commit batch or
// snapshot: nothing of the batch is written.
var ErrInvalid = errors.New("invalid commit")

// ErrVersionGap is wrapped by Commit's error when a commit's first op
// version is beyond the document's next version. Such a commit cannot come
// from a writer that read the head, so it is a caller bug, reported as an
// error (the whole batch is refused) rather than as false, which would send
// the caller into a reload-and-retry loop that cannot succeed.
var ErrVersionGap = errors.New("op version beyond the document's next version")

// encodedCommit is a validated commit with its ops and snapshot encoded,
// ready for either backend to write.
type encodedCommit struct {
	collection, id string
	first          int64
	ops            [][]byte
	ts             []int64
	snap           []byte // nil when the commit carries no snapshot
	snapVersion    int64
}

// checkNames refuses empty or oversized collection names and ids.
func checkNames(collection, id string) error {
	switch {
	case collection == "" || id == "":
		return fmt.Errorf("%w: empty collection or id", ErrInvalid)
	case len(collection) > MaxNameBytes || len(id) > MaxNameBytes:
		return fmt.Errorf("%w: collection or id longer than %d bytes", ErrInvalid, MaxNameBytes)
	}
	return nil
}

// encodeCommits validates and encodes a batch: each commit has at least one
// op, consecutive versions from a non-negative first version, well-formed
// ops, and a snapshot (if any) at the version after its last op.
func encodeCommits(commits []ot.Commit) ([]encodedCommit, error) {
	out := make([]encodedCommit, len(commits))
	for i, c := range commits {
		e, err := encodeCommit(c)
		if err != nil {
			return nil, fmt.Errorf("store: commit %d (%q/%q): %w", i, c.Collection, c.ID, err)
		}
		out[i] = e
	}
	return out, nil
}

func encodeCommit(c ot.Commit) (encodedCommit, error) {
	if err := checkNames(c.Collection, c.ID); err != nil {
		return encodedCommit{}, err
	}
	if len(c.Ops) == 0 {
		return encodedCommit{}, fmt.Errorf("%w: no ops", ErrInvalid)
	}
	e := encodedCommit{collection: c.Collection, id: c.ID, first: c.Ops[0].Version}
	if e.first < 0 {
		return encodedCommit{}, fmt.Errorf("%w: negative version %d", ErrInvalid, e.first)
	}
	for j, op := range c.Ops {
		if op.Version != e.first+int64(j) {
			return encodedCommit{}, fmt.Errorf("%w: op %d has version %d, want %d", ErrInvalid, j, op.Version, e.first+int64(j))
		}
		b, err := encodeOp(nil, op)
		if err != nil {
			return encodedCommit{}, fmt.Errorf("%w: op v%d: %w", ErrInvalid, op.Version, err)
		}
		e.ops = append(e.ops, b)
		e.ts = append(e.ts, op.Ts)
	}
	if c.Snapshot != nil {
		next := e.first + int64(len(c.Ops))
		if c.Snapshot.Version != next {
			return encodedCommit{}, fmt.Errorf("%w: snapshot version %d, want %d", ErrInvalid, c.Snapshot.Version, next)
		}
		b, err := encodeSnapshot(*c.Snapshot)
		if err != nil {
			return encodedCommit{}, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		e.snap, e.snapVersion = b, next
	}
	return e, nil
}

// checkSnapshot validates and encodes a snapshot for WriteSnapshot.
func checkSnapshot(collection, id string, snap ot.Snapshot) ([]byte, error) {
	if err := checkNames(collection, id); err != nil {
		return nil, err
	}
	if snap.Version < 0 {
		return nil, fmt.Errorf("%w: negative snapshot version %d", ErrInvalid, snap.Version)
	}
	b, err := encodeSnapshot(snap)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return b, nil
}

// appendOutcome decides one commit against the document's head: true when
// its first version is the head, false when taken, ErrVersionGap beyond.
func appendOutcome(e *encodedCommit, head int64) (bool, error) {
	switch {
	case e.first < head:
		return false, nil
	case e.first > head:
		return false, fmt.Errorf("store: commit %q/%q at v%d: %w (next is v%d)", e.collection, e.id, e.first, ErrVersionGap, head)
	}
	return true, nil
}
