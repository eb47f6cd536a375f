package richtext

// The algorithms below follow quill-delta 4.2.2's control flow step by
// step, because the shape of their results (how elements are split and
// merged) depends on it.

// compose is Delta#compose: a followed by b.
func compose(a, b []chunk) (*Delta, error) {
	thisIter, otherIter := newIterator(a), newIterator(b)
	out := newBuilder(max(countOps(a), countOps(b)) + 2)
	if len(a) > 1 {
		// Room for a's chunks plus the pieces an edit cuts one into.
		out.done = make([]chunk, 0, len(a)+4)
	}
	composeLeadingRetain(&out, &thisIter, &otherIter)
	for thisIter.hasNext() || otherIter.hasNext() {
		if otherIter.peekType() == kindText {
			out.push(otherIter.next(0))
			continue
		}
		if thisIter.peekType() == kindDelete {
			out.push(thisIter.next(0))
			continue
		}
		length := min(thisIter.peekLength(), otherIter.peekLength())
		thisOp, otherOp := thisIter.next(length), otherIter.next(length)
		switch {
		case otherOp.kind == kindRetain:
			newOp := Op{kind: kindRetain, n: length}
			if thisOp.kind != kindRetain {
				newOp = Op{kind: thisOp.kind, n: thisOp.n, text: thisOp.text, embed: thisOp.embed}
			}
			// A retain keeps null (a removal travels on); an insert drops it.
			newOp.attrs = composeAttrs(thisOp.attrs, otherOp.attrs, thisOp.kind == kindRetain)
			out.push(newOp)
			if last, _ := out.last(); !otherIter.hasNext() && opEqual(last, newOp) {
				// The rest of a is copied as it is.
				out.concatRest(&thisIter)
				out.chop()
				return out.delta(), iterErr(&thisIter, &otherIter)
			}
		case otherOp.kind == kindDelete && thisOp.kind == kindRetain:
			out.push(otherOp)
		}
		// An insert followed by a delete cancels out.
	}
	out.chop()
	return out.delta(), iterErr(&thisIter, &otherIter)
}

// composeLeadingRetain is compose's fast path: when b starts with a plain
// retain, a's leading inserts it covers are copied unchanged (whole
// chunks of inserts are shared, which is the same thing).
func composeLeadingRetain(out *builder, thisIter, otherIter *iterator) {
	first := otherIter.cur()
	if first == nil || first.kind != kindRetain || first.attrs != nil {
		return
	}
	firstLeft := first.n
	for thisIter.peekType() == kindText && thisIter.peekLength() <= firstLeft {
		if _, ok := thisIter.wholeChunk(); ok {
			// Share the whole chunks of inserts that fit, in one go.
			cs := thisIter.chunks[thisIter.ci:]
			k := 0
			for ; k < len(cs) && cs[k].inserts && cs[k].units <= firstLeft; k++ {
				firstLeft -= cs[k].units
			}
			if k > 0 {
				out.appendChunks(cs[:k])
				thisIter.skipChunks(k)
				continue
			}
		}
		if thisIter.offset == 0 {
			// Copy the run of whole inserts that fit in one go.
			ops := thisIter.chunks[thisIter.ci].ops
			j := thisIter.oi
			for ; j < len(ops) && ops[j].isInsert() && ops[j].n <= firstLeft; j++ {
				firstLeft -= ops[j].n
			}
			out.appendView(ops[thisIter.oi:j])
			thisIter.oi = j - 1
			thisIter.advance()
			continue
		}
		firstLeft -= thisIter.peekLength()
		out.appendRaw(thisIter.next(0))
	}
	if first.n-firstLeft > 0 {
		otherIter.next(first.n - firstLeft)
	}
}

func iterErr(a, b *iterator) error {
	if a.split || b.split {
		return errSplit
	}
	return nil
}

// transform is Delta#transform: other rewritten to apply after this. With
// priority, this is taken to have happened first.
func transform(this, other []chunk, priority bool) (*Delta, error) {
	thisIter, otherIter := newIterator(this), newIterator(other)
	out := newBuilder(countOps(other) + 2)
	for thisIter.hasNext() || otherIter.hasNext() {
		if thisIter.peekType() == kindText && (priority || otherIter.peekType() != kindText) {
			out.retain(thisIter.next(0).n, nil)
			continue
		}
		if otherIter.peekType() == kindText {
			out.push(otherIter.next(0))
			continue
		}
		length := min(thisIter.peekLength(), otherIter.peekLength())
		thisOp, otherOp := thisIter.next(length), otherIter.next(length)
		switch {
		case thisOp.kind == kindDelete && thisOp.n != 0:
			// This delete makes other's delete redundant or removes its retain.
		case otherOp.kind == kindDelete && otherOp.n != 0:
			out.push(otherOp)
		default:
			// This retains other's retain or insert.
			out.retain(length, transformAttrs(thisOp.attrs, otherOp.attrs, priority))
		}
	}
	out.chop()
	return out.delta(), iterErr(&thisIter, &otherIter)
}

// transformPosition is Delta#transformPosition over ops. Positions are
// float64 so that any JavaScript number behaves as it does there.
func transformPosition(ops []chunk, index float64, priority bool) float64 {
	it := newIterator(ops)
	offset := 0.0
	for it.hasNext() && offset <= index {
		length := float64(it.peekLength())
		t := it.peekType()
		it.next(0)
		if t == kindDelete {
			index -= min(length, index-offset)
			continue
		}
		if t == kindText && (offset < index || !priority) {
			index += length
		}
		offset += length
	}
	return index
}

// slice is Delta#slice(start, end): the elements covering [start, end).
func slice(ops []chunk, start, end int) ([]Op, error) {
	var out []Op
	it := newIterator(ops)
	index := 0
	for index < end && it.hasNext() {
		var o Op
		if index < start {
			o = it.next(start - index)
		} else {
			o = it.next(end - index)
			out = append(out, o)
		}
		index += o.n
	}
	if it.split {
		return out, errSplit
	}
	return out, nil
}

// invert is Delta#invert(base): the op that undoes ops applied to base.
func invert(ops, base []chunk) (*Delta, error) {
	out := newBuilder(countOps(ops))
	baseIndex := 0
	for _, o := range flatten(ops) {
		switch {
		case o.insertTruthy():
			out.delete(o.n)
		case o.kind == kindRetain && o.n != 0 && o.attrs == nil:
			out.retain(o.n, nil)
			baseIndex += o.n
		case (o.kind == kindDelete || o.kind == kindRetain) && o.n != 0:
			part, err := slice(base, baseIndex, baseIndex+o.n)
			if err != nil {
				return nil, err
			}
			for _, b := range part {
				if o.kind == kindDelete {
					out.push(b)
				} else {
					out.retain(b.n, invertAttrs(o.attrs, b.attrs))
				}
			}
			baseIndex += o.n
		}
	}
	out.chop()
	return out.delta(), nil
}
