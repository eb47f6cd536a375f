package store

// FastCommits returns how many batches p wrote in one round trip.
func FastCommits(p *Postgres) int64 { return p.fast.Load() }
