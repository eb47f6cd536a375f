package textunicode

// Apply on the snapshot forms: a string (documents of at most
// ropeSizes.flat bytes, and whatever Create or a caller passes) and a
// *Text. The result is a string when it has at most flat bytes, a *Text
// otherwise; errors are the string apply's, in the same order.

// applyEdit is Apply for a single edit. ok is false when snapshot is
// neither a string nor a *Text (the general path then reports it).
func (z ropeSizes) applyEdit(snapshot any, e *edit) (r any, ok bool, err error) {
	switch s := snapshot.(type) {
	case string:
		if len(s)+len(e.s) <= z.flat {
			// The result is small (e.s bounds what an insert adds).
			r, err = boxedString(applyEdit(s, e))
			return r, true, err
		}
		r, err = z.editString(s, e)
		return r, true, err
	case *Text:
		if s == nil || len(s.chunks) == 0 {
			return z.applyEdit("", e)
		}
		t, err := s.edit(e, z)
		if err != nil {
			return nil, true, err
		}
		return z.result(t), true, nil
	}
	return nil, false, nil
}

// editString applies a single edit to a large string, keeping the result
// as slices of s and the insert where it is large.
func (z ropeSizes) editString(s string, e *edit) (any, error) {
	p, past := uniOffset(s, e.at)
	if past {
		return nil, errTooLong
	}
	if e.isInsert() {
		ps := [3]piece{{s[:p], -1}, {e.s, -1}, {s[p:], -1}}
		return z.text(ps[:], len(s)+len(e.s)), nil
	}
	n, _ := uniOffset(s[p:], e.size())
	if size := len(s) - n; size <= z.flat {
		return s[:p] + s[p+n:], nil
	}
	ps := [2]piece{{s[:p], -1}, {s[p+n:], -1}}
	return z.text(ps[:], len(s)-n), nil
}

// apply is Apply for any op (already parsed).
func (z ropeSizes) apply(snapshot any, op Op) (any, error) {
	t, ok := snapshot.(*Text)
	if !ok {
		s, err := apply(snapshot, op)
		if err != nil {
			return nil, err
		}
		return z.hold(s), nil
	}
	if t == nil || len(t.chunks) == 0 {
		return z.apply("", op)
	}
	if err := check(op); err != nil {
		return nil, err
	}
	r, err := t.apply(op, z)
	if err != nil {
		return nil, err
	}
	return z.result(r), nil
}

// cursor is a position in a non-empty Text: code point pos, which is
// byte off of chunk i, after cp of its code points. off is less than the
// chunk's length except at the end of the text, where i is the last chunk.
type cursor struct {
	t          *Text
	i, off, cp int
	pos        int
}

// left returns how many code points follow the cursor.
func (c *cursor) left() int { return c.t.n - c.pos }

// advance moves the cursor k code points forward (k <= c.left()),
// appending what it passes over to out when out is not nil.
func (c *cursor) advance(k int, out *[]piece) {
	c.pos += k
	for k > 0 {
		ch := c.t.chunks[c.i]
		rest := ch.n - c.cp
		if k < rest || (k == rest && c.i == len(c.t.chunks)-1) {
			b, _ := cpOffset(ch.s[c.off:], k)
			if out != nil {
				*out = append(*out, piece{ch.s[c.off : c.off+b], k})
			}
			c.off += b
			c.cp += k
			return
		}
		if out != nil {
			*out = append(*out, piece{ch.s[c.off:], rest})
		}
		k -= rest
		c.i++
		c.off, c.cp = 0, 0
	}
}

// head and tail return the chunk's parts before and after the cursor.
func (c *cursor) head() piece {
	ch := c.t.chunks[c.i]
	return piece{ch.s[:c.off], c.cp}
}

func (c *cursor) tail() piece {
	ch := c.t.chunks[c.i]
	return piece{ch.s[c.off:], ch.n - c.cp}
}

