package richtext

// A Delta's elements are held in chunks of at most chunkMax ops. Chunks
// are immutable once they belong to a Delta, so a Delta built from
// another (apply on a large document) shares every chunk it does not
// change: a keystroke copies one chunk, not the document.
const (
	chunkMin = 6
	chunkMax = 16
)

// chunk is a run of consecutive elements with summary data.
type chunk struct {
	ops     []Op // never modified; capacity clipped to length
	units   int  // total length of the elements (saturating)
	inserts bool // every element is an insert
}

func newChunk(ops []Op) chunk {
	c := chunk{ops: ops[:len(ops):len(ops)], inserts: true}
	for _, o := range ops {
		c.units = addLen(c.units, o.n)
		if !o.isInsert() {
			c.inserts = false
		}
	}
	return c
}

// chunkOps splits a list of elements into chunks.
func chunkOps(ops []Op) []chunk {
	if len(ops) == 0 {
		return nil
	}
	out := make([]chunk, 0, (len(ops)+chunkMax-1)/chunkMax)
	for len(ops) > chunkMax {
		out = append(out, newChunk(ops[:chunkMax]))
		ops = ops[chunkMax:]
	}
	return append(out, newChunk(ops))
}

// flatten returns all elements in one slice.
func flatten(cs []chunk) []Op {
	if len(cs) == 1 {
		return cs[0].ops
	}
	n := 0
	for _, c := range cs {
		n += len(c.ops)
	}
	out := make([]Op, 0, n)
	for _, c := range cs {
		out = append(out, c.ops...)
	}
	return out
}

func countOps(cs []chunk) int {
	n := 0
	for _, c := range cs {
		n += len(c.ops)
	}
	return n
}

// builder accumulates elements with quill-delta's push rules into sealed
// (possibly shared) chunks followed by an owned tail.
type builder struct {
	done []chunk
	tail []Op
	out  *Delta // the Delta delta() fills
}

// newBuilder returns a builder for a new Delta; capacity is a guess at
// the number of elements. The first elements' room is allocated with the
// Delta (the tail grows by append beyond it).
func newBuilder(capacity int) builder {
	if capacity <= 4 {
		x := &delta4{}
		return builder{tail: x.ops[:0], out: &x.d}
	}
	x := &delta8{}
	return builder{tail: x.ops[:0], out: &x.d}
}

// last returns the last element, if any.
func (b *builder) last() (Op, bool) {
	if n := len(b.tail); n > 0 {
		return b.tail[n-1], true
	}
	if n := len(b.done); n > 0 {
		ops := b.done[n-1].ops
		return ops[len(ops)-1], true
	}
	return Op{}, false
}

// unseal moves the last two elements of the last sealed chunk back into
// the tail (copying them), so push can see and merge with the elements
// before the tail: push looks at no more than the last two. The rest of
// the chunk stays shared.
func (b *builder) unseal() {
	n := len(b.done)
	if n == 0 {
		return
	}
	prev := b.done[n-1].ops
	keep := max(len(prev)-2, 0)
	moved := prev[keep:]
	if need := len(moved) + len(b.tail); need <= cap(b.tail) {
		// Room in the tail: shift it and put the elements in front.
		old := len(b.tail)
		b.tail = b.tail[:need]
		copy(b.tail[len(moved):], b.tail[:old])
		copy(b.tail, moved)
	} else {
		tail := make([]Op, 0, need+4)
		b.tail = append(append(tail, moved...), b.tail...)
	}
	if keep > 0 {
		b.done[n-1] = newChunk(prev[:keep])
	} else {
		b.done = b.done[:n-1]
	}
}

// seal closes the tail as a chunk, keeping its last keep elements open.
func (b *builder) seal(keep int) {
	n := len(b.tail) - keep
	if n <= 0 {
		return
	}
	b.done = append(b.done, newChunk(b.tail[:n]))
	b.tail = b.tail[n:]
}

// appendRaw appends o without merging (Array#push).
func (b *builder) appendRaw(o Op) {
	b.tail = append(b.tail, o)
	if len(b.tail) > chunkMax {
		b.seal(2)
	}
}

// appendChunk appends a chunk's elements without merging, sharing the
// chunk when that does not leave many small chunks behind.
func (b *builder) appendChunk(c chunk) {
	switch {
	case len(c.ops) == 0:
	case len(b.tail) > 0 && len(b.tail)+len(c.ops) <= chunkMax:
		b.tail = append(b.tail, c.ops...)
	case len(b.tail) == 0 && len(b.done) > 0 && len(b.done[len(b.done)-1].ops)+len(c.ops) <= chunkMin:
		last := b.done[len(b.done)-1].ops
		merged := make([]Op, 0, len(last)+len(c.ops))
		b.done[len(b.done)-1] = newChunk(append(append(merged, last...), c.ops...))
	default:
		b.seal(0)
		b.done = append(b.done, c)
	}
}

// appendView appends elements without merging: a few are copied into the
// tail, more are shared as a chunk of their own (so applying an edit to a
// large document copies only the elements it changes).
func (b *builder) appendView(ops []Op) {
	if len(ops) < chunkMin && len(b.tail)+len(ops) <= chunkMax {
		b.tail = append(b.tail, ops...)
		return
	}
	b.seal(0)
	b.done = append(b.done, newChunk(ops))
}

// appendChunks appends every chunk's elements without merging: the first
// by appendChunk's rules, the others shared in one go.
func (b *builder) appendChunks(cs []chunk) {
	if len(cs) == 0 {
		return
	}
	b.appendChunk(cs[0])
	if len(cs) > 1 {
		b.seal(0)
		for _, c := range cs[1:] {
			if len(c.ops) > 0 { // the builder never holds empty chunks
				b.done = append(b.done, c)
			}
		}
	}
}

func (b *builder) delta() *Delta {
	b.compact()
	d := b.out
	if d == nil {
		d = &Delta{}
	}
	if len(b.done) == 0 && len(b.tail) > 0 {
		d.one[0] = newChunk(b.tail)
		d.chunks = d.one[:]
		return d
	}
	b.seal(0)
	d.chunks = b.done
	return d
}

// compact re-chunks the result when edits have left it with many more
// chunks than its size needs (each edit can leave a small chunk behind).
// Its O(n) cost is paid once per about n/chunkMin edits.
func (b *builder) compact() {
	if len(b.done) < 64 {
		return
	}
	n := countOps(b.done) + len(b.tail)
	if len(b.done) <= 2*n/chunkMin+8 {
		return
	}
	b.done = chunkOps(b.flat())
	b.tail = nil
}

// flat returns the elements built so far (tests).
func (b *builder) flat() []Op {
	return append(flatten(b.done), b.tail...)
}
