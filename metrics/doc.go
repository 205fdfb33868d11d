// Package metrics is sluice's observability: Prometheus collectors over a
// Snapshot of plain values (the daemon fills it from the engine's, the
// spool's and the protocols' per-worker atomic counters), the /metrics
// server, and the structured logs: logger.go (the daemon's slog logger,
// rate-limited per message) and audit.go (reception and reject lines).
//
// # Invariants
//
// The hot path never takes a lock and never touches a Prometheus object.
// Workers add to atomics (engine counters, spool counters, metrics/stat);
// at scrape time the collector asks the daemon's Source for one Snapshot of
// plain values and emits const metrics (MustNewConstMetric,
// MustNewConstHistogram). Nothing here keeps state between scrapes.
// Counters are monotonic for the life of the process; series of a Listen
// removed by a reload disappear. Labels are bounded: listener, listen,
// reason, protocol, class, worker.
//
// # Concurrency contract
//
// Source.Snapshot is called on the HTTP server's goroutine, concurrently
// with the workers, and possibly concurrently with itself (two scrapers).
// Instrument's session wrapper runs on the session's own thread (the worker
// or, after TLS, its goroutine) like the session it wraps. The rate limiter
// takes a mutex per log record; it is for logging, not the data path.
//
// # Buffer lifetimes
//
// Instrument keeps a pointer to a submitted *proto.Message only until that
// message's Resume (proto.Host's rule), reads out only within the call that
// appended it, and never retains in.
//
// metrics is a leaf above proto: it imports neither the engine nor the
// spool (the adapters from their counters live in the daemon, the
// composition root), and nothing below the daemon imports it except
// through metrics/stat.
package metrics
