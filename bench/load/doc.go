// Package load is sluice-bench's client side: load generators for SMTP
// (kept-open sessions, a session per message, connect/banner/QUIT), HTTP
// (keep-alive and close), ECStream, idle connection holding, and a wrapper
// that times an external client (smtp-source, wrk) while measuring the
// server. It imports nothing from sluice's engine; ECStream goes through
// the public client package sluice/proto/ecstream/ecsclient.
//
// Model: Run starts Conns workers. Each worker owns one Doer (one
// connection or one connection factory) and calls Do until the run's
// duration or op budget is spent. Closed loop: the next op starts when the
// previous one ends; latency is the op's own time. Open loop (Rate > 0):
// op i is due at start + i/Rate, drawn from one shared counter; a worker
// waits for the due time and latency is measured from it, so a server that
// falls behind shows its queueing delay (no coordinated omission).
//
// Concurrency: each worker has its own histogram and Doer; they are merged
// after all workers stop. Doers are never shared between goroutines.
// Buffers: request bytes are built once per worker and reused for every op.
package load
