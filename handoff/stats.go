package handoff

import (
	"sync/atomic"
	"time"

	"sluice/metrics/stat"
)

// durationBounds are the hand-off latency buckets, in nanoseconds.
var durationBounds = []int64{1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2.5e9, 5e9, 1e10, 3e10}

// counters are one target's totals, kept by name across reloads.
type counters struct {
	delivered, deferred, bounced atomic.Uint64
	dur                          *stat.Histogram
}

func newCounters() *counters {
	return &counters{dur: stat.NewHistogram(1, durationBounds, 1e-9)}
}

// TargetStatus is one target as the console and the metrics see it.
type TargetStatus struct {
	Name                         string
	State                        string // "up", "down" (circuit open), "paused", "retired"
	Connections, InFlight        int
	Open                         int    // connected sessions; -1 when the target has none (Maildir, NATS)
	Delivered, Deferred, Bounced uint64 // per recipient
	P50, P99                     time.Duration
	Duration                     stat.HistogramSnapshot
}

// Snapshot is the dispatcher as a whole.
type Snapshot struct {
	Targets  []TargetStatus
	Ready    int // queued for a target now
	Waiting  int // deferred until their retry time
	InFlight int
	Paused   bool // every target paused
}

// quantile estimates q from a histogram snapshot (upper bound of the
// bucket that holds it).
func quantile(h stat.HistogramSnapshot, q float64) time.Duration {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q*float64(total) + 0.5)
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= want && seen > 0 {
			if i < len(h.Bounds) {
				return time.Duration(h.Bounds[i] * 1e9)
			}
			return time.Duration(h.Bounds[len(h.Bounds)-1] * 1e9)
		}
	}
	return 0
}

// TargetCounters are one target's totals (by name, including targets a
// reload removed), for metrics.
type TargetCounters struct {
	Name                         string
	Delivered, Deferred, Bounced uint64
	Duration                     stat.HistogramSnapshot
}

// Counters reads every target's totals without involving the loop.
func (d *Dispatcher) Counters() []TargetCounters {
	d.cmu.Lock()
	defer d.cmu.Unlock()
	out := make([]TargetCounters, 0, len(d.counters))
	for name, c := range d.counters {
		out = append(out, TargetCounters{Name: name, Delivered: c.delivered.Load(), Deferred: c.deferred.Load(),
			Bounced: c.bounced.Load(), Duration: c.dur.Snapshot()})
	}
	return out
}
