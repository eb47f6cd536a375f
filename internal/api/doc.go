// Package api serves Weft's REST API under /api/v1/: snapshot export (as
// ShareDB JSON or as plain text), snapshots at a version or a time, op
// history in a version range, and the documents of a collection, paged.
//
// Routes (all GET; errors are JSON {"error":{"code":...,"message":...}}):
//
//	/api/v1/docs/{collection}                 ids, paged: ?after=ID&limit=N (default 100, max 1000)
//	/api/v1/docs/{collection}/{id}            snapshot {"v","type","data"}; ?v=N or ?ts=MS; ?format=text
//	/api/v1/docs/{collection}/{id}/ops        ops with from <= v < to: ?from=N&to=N (default all; at most 10000)
//
// A document never created is 404 (code ERR_DOC_DOES_NOT_EXIST); a deleted
// one is a snapshot with "type":null. The package reads documents through
// the Docs interface, which the session Manager implements.
package api
