// Package throttle is sluice's anvil: per-source counters for the edge's
// rate and concurrency limits (Inbound_Throttle_Messages,
// Inbound_Throttle_Connections, Inbound_Concurrent_Connections).
//
// A Key is (kind, scope, address): the scope is the console path of the
// config scope that set the limit, so a limit written in an outer scope is
// one budget per source address shared by every inner scope that falls back
// to it (Momentum's "throttles by reference"), and a limit written in a Peer
// counts the sources of that Peer on their own. Addresses are counted one by
// one, never per CIDR block.
//
// Rates are fixed windows, as anvil's: the first event opens a window of the
// limit's period; N events fit in it; the window ends and the count restarts
// (no moving average). Concurrency is a count taken at accept and given back
// at close.
//
// # State and cost
//
// Table is the in-process Limiter: 64 shards, each a small map behind its
// own mutex, keyed by a hash of the Key. Every worker hits a different shard
// for a different source, so the lock is uncontended; a check is one hash,
// one lock and a map access (BenchmarkLimits in the engine measures it
// against limits off). Memory is bounded: each shard holds at most
// MaxEntries/64 sources; when full, it first drops entries whose window is
// over and that hold no connection, and if that frees nothing the new
// source is let through uncounted (fail open) and counted in Untracked.
//
// Limiter is the interface the engine and the protocols use, so another
// implementation (a cluster-wide message rate) can replace Table.
package throttle
