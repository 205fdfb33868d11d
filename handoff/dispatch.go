package handoff

import (
	"context"
	"errors"
	"sync"
	"time"

	"sluice/spool"
)

// tstate is one target in rotation. Fields other than jobs, wg and ctr
// belong to the loop.
type tstate struct {
	spec      TargetSpec
	jobs      chan job
	wg        sync.WaitGroup
	ctr       *counters
	inflight  int
	paused    bool
	retired   bool
	fails     int
	downUntil time.Time
	current   int // smooth weighted round robin
}

func (t *tstate) down(now time.Time) bool { return now.Before(t.downUntil) }

func (t *tstate) retire() {
	if !t.retired {
		t.retired = true
		close(t.jobs)
	}
}

// job is one record sent to a delivery goroutine, with the recipients
// already finished (read-only copy).
type job struct {
	id   spool.ID
	done map[int]bool
}

// result is a delivery goroutine's report.
type result struct {
	t      *tstate
	id     spool.ID
	rec    *spool.Record
	idx    []int // recipient indexes tried, parallel to status
	status []Status
	err    error // whole-message failure (connection, timeout)
	gone   bool  // no longer in the spool
	took   time.Duration
}

// setTargets puts specs into rotation; targets already there are retired:
// they finish what they hold and close.
func (d *Dispatcher) setTargets(specs []TargetSpec) {
	old := d.targets
	d.targets = nil
	for _, s := range specs {
		s.Connections = max(s.Connections, 1)
		s.Weight = max(s.Weight, 1)
		t := &tstate{spec: s, jobs: make(chan job, s.Connections), ctr: d.counter(s.Name)}
		for i := 0; i < s.Connections; i++ {
			t.wg.Add(1)
			go d.deliverLoop(t)
		}
		d.targets = append(d.targets, t)
	}
	for _, t := range old {
		t.retire()
		go func() { t.wg.Wait(); t.spec.Target.Close() }()
	}
}

func (d *Dispatcher) counter(name string) *counters {
	d.cmu.Lock()
	defer d.cmu.Unlock()
	c := d.counters[name]
	if c == nil {
		c = newCounters()
		d.counters[name] = c
	}
	return c
}

// dispatch hands ready records to targets with a free connection, by
// weight, skipping paused targets and those whose circuit is open.
func (d *Dispatcher) dispatch() {
	if d.stopping {
		return
	}
	now := time.Now()
	for len(d.ready) > 0 {
		t := d.pick(now)
		if t == nil {
			return
		}
		id := d.ready[0]
		d.ready = d.ready[1:]
		if len(d.ready) == 0 {
			d.ready = nil // let a drained backlog's array go
		}
		if d.where[id] != qReady {
			continue
		}
		var done map[int]bool
		if p := d.prog[id]; p != nil && len(p.done) > 0 {
			done = make(map[int]bool, len(p.done))
			for k := range p.done {
				done[k] = true
			}
		}
		d.where[id] = qFlight
		d.inflight++
		t.inflight++
		t.jobs <- job{id: id, done: done} // never blocks: pick checked the room
	}
}

// pick chooses by smooth weighted round robin among targets with room.
func (d *Dispatcher) pick(now time.Time) *tstate {
	var best *tstate
	total := 0
	for _, t := range d.targets {
		if t.paused || t.retired || t.down(now) || t.inflight >= cap(t.jobs)*2 || len(t.jobs) == cap(t.jobs) {
			continue
		}
		t.current += t.spec.Weight
		total += t.spec.Weight
		if best == nil || t.current > best.current {
			best = t
		}
	}
	if best != nil {
		best.current -= total
	}
	return best
}

// deliverLoop is one of a target's delivery goroutines.
func (d *Dispatcher) deliverLoop(t *tstate) {
	defer t.wg.Done()
	for j := range t.jobs {
		d.results <- d.deliverOne(t, j)
	}
}

func (d *Dispatcher) deliverOne(t *tstate, j job) result {
	res := result{t: t, id: j.id}
	if err := d.deliverCtx.Err(); err != nil {
		res.err = errors.New("handoff: shutting down")
		return res
	}
	r, err := d.st.Read(j.id)
	if errors.Is(err, spool.ErrNotFound) {
		res.gone = true
		return res
	}
	if err != nil {
		res.err = err
		return res
	}
	res.rec = r
	m := &Message{ID: r.ID, Sender: r.Env.Sender, Data: r.Data, Received: r.Env.Time}
	for i, rc := range r.Env.Recipients {
		if !j.done[i] {
			m.Recipients = append(m.Recipients, rc)
			res.idx = append(res.idx, i)
		}
	}
	if len(m.Recipients) == 0 {
		return res // every recipient finished before a crash: just ack
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(d.deliverCtx)
	res.status, res.err = t.spec.Target.Deliver(ctx, m)
	cancel()
	res.took = time.Since(start)
	if res.err == nil && len(res.status) != len(m.Recipients) {
		res.err = errors.New("handoff: target returned a status count that does not match the recipients")
	}
	return res
}
