package handoff

import (
	"fmt"
	"strings"
	"time"
)

// call runs fn on the loop and waits for it. After Close it reports false.
func (d *Dispatcher) call(fn func()) bool {
	done := make(chan struct{})
	select {
	case d.ctl <- func() { fn(); close(done) }:
		<-done
		return true
	case <-d.loopDone:
		return false
	}
}

// Reconfigure applies a new generation's Handoff scope (config reload):
// new deliveries go to o.Targets at once; the old targets finish what they
// hold and close. No record is lost or dropped: whatever fails on an old
// target is deferred as usual. The retry durations change too (zero keeps
// the current value); Store, Inject and Log are ignored.
func (d *Dispatcher) Reconfigure(o Options) {
	ok := d.call(func() {
		for _, p := range []struct {
			dst *time.Duration
			v   time.Duration
		}{
			{&d.o.RetryInterval, o.RetryInterval}, {&d.o.MaxRetryInterval, o.MaxRetryInterval},
			{&d.o.MaxRetryTime, o.MaxRetryTime}, {&d.o.DrainTime, o.DrainTime}} {
			if p.v > 0 {
				*p.dst = p.v
			}
		}
		d.setTargets(o.Targets)
	})
	if !ok {
		for _, s := range o.Targets {
			s.Target.Close()
		}
	}
}

// Pause stops new deliveries to the target named (all targets when name
// is ""); Resume restarts them. They report an error for an unknown name.
func (d *Dispatcher) Pause(name string) error  { return d.setPaused(name, true) }
func (d *Dispatcher) Resume(name string) error { return d.setPaused(name, false) }

func (d *Dispatcher) setPaused(name string, on bool) error {
	found := false
	d.call(func() {
		for _, t := range d.targets {
			if name == "" || strings.EqualFold(t.spec.Name, name) {
				t.paused, found = on, true
			}
		}
	})
	if !found {
		return fmt.Errorf("handoff: no target %q (see the handoff command for the names)", name)
	}
	return nil
}

// Flush makes every deferred record due now, and closes every circuit
// breaker. It returns how many records it woke.
func (d *Dispatcher) Flush() int {
	n := 0
	d.call(func() {
		for _, it := range d.waiting {
			if d.where[it.id] == qWaiting {
				d.where[it.id] = qReady
				d.ready = append(d.ready, it.id)
				n++
			}
		}
		d.waiting = d.waiting[:0]
		for _, t := range d.targets {
			t.fails, t.downUntil = 0, time.Time{}
		}
	})
	return n
}

// Status reports every target and the queues.
func (d *Dispatcher) Status() Snapshot {
	var s Snapshot
	d.call(func() {
		s.Ready, s.InFlight = len(d.ready), d.inflight
		s.Waiting = len(d.waiting)
		s.Paused = len(d.targets) > 0
		now := time.Now()
		for _, t := range d.targets {
			ts := TargetStatus{Name: t.spec.Name, State: "up", Connections: t.spec.Connections, InFlight: t.inflight, Open: -1,
				Delivered: t.ctr.delivered.Load(), Deferred: t.ctr.deferred.Load(), Bounced: t.ctr.bounced.Load()}
			switch {
			case t.paused:
				ts.State = "paused"
			case t.down(now):
				ts.State = "down"
			}
			if ss, ok := t.spec.Target.(Sessions); ok {
				ts.Open = ss.OpenSessions()
			}
			s.Paused = s.Paused && t.paused
			ts.Duration = t.ctr.dur.Snapshot()
			ts.P50, ts.P99 = quantile(ts.Duration, 0.5), quantile(ts.Duration, 0.99)
			s.Targets = append(s.Targets, ts)
		}
	})
	return s
}
