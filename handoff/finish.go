package handoff

import (
	"container/heap"
	"fmt"
	"strings"
	"time"

	"sluice/spool"
)

// finish applies one delivery result (on the loop).
func (d *Dispatcher) finish(r result) {
	d.inflight--
	r.t.inflight--
	id := r.id
	if r.gone {
		d.forget(id)
		return
	}
	now := time.Now()
	if r.err != nil {
		if !r.t.down(now) { // failures of one outage, reported together, count once
			r.t.fails++
			r.t.downUntil = now.Add(min(time.Second<<min(r.t.fails-1, 6), time.Minute))
		}
		d.log.Warn("handoff: deferred", "id", id.String(), "target", r.t.spec.Name, "err", r.err.Error(),
			"retry_in_target", time.Until(r.t.downUntil).Round(time.Millisecond).String())
		if r.rec == nil { // not even read: try again soon, not as a failed attempt
			d.defer1(id, nil, now.Add(time.Second), false)
			return
		}
		st := Status{Code: 451, Enhanced: "4.4.1", Text: r.err.Error()}
		r.status = all(st, len(r.idx))
	} else {
		r.t.fails = 0
		r.t.downUntil = time.Time{}
	}
	if r.took > 0 {
		r.t.ctr.dur.Observe(0, int64(r.took))
	}
	p := d.prog[id]
	if p == nil {
		p = &progress{done: map[int]bool{}}
	}
	expired := now.Sub(r.rec.Env.Time) > d.o.MaxRetryTime
	var failed []rcptFailure
	var failedIdx []int
	temp := 0
	for i, s := range r.status {
		rc := r.idx[i]
		switch {
		case s.OK():
			p.done[rc] = true
			r.t.ctr.delivered.Add(1)
		case s.Permanent() || expired:
			if !s.Permanent() {
				s = Status{Code: 550, Enhanced: "4.4.7", Text: "delivery time expired; last: " + s.String()}
			}
			p.done[rc] = true
			failed = append(failed, rcptFailure{rcpt: r.rec.Env.Recipients[rc], status: s})
			failedIdx = append(failedIdx, rc)
		default:
			temp++
			r.t.ctr.deferred.Add(1)
		}
	}
	if len(failed) > 0 {
		if err := d.bounce(r.rec, failed); err != nil {
			// No DSN is durable: those recipients are tried again, so the
			// sender still hears about them.
			d.log.Error("handoff: cannot store the DSN; recipients deferred", "id", id.String(), "err", err)
			for _, rc := range failedIdx {
				delete(p.done, rc)
			}
			temp += len(failed)
			failed = nil
		} else {
			r.t.ctr.bounced.Add(uint64(len(failed)))
		}
	}
	if temp > 0 {
		p.attempts++
		at := now.Add(d.backoff(p.attempts))
		d.log.Info("handoff: deferred", "id", id.String(), "target", r.t.spec.Name, "pending", temp,
			"attempts", p.attempts, "retry_at", at.UTC().Format(time.RFC3339), "last", lastTemp(r.status).String())
		d.defer1(id, p, at, true)
		return
	}
	if len(failed) > 0 {
		if err := d.st.Bury(r.rec, failureText(failed)); err != nil {
			d.log.Error("handoff: cannot move to the dead-letter area; kept in the spool", "id", id.String(), "err", err)
			d.defer1(id, p, now.Add(d.o.RetryInterval), true)
			return
		}
		d.log.Warn("handoff: dead-lettered", "id", id.String(), "target", r.t.spec.Name, "failed", len(failed))
		d.forget(id)
		return
	}
	d.log.Info("handoff: delivered", "id", id.String(), "target", r.t.spec.Name,
		"recipients", len(r.idx), "ms", r.took.Milliseconds())
	d.where[id] = qFlight // until the acker has made the ack durable
	d.acks <- id
}

// defer1 puts id back to wait until at, recording p when persist is set.
func (d *Dispatcher) defer1(id spool.ID, p *progress, at time.Time, persist bool) {
	if persist {
		p.next = at
		d.prog[id] = p
		d.state.put(id, p)
	}
	d.where[id] = qWaiting
	heap.Push(&d.waiting, waitItem{at, id})
}

// forget drops every trace of id from the loop's state.
func (d *Dispatcher) forget(id spool.ID) {
	delete(d.where, id)
	if _, ok := d.prog[id]; ok {
		delete(d.prog, id)
		d.state.put(id, nil)
	}
}

// acker makes acknowledgements durable in batches (one fdatasync per
// segment per batch), off the loop, and reports them back.
func (d *Dispatcher) acker() {
	defer close(d.ackDone)
	batch := make([]spool.ID, 0, 256)
	for id := range d.acks {
		batch = append(batch[:0], id)
	more:
		for len(batch) < cap(batch) {
			select {
			case id, ok := <-d.acks:
				if !ok {
					break more
				}
				batch = append(batch, id)
			default:
				break more
			}
		}
		err := d.st.AckMany(batch)
		if err != nil {
			d.log.Error("handoff: ack failed; the messages will be handed off again", "n", len(batch), "err", err)
		}
		d.ackMu.Lock()
		for _, id := range batch {
			d.acked = append(d.acked, ackReport{id, err != nil})
		}
		d.ackMu.Unlock()
		select {
		case d.ackedCh <- struct{}{}:
		default:
		}
	}
}

// ackReport tells the loop an acknowledgement finished.
type ackReport struct {
	id     spool.ID
	failed bool
}

// takeAcked forgets acknowledged records (on the loop). A failed ack
// leaves the record live: it is handed off again later.
func (d *Dispatcher) takeAcked() {
	d.ackMu.Lock()
	reps := d.acked
	d.acked = nil
	d.ackMu.Unlock()
	for _, a := range reps {
		if a.failed && d.st.Size(a.id) > 0 {
			d.defer1(a.id, nil, time.Now().Add(d.o.RetryInterval), false)
			continue
		}
		d.forget(a.id)
	}
}

// onLoop runs fn on the loop goroutine, or drops it once the loop ended.
func (d *Dispatcher) onLoop(fn func()) {
	select {
	case d.ctl <- fn:
	case <-d.loopDone:
	}
}

type rcptFailure struct {
	rcpt   string
	status Status
}

func failureText(f []rcptFailure) string {
	var b strings.Builder
	for i, x := range f {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "<%s>: %s", x.rcpt, x.status)
	}
	return b.String()
}

func lastTemp(st []Status) Status {
	for _, s := range st {
		if !s.OK() && !s.Permanent() {
			return s
		}
	}
	return Status{}
}
