package daemon

import (
	"os"
	"sync"
	"time"
)

// totals is what "summary" and /stats/summary report, summed over workers.
type totals struct {
	Accepted, Refused, Active uint64
	Received, SpoolErrors     uint64
	BytesIn, BytesOut         uint64
}

// stats keeps the baseline of the last "summary reset": counters are never
// zeroed (Prometheus needs them monotonic); the summary subtracts.
type stats struct {
	mu        sync.Mutex
	base      totals
	lastReset time.Time
}

func newStats() *stats { return &stats{lastReset: time.Now()} }

// summary returns Momentum's summary fields that apply to an ingress node,
// keyed by their JSON names (momentum-spec §11.1).
func (d *Daemon) summary() map[string]any {
	t := d.totals()
	d.stats.mu.Lock()
	b, since := d.stats.base, d.stats.lastReset
	d.stats.mu.Unlock()
	now := time.Now()
	elapsed := now.Sub(since).Seconds()
	received := t.Received - b.Received
	rejected := (t.Refused - b.Refused) + (t.SpoolErrors - b.SpoolErrors)
	rate := func(n uint64) float64 {
		if elapsed <= 0 {
			return 0
		}
		return float64(n) / elapsed
	}
	var cur struct{ received, rejected float64 }
	cur.received, cur.rejected = d.rates.current(d.rateNow())
	pct := 0.0
	if received+rejected > 0 {
		pct = 100 * float64(rejected) / float64(received+rejected)
	}
	return map[string]any{
		"InboundConcurrency":   t.Active,
		"ReceivedMessages":     received,
		"RejectedMessages":     rejected,
		"ReceptionRate":        rate(received),
		"RejectionRate":        rate(rejected),
		"CurrentReceptionRate": cur.received,
		"CurrentRejectionRate": cur.rejected,
		"RejectionPercentage":  pct,
		"AcceptedConnections":  t.Accepted - b.Accepted,
		"StatisticsLastReset":  int64(elapsed),
		"Uptime":               int64(now.Sub(d.started).Seconds()),
	}
}

func (d *Daemon) summaryJSON() map[string]any { return d.summary() }

// resetSummary implements "summary reset" and DELETE /stats/summary.
func (d *Daemon) resetSummary() {
	t := d.totals()
	d.stats.mu.Lock()
	d.stats.base, d.stats.lastReset = t, time.Now()
	d.stats.mu.Unlock()
}

// ready is /readyz: every enabled Listen bound and the spool writable.
func (d *Daemon) ready() (bool, string) {
	for _, l := range d.eng.Listeners() {
		if l.State == "failed" {
			return false, l.Key + " failed: " + l.Reason
		}
	}
	f, err := os.CreateTemp(d.spoolDir, ".ready-*")
	if err != nil {
		return false, "spool not writable: " + err.Error()
	}
	f.Close()
	os.Remove(f.Name())
	return true, ""
}
