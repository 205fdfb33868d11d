package engine

import (
	"time"

	"sluice/proto"
)

// The idle clock and message content (issue 21, Postfix's model). Outside
// content any session progress restarts the clock (now + Idle_Time). While
// a proto.ContentReceiver is in content, consuming n bytes moves the
// current deadline by n / Min_Data_Rate seconds, never beyond now +
// Idle_Time: a client one byte per second inside DATA (rate 500 B/s) runs
// out after about Idle_Time, a 10 KB/s link never does. Output progress (a
// send completing, however small) always restarts the clock, so a client
// that reads its replies slowly is active; one that stops reading gets no
// send completions and is closed when the clock runs out: the send timeout
// is Idle_Time, counted from the last byte the peer accepted.

// creditDeadline is the deadline after n content bytes at now; cur is the
// deadline so far (0: none yet), idle and the result are in ns.
func creditDeadline(now, cur, idle int64, n int, rate int64) int64 {
	limit := now + idle
	if cur == 0 || cur > limit {
		cur = limit
	}
	return min(cur+int64(n)*int64(time.Second)/rate, limit)
}

// InContent implements proto.Runner: whether c's session is receiving
// content under a rate.
func (c *conn) InContent() bool {
	if c.minRate <= 0 {
		return false
	}
	cr, ok := c.d.S.(proto.ContentReceiver)
	return ok && cr.InContent()
}

// credit applies the content rate to n bytes consumed by c. It returns
// whether the caller should count the Feed as ordinary progress (a full
// restart): only output made does while in content.
func (w *worker) credit(c *conn, n int, made bool, content bool) bool {
	if !content {
		return n > 0 || made
	}
	if made {
		return true
	}
	if n > 0 {
		if d := w.idleOf(c); d > 0 {
			c.deadline = creditDeadline(w.nowNano, c.deadline, int64(d), n, c.minRate)
			w.wheel.arm(c, c.deadline)
		}
	}
	return false
}

// idleOf is the connection's idle limit: the session's, else Idle_Time.
func (w *worker) idleOf(c *conn) time.Duration {
	if d := c.d.S.Timeout(); d > 0 {
		return d
	}
	return c.idle
}
