package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// The embedded store's commit log: segment files next to the bbolt file,
// named <file>.log.<generation as 16 hex digits>, each a sequence of
// records
//
//	u32 LE payload length | u32 LE CRC-32C of (length bytes, payload) | payload
//
// and each payload one group commit:
//
//	u64 LE sequence number | uvarint entry count | entries
//	entry: uvarint len(c) c | uvarint len(id) id | varint first version |
//	       uvarint op count | (varint ts | uvarint len | op JSON) per op |
//	       byte 0, or byte 1 | varint snapshot version | uvarint len | snapshot JSON
//
// An entry with no ops is a snapshot written by WriteSnapshot. Records are
// appended by one writer and fdatasynced before the commit they carry is
// acknowledged; the bbolt index catches up behind them (see Bolt).

// walMaxRecord bounds a record's payload; a larger length is corruption.
const walMaxRecord = 1 << 30

// walHeader is the size of a record header.
const walHeader = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errWALCorrupt is wrapped by errors about a log that cannot be replayed:
// a damaged record with more data after it (a torn last write is not an
// error: the log simply ends before it).
var errWALCorrupt = errors.New("commit log corrupt")

// walRecord is one decoded group commit.
type walRecord struct {
	seq     uint64
	entries []encodedCommit
}

// appendWALRecord appends the framed record of seq and entries to dst.
func appendWALRecord(dst []byte, seq uint64, entries []*encodedCommit) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, walHeader)...)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	dst = binary.AppendUvarint(dst, uint64(len(entries)))
	for _, e := range entries {
		dst = appendBytes(dst, []byte(e.collection))
		dst = appendBytes(dst, []byte(e.id))
		dst = binary.AppendVarint(dst, e.first)
		dst = binary.AppendUvarint(dst, uint64(len(e.ops)))
		for j, op := range e.ops {
			dst = binary.AppendVarint(dst, e.ts[j])
			dst = appendBytes(dst, op)
		}
		if e.snap == nil {
			dst = append(dst, 0)
		} else {
			dst = append(dst, 1)
			dst = binary.AppendVarint(dst, e.snapVersion)
			dst = appendBytes(dst, e.snap)
		}
	}
	n := len(dst) - start - walHeader
	binary.LittleEndian.PutUint32(dst[start:], uint32(n))
	crc := crc32.Update(0, castagnoli, dst[start:start+4])
	crc = crc32.Update(crc, castagnoli, dst[start+walHeader:])
	binary.LittleEndian.PutUint32(dst[start+4:], crc)
	return dst
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// walReader decodes a payload, remembering the first error.
type walReader struct {
	b   []byte
	err error
}

func (r *walReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: malformed %s", errWALCorrupt, what)
	}
}

func (r *walReader) uvarint(what string) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *walReader) varint(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *walReader) bytes(what string) []byte {
	n := r.uvarint(what)
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *walReader) byte(what string) byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail(what)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// decodeWALPayload decodes one record's payload (already checksummed). The
// entries alias payload.
func decodeWALPayload(payload []byte) (walRecord, error) {
	if len(payload) < 8 {
		return walRecord{}, fmt.Errorf("%w: record shorter than its sequence number", errWALCorrupt)
	}
	rec := walRecord{seq: binary.LittleEndian.Uint64(payload)}
	r := &walReader{b: payload[8:]}
	n := r.uvarint("entry count")
	if n > uint64(len(r.b)) { // every entry takes several bytes
		r.fail("entry count")
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		var e encodedCommit
		e.collection = string(r.bytes("collection"))
		e.id = string(r.bytes("id"))
		e.first = r.varint("first version")
		nops := r.uvarint("op count")
		if nops > uint64(len(r.b)) {
			r.fail("op count")
		}
		for j := uint64(0); j < nops && r.err == nil; j++ {
			e.ts = append(e.ts, r.varint("op timestamp"))
			e.ops = append(e.ops, r.bytes("op"))
		}
		switch r.byte("snapshot flag") {
		case 0:
		case 1:
			e.snapVersion = r.varint("snapshot version")
			e.snap = r.bytes("snapshot")
		default:
			r.fail("snapshot flag")
		}
		if r.err == nil {
			if err := checkNames(e.collection, e.id); err != nil {
				return walRecord{}, fmt.Errorf("%w: entry %d: %w", errWALCorrupt, i, err)
			}
			if e.first < 0 || (len(e.ops) == 0 && e.snap == nil) {
				return walRecord{}, fmt.Errorf("%w: entry %d of %q/%q is empty or has a negative version", errWALCorrupt, i, e.collection, e.id)
			}
		}
		rec.entries = append(rec.entries, e)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("record end (trailing bytes)")
	}
	if r.err != nil {
		return walRecord{}, r.err
	}
	return rec, nil
}

// walScan is what readWALSegment found in one segment.
type walScan struct {
	records []walRecord
	// tornAt is the offset of a damaged last record that ends the log (a
	// write cut short by a crash), or -1.
	tornAt int64
	size   int64
}

// readWALSegment reads every complete record of a segment. A damaged
// record that reaches the end of the file, or is followed only by zero
// bytes, is a torn last write: the log ends before it (reported in
// tornAt). A damaged record with other data after it is corruption: the
// error names the file and offset. So every complete record is recovered,
// and damage is never silently skipped over.
func readWALSegment(path string) (walScan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return walScan{}, fmt.Errorf("store: read commit log: %w", err)
	}
	return scanWAL(data, path)
}

