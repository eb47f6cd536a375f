package richtext

// Delta is a rich-text op or document: a list of op elements. Documents
// (snapshots) hold inserts only. It encodes to JSON as {"ops":[...]}, the
// form ShareDB stores and sends.
//
// A Delta is immutable once returned: functions never modify a Delta they
// are given, and results share text, embeds and attribute maps with their
// inputs.
type Delta struct {
	chunks []chunk
	one    [1]chunk // backing for chunks when there is only one
}

// delta2, delta4 and delta8 hold a result's Delta and its (first)
// elements in one allocation.
type delta2 struct {
	d   Delta
	ops [2]Op
}

type delta4 struct {
	d   Delta
	ops [4]Op
}

type delta8 struct {
	d   Delta
	ops [8]Op
}

// smallDelta returns a new Delta holding a copy of ops (at most four), in
// one allocation of the size they need.
func smallDelta(ops []Op) *Delta {
	var d *Delta
	var dst []Op
	if len(ops) <= 2 {
		x := &delta2{}
		d, dst = &x.d, x.ops[:len(ops)]
	} else {
		x := &delta4{}
		d, dst = &x.d, x.ops[:len(ops)]
	}
	copy(dst, ops)
	d.one[0] = newChunk(dst)
	d.chunks = d.one[:]
	return d
}

// newDelta returns a Delta holding cs, without allocating a chunk list for
// a single chunk.
func newDelta(cs []chunk) *Delta {
	d := &Delta{}
	if len(cs) == 1 {
		d.one[0] = cs[0]
		d.chunks = d.one[:]
		return d
	}
	d.chunks = cs
	return d
}

// Len returns the number of op elements.
func (d *Delta) Len() int {
	if d == nil {
		return 0
	}
	return countOps(d.chunks)
}

// MarshalJSON encodes d as {"ops":[...]}.
func (d *Delta) MarshalJSON() ([]byte, error) {
	dst := make([]byte, 0, 16+32*d.Len())
	dst = append(dst, `{"ops":`...)
	dst, err := appendOps(dst, d.chunksOrNil())
	if err != nil {
		return nil, err
	}
	return append(dst, '}'), nil
}

func (d *Delta) chunksOrNil() []chunk {
	if d == nil {
		return nil
	}
	return d.chunks
}

func appendOps(dst []byte, cs []chunk) ([]byte, error) {
	dst = append(dst, '[')
	first := true
	for _, c := range cs {
		for _, o := range c.ops {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			var err error
			if dst, err = o.appendJSON(dst); err != nil {
				return dst, err
			}
		}
	}
	return append(dst, ']'), nil
}

// Tree returns d as a JSON tree ({"ops":[...]}) as ot.Decode would give
// for its encoding.
func (d *Delta) Tree() map[string]any {
	return map[string]any{"ops": opsTree(d.chunksOrNil())}
}

func opsTree(cs []chunk) []any {
	out := make([]any, 0, countOps(cs))
	for _, c := range cs {
		for _, o := range c.ops {
			out = append(out, o.tree())
		}
	}
	return out
}

// toOps reads an op or document argument as quill-delta's constructor
// does: an array, or an object whose "ops" is an array; anything else is
// empty. Elements that are not op objects are an error.
func toOps(v any) ([]chunk, error) {
	cs, _, err := toOpsInto(v, nil)
	return cs, err
}

// toOpsInto is toOps parsing a list that fits in buf into buf, returned
// as the chunk short (with a nil chunk list), so that callers can keep a
// short op on the stack. Results in buf must not outlive the call.
func toOpsInto(v any, buf []Op) (cs []chunk, short chunk, err error) {
	var list []any
	switch x := v.(type) {
	case *Delta:
		return x.chunksOrNil(), chunk{}, nil
	case Delta:
		return x.chunks, chunk{}, nil
	case []any:
		list = x
	case map[string]any:
		if l, ok := x["ops"].([]any); ok {
			list = l
		}
	}
	if len(list) == 0 {
		return nil, chunk{}, nil
	}
	if len(list) <= len(buf) {
		ops := buf[:len(list)]
		if err := parseList(list, ops); err != nil {
			return nil, chunk{}, err
		}
		return nil, newChunk(ops), nil
	}
	cs, err = parseChunks(list)
	return cs, chunk{}, err
}

