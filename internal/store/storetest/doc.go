// Package storetest is the conformance suite every session.Store backend
// runs: Run(t, open) exercises a fresh store from open in each subtest and
// checks the contract documented on session.Store, plus the rules the
// backends in internal/store add to it:
//
//   - a commit whose first op version is below the head reports false and
//     writes nothing; one whose first version is beyond the head (a gap) is
//     an error, and a batch that fails with an error writes nothing at all;
//   - malformed commits (no ops, non-consecutive versions, an op that is not
//     exactly one of create/edit/delete, a snapshot at the wrong version,
//     empty names) are errors;
//   - WriteSnapshot refuses a version beyond the head;
//   - VersionAt(ts) is the version before the first op stamped after ts,
//     which is the count of ops stamped <= ts whenever timestamps never go
//     backwards (ShareDB's rule for snapshots at a time);
//   - values handed in or out are never aliased with the store's state;
//   - a cancelled context makes every method fail.
//
// The suite uses only the session.Store interface, so Postgres and any
// later backend run it unchanged.
package storetest
