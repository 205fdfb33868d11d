package engine

import "sync/atomic"

// ListenCounters are the per-Listen counters of one worker. The worker is the
// only writer; the metrics collector reads them at scrape time.
type ListenCounters struct {
	Accepted      atomic.Uint64
	RefusedACL    atomic.Uint64
	RefusedCap    atomic.Uint64
	RefusedDown   atomic.Uint64 // refused because the daemon is shutting down
	RefusedRate   atomic.Uint64 // refused by a per-source connection limit
	Active        atomic.Int64
	ClosedClient  atomic.Uint64
	ClosedIdle    atomic.Uint64
	ClosedError   atomic.Uint64
	ClosedProto   atomic.Uint64
	ClosedDown    atomic.Uint64 // closed at the shutdown deadline
	BytesIn       atomic.Uint64
	BytesOut      atomic.Uint64
	InputOverflow atomic.Uint64 // sessions that left more than proto.MaxUnconsumed unconsumed
	Shed          atomic.Uint64 // closed to refill the fd reserve (reserve.go)
	TLSOnWorker   atomic.Uint64 // TLS connections whose records the worker carries (tlsworker.go)
	TLSAlerts     atomic.Uint64 // TLS connections ended by our alert for a bad record
	ProxyCounters
	HoldCounters
}

// HoldCounters count the outcomes of the banner hold (engine/hold.go).
type HoldCounters struct {
	Pregreet    atomic.Uint64 // refused: talked before the banner
	DNSBLListed atomic.Uint64 // refused: DNSBL score reached the threshold
	DNSWLPassed atomic.Uint64 // let through by an allowlist zone
	HoldPassed  atomic.Uint64 // held and let through
}

// ProxyCounters count the outcomes of the PROXY phase (engine/proxy.go).
type ProxyCounters struct {
	ProxyOK      atomic.Uint64 // a valid header was read
	ProxyBad     atomic.Uint64 // malformed header, or none where one is required
	ProxyLate    atomic.Uint64 // no complete header within Proxy_Protocol_Timeout
	ProxyMissing atomic.Uint64 // the peer closed before a complete header
}

// ListenCounterSnapshot is one Listen's block as seen by Counters.
type ListenCounterSnapshot struct {
	Key      string
	Counters *ListenCounters
}

// LoopCounters are one worker's event-loop counters.
type LoopCounters struct {
	LoopTurns  atomic.Uint64
	SQEs       atomic.Uint64 // io_uring: SQEs submitted
	Enters     atomic.Uint64 // io_uring: io_uring_enter calls
	CQOverflow atomic.Uint64 // io_uring: CQ overflow flushes seen
	EpollWaits atomic.Uint64 // epoll: epoll_wait calls
	SpoolBatch atomic.Uint64 // group commits issued
	SpoolMsgs  atomic.Uint64 // messages committed
	SpoolErrs  atomic.Uint64 // failed group commits
}

// WorkerCounters is one worker's view for the metrics collector: the loop
// counters and the per-Listen blocks of the Listens bound when Counters ran.
// The pointers stay valid and keep counting.
type WorkerCounters struct {
	Worker  int
	Backend string
	Loop    *LoopCounters
	Listens []ListenCounterSnapshot
}

// Counters returns each worker's counters; cheap enough for every scrape.
func (e *Engine) Counters() []WorkerCounters {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]WorkerCounters, len(e.workers))
	for i, w := range e.workers {
		wc := WorkerCounters{Worker: i, Backend: e.backend, Loop: &w.ctr}
		for _, key := range e.order {
			if l := e.listens[key]; l.ctrs != nil {
				wc.Listens = append(wc.Listens, ListenCounterSnapshot{Key: key, Counters: l.ctrs[i]})
			}
		}
		out[i] = wc
	}
	return out
}
