// Package session serves ShareDB's wire protocol: per connection a read loop
// and a write loop, per open document one owner goroutine that holds its
// snapshot, version, recent ops, subscribers and presence. The storage and
// pub/sub it needs are the Store and PubSub interfaces declared here.
package session
