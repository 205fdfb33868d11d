package metrics

import "sluice/metrics/stat"

// Source is what the daemon gives the collector: one consistent-enough
// snapshot of every counter, taken at scrape time. Implementations read
// atomics (engine.Counters, spool.Stats, stat.Proto.Snapshot) and must be
// safe to call from any goroutine, concurrently with the workers.
type Source interface {
	Snapshot() Snapshot
}

// SourceFunc adapts a function to Source.
type SourceFunc func() Snapshot

// Snapshot calls f.
func (f SourceFunc) Snapshot() Snapshot { return f() }

// Snapshot is everything sluice exports, as plain values. Counters are
// monotonic for the life of the process (never reset by "summary reset").
type Snapshot struct {
	Backend   BackendInfo
	Config    ConfigStat
	Listens   []ListenStat   // one per Listen of the serving generation
	Protocols []ProtocolStat // one per protocol served
	Workers   []LoopStat     // one per engine worker
	Spool     SpoolStat
}

// BackendInfo is the event-loop back end chosen and why.
type BackendInfo struct {
	Name   string // "io_uring" or "epoll"
	Reason string // the engine's one-line reason
}

// ConfigStat is the configuration generation and reload outcomes.
type ConfigStat struct {
	Generation     uint64
	ReloadOK       uint64 // successful reloads (console "config reload", SIGHUP)
	ReloadFailed   uint64 // reloads refused (parse or validation errors)
	LastReloadGood bool   // the last reload attempt succeeded (true before any)
}

// ListenStat is one Listen summed over workers.
type ListenStat struct {
	Listener string // canonical type, "ESMTP_Listener"
	Listen   string // address as bound or configured, "127.0.0.1:2525", "/run/x.sock"
	Enabled  bool   // configured enabled (Enable = true)
	Up       bool   // enabled and bound
	Accepted uint64
	// Refused at accept, by reason.
	RefusedACL, RefusedCap, RefusedShutdown uint64
	Active                                  int64
	// Closed, by reason (proto.CloseReason).
	ClosedClient, ClosedIdle, ClosedError, ClosedProtocol, ClosedShutdown uint64
	BytesIn, BytesOut                                                     uint64
}

// ProtocolStat is one protocol ("esmtp", "http", "ecstream", "control").
type ProtocolStat struct {
	Protocol string
	stat.ProtoSnapshot
}

// ProtocolStatOf names a protocol's counters.
func ProtocolStatOf(name string, p *stat.Proto) ProtocolStat {
	return ProtocolStat{Protocol: name, ProtoSnapshot: p.Snapshot()}
}

// LoopStat is one worker's event loop. Ring fields stay 0 on epoll and
// EpollWaits stays 0 on io_uring.
type LoopStat struct {
	Worker                          int
	Turns, SQEs, Enters, CQOverflow uint64
	EpollWaits                      uint64
}

// SpoolStat is the spool's group-commit counters (spool.Stats).
type SpoolStat struct {
	Commits, Records, Bytes, Fsyncs, Errors uint64
	CommitLatency                           stat.HistogramSnapshot // seconds
	BatchSize                               stat.HistogramSnapshot // records per commit
	Live, Segments                          int
}
