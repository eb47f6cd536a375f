package ot

// Op is one entry of a document's history, as ShareDB's wire and op log
// carry it. Exactly one of Create, Edit and Del is set.
type Op struct {
	// Version is the document version the op applies to (ShareDB's v): the
	// create of a new document has Version 0 and produces version 1.
	Version int64
	// Src and Seq identify the op across resubmits: Src is the submitting
	// client's id, Seq its counter. A (Src, Seq) pair is applied at most once
	// per document.
	Src string
	Seq int64
	// Create is set for a create.
	Create *Create
	// Edit is the type-specific op payload for an edit.
	Edit any
	// Del is true for a delete.
	Del bool
	// Ts is the commit time in Unix milliseconds (ShareDB's m.ts).
	Ts int64
}

// Create is a create op's payload.
type Create struct {
	// Type is the type's URI.
	Type string
	// Data is the initial data as JSON (a tree as Decode returns it), nil
	// when the create carries none.
	Data any
}

// Snapshot is a document at a version.
type Snapshot struct {
	// Version is the number of ops applied (ShareDB's v).
	Version int64
	// Type is the type's URI, "" when the document does not exist at
	// Version (never created, or deleted).
	Type string
	// Data is the document content: for storage, a JSON tree; inside a
	// session, the type's own snapshot value (see Type.Create).
	Data any
	// Ts is the time of the op that produced Version, in Unix milliseconds
	// (ShareDB's m.mtime); 0 when unknown.
	Ts int64
}

// Commit is one document's share of a storage commit batch: ops to append
// to the document's log, with consecutive versions starting at its next
// version, and optionally a snapshot stored in the same transaction.
type Commit struct {
	Collection string
	ID         string
	// Ops are the ops to append, with consecutive versions.
	Ops []Op
	// Snapshot, when set, is stored in the same transaction; its Version is
	// that after the last op.
	Snapshot *Snapshot
	// Rebase, when set, lets a store that supports it resolve a lost race
	// inside the transaction instead of reporting false: when the commit's
	// first version is already taken, the store calls Rebase, while it holds
	// the document's order (its head locked), with the ops the log holds
	// from that version on, and writes the commit Rebase returns in place of
	// this one (its ops starting at the head). ok false leaves the commit
	// lost. Stores may ignore Rebase; it may be called more than once for
	// one commit (each call starts from the original commit's version),
	// and must return promptly, since the document stays locked meanwhile.
	Rebase func(missed []Op) (next Commit, ok bool)
}
