// Package pubsub provides cross-instance fan-out of opaque messages per
// channel (one channel per document): the bus by which an instance that
// commits an op rings the other instances serving the same document.
//
// Delivery is at most once. A message can be lost (a reconnect, a full
// buffer, Redis restarting) but is never duplicated or reordered within one
// subscription, so a bus is a doorbell, never the record: the receiver
// applies a remote op whose version is the next one, ignores older ones, and
// on a gap reads the missing range from the store. After a Redis reconnect,
// when any message may have been lost, Redis.Resync fires so the receiver
// re-checks the heads of its documents.
//
// Memory is the in-process bus used by tests that run several session
// Managers in one process (a single server runs without a bus).
//
// Redis (NewRedis) is the bus for several instances: one subscriber
// connection per instance (a go-redis PubSub) on which channels are
// subscribed and unsubscribed as local subscriptions come and go, each
// channel once however many local subscribers it has, and one dispatcher
// goroutine that reads that connection and calls the local subscribers.
// Channel names on Redis are Prefix + channel, so deployments or tests can
// share one Redis without hearing each other.
package pubsub
