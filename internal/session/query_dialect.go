package session

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf16"
)

// QueryDialect names the query language of qf and qs requests.
type QueryDialect int

const (
	// QueryDialectWeft is Weft's own subset (see query): equality on
	// top-level fields, $sort, $skip, $limit.
	QueryDialectWeft QueryDialect = iota
	// QueryDialectShareDBMemory is the language of the queryable memory
	// database that ShareDB's own tests use: {filter, sort}, where filter
	// matches top-level fields by strict equality and sort is a list of
	// [field, 1 | -1].
	QueryDialectShareDBMemory
)

// parseQuery reads a qf/qs query object in the Manager's dialect.
func (m *Manager) parseQuery(q any) (*query, *shareErr) {
	if m.opts.QueryDialect == QueryDialectShareDBMemory {
		return parseMemoryQuery(q)
	}
	return parseQuery(q)
}

// memoryQuery is a query of QueryDialectShareDBMemory.
type memoryQuery struct {
	filter    map[string]any // nil: every existing document
	hasFilter bool
	sort      []sortKey
}

func parseMemoryQuery(q any) (*query, *shareErr) {
	m, ok := q.(map[string]any)
	if !ok {
		return nil, errf(CodeQueryBad, "Query must be an object")
	}
	mq := &memoryQuery{}
	if f := m["filter"]; truthy(f) {
		fm, isObj := f.(map[string]any)
		if !isObj {
			return nil, errf(CodeQueryBad, "query.filter must be an object")
		}
		for k := range fm {
			if strings.Contains(k, ".") {
				return nil, errf(CodeQueryBad, "Only simple property filters are supported, got: "+k)
			}
		}
		mq.filter, mq.hasFilter = fm, true
	}
	if s := m["sort"]; truthy(s) {
		list, isArr := s.([]any)
		if !isArr {
			return nil, errf(CodeQueryBad, "query.sort must be an array")
		}
		for _, item := range list {
			pair, ok := item.([]any)
			if !ok || len(pair) != 2 {
				return nil, errf(CodeQueryBad, "query.sort items must be [field, direction]")
			}
			field, ok1 := pair[0].(string)
			dir, ok2 := pair[1].(float64)
			if !ok1 || !ok2 {
				return nil, errf(CodeQueryBad, "query.sort items must be [field, direction]")
			}
			mq.sort = append(mq.sort, sortKey{field: field, dir: int(dir)})
		}
	}
	return &query{mem: mq, limit: -1}, nil
}

// truthy is JavaScript truthiness for JSON values.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// matches tests one row: created documents only; every filter key strictly
// equal (objects and arrays never are).
func (q *memoryQuery) matches(r *row) bool {
	if r.typ == nil {
		return false
	}
	if !q.hasFilter {
		return true
	}
	for k, want := range q.filter {
		got, ok := r.tree[k]
		if !ok || !strictEqual(got, want) {
			return false
		}
	}
	return true
}

func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, float64, string:
		return x == b
	}
	return false
}

// order sorts rows by the sort keys with JavaScript's < and >; values that
// are neither ordered nor strictly equal make the query fail.
func (q *memoryQuery) order(rows []*row) *shareErr {
	var bad *shareErr
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range q.sort {
			a, b := rows[i].tree[k.field], rows[j].tree[k.field]
			c, ok := jsCompare(a, b)
			if !ok {
				bad = errf(CodeQueryBad, "Could not compare values of "+k.field)
				return false
			}
			if c != 0 {
				return c*k.dir < 0
			}
		}
		return false
	})
	return bad
}

// jsCompare orders two JSON values as JavaScript's < and > do for numbers
// and strings; ok is false when they are neither ordered nor equal.
func jsCompare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		if y, isNum := b.(float64); isNum {
			return cmp.Compare(x, y), !math.IsNaN(x) && !math.IsNaN(y)
		}
	case string:
		if y, isStr := b.(string); isStr {
			return compareUTF16(x, y), true
		}
	}
	if a == nil && b == nil {
		return 0, true
	}
	if _, isBool := a.(bool); isBool && a == b {
		return 0, true
	}
	return 0, false
}

// compareUTF16 compares strings by UTF-16 code units, as JavaScript does.
func compareUTF16(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return slices.Compare(ua, ub)
}

// keepOrder arranges the new results of an unsorted live query as ShareDB
// updates one document at a time: ids still matching keep their places,
// new ones follow in result order.
func keepOrder(old []string, rows []*row) []*row {
	byID := make(map[string]*row, len(rows))
	for _, r := range rows {
		byID[r.id] = r
	}
	out := make([]*row, 0, len(rows))
	for _, id := range old {
		if r := byID[id]; r != nil {
			out = append(out, r)
			delete(byID, id)
		}
	}
	for _, r := range rows {
		if byID[r.id] != nil {
			out = append(out, r)
		}
	}
	return out
}