// parseChunks parses a list of elements into chunks.
func parseChunks(list []any) ([]chunk, error) {
	var ops []Op
	var one []chunk
	switch {
	case len(list) <= 2:
		// One allocation for a typical op's elements and chunk list.
		s := &smallList2{}
		ops, one = s.ops[:len(list)], s.c[:]
	case len(list) <= 4:
		s := &smallList4{}
		ops, one = s.ops[:len(list)], s.c[:]
	default:
		ops = make([]Op, len(list))
	}
	if err := parseList(list, ops); err != nil {
		return nil, err
	}
	if one != nil {
		one[0] = newChunk(ops)
		return one, nil
	}
	return chunkOps(ops), nil
}

func parseList(list []any, ops []Op) error {
	for i, e := range list {
		o, err := parseOp(e, i)
		if err != nil {
			return err
		}
		ops[i] = o
	}
	return nil
}

// smallList2 and smallList4 hold a short op's elements and its one chunk
// together.
type smallList2 struct {
	c   [1]chunk
	ops [2]Op
}

type smallList4 struct {
	c   [1]chunk
	ops [4]Op
}

// push appends o, merging it into the last element like Delta#push.
func (b *builder) push(o Op) {
	if len(b.tail) == 0 || (len(b.tail) == 1 && b.tail[0].kind == kindDelete && o.isInsert()) {
		b.unseal()
	}
	b.pushTail(o)
	if len(b.tail) > chunkMax {
		b.seal(2)
	}
}

func (b *builder) pushTail(o Op) {
	index := len(b.tail)
	if index > 0 {
		last := b.tail[index-1]
		if o.kind == kindDelete && last.kind == kindDelete {
			b.tail[index-1] = Op{kind: kindDelete, n: addLen(last.n, o.n)}
			return
		}
		// Inserting before or after a delete at one index is the same, so
		// inserts go first.
		if last.kind == kindDelete && o.isInsert() {
			index--
			if index == 0 {
				b.tail = append(b.tail, Op{})
				copy(b.tail[1:], b.tail)
				b.tail[0] = o
				return
			}
			last = b.tail[index-1]
		}
		if attrsEqual(o.attrs, last.attrs) {
			if o.kind == kindText && last.kind == kindText {
				b.tail[index-1] = Op{kind: kindText, n: last.n + o.n, text: last.text + o.text, attrs: o.attrs}
				return
			}
			if o.kind == kindRetain && last.kind == kindRetain {
				b.tail[index-1] = Op{kind: kindRetain, n: addLen(last.n, o.n), attrs: o.attrs}
				return
			}
		}
	}
	if index == len(b.tail) {
		b.tail = append(b.tail, o)
		return
	}
	b.tail = append(b.tail, Op{})
	copy(b.tail[index+1:], b.tail[index:])
	b.tail[index] = o
}

// retain is Delta#retain: nothing for a non-positive length, attributes
// only when non-empty.
func (b *builder) retain(n int, attrs map[string]any) {
	if n <= 0 {
		return
	}
	if len(attrs) == 0 {
		attrs = nil
	}
	b.push(Op{kind: kindRetain, n: n, attrs: attrs})
}

// delete is Delta#delete.
func (b *builder) delete(n int) {
	if n <= 0 {
		return
	}
	b.push(Op{kind: kindDelete, n: n})
}

// chop drops a trailing retain without attributes.
func (b *builder) chop() {
	last, ok := b.last()
	if !ok || last.kind != kindRetain || last.n == 0 || last.attrs != nil {
		return
	}
	if n := len(b.tail); n > 0 {
		b.tail = b.tail[:n-1]
		return
	}
	n := len(b.done)
	ops := b.done[n-1].ops
	if len(ops) == 1 {
		b.done = b.done[:n-1]
		return
	}
	b.done[n-1] = newChunk(ops[:len(ops)-1])
}

// concatRest is Delta#concat with the iterator's rest: the first element
// left is pushed (and may merge), the others are appended as they are,
// whole chunks shared. It consumes the iterator.
func (b *builder) concatRest(it *iterator) {
	if !it.hasNext() {
		return
	}
	b.push(it.next(0))
	if it.ci >= len(it.chunks) {
		return
	}
	ci := it.ci
	if it.oi > 0 {
		b.appendView(it.chunks[ci].ops[it.oi:])
		ci++
	}
	b.appendChunks(it.chunks[ci:])
}

// attrsEqual is lodash.isEqual on two attribute values, nil being
// undefined.
func attrsEqual(a, b map[string]any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return mapEqual(a, b)
}

func addLen(a, b int) int {
	if a >= infinity-b {
		return infinity
	}
	return a + b
}
