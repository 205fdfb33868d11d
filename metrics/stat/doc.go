// Package stat holds sluice's hot-path counters: per-worker, lock-free,
// allocation-free to record into, read by the metrics collector at scrape
// time. It imports only the standard library, so the engine, the spool and
// the protocols can record into it without linking Prometheus.
//
// # Concurrency contract
//
// Every value is an atomic. A shard (one per worker) is normally written by
// its worker only, but recording is safe from any goroutine (a TLS
// goroutine, a test): adds are atomic, never read-modify-write. Snapshots
// may run at any time; they are not a consistent cut across fields (a
// histogram's count may be one ahead of its sum), which Prometheus
// tolerates.
//
// # Memory
//
// All memory is allocated by the constructors. Shards are allocated one by
// one and padded so that two workers never write the same cache line.
// Observe, Add and the Proto recorders never allocate; Snapshot does.
package stat
