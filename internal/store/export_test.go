package store

import "time"

// FastCommits returns how many batches p wrote in one round trip.
func FastCommits(p *Postgres) int64 { return p.fast.Load() }

// SetClock replaces the clock p's one-round-trip commit reads.
func SetClock(p *Postgres, now func() time.Time) { p.heads.now = now }

// MovedBackoff is movedBackoff, for tests.
const MovedBackoff = movedBackoff
