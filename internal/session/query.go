package session

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/weftdev/weft/internal/ot"
)

// query is the supported subset of ShareDB queries (its query language is
// the database's business). The query object may hold:
//   - top-level fields: equality on the document's top-level field of that
//     name (JSON values compared by their encoding);
//   - "$sort": {"field": 1 | -1, ...}, sorting by top-level fields (numbers
//     numerically, strings by code unit, missing values first), then by id;
//   - "$skip" and "$limit": non-negative integers.
//
// {} matches every document of the collection. Only existing documents whose
// data is a JSON object match when there is a filter; with an empty filter
// every existing document matches. Anything else is refused with
// ERR_DATABASE_METHOD_NOT_IMPLEMENTED.
type query struct {
	filter map[string][]byte
	sort   []sortKey
	skip   int
	limit  int // -1: none
	// mem, when set, is a QueryDialectShareDBMemory query; the fields
	// above are then unused.
	mem *memoryQuery
	// proj, when set, restricts the results' data (matching sees it all).
	proj *projection
	// allow, when set, leaves out the documents it refuses (those the
	// connection may not read) before anything else, so $skip and $limit
	// count only readable documents.
	allow func(id string) bool
}

type sortKey struct {
	field string
	dir   int
}

func parseQuery(q any) (*query, *shareErr) {
	m, ok := q.(map[string]any)
	if !ok {
		return nil, errf(CodeQueryBad, "Query must be an object")
	}
	out := &query{filter: make(map[string][]byte), limit: -1}
	for k, v := range m {
		var e *shareErr
		switch {
		case k == "$sort":
			e = out.parseSort(v)
		case k == "$skip" || k == "$limit":
			n, ok := toInt(v)
			if !ok || n < 0 {
				return nil, errf(CodeQueryBad, "Invalid "+k)
			}
			if k == "$skip" {
				out.skip = int(n)
			} else {
				out.limit = int(n)
			}
		case strings.HasPrefix(k, "$"):
			e = errf(CodeQueryBad, "Unsupported query operator "+k)
		default:
			b, err := ot.Marshal(v)
			if err != nil {
				return nil, errf(CodeQueryBad, "Invalid query value")
			}
			out.filter[k] = b
		}
		if e != nil {
			return nil, e
		}
	}
	return out, nil
}

func (q *query) parseSort(v any) *shareErr {
	m, ok := v.(map[string]any)
	if !ok {
		return errf(CodeQueryBad, "Invalid $sort")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // JSON objects are unordered once decoded
	for _, k := range keys {
		d, ok := toInt(m[k])
		if !ok || (d != 1 && d != -1) {
			return errf(CodeQueryBad, "Invalid $sort direction")
		}
		q.sort = append(q.sort, sortKey{field: k, dir: int(d)})
	}
	return nil
}

// row is one document in a result.
type row struct {
	id   string
	v    int64
	typ  ot.Type
	data []byte
	tree map[string]any
}

func (q *query) matches(r *row) bool {
	if q.mem != nil {
		return q.mem.matches(r)
	}
	if r.typ == nil {
		return false
	}
	if len(q.filter) == 0 {
		return true
	}
	if r.tree == nil {
		return false
	}
	for k, want := range q.filter {
		got, ok := r.tree[k]
		if !ok {
			return false
		}
		b, err := ot.Marshal(got)
		if err != nil || string(b) != string(want) {
			return false
		}
	}
	return true
}

// run evaluates the query over every document of coll.
func (m *Manager) runQuery(ctx context.Context, coll string, q *query) ([]*row, error) {
	rows, err := m.runQueryAll(ctx, coll, q)
	if err != nil || q.proj == nil {
		return rows, err
	}
	if rows, se := projectRows(q.proj, rows); se != nil {
		return nil, se
	} else {
		return rows, nil
	}
}

func (m *Manager) runQueryAll(ctx context.Context, coll string, q *query) ([]*row, error) {
	var rows []*row
	after := ""
	for {
		ids, err := m.opts.Store.List(ctx, coll, after, 500)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", coll, err)
		}
		for _, id := range ids {
			if q.allow != nil && !q.allow(id) {
				continue
			}
			s, err := m.Fetch(ctx, coll, id)
			if err != nil {
				return nil, err
			}
			r := &row{id: id, v: s.Version, data: s.Data}
			if s.Type != "" {
				r.typ, _ = m.opts.Registry.Lookup(s.Type)
				if tree, err := ot.Decode(s.Data); err == nil {
					r.tree, _ = tree.(map[string]any)
				}
			}
			if q.matches(r) {
				rows = append(rows, r)
			}
		}
		if len(ids) < 500 {
			break
		}
		after = ids[len(ids)-1]
	}
	if q.mem != nil {
		if se := q.mem.order(rows); se != nil {
			return nil, se
		}
		return rows, nil
	}
	q.order(rows)
	if q.skip >= len(rows) {
		return nil, nil
	}
	rows = rows[q.skip:]
	if q.limit >= 0 && q.limit < len(rows) {
		rows = rows[:q.limit]
	}
	return rows, nil
}

func (q *query) order(rows []*row) {
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range q.sort {
			if c := compareJSON(rows[i].tree[k.field], rows[j].tree[k.field]); c != 0 {
				return c*k.dir < 0
			}
		}
		return rows[i].id < rows[j].id
	})
}

// compareJSON orders missing < null < booleans < numbers < strings < other.
func compareJSON(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		if x != y {
			if !x {
				return -1
			}
			return 1
		}
	}
	return 0
}

func rank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 2
	case float64:
		return 3
	case string:
		return 4
	}
	return 5
}

// rowJSON encodes a result row: {"v","data","d"[,"type"]}.
func rowJSON(r *row) []byte {
	return snapshotJSON(r.id, r.v, r.typ, r.data)
}
