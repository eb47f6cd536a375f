package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// Key layout of the embedded store (see doc.go). Names are length-prefixed
// with a uvarint, which is prefix-free, so a document's prefix is never a
// prefix of another document's keys and a collection's prefix never a prefix
// of another collection's keys.

// docPrefix is uvarint(len c) c uvarint(len id) id: the prefix of every op,
// snapshot and time key of one document.
func docPrefix(collection, id string) []byte {
	b := make([]byte, 0, 2*binary.MaxVarintLen64+len(collection)+len(id)+16)
	b = binary.AppendUvarint(b, uint64(len(collection)))
	b = append(b, collection...)
	b = binary.AppendUvarint(b, uint64(len(id)))
	return append(b, id...)
}

// collPrefix is uvarint(len c) c: the prefix of a collection's head keys.
func collPrefix(collection string) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(collection))
	b = binary.AppendUvarint(b, uint64(len(collection)))
	return append(b, collection...)
}

// headKey is collPrefix(c) id: head keys sort by raw id bytes within a
// collection, which is List's order.
func headKey(collection, id string) []byte {
	return append(collPrefix(collection), id...)
}

// versionKey is prefix followed by the big-endian version, so a document's
// ops (or snapshots) sort by version.
func versionKey(prefix []byte, v int64) []byte {
	k := make([]byte, len(prefix), len(prefix)+8)
	copy(k, prefix)
	return binary.BigEndian.AppendUint64(k, uint64(v))
}

// timeKey is prefix, the order-preserving encoding of ts, then the version
// of the first op whose running-maximum timestamp reached ts.
func timeKey(prefix []byte, ts, v int64) []byte {
	k := make([]byte, len(prefix), len(prefix)+16)
	copy(k, prefix)
	k = binary.BigEndian.AppendUint64(k, orderedTs(ts))
	return binary.BigEndian.AppendUint64(k, uint64(v))
}

// orderedTs maps int64 to uint64 preserving order (sign bit flipped).
func orderedTs(ts int64) uint64 { return uint64(ts) ^ (1 << 63) }

// keyVersion parses the trailing version of a key under prefix whose suffix
// must be exactly suffixLen bytes.
func keyVersion(k, prefix []byte, suffixLen int) (int64, error) {
	if len(k) != len(prefix)+suffixLen || !bytes.HasPrefix(k, prefix) {
		return 0, fmt.Errorf("malformed key %x", k)
	}
	v := binary.BigEndian.Uint64(k[len(k)-8:])
	if v > math.MaxInt64 {
		return 0, fmt.Errorf("key %x: version out of range", k)
	}
	return int64(v), nil
}

// headValue is the value stored under a head key: the document's next
// version and the largest op timestamp committed so far.
type headValue struct {
	head  int64
	maxTs int64
}

func (h headValue) encode() []byte {
	b := make([]byte, 0, 16)
	b = binary.BigEndian.AppendUint64(b, uint64(h.head))
	return binary.BigEndian.AppendUint64(b, uint64(h.maxTs))
}

// decodeHeadValue decodes a head value; nil (no document) is version 0.
func decodeHeadValue(b []byte) (headValue, error) {
	if b == nil {
		return headValue{}, nil
	}
	if len(b) != 16 {
		return headValue{}, fmt.Errorf("head value has %d bytes, want 16", len(b))
	}
	h := headValue{
		head:  int64(binary.BigEndian.Uint64(b)),
		maxTs: int64(binary.BigEndian.Uint64(b[8:])),
	}
	if h.head < 0 {
		return headValue{}, fmt.Errorf("head value: negative version %d", h.head)
	}
	return h, nil
}
