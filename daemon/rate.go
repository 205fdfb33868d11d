package daemon

import (
	"sync"
	"time"
)

// rateWindow is how far back "current" rates in summary look.
const (
	rateEvery  = 5 * time.Second
	rateSlots  = 12 // rateEvery × rateSlots = one minute
	rateWindow = rateEvery * rateSlots
)

// rateSample is the received and rejected totals at one instant.
type rateSample struct {
	at                 time.Time
	received, rejected uint64
}

// rates keeps a minute of samples so summary can show the current rate
// next to the average since the last reset.
type rates struct {
	mu   sync.Mutex
	ring [rateSlots + 1]rateSample
	n, i int
}

func (r *rates) add(s rateSample) {
	r.mu.Lock()
	r.ring[r.i] = s
	r.i = (r.i + 1) % len(r.ring)
	r.n = min(r.n+1, len(r.ring))
	r.mu.Unlock()
}

// current is the per-second rate between the oldest sample of the window
// and now.
func (r *rates) current(now rateSample) (received, rejected float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return 0, 0
	}
	oldest := r.ring[(r.i-r.n+len(r.ring))%len(r.ring)]
	dt := now.at.Sub(oldest.at).Seconds()
	if dt <= 0 {
		return 0, 0
	}
	return float64(now.received-oldest.received) / dt, float64(now.rejected-oldest.rejected) / dt
}

// sampleRates records a sample every rateEvery until the daemon stops.
func (d *Daemon) sampleRates() {
	d.rates.add(d.rateNow())
	t := time.NewTicker(rateEvery)
	defer t.Stop()
	for {
		select {
		case <-d.done:
			return
		case <-t.C:
			d.rates.add(d.rateNow())
		}
	}
}

// rateNow reads the lifetime totals (not reset by "summary reset").
func (d *Daemon) rateNow() rateSample {
	t := d.totals()
	return rateSample{at: time.Now(), received: t.Received, rejected: t.Refused + t.SpoolErrors}
}
