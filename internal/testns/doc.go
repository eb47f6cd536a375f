// Package testns hosts test namespaces: isolated document spaces, each a
// session.Manager with its own in-memory store, bus, options and type
// registry (Weft's types plus the test types of sharedb's client suite),
// created and dropped over the conformance control protocol
// (conformance/PROTOCOL.md). It exists so that sharedb's own client tests
// can run against Weft; cmd/server mounts it only with --test-namespaces,
// which is off by default and must never be on in production: anyone who
// can reach the server can create namespaces.
//
// # Invariants
//
//   - A namespace's documents, ops, queries and presence are visible only
//     to its own connections: nothing is shared between Managers.
//   - Names are unique for the Server's lifetime and match [A-Za-z0-9_-]+.
//   - Dropping a namespace closes its sockets (1001) and discards its data;
//     Close drops every namespace.
package testns
