package engine

import (
	"time"
)

// ListenState is one Listen as Listeners reports it.
type ListenState struct {
	Key      string
	Listener string
	Address  string
	Bound    string // the address bound, with port 0 resolved; "" unless bound
	State    string // "bound", "disabled" or "failed"
	Reason   string // why it failed
	Sockets  int    // sockets bound: one per worker for TCP, one for Unix
	Open     int64  // connections not yet fully closed
}

// Listeners reports every Listen of the last Apply, in its order.
func (e *Engine) Listeners() []ListenState {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ListenState, 0, len(e.order))
	for _, k := range e.order {
		l := e.listens[k]
		s := l.spec.Load()
		st := ListenState{Key: k, Listener: s.Listener, Address: s.Address, State: l.state,
			Reason: l.why, Open: l.open.Load()}
		if l.state == "bound" {
			st.Bound = l.bound
		}
		switch {
		case len(l.socks) > 0 && l.socks[0].closeF:
			st.Sockets = len(l.socks)
		case len(l.socks) > 0:
			st.Sockets = 1
		}
		out = append(out, st)
	}
	return out
}

// ConnState is one connection as "show inbound" lists it.
type ConnState struct {
	ID       uint64
	Worker   int
	Listener string
	Listen   string
	Peer     string
	State    string // "reading", "writing", "waiting" (on the spool), "closing", "tls"
	Since    time.Time
}

// Conns snapshots the connections of every worker. Each worker fills its
// part on its own thread, so no connection state is read across threads.
// It does not wait for Apply or Shutdown, so it works while draining.
func (e *Engine) Conns() []ConnState {
	ch := make(chan []ConnState, len(e.workers))
	asked := 0
	for _, w := range e.workers {
		if w.post(func(w *worker) { ch <- w.snapshot() }) {
			asked++
		}
	}
	var out []ConnState
	for ; asked > 0; asked-- {
		out = append(out, <-ch...)
	}
	return out
}

func (w *worker) snapshot() []ConnState {
	var out []ConnState
	for _, c := range w.conns {
		if c == nil {
			continue
		}
		st := "reading"
		switch {
		case c.tls != nil:
			st = "tls" // the TLS goroutine owns the rest of its state
		case c.torn() || c.phase == connClosing:
			st = "closing"
		case c.d.Pending() > 0:
			st = "waiting"
		case c.sending:
			st = "writing"
		}
		peer := c.info.Remote.String()
		if c.info.Unix {
			peer = "unix"
		}
		out = append(out, ConnState{ID: c.info.ID, Worker: w.id, Listener: c.info.Listener,
			Listen: c.info.Listen, Peer: peer, State: st, Since: c.info.Accepted})
	}
	return out
}
