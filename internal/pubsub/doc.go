// Package pubsub fans out opaque messages per channel between the Weft
// instances that serve the same documents. Memory is the in-process bus used
// by a single instance and by tests that run several session Managers in one
// process.
//
// Every implementation is at most once: a message may be lost (a subscriber
// whose buffer is full, a reconnect) but is never duplicated or reordered
// within one subscription. Callers detect gaps themselves (ops carry
// versions) and recover from durable storage.
package pubsub