// edit returns t with a single edit applied: the chunks from the one
// where it starts to the one where it ends (one for an insert) are
// replaced by the kept head of the first, the insert and the kept tail
// of the last, packed with the chunks either side so that small pieces
// join a neighbour. Everything else is shared.
func (t *Text) edit(e *edit, z ropeSizes) (*Text, error) {
	if e.at > float64(t.n) {
		return nil, errTooLong
	}
	from := cursor{t: t}
	from.advance(int(e.at), nil)
	to := from
	insN := 0
	if e.isInsert() {
		insN = cpCount(e.s)
	} else {
		to.advance(min(steps(e.size(), t.n+1), to.left()), nil)
	}
	lo, hi := max(from.i-1, 0), min(to.i+2, len(t.chunks))
	var buf [6]piece
	win := append(buf[:0], t.chunks[lo:from.i]...)
	win = append(win, from.head())
	if e.isInsert() {
		win = append(win, piece{e.s, insN})
	}
	win = append(win, to.tail())
	win = append(win, t.chunks[to.i+1:hi]...)
	chunks := make([]piece, 0, len(t.chunks)+2+len(e.s)/z.chunk)
	chunks = append(chunks, t.chunks[:lo]...)
	chunks = z.pack(chunks, win)
	chunks = append(chunks, t.chunks[hi:]...)
	r := &Text{chunks: chunks, n: t.n + insN - (to.pos - from.pos), size: t.size + len(e.s)}
	if !e.isInsert() {
		r.size = t.size - deletedBytes(&from, &to)
	}
	return r, nil
}

// deletedBytes returns how many bytes lie between two cursors.
func deletedBytes(from, to *cursor) int {
	n := to.off - from.off
	for i := from.i; i < to.i; i++ {
		n += len(from.t.chunks[i].s)
	}
	return n
}

// apply returns t with op (checked) applied: the kept parts of chunks
// and the inserts, packed (untouched chunks pass whole, small pieces
// join their neighbours). Its errors are the string apply's.
func (t *Text) apply(op Op, z ropeSizes) (*Text, error) {
	c := cursor{t: t}
	out := make([]piece, 0, len(t.chunks)+len(op))
	for _, comp := range op {
		switch comp.k {
		case kSkip:
			k := steps(comp.n, c.left()+1)
			if k > c.left() {
				return nil, errTooLong
			}
			c.advance(k, &out)
		case kInsert:
			out = append(out, piece{comp.s, -1})
		case kDelN, kDelS:
			c.advance(min(steps(dlen(comp), c.left()+1), c.left()), nil)
		}
	}
	out = append(out, c.tail())
	out = append(out, t.chunks[c.i+1:]...)
	size := 0
	for _, p := range out {
		size += len(p.s)
	}
	return z.text(out, size), nil
}

// newValidator returns Validate's walker over a snapshot.
func newValidator(snapshot any) (validator, bool) {
	switch s := snapshot.(type) {
	case string:
		return validator{doc: s}, true
	case *Text:
		if s == nil || len(s.chunks) == 0 {
			return validator{}, true
		}
		return validator{text: &cursor{t: s}}, true
	}
	return validator{}, false
}

// validAdvance is validator.advance on a Text.
func (c *cursor) validAdvance(what string, n float64) error {
	k := steps(n, c.left()+1)
	if k > c.left() {
		return errPastEnd(what, n, c.left())
	}
	c.advance(k, nil)
	return nil
}

// deleteText is validator.deleteText on a Text: s must match the text at
// the cursor, which then moves past it.
func (c *cursor) deleteText(s string) error {
	at, i, off := c.pos, c.i, c.off
	for rest := s; rest != ""; i, off = i+1, 0 {
		if i == len(c.t.chunks) {
			return errMismatch(s, at)
		}
		ch := c.t.chunks[i].s[off:]
		n := min(len(ch), len(rest))
		if ch[:n] != rest[:n] {
			return errMismatch(s, at)
		}
		rest = rest[n:]
	}
	c.advance(cpCount(s), nil)
	return nil
}
