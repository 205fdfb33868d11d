package engine

import (
	"time"

	"sluice/proto"
)

// conn is the proto.Host of its own session (every call comes from the
// session, on the worker's thread) and the proto.Runner of its driver.
var (
	_ proto.Host   = (*conn)(nil)
	_ proto.Runner = (*conn)(nil)
	_ proto.Runner = (*tlsRun)(nil)
)

func (c *conn) Submit(m *proto.Message) {
	seq := c.d.Push(m)
	if c.tls != nil { // called on the TLS goroutine: staging is the worker's
		c.w.post(func(w *worker) { w.submit(c, seq, m) })
		return
	}
	c.w.submit(c, seq, m)
}

func (c *conn) Generation() uint64 { return c.w.e.gen.Load() }

func (c *conn) ShuttingDown() bool { return c.w.e.down.Load() }

func (c *conn) Now() time.Time {
	if c.tls != nil {
		return time.Now()
	}
	return c.w.now
}

// Go runs fn off the worker; its result comes back through the inbox.
func (c *conn) Go(fn func() (string, error)) {
	seq := c.d.Push(nil)
	w := c.w
	go func() {
		text, err := fn()
		w.post(func(w *worker) {
			if !c.torn() {
				w.resolve(c, seq, proto.Result{Text: text, Err: err})
			}
		})
	}()
}

// resolveLater delivers r at the next loop turn, never inside the session
// call that asked for it.
func (w *worker) resolveLater(c *conn, seq uint64, r proto.Result) {
	w.post(func(w *worker) {
		if !c.torn() {
			w.resolve(c, seq, r)
		}
	})
}

// resolve records a result and resumes the session with every result that
// is now due in call order.
func (w *worker) resolve(c *conn, seq uint64, r proto.Result) {
	if c.tls != nil {
		c.tls.deliver(seq, r)
		return
	}
	c.d.Deliver(seq, r)
	if c.d.ResumeDue() && w.driven(c, c.d.FeedKept()) {
		w.settle(c)
	}
}

// onGone finishes a teardown: the fd is closed and nothing is in flight.
func (w *worker) onGone(c *conn) {
	c.d.S.Closed(c.reason)
	w.release(c)
}

// release gives back what the connection held: caps, counters, its slot.
func (w *worker) release(c *conn) {
	giveCaps(c.caps)
	w.unlimit(c)
	ct := c.ctrs
	switch c.reason {
	case proto.CloseClient:
		ct.ClosedClient.Add(1)
	case proto.CloseIdle:
		ct.ClosedIdle.Add(1)
	case proto.CloseError:
		ct.ClosedError.Add(1)
	case proto.CloseProtocol:
		ct.ClosedProto.Add(1)
	case proto.CloseShutdown:
		ct.ClosedDown.Add(1)
	}
	ct.Active.Add(-1)
	c.l.open.Add(-1)
	w.conns[c.slot] = nil
	w.cfree = append(w.cfree, c.slot)
	c.d.Release()
	c.flight = nil
	w.nconns.Add(-1)
}