// scanWAL is readWALSegment on the contents of the segment named path.
func scanWAL(data []byte, path string) (walScan, error) {
	scan := walScan{tornAt: -1, size: int64(len(data))}
	var lastSeq uint64
	for off := 0; off < len(data); {
		rec, next, recErr := parseWALRecord(data, off)
		if recErr == nil && len(scan.records) > 0 && rec.seq <= lastSeq {
			recErr = fmt.Errorf("%w: sequence %d after %d", errWALCorrupt, rec.seq, lastSeq)
		}
		if recErr != nil {
			if tornTail(data, off) {
				scan.tornAt = int64(off)
				return scan, nil
			}
			return walScan{}, fmt.Errorf("store: commit log %s: record at offset %d (%d bytes follow): %w", path, off, len(data)-off, recErr)
		}
		scan.records = append(scan.records, rec)
		lastSeq = rec.seq
		off = next
	}
	return scan, nil
}

// parseWALRecord checks and decodes the record at data[off:], returning
// the offset after it.
func parseWALRecord(data []byte, off int) (walRecord, int, error) {
	if len(data)-off < walHeader {
		return walRecord{}, 0, fmt.Errorf("%w: truncated header", errWALCorrupt)
	}
	n := binary.LittleEndian.Uint32(data[off:])
	if n == 0 || n > walMaxRecord {
		return walRecord{}, 0, fmt.Errorf("%w: record length %d", errWALCorrupt, n)
	}
	end := off + walHeader + int(n)
	if end > len(data) || end < off {
		return walRecord{}, 0, fmt.Errorf("%w: record of %d bytes truncated", errWALCorrupt, n)
	}
	crc := crc32.Update(0, castagnoli, data[off:off+4])
	crc = crc32.Update(crc, castagnoli, data[off+walHeader:end])
	if crc != binary.LittleEndian.Uint32(data[off+4:]) {
		return walRecord{}, 0, fmt.Errorf("%w: checksum mismatch", errWALCorrupt)
	}
	rec, err := decodeWALPayload(data[off+walHeader : end])
	if err != nil {
		return walRecord{}, 0, err
	}
	return rec, end, nil
}

// tornTail reports whether a damaged record at off can be the last write,
// cut short: its declared extent reaches the end of the file, or only zero
// bytes follow it.
func tornTail(data []byte, off int) bool {
	if len(data)-off < walHeader {
		return true
	}
	n := int64(binary.LittleEndian.Uint32(data[off:]))
	if int64(off)+walHeader+n >= int64(len(data)) {
		return true
	}
	return len(bytes.Trim(data[off:], "\x00")) == 0
}

// walSegment names one log segment file.
type walSegment struct {
	gen  uint64
	path string
}

// walSegmentPath is the file of generation gen of the log of dbPath.
func walSegmentPath(dbPath string, gen uint64) string {
	return fmt.Sprintf("%s.log.%016x", dbPath, gen)
}

// listWALSegments returns the log segments of dbPath in generation order.
func listWALSegments(dbPath string) ([]walSegment, error) {
	dir, base := filepath.Split(dbPath)
	if dir == "" {
		dir = "."
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("store: list commit log segments: %w", err)
	}
	prefix := base + ".log."
	var segs []walSegment
	for _, de := range names {
		name := de.Name()
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		hex := name[len(prefix):]
		gen, err := strconv.ParseUint(hex, 16, 64)
		if err != nil || len(hex) != 16 {
			return nil, fmt.Errorf("store: unexpected file %s next to the store (not a commit log segment)", filepath.Join(dir, name))
		}
		segs = append(segs, walSegment{gen: gen, path: filepath.Join(dir, name)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].gen < segs[j].gen })
	return segs, nil
}

// walFile is the segment being appended to. Its owner serialises calls.
type walFile struct {
	f    *os.File
	gen  uint64
	path string
	size int64
}

// createWALSegment creates generation gen's segment, empty, and makes its
// directory entry durable before anything is acknowledged from it.
func createWALSegment(dbPath string, gen uint64) (*walFile, error) {
	path := walSegmentPath(dbPath, gen)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: create commit log: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &walFile{f: f, gen: gen, path: path}, nil
}

// append writes rec and returns once it is on disk (fdatasync).
func (w *walFile) append(rec []byte) error {
	n, err := w.f.Write(rec)
	w.size += int64(n)
	if err != nil {
		return fmt.Errorf("store: write commit log %s: %w", w.path, err)
	}
	if err := fdatasync(w.f); err != nil {
		return fmt.Errorf("store: sync commit log %s: %w", w.path, err)
	}
	return nil
}

func (w *walFile) close() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("store: close commit log %s: %w", w.path, err)
	}
	return nil
}

// syncDir makes the directory's entries (created or removed files) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: sync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("store: sync directory %s: %w", dir, err)
	}
	return nil
}

// removeWALSegments deletes segments (all of whose records are durable in
// bbolt) and makes the deletion durable.
func removeWALSegments(segs []walSegment) error {
	if len(segs) == 0 {
		return nil
	}
	for _, s := range segs {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: remove commit log segment: %w", err)
		}
	}
	return syncDir(filepath.Dir(segs[0].path))
}
