package session

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
