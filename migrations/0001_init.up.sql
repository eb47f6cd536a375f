-- Weft's document store: the op log (the truth), snapshots, and one head row
-- per document. Every table leads with (collection, doc_id) and every query
-- of a document is keyed by it, so the tables can be distributed on it
-- (Citus) or hash-partitioned across primaries.
--
-- Names are bytea: collection names and ids are arbitrary strings chosen by
-- clients (NUL included, which text cannot hold), and bytea compares
-- bytewise, which is the order List promises. Op and snapshot bodies are
-- json (not jsonb), kept byte for byte as Weft wrote them (ShareDB's shapes,
-- see internal/store/codec.go). Tables are prefixed weft_ so the schema can
-- share a database with other software (sharedb-postgres uses ops and
-- snapshots).

-- One row per document that has ever been written: its next version (the
-- number of ops in its log) and the largest op timestamp so far. Commit
-- locks this row (SELECT ... FOR UPDATE) to serialise a document's
-- appends; Head and List read it.
CREATE TABLE weft_docs (
	collection bytea  NOT NULL,
	doc_id     bytea  NOT NULL,
	head       bigint NOT NULL CHECK (head >= 0),
	max_ts     bigint NOT NULL,
	PRIMARY KEY (collection, doc_id)
);

-- The op log. version is the version the op applies to (ShareDB's op.v,
-- 0 for the create). ts is the op's commit time (Unix ms); cts is the
-- running maximum of ts along the log, which never decreases and so
-- serves "version at time" through one index probe. src is NULL when the
-- op carries none.
CREATE TABLE weft_ops (
	collection bytea  NOT NULL,
	doc_id     bytea  NOT NULL,
	version    bigint NOT NULL CHECK (version >= 0),
	src        bytea,
	seq        bigint NOT NULL,
	ts         bigint NOT NULL,
	cts        bigint NOT NULL,
	op         json   NOT NULL,
	PRIMARY KEY (collection, doc_id, version)
);

-- A resubmitted op (same src and seq) is never stored twice.
CREATE UNIQUE INDEX weft_ops_src_seq ON weft_ops (collection, doc_id, src, seq) WHERE src IS NOT NULL;

-- VersionAt: the first op whose running-maximum timestamp exceeds ts.
CREATE INDEX weft_ops_cts ON weft_ops (collection, doc_id, cts, version);

-- Snapshots (milestones): the newest is the one with the largest version.
CREATE TABLE weft_snapshots (
	collection bytea  NOT NULL,
	doc_id     bytea  NOT NULL,
	version    bigint NOT NULL CHECK (version >= 0),
	snapshot   json   NOT NULL,
	PRIMARY KEY (collection, doc_id, version)
);
