package engine

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"sluice/proto"
)

// onSent: the send in flight finished, maybe partially.
func (w *worker) onSent(c *conn, n int, err error) {
	c.sending, c.flight = false, nil
	if c.torn() {
		return
	}
	if err != nil {
		w.closeConn(c, classify(err))
		return
	}
	c.ctrs.BytesOut.Add(uint64(n))
	if n > 0 {
		w.touch(c) // output progress: the peer is reading (rate.go)
	}
	if c.rs != nil {
		w.sentTLS(c, n)
		w.feedBuffered(c)
		w.settle(c)
		return
	}
	c.sendOff += n
	switch {
	case c.sendOff == len(c.d.Out):
		c.d.Out, c.sendOff = c.d.Out[:0], 0
		if cap(c.d.Out) > outKeep {
			c.d.Out = nil
		}
	case c.sendOff >= 32<<10:
		rest := copy(c.d.Out, c.d.Out[c.sendOff:])
		c.d.Out, c.sendOff = c.d.Out[:rest], 0
	}
	w.feedBuffered(c)
	w.settle(c)
}

// onRecvEnd: the peer sent EOF (err nil) or the receive failed.
func (w *worker) onRecvEnd(c *conn, err error) {
	c.readOn = false
	if c.torn() {
		return
	}
	if err != nil {
		w.closeConn(c, classify(err))
		return
	}
	c.eof = true
	w.settle(c)
}

func classify(err error) proto.CloseReason {
	if errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) {
		return proto.CloseClient
	}
	return proto.CloseError
}

func (w *worker) onTimer(c *conn) {
	switch {
	case c.torn() || c.deadline == 0:
	case c.d.Pending() > 0: // never reaped while waiting on the spool
		w.wheel.arm(c, w.nowNano+int64(time.Second))
	case c.deadline > w.nowNano:
		w.wheel.arm(c, c.deadline)
	default:
		w.closeConn(c, proto.CloseIdle)
	}
}

// closeConn starts the teardown; onGone finishes it.
func (w *worker) closeConn(c *conn, r proto.CloseReason) {
	if c.tls != nil {
		c.tls.abort(r) // the TLS goroutine ends and reports back
		return
	}
	if c.torn() {
		return
	}
	c.phase, c.reason = connTorn, r
	w.wheel.cancel(c)
	w.b.teardown(c)
}
