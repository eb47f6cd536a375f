package session

import (
	"github.com/weftdev/weft/internal/ot"
)

// Document size (Options.MaxDocBytes) is the length of the JSON encoding of
// the document's snapshot. Encoding a large document for every op would
// cost in proportion to its size, so the owner goroutine keeps an upper
// bound instead: the size last measured plus the encoded length of every op
// applied since. For text-unicode and json0 an op never grows the encoding
// by more than its own encoding (inserted text and values are in the op).
// A rich-text op that formats a range (retain with attributes) can, so it,
// and any op of another type, is measured exactly. Only when the bound
// passes the limit is the document encoded after the op (and before it,
// unless its size is known exactly), and the op refused if the result is
// over the limit and larger than before (so a document already over the
// limit can still shrink).

const (
	textUnicodeURI = "http://sharejs.org/types/text-unicode"
	richTextURI    = "http://sharejs.org/types/rich-text/v1"
)

// sizeUnknown marks a document whose size was not measured since it loaded.
const sizeUnknown = -1

// growthBounded reports whether applying edit (a JSON tree) to a document
// of type typ grows its encoding by at most the edit's encoded length.
func growthBounded(typ ot.Type, edit any) bool {
	switch typ.URI() {
	case textUnicodeURI, json0URI:
		return true
	case richTextURI:
		return !formatsRange(edit)
	}
	return false
}

// formatsRange reports a rich-text op holding a retain with attributes
// (the op may be a list of components or a delta {"ops": [...]}).
func formatsRange(edit any) bool {
	if m, ok := edit.(map[string]any); ok {
		edit = m["ops"]
	}
	list, ok := edit.([]any)
	if !ok {
		return true // unexpected shape: measure
	}
	for _, x := range list {
		c, ok := x.(map[string]any)
		if !ok {
			continue
		}
		if _, ok := c["retain"]; ok && c["attributes"] != nil {
			return true
		}
	}
	return false
}

// applySized applies edit (already validated; tree and encoded are its
// JSON tree and encoding) to
// the snapshot while keeping the document within MaxDocBytes. It returns
// the new snapshot, or an error with the snapshot left as it was
// (errDocTooLarge when the op is refused for size).
func (d *document) applySized(edit, tree any, encoded []byte) (any, *shareErr) {
	limit := d.m.opts.MaxDocBytes
	if limit <= 0 {
		return d.apply(edit)
	}
	grow := int64(len(encoded))
	if d.size != sizeUnknown && growthBounded(d.typ, tree) && d.size+d.grown+grow <= limit {
		nd, se := d.apply(edit)
		if se == nil {
			d.grown += grow
		}
		return nd, se
	}
	// Measure. The size before is known exactly when nothing was applied
	// since the last measure. A persistent type's Apply leaves the snapshot
	// as it was; any other is applied to a copy rebuilt from the encoding
	// (Apply may reuse parts of the snapshot it is given), so that a
	// refusal leaves the document untouched.
	before := d.size
	cp := d.data
	_, persistent := d.typ.(ot.Persistent)
	if before == sizeUnknown || d.grown != 0 || !persistent {
		enc, err := ot.Marshal(d.data)
		if err != nil {
			return nil, errInternal
		}
		before = int64(len(enc))
		if !persistent {
			if cp, err = d.copyOf(enc); err != nil {
				d.m.opts.Logger.Error("copy document to measure an op", "collection", d.key.c, "doc", d.key.id, "err", err)
				return nil, errInternal
			}
		}
	}
	nd, err := d.typ.Apply(cp, edit)
	if err != nil {
		return nil, errf("", err.Error())
	}
	after, err := ot.Marshal(nd)
	if err != nil {
		return nil, errInternal
	}
	if n := int64(len(after)); n > limit && n > before {
		return nil, errDocTooLarge
	}
	d.size, d.grown = int64(len(after)), 0
	return nd, nil
}

func (d *document) apply(edit any) (any, *shareErr) {
	nd, err := d.typ.Apply(d.data, edit)
	if err != nil {
		return nil, errf("", err.Error())
	}
	return nd, nil
}

// copyOf rebuilds a snapshot from its encoding, as loading does.
func (d *document) copyOf(encoded []byte) (any, error) {
	tree, err := ot.Decode(encoded)
	if err != nil {
		return nil, err
	}
	return d.typ.Create(tree)
}

// noteStoredOp keeps the size bound after applying an op that is already
// committed (loaded or from another instance); edit is its encoding.
func (d *document) noteStoredOp(op *ot.Op, edit []byte) {
	if op.Create != nil || op.Del || d.typ == nil || !growthBounded(d.typ, op.Edit) {
		d.size = sizeUnknown
		return
	}
	d.grown += int64(len(edit))
}

// checkCreated measures a new document's data against MaxDocBytes.
func (d *document) checkCreated(v any) *shareErr {
	limit := d.m.opts.MaxDocBytes
	if limit <= 0 {
		return nil
	}
	b, err := ot.Marshal(v)
	if err != nil {
		return errf(CodeOpBadlyFormed, err.Error())
	}
	if int64(len(b)) > limit {
		return errDocTooLarge
	}
	d.size, d.grown = int64(len(b)), 0
	return nil
}
